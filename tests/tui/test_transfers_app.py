"""The transfer keys inside the real GtermApp: F5 from a real pane selection, `c` marks, `t` focuses tasks."""

from __future__ import annotations

import os
from typing import Any

from textual.widgets import Static

from gterm.globus.transfer import TransferService, wait_for_task
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.transfer_dialog import FormInput, TransferDialog
from gterm.tui.widgets.task_panel import TaskPanel, TaskTable
from tests.support.browser_helpers import (
    cursor_to,
    listing_names,
    make_app,
    notices,
    select_with_space,
    settled,
    submitted_task_id,
    wait_for,
)
from tests.support.hosts import HostPane, TransferHostApp
from tests.support.transfer_live import WAIT, submit_copy, wait_until

SIZE = (120, 36)


async def test_f5_sends_the_selection_to_the_other_pane(
    alice_service: TransferService, tmp_config: Any, lab_dir: Any
) -> None:
    src_disk, src = lab_dir({"a.txt": "A" * 1000, "b.txt": "B", "c.txt": "not selected", "dir/d.txt": "D"})
    dst_disk, dst = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:{src}", right=f"{LAB_STORAGE_ID}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.path == src and app.main_screen.right_pane.path == dst)
        await settled(pilot)
        left = app.main_screen.left_pane
        await select_with_space(pilot, left, "a.txt", "dir")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, TransferDialog)
        assert dialog.plan.destination_path == dst and dialog.plan.source_path == src
        await pilot.press("enter")
        await wait_for(pilot, lambda: submitted_task_id(notices(app)), "submission")
        task_id = str(submitted_task_id(notices(app)))
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


async def test_f5_on_link_rows_copies_what_they_lead_to(
    alice_service: TransferService, tmp_config: Any, lab_dir: Any
) -> None:
    """A link under the cursor is sent as an item, and Globus follows items that are links. Before,
    the sandbox skipped them: the task SUCCEEDED and nothing arrived."""
    src_disk, src = lab_dir({"run/out.log": "log", "README.txt": "read me", "other.txt": "not chosen"})
    os.symlink("run", src_disk / "latest-run")
    os.symlink("README.txt", src_disk / "link.txt")
    dst_disk, dst = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:{src}", right=f"{LAB_STORAGE_ID}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.path == src and app.main_screen.right_pane.path == dst)
        await settled(pilot)
        left = app.main_screen.left_pane
        await select_with_space(pilot, left, "latest-run", "link.txt")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: submitted_task_id(notices(app)), "submission")
        task_id = str(submitted_task_id(notices(app)))
    task = wait_for_task(alice_service, task_id, timeout=60)
    assert task.status == "SUCCEEDED"
    assert sorted(os.listdir(dst_disk)) == ["latest-run", "link.txt"]
    assert (dst_disk / "latest-run" / "out.log").read_text() == "log"
    assert (dst_disk / "link.txt").read_text() == "read me"
    assert not (dst_disk / "latest-run").is_symlink() and not (dst_disk / "link.txt").is_symlink()


async def test_f5_refuses_to_copy_a_directory_into_itself_when_the_dialog_is_accepted(
    alice_service: TransferService, tmp_config: Any, lab_dir: Any
) -> None:
    """The other pane inside a selected directory: the copy would nest it in itself, recursively (Midnight
    Commander: "Cannot copy/move directory into itself"). As in MC, F5 opens the dialog and Enter on the proposal
    is refused there, so that another directory can be typed (before, F5 was refused before the dialog opened,
    and before that, F5 + Enter started that task)."""
    src_disk, src = lab_dir({"experiments/inner/run.txt": "r", "top.txt": "t"})
    inner = f"{LAB_STORAGE_ID}:{src}experiments/inner/"
    app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:{src}", right=inner)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.right_pane.path == f"{src}experiments/inner/")
        await settled(pilot)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, "experiments")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, TransferDialog)
        field = dialog.query_one("#destination", FormInput)
        error = dialog.query_one("#form-error", Static)
        await pilot.press("enter")
        said = "Cannot copy experiments/ into itself: the other pane is inside it."
        await wait_for(pilot, lambda: said in str(error.render()), "the refusal")
        assert app.screen is dialog and field.value == f"{src}experiments/inner/" and app.focused is field
        # Typed somewhere still inside it: refused the same way.
        field.value = "../sub"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "the destination is inside it" in str(error.render()), "the refusal")
        assert app.screen is dialog
        # Outside it (relative to the other pane's directory): sent.
        field.value = "../../copy"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog to close")
        await wait_until(pilot, lambda: (src_disk / "copy/experiments/inner/run.txt").is_file(), "the copy", WAIT)
    assert not (src_disk / "experiments/sub").exists()


