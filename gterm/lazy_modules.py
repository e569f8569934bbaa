"""Modules loaded on first use, so gterm paints its first frame before globus-sdk loads.

globus-sdk (with requests, PyJWT and cryptography behind it) takes longer to
import than Textual itself. The screen needs none of it to draw: only the
first call to Globus does, and that runs on a worker thread. So the modules
the TUI imports name the SDK at module level only for types, and at run time
hold a :class:`LazyModule` in its place::

    if TYPE_CHECKING:
        import globus_sdk
    else:
        globus_sdk = LazyModule("globus_sdk")

The first attribute read (``globus_sdk.TransferClient``) imports the real
module; later reads go straight to it. Type checkers see the real module.
``tests/startup`` checks that importing the app loads none of them.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module ``name`` and imports it when one of its attributes is first read."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        # Only called for names this object lacks, i.e. the module's own. The import system's
        # per-module locks make a first read from two threads at once safe.
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        state = "loaded" if self._module is not None else "not loaded yet"
        return f"<LazyModule {self._name!r} ({state})>"


def is_loaded(name: str) -> bool:
    """Whether module ``name`` has been imported (so its exception types can have been raised)."""
    return name in sys.modules
