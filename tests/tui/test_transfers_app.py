"""The transfer keys inside the real GtermApp: F5 from a real pane selection, `c` marks, `t` focuses tasks."""

from __future__ import annotations

import os
from typing import Any

from gterm.globus.transfer import TransferService, wait_for_task
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.transfer_dialog import TransferDialog
from gterm.tui.widgets.task_panel import TaskPanel, TaskTable
from tests.support.browser_helpers import cursor_to, make_app, settled, wait_for

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


async def test_f5_sends_the_selection_to_the_other_pane(
    alice_service: TransferService, tmp_config: Any, lab_dir: Any
) -> None:
    src_disk, src = lab_dir({"a.txt": "A" * 1000, "b.txt": "B", "c.txt": "not selected", "dir/d.txt": "D"})
    dst_disk, dst = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.path == src and app.main_screen.right_pane.path == dst)
        await settled(pilot)
        left = app.main_screen.left_pane
        for name in ("a.txt", "dir"):
            await cursor_to(pilot, left, name)
            await pilot.press("space")
        await wait_for(pilot, lambda: {e.name for e in left.selected_entries()} == {"a.txt", "dir"}, "selection")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, TransferDialog)
        assert dialog.plan.destination_path == dst and dialog.plan.source_path == src
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main_screen.last_submitted_task_id, "submission")
        task_id = str(app.main_screen.last_submitted_task_id)
        panel = app.main_screen.query_one(TaskPanel)
        await wait_for(pilot, lambda: any(t.task_id == task_id for t in panel.tasks), "the task in the panel")
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.focused, TaskTable)
    task = wait_for_task(alice_service, task_id, timeout=60)
    assert task.status == "SUCCEEDED"
    assert sorted(os.listdir(dst_disk)) == ["a.txt", "dir"]
    assert (dst_disk / "a.txt").read_bytes() == (src_disk / "a.txt").read_bytes()
    assert (dst_disk / "dir/d.txt").read_text() == "D"


async def test_compare_marks_in_real_panes(alice_service: TransferService, tmp_config: Any, lab_dir: Any) -> None:
    left_disk, left_path = lab_dir({"same.txt": "s", "only-left.txt": "l", "size.txt": "long"})
    right_disk, right_path = lab_dir({"same.txt": "s", "only-right.txt": "r", "size.txt": "x"})
    for disk in (left_disk, right_disk):
        for entry in disk.iterdir():
            os.utime(entry, (1_700_000_000, 1_700_000_000))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{left_path}", right=f"{LAB}:{right_path}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await wait_for(pilot, lambda: screen.left_pane.path == left_path and screen.right_pane.path == right_path)
        await settled(pilot)
        screen.left_pane.file_list.focus()
        await pilot.press("c")
        await pilot.pause()
        assert screen.left_pane.file_list.marked_names == {"only-left.txt", "size.txt"}
        assert screen.right_pane.file_list.marked_names == {"only-right.txt", "size.txt"}