async def test_compare_selects_in_real_panes(alice_service: TransferService, tmp_config: Any, lab_dir: Any) -> None:
    left_disk, left_path = lab_dir({"same.txt": "s", "only-left.txt": "l", "size.txt": "long"})
    right_disk, right_path = lab_dir({"same.txt": "s", "only-right.txt": "r", "size.txt": "x"})
    for disk in (left_disk, right_disk):
        for entry in disk.iterdir():
            os.utime(entry, (1_700_000_000, 1_700_000_000))
    app = make_app(
        alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:{left_path}", right=f"{LAB_STORAGE_ID}:{right_path}"
    )
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await wait_for(pilot, lambda: screen.left_pane.path == left_path and screen.right_pane.path == right_path)
        await settled(pilot)
        screen.left_pane.file_list.focus()
        await pilot.press("c")
        await pilot.pause()
        # size.txt has the same time and other sizes: nothing says which is right, so both sides
        assert screen.left_pane.file_list.selected_names == {"only-left.txt", "size.txt"}
        assert screen.right_pane.file_list.selected_names == {"only-right.txt", "size.txt"}


async def test_destination_pane_reloads_when_the_transfer_ends(
    alice_service: TransferService, tmp_config: Any, lab_dir: Any
) -> None:
    _src_disk, src = lab_dir({"a.txt": "A" * 100, "b.txt": "B", "dir/c.txt": "C"})
    dst_disk, dst = lab_dir({"already.txt": "x"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:{src}", right=f"{LAB_STORAGE_ID}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await wait_for(pilot, lambda: screen.left_pane.path == src and screen.right_pane.path == dst)
        await settled(pilot)
        left, right = screen.left_pane, screen.right_pane
        assert [e.name for e in right.listing.entries] == ["already.txt"]
        await select_with_space(pilot, left, "a.txt", "dir")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: submitted_task_id(notices(app)), "submission")
        # MC clears the selection once the operation is under way.
        assert left.file_list.selected_names == set()
        task_id = str(submitted_task_id(notices(app)))
        panel = screen.query_one(TaskPanel)
        await wait_until(
            pilot, lambda: any(t.task_id == task_id and not t.is_active for t in panel.tasks), "the task to end"
        )
        # No ctrl+r: the pane showing the destination lists it again by itself.
        await wait_until(
            pilot,
            lambda: right.listing is not None and {
                e.name for e in right.listing.entries
            } == {"already.txt", "a.txt", "dir"},
            "the destination pane to show the new entries",
        )
        assert {e.name for e in left.listing.entries} == {"a.txt", "b.txt", "dir"}
    assert wait_for_task(alice_service, task_id, timeout=60).status == "SUCCEEDED"
    assert sorted(os.listdir(dst_disk)) == ["a.txt", "already.txt", "dir"]


async def test_a_task_submitted_elsewhere_reloads_the_pane_on_its_destination_when_it_ends(
    alice_service: TransferService, tmp_config: Any, lab_dir: Any, slow_transfers: None
) -> None:
    """A task from an earlier session (or another client) ending while gterm runs: the pane showing its
    destination collection went on showing the directory as it was until ctrl+r."""
    _, src = lab_dir({"big.bin": b"\x01" * 300_000})  # ~5 s at the fixture's rate
    _, dst = lab_dir()
    task_id = submit_copy(alice_service, f"{src}big.bin", f"{dst}big.bin")
    app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:{src}", right=f"{LAB_STORAGE_ID}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await wait_for(pilot, lambda: screen.right_pane.path == dst, "the destination listed")
        panel = screen.task_panel
        await wait_for(pilot, lambda: any(t.task_id == task_id and t.is_active for t in panel.tasks), "the task")
        assert "big.bin" not in listing_names(screen.right_pane)
        await wait_until(pilot, lambda: "big.bin" in listing_names(screen.right_pane), "the destination reloaded")


async def test_a_task_finished_before_the_submit_answer_still_reloads_the_destination(
    alice_service: TransferService, lab_dir: Any
) -> None:
    # The panel may see a fast task finished before the screen hears the submission's task id.
    _, src = lab_dir({"one.txt": "1"})
    dst_disk, dst = lab_dir()
    left = HostPane(alice_service, LAB_STORAGE_ID, src, "Lab Storage")
    right = HostPane(alice_service, LAB_STORAGE_ID, dst, "Lab Storage")
    reloads: list[str] = []
    original = right.reload

    def counting_reload() -> None:
        reloads.append("reload")
        original()

    right.reload = counting_reload  # type: ignore[method-assign]
    app = TransferHostApp(alice_service, left, right)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.transfers.task_panel
        from gterm.globus.transfer_requests import TransferItem, TransferRequest

        request = TransferRequest(
            LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(src + "one.txt", dst + "one.txt")], label="fast"
        )
        task_id = alice_service.submit_transfer(request)
        wait_for_task(alice_service, task_id, timeout=60)
        panel.refresh_tasks()
        await wait_until(pilot, lambda: any(t.task_id == task_id for t in panel.tasks), "the finished task listed")
        key = (LAB_STORAGE_ID, src, LAB_STORAGE_ID, dst, frozenset({"one.txt"}))  # F5's plan's send_key
        app.transfers._submitted(request, key, task_id)  # the submission's answer arrives last
        await wait_until(pilot, lambda: reloads == ["reload"], "the destination reload")
        assert any("Transfer succeeded" in n for n in app.notifications_seen)
        assert right.listing is not None and [e.name for e in right.listing.entries] == ["one.txt"]
    assert (dst_disk / "one.txt").read_text() == "1"


