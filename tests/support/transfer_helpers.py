"""Small helpers shared by the sandbox Transfer tests (S-TRANSFER)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import globus_sdk
import pytest


def collection_root(sandbox: Any, collection_id: str) -> Path:
    """The on-disk directory of a collection's "/", from sandbox.json."""
    for entry in sandbox.info["collections"]:
        if entry["id"] == collection_id:
            return Path(entry["root"])
    raise KeyError(collection_id)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def api_error(call: Callable[[], Any]) -> globus_sdk.TransferAPIError:
    """Run an SDK call that must fail and return its TransferAPIError."""
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        call()
    return info.value


def names(listing: Any) -> list[str]:
    return [entry["name"] for entry in listing["DATA"]]
