"""Regression tests for the QA findings on the transfer side (F1, F5, F7, F12, F13), against the live sandbox.

Real GtermApp (or the transfer host app), real TransferService, real SDK over
HTTP; waits are bounded polls, never timing asserts.
"""

from __future__ import annotations

import os
from typing import Any

from textual import events
from textual.widgets import DataTable, Input

from gterm.globus.transfer import TransferService, wait_for_task
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.prompts import ConfirmPrompt, InputPrompt
from gterm.tui.screens.task_details import TaskDetailsScreen
from gterm.tui.screens.transfer_dialog import TransferDialog
from gterm.tui.widgets.task_panel import TaskPanel
from tests.support.browser_helpers import cursor_to, make_app, settled, wait_for
from tests.support.hosts import HostPane, TransferHostApp
from tests.support.transfer_live import wait_until

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


def notices(app: Any) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


def burst(app: Any, keys: list[str]) -> None:
    """Post key events without letting the app run in between (a terminal multiplexer or a fast typist)."""
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))


# -- F1: the destination is listed again when the transfer ends; the source selection is cleared ------


async def test_destination_pane_reloads_when_the_transfer_ends(
    alice_service: TransferService, tmp_config: Any, lab_dir: Any
) -> None:
    _src_disk, src = lab_dir({"a.txt": "A" * 100, "b.txt": "B", "dir/c.txt": "C"})
    dst_disk, dst = lab_dir({"already.txt": "x"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await wait_for(pilot, lambda: screen.left_pane.path == src and screen.right_pane.path == dst)
        await settled(pilot)
        left, right = screen.left_pane, screen.right_pane
        assert [e.name for e in right.listing.entries] == ["already.txt"]
        for name in ("a.txt", "dir"):
            await cursor_to(pilot, left, name)
            await pilot.press("space")
        await wait_for(pilot, lambda: left.file_list.selected_names == {"a.txt", "dir"}, "selection")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: getattr(screen, "last_submitted_task_id", None), "submission")
        # MC clears the selection once the operation is under way.
        assert left.file_list.selected_names == set()
        task_id = str(screen.last_submitted_task_id)
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


async def test_a_task_finished_before_the_submit_answer_still_reloads_the_destination(
    alice_service: TransferService, lab_dir: Any
) -> None:
    # The panel may see a fast task finished before the screen hears the submission's task id.
    _, src = lab_dir({"one.txt": "1"})
    dst_disk, dst = lab_dir()
    left = HostPane(alice_service, LAB, src, "Lab Storage")
    right = HostPane(alice_service, LAB, dst, "Lab Storage")
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
        from gterm.globus.transfer import TransferItem, TransferRequest

        request = TransferRequest(LAB, LAB, [TransferItem(src + "one.txt", dst + "one.txt")], label="fast")
        task_id = alice_service.submit_transfer(request)
        wait_for_task(alice_service, task_id, timeout=60)
        panel.refresh_tasks()
        await wait_until(pilot, lambda: any(t.task_id == task_id for t in panel.tasks), "the finished task listed")
        app.transfers._submitted(request, task_id)  # the submission's answer arrives last
        await wait_until(pilot, lambda: reloads == ["reload"], "the destination reload")
        assert any("Transfer succeeded" in n for n in app.notifications_seen)
        assert right.listing is not None and [e.name for e in right.listing.entries] == ["one.txt"]
    assert (dst_disk / "one.txt").read_text() == "1"


# -- F5: what the dialog submits is what the form showed -----------------------------------------------


def dialog_host(service: TransferService, src: str, dst: str) -> TransferHostApp:
    left = HostPane(service, LAB, src, "Lab Storage")
    right = HostPane(service, LAB, dst, "Lab Storage")
    left.selected = ["a.txt"]
    return TransferHostApp(service, left, right)


async def open_dialog_on_deadline(pilot: Any, app: TransferHostApp) -> TransferDialog:
    await pilot.press("f5")
    await wait_until(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
    dialog = app.screen
    assert isinstance(dialog, TransferDialog)
    dialog.query_one("#deadline", Input).focus()
    await pilot.pause()
    for char in "garbage":
        await pilot.press(char)
    await pilot.press("enter")
    await pilot.pause()
    assert "Cannot read deadline" in str(dialog.query_one("#form-error").render())
    return dialog


async def test_a_fast_clear_type_enter_after_a_bad_deadline_never_drops_the_deadline(
    alice_service: TransferService, lab_dir: Any
) -> None:
    _, src = lab_dir({"a.txt": "a"})
    _, dst = lab_dir()
    app = dialog_host(alice_service, src, dst)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        dialog = await open_dialog_on_deadline(pilot, app)
        # QA's burst: ctrl+u, a past date, Enter. Before the fix the characters landed before ctrl+u
        # erased the field, and Enter submitted with no deadline at all.
        burst(app, ["ctrl+u", *"2020-01-01T00:00", "enter"])
        await pilot.pause(0.3)
        assert app.screen is dialog
        assert dialog.query_one("#deadline", Input).value == "2020-01-01T00:00"
        assert "is in the past" in str(dialog.query_one("#form-error").render())
        # The same burst with a future date submits exactly that deadline, once (a second Enter is ignored).
        burst(app, ["ctrl+u", *"2099-01-01T00:00+00:00", "backspace", "0", "enter", "enter"])
        await wait_until(pilot, lambda: app.transfers.last_submitted_task_id, "submission")
        await pilot.pause(0.3)
        task_id = str(app.transfers.last_submitted_task_id)
        assert sum("Transfer submitted" in n for n in app.notifications_seen) == 1
    task = alice_service.task(task_id)
    assert task.deadline is not None and task.deadline.year == 2099


# -- F7: compare marks are dropped when either pane lists again; counts say what is hidden --------------


async def test_compare_counts_visible_entries_and_marks_go_when_a_pane_moves(
    alice_service: TransferService, tmp_config: Any, lab_dir: Any
) -> None:
    left_disk, left_path = lab_dir({"same.txt": "s", "only-left.txt": "l", ".hidden-left": "h", "sub/x": "x"})
    right_disk, right_path = lab_dir({"same.txt": "s", "only-right.txt": "r", "also-right.txt": "r"})
    for disk in (left_disk, right_disk):
        for entry in disk.iterdir():
            os.utime(entry, (1_700_000_000, 1_700_000_000))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{left_path}", right=f"{LAB}:{right_path}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await wait_for(pilot, lambda: screen.left_pane.path == left_path and screen.right_pane.path == right_path)
        await settled(pilot)
        left, right = screen.left_pane, screen.right_pane
        # a selected row keeps showing its compare mark
        await cursor_to(pilot, right, "only-right.txt")
        await pilot.press("space")
        left.file_list.focus()
        await pilot.press("c")
        await pilot.pause()
        assert left.file_list.marked_names == {"only-left.txt", ".hidden-left", "sub"}
        assert right.file_list.marked_names == {"only-right.txt", "also-right.txt"}
        assert any(
            "2 entries marked here (+1 hidden or filtered out), 2 in the other pane." in n for n in notices(app)
        ), notices(app)
        lines = [right.file_list.render_line(y).text for y in range(right.file_list.scrollable_content_region.height)]
        assert next(line for line in lines if "only-right.txt" in line).startswith("*≠ ")
        # The left pane moves into sub/: the right pane's marks described the old pair and go too.
        await cursor_to(pilot, left, "sub")
        await pilot.press("enter")
        await wait_for(pilot, lambda: left.path == left_path + "sub/", "the left pane in sub/")
        await settled(pilot)
        assert left.file_list.marked_names == set()
        assert right.file_list.marked_names == set()
        assert right.file_list.selected_names == {"only-right.txt"}  # only the marks go


# -- F12: finished tasks offer no control keys; event details are one line -------------------------------


async def test_details_of_a_finished_task_hide_the_control_keys_and_show_one_line_details(
    alice_service: TransferService, lab_dir: Any
) -> None:
    _, src = lab_dir({"a.txt": "a"})
    _, dst = lab_dir()
    left = HostPane(alice_service, LAB, src, "Lab Storage")
    right = HostPane(alice_service, LAB, dst, "Lab Storage")
    from gterm.globus.transfer import TransferItem, TransferRequest

    task_id = alice_service.submit_transfer(
        TransferRequest(LAB, LAB, [TransferItem(src + "a.txt", dst + "a.txt")], label="done already")
    )
    assert wait_for_task(alice_service, task_id, timeout=60).status == "SUCCEEDED"
    app = TransferHostApp(alice_service, left, right)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.transfers.task_panel
        await wait_until(pilot, lambda: any(t.task_id == task_id for t in panel.tasks), "the task in the panel")
        await pilot.press("t")
        panel.table.move_cursor(row=next(i for i, t in enumerate(panel.tasks) if t.task_id == task_id))
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TaskDetailsScreen), "the details screen")
        details = app.screen
        assert isinstance(details, TaskDetailsScreen)
        await wait_until(pilot, lambda: bool(details.data.events), "the events")
        await pilot.pause()
        offered = {binding.binding.action for binding in details.active_bindings.values()}
        assert "close" in offered
        assert not offered & {"cancel_task", "change_label", "change_deadline"}
        for key in ("l", "d", "x"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, (InputPrompt, ConfirmPrompt))
        table = details.query_one("#events-table", DataTable)
        cells = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert cells and not any("\\n" in cell or "\n" in cell for cell in cells)
        raw = [event.details for event in details.data.events if "\n" in event.details]
        assert raw, "the sandbox sends pretty-printed JSON details"
        assert any("=" in cell for cell in cells)


async def test_control_keys_are_offered_while_the_task_is_active() -> None:
    # The fixed (active) details scene still shows cancel/label/deadline.
    from tests.support.transfer_scenes import DetailsScene

    app = DetailsScene()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        offered = {binding.binding.action for binding in app.screen.active_bindings.values()}
        assert {"cancel_task", "change_label", "change_deadline"} <= offered


# -- F13: invalid links are left out of a transfer -------------------------------------------------------


async def test_invalid_links_are_shown_as_such_and_left_out_of_a_transfer(
    alice_service: TransferService, tmp_config: Any, lab_dir: Any
) -> None:
    src_disk, src = lab_dir({"real.txt": "r"}, dirs=("target-dir",))
    os.symlink("target-dir", src_disk / "link-dir")
    os.symlink("nowhere", src_disk / "link-broken")
    os.symlink("/etc", src_disk / "link-outside")
    _, dst = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
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
        assert any("2 broken or outside link(s) left out" in n for n in notices(app))
        await pilot.press("escape")
