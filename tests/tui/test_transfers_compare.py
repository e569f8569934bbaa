"""Compare (`c`) selects what to copy (the newer copies, what the other side lacks) so F5 sends it at once;
the dialog's sync preview says what a sync would send."""

from __future__ import annotations

import os
from typing import Any

from textual.widgets import Select, Static

from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.browser_helpers import cursor_to, make_app, notices, settled, wait_for
from tests.support.hosts import HostPane, TransferHostApp
from tests.support.transfer_live import wait_until

T_OLD = 1_700_000_000
T_NEW = T_OLD + 3600

SIZE = (120, 36)


async def test_compare_selects_the_newer_copy_and_f5_offers_it(alice_service: TransferService, lab_dir: Any) -> None:
    files = ("same.txt", "size.txt", "time.txt", "grown.txt", "only-left.txt", "only-right.txt")
    left_disk, left_path = lab_dir(
        {
            "same.txt": "same",
            "only-left.txt": "L",
            "size.txt": "longer",
            "time.txt": "tt",
            "grown.txt": "grown",
            "both/x": "x",
        },
        dirs=("left-dir",),
    )
    right_disk, right_path = lab_dir(
        {
            "same.txt": "same",
            "only-right.txt": "R",
            "size.txt": "short",
            "time.txt": "tt",
            "grown.txt": "g",
            "both/y": "y",
        },
        dirs=("right-dir",),
    )
    for disk in (left_disk, right_disk):
        for name in files:
            if (disk / name).exists():
                os.utime(disk / name, (T_OLD, T_OLD))
    os.utime(right_disk / "time.txt", (T_NEW, T_NEW))  # same size, newer there: only the right copy
    os.utime(left_disk / "grown.txt", (T_NEW, T_NEW))  # bigger and newer here: only the left copy
    left = HostPane(alice_service, LAB_STORAGE_ID, left_path, "Lab Storage")
    right = HostPane(alice_service, LAB_STORAGE_ID, right_path, "Lab Storage")
    app = TransferHostApp(alice_service, left, right)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        left.selected = ["same.txt"]  # compare replaces the selection
        await pilot.press("c")
        await pilot.pause()
        # size.txt: the same time, other sizes: nothing says which is right, so both
        assert set(left.selected) == {"only-left.txt", "size.txt", "grown.txt", "left-dir"}
        assert set(right.selected) == {"only-right.txt", "size.txt", "time.txt", "right-dir"}
        assert left.marks == {"time.txt"}  # the older copy: differs, not to send
        assert right.marks == {"grown.txt"}
        assert any("4 selected here, 4 there" in n for n in app.notifications_seen), app.notifications_seen
        await pilot.press("f5")  # right after c: exactly what compare selected
        await wait_until(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, TransferDialog)
        assert {entry.name for entry in dialog.plan.entries} == {"only-left.txt", "size.txt", "grown.txt", "left-dir"}
        await pilot.press("escape")
        await pilot.pause()
    assert app.submitted_task_id is None


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
        assert "3 files to send" in shown and "1 skipped as in sync" in shown
        await pilot.press("escape")
        await pilot.pause()
    assert app.submitted_task_id is None
    assert not (dst_disk / "d/new.txt").exists()  # a preview sends nothing


async def test_compare_counts_visible_entries_and_marks_go_when_a_pane_moves(
    alice_service: TransferService, tmp_config: Any, lab_dir: Any
) -> None:
    left_disk, left_path = lab_dir(
        {"same.txt": "s", "older.txt": "o", "only-left.txt": "l", ".hidden-left": "h", "sub/x": "x"}
    )
    right_disk, right_path = lab_dir({"same.txt": "s", "older.txt": "o", "only-right.txt": "r", "also-right.txt": "r"})
    for disk in (left_disk, right_disk):
        for entry in disk.iterdir():
            os.utime(entry, (T_OLD, T_OLD))
    os.utime(right_disk / "older.txt", (T_NEW, T_NEW))
    app = make_app(
        alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:{left_path}", right=f"{LAB_STORAGE_ID}:{right_path}"
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await wait_for(pilot, lambda: screen.left_pane.path == left_path and screen.right_pane.path == right_path)
        await settled(pilot)
        left, right = screen.left_pane, screen.right_pane
        # compare replaces the selection: same.txt goes, what compare chose comes
        await cursor_to(pilot, right, "same.txt")
        await pilot.press("space")
        left.file_list.focus()
        await pilot.press("c")
        await pilot.pause()
        assert left.file_list.selected_names == {"only-left.txt", ".hidden-left", "sub"}
        assert right.file_list.selected_names == {"only-right.txt", "also-right.txt", "older.txt"}
        assert left.file_list.marked_names == {"older.txt"} and right.file_list.marked_names == set()
        said = (
            "2 selected here (+1 hidden or filtered out), 3 there: the newer copies and what the other side lacks,"
            " for F5. ≠ marks 1 here, 0 there: older copies, or a file facing a directory; not selected."
        )
        assert any(said in n for n in notices(app)), notices(app)
        lines = [right.file_list.render_line(y).text for y in range(right.file_list.scrollable_content_region.height)]
        assert next(line for line in lines if "only-right.txt" in line).startswith("*  ")
        lines = [left.file_list.render_line(y).text for y in range(left.file_list.scrollable_content_region.height)]
        assert next(line for line in lines if "older.txt" in line).startswith(" ≠ ")
        # F5 at once offers what compare selected, and says the one the filter hides
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, TransferDialog)
        assert {entry.name for entry in dialog.plan.entries} == {"only-left.txt", ".hidden-left", "sub"}
        assert dialog.plan.hidden_by_filter == 1
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "back on the panes")
        # The left pane moves into sub/: the marks described the old pair and go; the right's selection stays.
        await cursor_to(pilot, left, "sub")
        await pilot.press("enter")
        await wait_for(pilot, lambda: left.path == left_path + "sub/", "the left pane in sub/")
        await settled(pilot)
        assert left.file_list.marked_names == set()
        assert right.file_list.marked_names == set()
        assert right.file_list.selected_names == {"only-right.txt", "also-right.txt", "older.txt"}
