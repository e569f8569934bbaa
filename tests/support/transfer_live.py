"""Helpers for the transfer Pilot tests that need a sandbox of their own (slow, faulty) or its request log.

A module that needs ``--slow`` or ``--fault-rate`` starts its own sandbox with
:func:`own_sandbox` (its own data dir, its own port) and points the SDK's
service URL variables at it for the module's lifetime, restoring them after.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gterm.globus.transfer import TransferService
from gterm.globus.transfer_requests import TransferItem, TransferRequest
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import identity_id, own_sandbox, transfer_client_for  # noqa: F401 (own_sandbox is re-exported for the tests)

WAIT = 60.0
def service_for(handle: SandboxHandle, identity: str = "alice") -> TransferService:
    """A TransferService for ``identity``; one logged-in client shared by worker threads (tests only)."""
    client = transfer_client_for(handle, identity)
    return TransferService(lambda: client)


def collection_root(handle: SandboxHandle, collection_id: str) -> Path:
    for collection in handle.info["collections"]:
        if collection["id"] == collection_id:
            return Path(collection["root"])
    raise KeyError(collection_id)


def make_lab_dir(handle: SandboxHandle, files: dict[str, str | bytes] | None = None) -> tuple[Path, str]:
    """A fresh directory in Lab Storage: (disk path, Globus path ending in /)."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    disk = collection_root(handle, LAB_STORAGE_ID) / "transfer-tests" / name
    disk.mkdir(parents=True)
    for rel, content in (files or {}).items():
        target = disk / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
    return disk, f"/transfer-tests/{name}/"


class RequestLog:
    """DATA_DIR/requests.log, read from a mark: what the sandbox saw, one JSON line per request."""

    def __init__(self, handle: SandboxHandle) -> None:
        self.path = handle.data_dir / "requests.log"
        self.handle = handle

    def mark(self) -> int:
        """Where the records after this moment begin: every request answered so far is logged first (a
        record is written just after its response, so an earlier test's last call could land after a
        plain size reading and count as this test's)."""
        if self.path.exists():
            self._flush()
        return self.path.stat().st_size if self.path.exists() else 0

    def since(self, mark: int, end: int | None = None) -> list[dict[str, Any]]:
        """The records from ``mark`` (to ``end``); without ``end``, every request answered so far.

        The sandbox writes a record once its response has gone out, so a call the
        test has just seen answered may not be in the file yet: a marker request
        is sent and its record awaited first (requests are logged in the order
        they finish).
        """
        if end is None:
            self._flush()
        with open(self.path, "rb") as fh:
            fh.seek(mark)
            data = fh.read() if end is None else fh.read(end - mark)
        return [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]

    def _flush(self) -> None:
        marker = f"/v0.10/test-log-marker-{uuid.uuid4().hex}"
        try:
            tls = ssl.create_default_context(cafile=str(self.handle.ca_file)) if self.handle.ca_file else None
            urllib.request.urlopen(self.handle.transfer_url.rstrip("/") + marker, timeout=10, context=tls).close()
        except urllib.error.HTTPError:
            pass  # 404, as expected: what matters is that the sandbox logs it
        deadline = time.monotonic() + 10
        while marker.encode() not in self.path.read_bytes():
            if time.monotonic() > deadline:
                raise AssertionError("the sandbox never logged the marker request")
            time.sleep(0.02)

    def count(self, mark: int, *, method: str, path: str, identity: str | None = None,
              prefix: bool = False, end: int | None = None) -> int:
        who = identity_id(self.handle, identity) if identity else None
        return sum(
            1
            for record in self.since(mark, end)
            if record["method"] == method
            and (record["path"].startswith(path) if prefix else record["path"] == path)
            and (who is None or record.get("identity") == who)
        )


async def wait_until(pilot: Any, condition: Callable[[], bool], what: str, limit: float = WAIT) -> None:
    """Pump the app until ``condition()`` holds (bounded, so a broken app fails instead of hanging)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


async def pump_for(pilot: Any, seconds: float) -> None:
    """Let the app run for a while (a measuring window, not a timing assert)."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        await pilot.pause(0.1)


def submit_copy(service: TransferService, source: str, destination: str) -> str:
    """Submit one Lab Storage file copy straight through the service (not the app); returns the task id."""
    request = TransferRequest(LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(source, destination)])
    request.submission_id = service.new_submission_id()
    return service.submit_transfer_once(request)
