"""Compare (`c`) marks exactly the differing entries; the dialog's sync preview says what a sync would send."""

from __future__ import annotations

import os
from typing import Any

from textual.widgets import Select, Static

from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.hosts import HostPane, TransferHostApp
from tests.support.transfer_live import wait_until

T_OLD = 1_700_000_000
T_NEW = T_OLD + 3600


async def test_compare_marks_exactly_the_differing_entries(alice_service: TransferService, lab_dir: Any) -> None:
    left_disk, left_path = lab_dir(
        {"same.txt": "same", "only-left.txt": "L", "size.txt": "longer", "time.txt": "tt", "both/x": "x"},
        dirs=("left-dir",),
    )
    right_disk, right_path = lab_dir(
        {"same.txt": "same", "only-right.txt": "R", "size.txt": "short", "time.txt": "tt", "both/y": "y"},
        dirs=("right-dir",),
    )
    for disk in (left_disk, right_disk):
        for name in ("same.txt", "size.txt", "time.txt", "only-left.txt", "only-right.txt"):
            if (disk / name).exists():
                os.utime(disk / name, (T_OLD, T_OLD))
    os.utime(right_disk / "time.txt", (T_NEW, T_NEW))
    left = HostPane(alice_service, LAB_STORAGE_ID, left_path, "Lab Storage")
    right = HostPane(alice_service, LAB_STORAGE_ID, right_path, "Lab Storage")
    app = TransferHostApp(alice_service, left, right)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
    assert left.marks == {"only-left.txt", "size.txt", "time.txt", "left-dir"}
    assert right.marks == {"only-right.txt", "size.txt", "time.txt", "right-dir"}
    assert any("4 entries marked here, 4 in the other pane" in n for n in app.notifications_seen)


async def test_sync_preview_lists_what_the_level_would_send(alice_service: TransferService, lab_dir: Any) -> None:
    _src_disk, src = lab_dir(
        {"d/same.txt": "same", "d/changed.txt": "new longer", "d/new.txt": "n", "d/sub/deep.txt": "d"}
    )
    dst_disk, dst = lab_dir({"d/same.txt": "same", "d/changed.txt": "old", "d/stale.txt": "s"})
    left = HostPane(alice_service, LAB_STORAGE_ID, src, "Lab Storage")
    right = HostPane(alice_service, LAB_STORAGE_ID, dst, "Lab Storage")
    left.selected = ["d"]
    app = TransferHostApp(alice_service, left, right)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, TransferDialog)
        dialog.query_one("#sync-level", Select).value = "size"
        await pilot.pause()
        await pilot.press("f3")
        await wait_until(pilot, lambda: dialog.preview is not None, "the sync preview")
        await pilot.pause()
        preview = dialog.preview
        assert preview is not None
        assert sorted(preview.send) == ["d/changed.txt", "d/new.txt", "d/sub/deep.txt"]
        assert preview.skip == ["d/same.txt"]
        assert preview.extra == ["d/stale.txt"]
        shown = str(dialog.query_one("#preview", Static).render())
        assert "3 file(s) to send" in shown and "1 skipped as in sync" in shown
        await pilot.press("escape")
        await pilot.pause()
    assert app.transfers.last_submitted_task_id is None
    assert not (dst_disk / "d/new.txt").exists()  # a preview sends nothing
