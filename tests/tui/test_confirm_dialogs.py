"""Confirm dialogs agree: Enter confirms what the dialog is about, Esc backs out, the question is whole."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from gterm.globus.transfer import TransferService, wait_for_task
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui import task_format as fmt
from gterm.tui.screens.prompts import ConfirmPrompt
from gterm.tui.screens.task_details import TaskDetailsScreen
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.browser_helpers import screen_lines
from tests.support.hosts import HostPane, TransferHostApp
from tests.support.transfer_live import submit_copy, wait_until

LONG_LABEL = "a label long enough to need two lines in the dialog " * 2 + "END"


async def open_details(pilot: Any, app: Any, panel: Any, task_id: str) -> TaskDetailsScreen:
    """Focus the task panel (t), put the cursor on ``task_id``, Enter: the task's details."""
    await wait_until(pilot, lambda: any(t.task_id == task_id for t in panel.tasks), "the task")
    await pilot.press("t")
    panel.table.move_cursor(row=next(i for i, t in enumerate(panel.tasks) if t.task_id == task_id))
    await pilot.pause()
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, TaskDetailsScreen), "the details screen")
    details = app.screen
    assert isinstance(details, TaskDetailsScreen)
    return details


async def running_task_details(pilot: Any, app: TransferHostApp) -> tuple[str, TaskDetailsScreen]:
    await pilot.pause()
    await pilot.press("f5")
    await wait_until(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
    app.screen.query_one("#label", Input).value = LONG_LABEL
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.submitted_task_id, "submission")
    task_id = str(app.submitted_task_id)
    details = await open_details(pilot, app, app.transfers.task_panel, task_id)
    await wait_until(pilot, lambda: details.data.task.is_active, "the task running")
    return task_id, details


@pytest.mark.parametrize("size", [(120, 36), (80, 24)])
async def test_enter_confirms_cancel_task_and_the_question_is_whole(
    alice_service: TransferService, lab_dir: Any, slow_transfers: None, size: tuple[int, int]
) -> None:
    _, src = lab_dir({"big.bin": b"\x01" * 2_000_000})
    _, dst = lab_dir()
    left = HostPane(alice_service, LAB_STORAGE_ID, src, "Lab Storage")
    right = HostPane(alice_service, LAB_STORAGE_ID, dst, "Lab Storage")
    left.selected = ["big.bin"]
    app = TransferHostApp(alice_service, left, right)
    async with app.run_test(size=size) as pilot:
        task_id, details = await running_task_details(pilot, app)
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the cancel confirmation")
        await pilot.pause()
        shown = " ".join(line.strip(" │┃▌▐█") for line in screen_lines(app))
        assert "END" in shown and task_id in shown.replace(" ", "")  # nothing of the question cut off
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is details and details.data.task.is_active  # Esc backs out
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the cancel confirmation again")
        await pilot.press("enter")
        await wait_until(pilot, lambda: not details.data.task.is_active, "the task to end")
    task = wait_for_task(alice_service, task_id, timeout=30)
    assert fmt.ending(task) == fmt.ENDED_CANCELED


async def test_demo_quit_with_a_running_task_asks_first(
    alice_service: TransferService, tmp_config: Any, lab_dir: Any, slow_transfers: None
) -> None:
    from gterm.tui.screens.prompts import ConfirmPrompt
    from tests.support.browser_helpers import make_app, settled, wait_for, wait_for_exit

    _, src = lab_dir({"big.bin": b"\x01" * 2_000_000})
    _, dst = lab_dir()
    task_id = submit_copy(alice_service, src + "big.bin", dst + "big.bin")
    app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:{src}", right=f"{LAB_STORAGE_ID}:{dst}",
                   confirm_quit_while_active=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        panel = app.main_screen.task_panel
        await wait_for(pilot, lambda: any(t.task_id == task_id and t.is_active for t in panel.tasks), "the task")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the quit question")
        assert "1 Globus task still running" in " ".join(screen_lines(app))
        assert "it pauses, and goes on where it stopped the next time you run gterm demo" in app.screen.message
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, ConfirmPrompt)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the quit question again")
        await pilot.press("enter")
        await wait_for_exit(app, "the app to quit")
    alice_service.cancel(task_id)


