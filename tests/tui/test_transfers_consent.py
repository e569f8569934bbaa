"""A transfer into a collection that needs data_access consent: sign in again, then the SAME request is retried.

The first submit is refused (403 ConsentRequired); gterm's one error place asks
for consent (the login screen, whose sign-in here is a test session's: it gets
tokens with the dependent scope), then retries the submission with the same request object,
hence the same submission id: one task, and the file arrives in HPC Scratch.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import globus_sdk
from globus_sdk.authorizers import GlobusAuthorizer
from textual.widgets import Input

from gterm.globus.transfer import TransferService, wait_for_task
from gterm.sandbox.seed_ids import HPC_SCRATCH_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.consent import ConsentSession
from tests.support.hosts import HostPane, TransferHostApp
from tests.support.sandbox_login import transfer_client_for
from tests.support.transfer_live import RequestLog, wait_until


class SwitchableAuthorizer(GlobusAuthorizer):
    """Delegates to the latest login's authorizer, as GlobusApp's storage-backed authorizers do.

    Clients are cached per worker thread, so a new login must reach the
    clients that already exist rather than only clients built afterwards.
    """

    def __init__(self, inner: GlobusAuthorizer) -> None:
        self.inner = inner

    def get_authorization_header(self) -> str | None:
        return self.inner.get_authorization_header()

    def handle_missing_authorization(self) -> bool:
        return self.inner.handle_missing_authorization()


async def test_consent_then_one_retry_makes_one_task(sandbox: SandboxHandle, lab_dir: Any) -> None:
    authorizer = SwitchableAuthorizer(transfer_client_for(sandbox, "alice").authorizer)
    service = TransferService(
        lambda: globus_sdk.TransferClient(authorizer=authorizer, base_url=sandbox.transfer_url)
    )
    asked: list[list[str]] = []
    lock = threading.Lock()

    def grant(scopes: list[str]) -> bool:
        with lock:
            asked.append(scopes)
            authorizer.inner = transfer_client_for(sandbox, "alice", data_access=[HPC_SCRATCH_ID]).authorizer
        return True

    src_disk, src = lab_dir({"to-scratch.txt": "needs consent\n"})
    scratch_root = next(Path(c["root"]) for c in sandbox.info["collections"] if c["id"] == HPC_SCRATCH_ID)
    dst_name = src.strip("/").rsplit("/", 1)[-1]
    (scratch_root / "consent-tests" / dst_name).mkdir(parents=True)
    dst = f"/consent-tests/{dst_name}/"

    left = HostPane(service, LAB_STORAGE_ID, src, "Lab Storage")
    left.selected = ["to-scratch.txt"]
    consented = TransferService(lambda: transfer_client_for(sandbox, "alice", data_access=[HPC_SCRATCH_ID]))
    right = HostPane(consented, HPC_SCRATCH_ID, dst, "HPC Scratch")
    app = TransferHostApp(service, left, right, session=ConsentSession(grant))
    log = RequestLog(sandbox)
    mark = log.mark()
    label = f"consent {dst_name}"
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        app.screen.query_one("#label", Input).value = label
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.submitted_task_id, "the retried submission")
        task_id = str(app.submitted_task_id)
    assert len(asked) == 1 and any(HPC_SCRATCH_ID in scope for scope in asked[0])
    posts = [r for r in log.since(mark) if r["method"] == "POST" and r["path"] == "/v0.10/transfer"]
    assert [r["status"] for r in posts] == [403, 202] or [r["status"] for r in posts] == [403, 200]
    assert [t.task_id for t in service.tasks(limit=100) if t.label == label] == [task_id]
    assert wait_for_task(service, task_id, timeout=60).status == "SUCCEEDED"
    assert (scratch_root / "consent-tests" / dst_name / "to-scratch.txt").read_bytes() == (
        src_disk / "to-scratch.txt"
    ).read_bytes()
