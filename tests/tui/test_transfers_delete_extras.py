""""Delete extras" follows ``rsync -av --delete src/ dst/``: everything selected cleans that level.

End to end against the live sandbox (real service, SDK and engine), plus the
dialog's warning and sync preview naming what will really be deleted, and the
preview applying filter rules where Globus does (inside directories only).
"""

from __future__ import annotations

import os
from typing import Any

from textual.widgets import Input, Select, Static

from gterm.globus.transfer import TransferService, wait_for_task
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.transfer_dialog import OptionBox, TransferDialog
from gterm.tui.transfer_actions import plan_from_panes
from tests.support.hosts import HostPane, TransferHostApp
from tests.support.transfer_live import wait_until

WAIT = 60.0


def host(service: TransferService, src: str, dst: str, selected: list[str]) -> TransferHostApp:
    left = HostPane(service, LAB_STORAGE_ID, src, "Lab Storage")
    right = HostPane(service, LAB_STORAGE_ID, dst, "Lab Storage")
    left.selected = selected
    return TransferHostApp(service, left, right)


async def open_dialog(pilot: Any, app: TransferHostApp) -> TransferDialog:
    await pilot.pause()
    await pilot.press("f5")
    await wait_until(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
    dialog = app.screen
    assert isinstance(dialog, TransferDialog)
    return dialog


async def test_everything_selected_with_delete_extras_cleans_that_level(
    alice_service: TransferService, lab_dir: Any
) -> None:
    _, src = lab_dir({"a.txt": "a", "sub/b.txt": "b"})
    dst_disk, dst = lab_dir({"a.txt": "old", "extra-top.txt": "goes", "sub/extra-deep.txt": "goes too"})
    app = host(alice_service, src, dst, ["a.txt", "sub"])
    async with app.run_test(size=(120, 36)) as pilot:
        dialog = await open_dialog(pilot, app)
        dialog.query_one("#delete-extra", OptionBox).value = True
        await pilot.pause()
        warning = str(dialog.query_one("#delete-warning").render())
        assert f"Lab Storage:{dst} " in warning and "DELETED" in warning
        dialog.query_one("#label", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.submitted_task_id is not None, "submission")
        task_id = str(app.submitted_task_id)
    task = wait_for_task(alice_service, task_id, timeout=WAIT)
    assert task.status == "SUCCEEDED"
    assert sorted(os.listdir(dst_disk)) == ["a.txt", "sub"]
    assert sorted(os.listdir(dst_disk / "sub")) == ["b.txt"]
    assert (dst_disk / "a.txt").read_text() == "a"


async def test_part_selected_warning_names_only_the_selected_directories(
    alice_service: TransferService, lab_dir: Any
) -> None:
    _, src = lab_dir({"a.txt": "a", "sub/b.txt": "b", "other/c.txt": "c"})
    _, dst = lab_dir()
    left = HostPane(alice_service, LAB_STORAGE_ID, src, "Lab Storage")
    right = HostPane(alice_service, LAB_STORAGE_ID, dst, "Lab Storage")
    left.selected = ["a.txt", "sub"]
    plan = plan_from_panes(left, right)
    assert not isinstance(plan, str)
    assert not plan.whole_directory
    assert plan.cleaned_directories() == [f"{dst}sub/"]
    assert f"Lab Storage:{dst}sub/" in plan.delete_warning()
    assert [item.source_path for item in plan.items(delete_extra=True)] == [f"{src}a.txt", f"{src}sub/"]
    left.selected = ["a.txt"]
    files_only = plan_from_panes(left, right)
    assert not isinstance(files_only, str)
    assert files_only.cleaned_directories() == []
    assert "nothing on the destination is deleted" in files_only.delete_warning()


async def test_sync_preview_lists_what_delete_extras_will_delete(alice_service: TransferService, lab_dir: Any) -> None:
    _, src = lab_dir({"a.txt": "a", "sub/b.txt": "b"})
    dst_disk, dst = lab_dir({"a.txt": "a", "stale-top.txt": "s", "sub/stale-deep.txt": "s"})
    app = host(alice_service, src, dst, ["a.txt", "sub"])
    async with app.run_test(size=(120, 36)) as pilot:
        dialog = await open_dialog(pilot, app)
        dialog.query_one("#sync-level", Select).value = "size"
        dialog.query_one("#delete-extra", OptionBox).value = True
        await pilot.pause()
        await pilot.press("f3")
        await wait_until(pilot, lambda: dialog.preview is not None, "the sync preview")
        await pilot.pause()
        assert dialog.preview is not None
        assert sorted(dialog.preview.extra) == ["stale-top.txt", "sub/stale-deep.txt"]
        shown = str(dialog.query_one("#preview", Static).render())
        assert "delete: " in shown and "stale-top.txt" in shown and "sub/stale-deep.txt" in shown
        await pilot.press("escape")
        await pilot.pause()
    assert (dst_disk / "stale-top.txt").exists()  # a preview deletes nothing


async def test_sync_preview_sends_selected_files_an_exclude_rule_names(
    alice_service: TransferService, lab_dir: Any
) -> None:
    """QA: with files selected, Exclude *.bin made the preview leave the .bin file out, and Globus sent it:
    filter rules apply inside recursive (directory) items only, never to an item named on its own."""
    _, src = lab_dir({"README.md": "r", "large.bin": b"\x00" * 3000, "keep.txt": "k", "sub/inner.bin": "i",
                      "sub/inner.txt": "t"})
    dst_disk, dst = lab_dir({"keep.txt": "k"})
    app = host(alice_service, src, dst, ["README.md", "large.bin", "keep.txt", "sub"])
    async with app.run_test(size=(120, 36)) as pilot:
        dialog = await open_dialog(pilot, app)
        dialog.query_one("#sync-level", Select).value = "exists"
        dialog.query_one("#exclude", Input).value = "*.bin"
        await pilot.pause()
        await pilot.press("f3")
        await wait_until(pilot, lambda: dialog.preview is not None, "the sync preview")
        assert dialog.preview is not None
        assert sorted(dialog.preview.send) == ["README.md", "large.bin", "sub/inner.txt"]
        dialog.query_one("#label", Input).focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.submitted_task_id is not None, "submission")
        task_id = str(app.submitted_task_id)
    assert wait_for_task(alice_service, task_id, timeout=WAIT).status == "SUCCEEDED"
    # What Globus did is what the preview said.
    assert sorted(os.listdir(dst_disk)) == ["README.md", "keep.txt", "large.bin", "sub"]
    assert sorted(os.listdir(dst_disk / "sub")) == ["inner.txt"]


async def test_the_dialog_names_the_files_it_will_send_over_and_f3_with_sync_off_says_what_it_needs(
    alice_service: TransferService, lab_dir: Any
) -> None:
    """QA: with b.csv already in the other pane, F5 listed the sources only and Submit replaced it without a
    word (Midnight Commander asks); F3 with the sync level off did nothing at all."""
    _, src = lab_dir({"a.csv": "a", "b.csv": "new b", "sub/c.txt": "c"})
    _, dst = lab_dir({"b.csv": "old", "sub/c.txt": "c"})
    app = host(alice_service, src, dst, ["a.csv", "b.csv", "sub"])
    async with app.run_test(size=(120, 36)) as pilot:
        dialog = await open_dialog(pilot, app)
        summary = str(dialog.query_one("#summary", Static).render())
        assert "Already at the destination: b.csv. Sent over it, unless a sync level finds it the same." in summary
        await pilot.press("f3")
        await pilot.pause()
        shown = str(dialog.query_one("#preview", Static).render())
        assert shown.startswith("The sync preview shows what a sync level would send: choose one first")
        assert dialog.preview is None
