"""Progress in bytes survives a restart of gterm: the panel shows a task as it did before gterm quit.

Globus reports the bytes a task moved but no total, so gterm's byte progress
rests on the total it knew at submit. That total lived only in the panel's
memory: after a restart a one-file task showed ``0/1`` (running, or cancelled
mid-file) or ``1/1`` (done) instead of the bytes it showed a moment before.
Live sandbox slowed down, real service, SDK and state file; a restart is a
new GtermApp over the same settings and state files.
"""

from __future__ import annotations

from typing import Any

from gterm.config import GtermConfig
from gterm.globus.transfer import TransferService, wait_for_task
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui import task_format as fmt
from tests.support.browser_helpers import make_app, settled, wait_for
from tests.support.panel_rows import f5_one, panel_of, panel_row, panel_shows, restarted

SIZE = (140, 36)
BIG = 2 * 1024 * 1024  # at the slow_transfers rate (64 KiB/s) it runs for half a minute
SMALL = 20 * 1024


async def test_a_restart_shows_the_same_byte_progress_for_running_done_and_cancelled_tasks(
    alice_service: TransferService, tmp_config: GtermConfig, lab_dir: Any, slow_transfers: None
) -> None:
    _, src = lab_dir({"big.bin": b"\0" * BIG, "small.bin": b"\1" * SMALL})
    _, dst = lab_dir()
    where = {"left": f"{LAB_STORAGE_ID}:{src}", "right": f"{LAB_STORAGE_ID}:{dst}"}
    app = make_app(alice_service, config=tmp_config, **where)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.path == src, "the source")
        await settled(pilot)
        small = await f5_one(pilot, app, "small.bin")
        big = await f5_one(pilot, app, "big.bin")
        panel = panel_of(app)
        await wait_for(pilot, lambda: any(t.task_id == big and t.is_active and t.bytes_transferred > 0
                                          for t in panel.tasks), "the big file part way through")
        await wait_for(pilot, lambda: any(t.task_id == small and t.status == "SUCCEEDED" for t in panel.tasks),
                       "the small file done")
        running_before = panel_row(app, big)["progress"]
        done_before = panel_row(app, small)
    assert running_before.endswith(f"/{fmt.human_bytes(BIG)}"), running_before  # bytes, not "0/1"
    assert done_before["progress"].endswith(f" {fmt.human_bytes(SMALL)}/{fmt.human_bytes(SMALL)}"), done_before

    # gterm restarts while the big file is still moving: the same rows, in bytes (was "1/1" and "0/1").
    app = make_app(alice_service, config=restarted(tmp_config), **where)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: panel_shows(app, big, small), "the tasks after the restart")
        assert panel_row(app, small) == done_before
        running_after = panel_row(app, big)["progress"]
        assert running_after.endswith(f"/{fmt.human_bytes(BIG)}"), running_after
        alice_service.cancel(big)
        ended = wait_for_task(alice_service, big, timeout=60)
        assert ended.status == "FAILED" and 0 < ended.bytes_transferred < BIG
        panel_of(app).refresh_tasks()
        await wait_for(pilot, lambda: panel_row(app, big)["status"].startswith("FAILED"), "the cancel in the panel")
        cancelled = panel_row(app, big)
    assert cancelled["progress"].endswith(f" {fmt.human_bytes(ended.bytes_transferred)}/{fmt.human_bytes(BIG)}")
    assert cancelled["bytes"] == fmt.human_bytes(ended.bytes_transferred)

    # And again, with both tasks finished: every cell as it was.
    app = make_app(alice_service, config=restarted(tmp_config), **where)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: panel_shows(app, big, small), "the tasks after the second restart")
        assert panel_row(app, big) == cancelled
        assert panel_row(app, small) == done_before