async def test_quit_while_one_of_gterms_own_tasks_runs_asks_first(
    alice_service: TransferService, tmp_config: Any, tmp_path: Any
) -> None:
    """A download runs inside gterm and stops with it: q asks first, also outside the demo (a Globus task
    goes on without gterm, so it alone is no reason to ask)."""
    from gterm.globus.local_tasks import Item, LocalTask
    from gterm.tui.screens.prompts import ConfirmPrompt
    from tests.support.browser_helpers import make_app, settled, wait_for, wait_for_exit

    task = LocalTask("download", [Item("/projects/x.bin", str(tmp_path / "x.bin"), is_dir=False, size=10)],
                     "Lab Storage", "This computer", open_remote=lambda: None)  # type: ignore[arg-type,return-value]  # never opened
    app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:/projects/",
                   right=f"{LAB_STORAGE_ID}:/projects/")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        app.main_screen.task_panel.add_local_task(task)  # as F5 to This computer starts one (not run here)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the quit question")
        assert app.screen.title_text == "Quit gterm?"
        assert "1 task of gterm's own (downloads, uploads, copies on this computer) stops when it quits" in (
            app.screen.message)
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running
        task.cancel()
        task.status = "FAILED"  # ended: nothing of gterm's own runs any more
        await pilot.press("q")
        await wait_for_exit(app, "the app to quit without asking")


async def test_question_mark_on_task_details_lists_its_keys(
    alice_service: TransferService, tmp_config: Any, lab_dir: Any, slow_transfers: None
) -> None:
    from gterm.tui.screens.help import HelpScreen
    from tests.support.browser_helpers import make_app, settled, wait_for

    _, src = lab_dir({"big.bin": b"\x01" * 1_000_000})
    _, dst = lab_dir()
    task_id = submit_copy(alice_service, src + "big.bin", dst + "big.bin")
    app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:{src}", right=f"{LAB_STORAGE_ID}:{dst}")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        details = await open_details(pilot, app, app.main_screen.task_panel, task_id)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        described = {row.description for row in app.screen.rows}
        assert {"Cancel task", "Next tab", "Previous tab"} <= described
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is details
        # It opens with the event log focused (the tab bar took the focus, where Enter did nothing), and
        # ] and [ go from tab to tab, each one's table focused.
        assert app.focused is details.query_one("#events-table")
        await pilot.press("right_square_bracket")
        assert app.focused is details.query_one("#successful-table")
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert app.focused is details.query_one("#fields-table")
    alice_service.cancel(task_id)


async def test_a_long_event_can_be_read_in_full(alice_service: TransferService, tmp_config: Any, lab_dir: Any) -> None:
    from textual.widgets import DataTable, Static

    from gterm.tui.screens.task_details import EventScreen
    from tests.support.browser_helpers import make_app, settled, wait_for

    _, src = lab_dir()
    _, dst = lab_dir()
    missing = src + "a-directory-name-long-enough-to-be-clipped-in-the-events-table-" * 3 + "END/file.txt"
    task_id = submit_copy(alice_service, missing, dst + "file.txt")
    wait_for_task(alice_service, task_id, timeout=60)
    events = alice_service.events(task_id, limit=100)
    index = next(i for i, e in enumerate(events) if "END" in e.details)
    app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:{src}", right=f"{LAB_STORAGE_ID}:{dst}")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        details = await open_details(pilot, app, app.main_screen.task_panel, task_id)
        await wait_for(pilot, lambda: len(details.data.events) == len(events), "the events")
        table = details.query_one("#events-table", DataTable)
        table.focus()
        table.move_cursor(row=index)
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, EventScreen), "the event in full")
        text = str(app.screen.query_one("#event-details", Static).render())
        assert "END" in text.replace("\n", "")
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is details
