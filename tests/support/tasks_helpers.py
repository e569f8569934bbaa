"""Helpers for the task and engine tests (S-TASKS): disk setup and waiting for tasks."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import globus_sdk

from gterm.sandbox.seed_ids import ALICE_USERNAME, LAB_STORAGE_ID

LAB = LAB_STORAGE_ID
ALICE_HOME = "/home/" + ALICE_USERNAME.split("@")[0]


def collection_root(sandbox: Any, collection_id: str = LAB) -> Path:
    for entry in sandbox.info["collections"]:
        if entry["id"] == collection_id:
            return Path(entry["root"])
    raise KeyError(collection_id)


def workdir(sandbox: Any, prefix: str) -> tuple[str, Path]:
    """A fresh directory in Alice's home on Lab Storage: (Globus path with "/", disk path)."""
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    disk = collection_root(sandbox) / ALICE_HOME.strip("/") / name
    disk.mkdir(parents=True)
    return f"{ALICE_HOME}/{name}/", disk


def write(path: Path, content: bytes | str, mtime: float | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def tree(root: Path) -> dict[str, bytes | None]:
    """Relative path -> bytes (files) or None (dirs): compares whole trees at once."""
    out: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for d in dirnames:
            out[os.path.normpath(os.path.join(rel, d))] = None
        for f in filenames:
            out[os.path.normpath(os.path.join(rel, f))] = Path(dirpath, f).read_bytes()
    return out


def wait_done(tc: globus_sdk.TransferClient, task_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll until the task leaves ACTIVE; returns the final task document."""
    until = time.monotonic() + timeout
    while True:
        task = tc.get_task(task_id)
        if task["status"] not in ("ACTIVE", "INACTIVE"):
            return task.data
        if time.monotonic() > until:
            raise AssertionError(f"task {task_id} still {task['status']} after {timeout}s: {task.data}")
        time.sleep(0.05)


def wait_until(tc: globus_sdk.TransferClient, task_id: str, predicate: Any, timeout: float = 60.0) -> dict[str, Any]:
    until = time.monotonic() + timeout
    while True:
        task = tc.get_task(task_id).data
        if predicate(task):
            return task
        if task["status"] != "ACTIVE" or time.monotonic() > until:
            raise AssertionError(f"condition never held for task {task_id}: {task}")
        time.sleep(0.05)


def transferred(tc: globus_sdk.TransferClient, task_id: str) -> set[str]:
    """Destination paths the task really copied (successful_transfers, all pages)."""
    pages = tc.paginated.task_successful_transfers(task_id)
    return {item["destination_path"] for item in pages.items()}


def events(tc: globus_sdk.TransferClient, task_id: str) -> list[dict[str, Any]]:
    return [e.data if hasattr(e, "data") else e for e in tc.paginated.task_event_list(task_id).items()]


def poll_doc(read: Callable[[], dict[str, Any]], until: Callable[[dict[str, Any]], bool],
             timeout: float = 60.0) -> dict[str, Any]:
    """``read()`` again and again until ``until`` holds for what it returns (bounded; not a timing assert)."""
    deadline = time.monotonic() + timeout
    while True:
        doc = read()
        if until(doc):
            return doc
        if time.monotonic() > deadline:
            raise AssertionError(f"condition never held: {doc}")
        time.sleep(0.05)
