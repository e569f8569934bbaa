"""Progress, rate and ETA in bytes: one big file moves visibly, and a cancel mid-file keeps its bytes.

Live sandbox slowed down (``slow``: bytes per second per task), real service
and SDK; the panel polls the task as it would at Globus.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from textual.widgets import Input

from gterm.globus.transfer import TransferService, wait_for_task
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui import task_format as fmt
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.hosts import HostPane, TransferHostApp
from tests.support.transfer_live import wait_until

SIZE = 2 * 1024 * 1024
RATE = 256 * 1024  # bytes per second: the file takes about 8 s, long enough to watch it move


@pytest.fixture
def slow_transfers(sandbox: SandboxHandle) -> Iterator[None]:
    sandbox.state.config.slow = RATE
    try:
        yield
    finally:
        sandbox.state.config.slow = None


def cells(app: TransferHostApp, task_id: str) -> list[str]:
    table = app.transfers.task_panel.table
    return [str(cell) for cell in table.get_row(task_id)]


async def test_one_file_shows_bytes_and_an_eta_then_cancel_keeps_the_bytes(
    alice_service: TransferService, lab_dir: Any, slow_transfers: None
) -> None:
    _, src = lab_dir({"big.bin": b"\0" * SIZE})
    _, dst = lab_dir()
    left = HostPane(alice_service, LAB_STORAGE_ID, src, "Lab Storage")
    right = HostPane(alice_service, LAB_STORAGE_ID, dst, "Lab Storage")
    left.selected = ["big.bin"]
    app = TransferHostApp(alice_service, left, right)
    async with app.run_test(size=(140, 36)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        app.screen.query_one("#label", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.submitted_task_id is not None, "submission")
        task_id = str(app.submitted_task_id)
        panel = app.transfers.task_panel

        def moving() -> bool:
            task = next((t for t in panel.tasks if t.task_id == task_id), None)
            return task is not None and task.is_active and 0 < task.bytes_transferred < SIZE

        await wait_until(pilot, moving, "the file part way through")
        await pilot.pause()
        _label, _type, _status, progress, _bytes, _rate, _elapsed, eta = cells(app, task_id)
        assert progress.endswith(f"/{fmt.human_bytes(SIZE)}"), progress  # bytes, not "0/1"
        assert not progress.split()[-1].startswith("0/")
        assert eta != "-"
        alice_service.cancel(task_id)
        ended = wait_for_task(alice_service, task_id, timeout=60)
        assert ended.status == "FAILED"
        assert 0 < ended.bytes_transferred < SIZE  # the bytes that moved before the cancel
        panel.refresh_tasks()
        await wait_until(
            pilot, lambda: any(t.task_id == task_id and not t.is_active for t in panel.tasks), "the end in the panel"
        )
        await pilot.pause()
        shown_bytes = cells(app, task_id)[4]
        assert shown_bytes == fmt.human_bytes(ended.bytes_transferred) and shown_bytes != "0 B"