async def test_invalid_links_are_shown_as_such_and_left_out_of_a_transfer(
    alice_service: TransferService, tmp_config: Any, lab_dir: Any
) -> None:
    src_disk, src = lab_dir({"real.txt": "r"}, dirs=("target-dir",))
    os.symlink("target-dir", src_disk / "link-dir")
    os.symlink("nowhere", src_disk / "link-broken")
    os.symlink("/etc", src_disk / "link-outside")
    _, dst = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:{src}", right=f"{LAB_STORAGE_ID}:{dst}")
    async with app.run_test(size=(240, 36)) as pilot:
        screen = app.main_screen
        await wait_for(pilot, lambda: screen.left_pane.path == src and screen.right_pane.path == dst)
        await settled(pilot)
        left = screen.left_pane
        by_name = {e.name: e for e in left.listing.entries}
        assert by_name["link-broken"].is_invalid_link and by_name["link-outside"].is_invalid_link
        lines = [left.file_list.render_line(y).text for y in range(left.file_list.scrollable_content_region.height)]
        assert any(f"link-dir/ -> {src}target-dir/" in line for line in lines), lines
        assert any("link-broken -> ?" in line for line in lines)
        # Only invalid links under the cursor: nothing to send, and F5 says why.
        await cursor_to(pilot, left, "link-broken")
        await pilot.press("f5")
        await pilot.pause()
        assert not isinstance(app.screen, TransferDialog)
        assert any("broken or outside links cannot be transferred" in n for n in notices(app))
        # Mixed with a real file: the link is left out of the plan, with a notice.
        left.file_list.select_glob("*")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        dialog = app.screen
        assert isinstance(dialog, TransferDialog)
        assert {e.name for e in dialog.plan.entries} == {"real.txt", "target-dir", "link-dir"}
        assert any("2 broken or outside links left out: Globus cannot transfer them." in n for n in notices(app))
        await pilot.press("escape")


async def test_the_task_panel_rings_as_the_settings_say(alice_service: TransferService, tmp_config: Any) -> None:
    for wanted in (True, False):
        tmp_config.bell_on_task_end = wanted
        app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:/projects/")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.main_screen.task_panel.bell_on_task_end is wanted
