"""Start-up: the UI can be built and drawn before globus-sdk (and what it brings) is imported.

gterm paints its first frame from modules that only name the SDK for types
(gterm.lazy_modules); the SDK loads with the first call to Globus. These
tests run a fresh interpreter, so what an earlier test imported cannot hide
an eager import.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gterm.lazy_modules import LazyModule

HEAVY = ("globus_sdk", "requests", "jwt", "cryptography", "keyring")


def modules_loaded_after(code: str) -> set[str]:
    """The top-level packages among HEAVY that a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    return set(json.loads(done.stdout.strip().splitlines()[-1])) & set(HEAVY)


def test_importing_the_app_loads_no_sdk_http_or_keyring() -> None:
    assert modules_loaded_after("import gterm.tui.app") == set()


def test_building_the_services_loads_no_sdk() -> None:
    # What the app holds from its start: services with client factories, not clients.
    code = (
        "from gterm.globus.transfer import TransferService\n"
        "from gterm.globus.endpoint_manager import EndpointManager\n"
        "from gterm.globus.groups import GroupsService\n"
        "def no_client(): raise AssertionError('no client is made at start-up')\n"
        "service = TransferService(no_client)\n"
        "EndpointManager(no_client)\n"
        "GroupsService(no_client)\n"
    )
    assert modules_loaded_after(code) == set()


def test_mapping_a_non_sdk_error_does_not_load_the_sdk() -> None:
    code = (
        "from gterm.globus.error_mapping import map_exception\n"
        "assert map_exception(OSError('disk')) is None\n"
        "assert map_exception(ValueError('x')) is None\n"
    )
    assert modules_loaded_after(code) == set()


def test_sdk_errors_are_still_mapped_once_the_sdk_is_loaded() -> None:
    code = (
        "import globus_sdk, requests\n"
        "from gterm.globus.error_mapping import map_exception\n"
        "from gterm.globus.errors import Offline\n"
        "assert isinstance(map_exception(requests.ConnectionError('down')), Offline)\n"
        "assert map_exception(globus_sdk.GlobusSDKUsageError('bug')) is None\n"
    )
    assert {"globus_sdk", "requests"} <= modules_loaded_after(code)


def test_lazy_module_imports_on_first_attribute_read() -> None:
    lazy = LazyModule("json")
    assert "not loaded yet" in repr(lazy)
    assert lazy.dumps([1]) == json.dumps([1])
    assert "loaded" in repr(lazy) and "not loaded" not in repr(lazy)


def test_lazy_module_reports_a_missing_module_when_used() -> None:
    lazy = LazyModule("gterm_no_such_module")
    with pytest.raises(ModuleNotFoundError):
        _ = lazy.anything
