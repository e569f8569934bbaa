"""Watching and steering tasks live: details, label/deadline changes, cancel, fault events.

This module runs its own sandbox, slowed (so a task is still running when the
test acts on it) and with injected transient faults (so error events appear).
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import globus_sdk
import pytest
from textual.widgets import Button, DataTable, Input, Static
from textual.widgets.input import Selection

from gterm.globus.https_access import HttpsFiles, https_scope
from gterm.globus.local_tasks import Item, LocalTask
from gterm.globus.transfer import TransferService, wait_for_task
from gterm.globus.transfer_requests import TransferItem, TransferRequest
from gterm.sandbox.https_data import PREFIX, https_server_url
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui import task_format as fmt
from gterm.tui.screens.prompts import ConfirmPrompt, InputPrompt
from gterm.tui.screens.task_details import TaskDetailsScreen
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.hosts import HostPane, TransferHostApp
from tests.support.outages import gated, outage
from tests.support.sandbox_login import login_tokens, new_native_client, sdk_pointed_at
from tests.support.transfer_live import make_lab_dir, own_sandbox, service_for, wait_until

SLOW = 100_000  # bytes per second per task

SIZE = (120, 36)


@pytest.fixture(scope="module")
def faulty_slow_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with own_sandbox(tmp_path_factory.mktemp("faulty-slow"), slow=SLOW, fault_rate=0.3) as handle:
        yield handle


def make_host(handle: SandboxHandle, src: str, dst: str, selected: list[str]) -> TransferHostApp:
    service = service_for(handle)
    left = HostPane(service, LAB_STORAGE_ID, src, "Lab Storage")
    right = HostPane(service, LAB_STORAGE_ID, dst, "Lab Storage")
    left.selected = selected
    return TransferHostApp(service, left, right)


async def cursor_on_task(pilot: Any, app: TransferHostApp, task_id: str, *, active: bool = False) -> None:
    """Once the panel lists ``task_id`` (running, if ``active``): t, then the cursor on its row."""
    panel = app.transfers.task_panel
    await wait_until(
        pilot, lambda: any(t.task_id == task_id and (t.is_active or not active) for t in panel.tasks), "the task"
    )
    await pilot.press("t")
    panel.table.move_cursor(row=next(i for i, t in enumerate(panel.tasks) if t.task_id == task_id))
    await pilot.pause()


async def open_details(pilot: Any, app: TransferHostApp, task_id: str) -> TaskDetailsScreen:
    await cursor_on_task(pilot, app, task_id)
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, TaskDetailsScreen), "the details screen")
    screen = app.screen
    assert isinstance(screen, TaskDetailsScreen)
    return screen


async def test_change_label_deadline_then_cancel_a_running_transfer(faulty_slow_sandbox: SandboxHandle) -> None:
    _, src = make_lab_dir(faulty_slow_sandbox, {"big.bin": b"\x01" * 4_000_000})
    dst_disk, dst = make_lab_dir(faulty_slow_sandbox)
    app = make_host(faulty_slow_sandbox, src, dst, ["big.bin"])
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.submitted_task_id, "submission")
        task_id = str(app.submitted_task_id)
        details = await open_details(pilot, app, task_id)
        await wait_until(
            pilot, lambda: details.data.task.is_active and details.data.task.bytes_transferred > 0, "progress"
        )

        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, InputPrompt), "the label prompt")
        current = app.screen.query_one(Input)
        await wait_until(pilot, lambda: bool(current.value), "the current label")
        # The label proposed is selected (typing replaces it) and read from its start, not its tail.
        assert current.selection == Selection(len(current.value), 0) and current.scroll_x == 0
        app.screen.query_one(Input).value = "renamed [while] running"
        await pilot.press("enter")
        await wait_until(pilot, lambda: details.data.task.label == "renamed [while] running", "the new label")

        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, InputPrompt), "the deadline prompt")
        app.screen.query_one(Input).value = "yesterday"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, InputPrompt)  # a bad deadline is explained, not sent
        assert "Cannot read deadline" in str(app.screen.query_one("#prompt-error").render())
        app.screen.query_one(Input).value = "+3h"
        await pilot.press("enter")
        await wait_until(pilot, lambda: details.data.task.deadline is not None, "the new deadline")

        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the cancel confirmation")
        await pilot.press("y")
        await wait_until(pilot, lambda: not details.data.task.is_active, "the task to end")
        assert fmt.ending(details.data.task) == fmt.ENDED_CANCELED
        # The panel (on the screen underneath) noticed the end too and said how it ended.
        await wait_until(pilot, lambda: any("canceled" in n for n in app.notifications_seen), "the finish notice")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TaskDetailsScreen)
    task = wait_for_task(app.service, task_id, timeout=30)
    assert fmt.ending(task) == fmt.ENDED_CANCELED
    assert task.label == "renamed [while] running"
    assert not (dst_disk / "big.bin").exists()


async def test_injected_faults_show_as_error_events(faulty_slow_sandbox: SandboxHandle) -> None:
    files = {f"f{i:02d}.txt": f"file {i}\n" * 50 for i in range(30)}
    _, src = make_lab_dir(faulty_slow_sandbox, {f"d/{name}": body for name, body in files.items()})
    _dst_disk, dst = make_lab_dir(faulty_slow_sandbox)
    app = make_host(faulty_slow_sandbox, src, dst, [])
    request = TransferRequest(
        LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(src + "d/", dst + "d/", recursive=True)], label="faulty"
    )
    task_id = app.service.submit_transfer(request)  # submitted elsewhere; the panel finds it
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        details = await open_details(pilot, app, task_id)
        await wait_until(pilot, lambda: any(e.is_error for e in details.data.events), "an error event")
        await pilot.pause()
        table = details.query_one("#events-table", DataTable)
        styles = [table.get_row_at(i)[1].style for i in range(table.row_count)]
        errors = [e for e in details.data.events if e.is_error]
        assert styles.count("bold red") == len(errors) > 0
        codes = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert {e.code for e in errors} <= codes
        assert re.search(r"\b\d+ error events? in the log", str(details.query_one("#details-head").render()))
        await wait_until(pilot, lambda: not details.data.task.is_active, "the task to end")
        # Once it ends, the successful transfers list is loaded.
        await wait_until(pilot, lambda: details.data.successful is not None, "successful transfers")
        if details.data.task.status == "SUCCEEDED":
            assert details.query_one("#successful-table", DataTable).row_count > 0


async def test_details_of_a_finished_task_hide_the_control_keys_and_show_one_line_details(
    alice_service: TransferService, lab_dir: Any
) -> None:
    _, src = lab_dir({"a.txt": "a"})
    _, dst = lab_dir()
    left = HostPane(alice_service, LAB_STORAGE_ID, src, "Lab Storage")
    right = HostPane(alice_service, LAB_STORAGE_ID, dst, "Lab Storage")
    from gterm.globus.transfer_requests import TransferItem, TransferRequest

    task_id = alice_service.submit_transfer(
        TransferRequest(
            LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(src + "a.txt", dst + "a.txt")], label="done already"
        )
    )
    assert wait_for_task(alice_service, task_id, timeout=60).status == "SUCCEEDED"
    app = TransferHostApp(alice_service, left, right)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        details = await open_details(pilot, app, task_id)
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


async def test_details_say_the_pause_information_could_not_be_read_when_its_read_failed(
    sandbox: SandboxHandle, alice_service: TransferService, lab_dir: Any
) -> None:
    """QA: with pause_info answering 503, the details said "No pause information." (as if nothing held the
    task); they say it could not be read, and why, and ctrl+r reads it again."""
    _, src = lab_dir({"a.txt": "a"})
    _, dst = lab_dir()
    task_id = alice_service.submit_transfer(
        TransferRequest(LAB_STORAGE_ID, LAB_STORAGE_ID, [TransferItem(src + "a.txt", dst + "a.txt")])
    )
    assert wait_for_task(alice_service, task_id, timeout=60).status == "SUCCEEDED"
    app = TransferHostApp(alice_service, HostPane(alice_service, LAB_STORAGE_ID, src, "Lab Storage"),
                          HostPane(alice_service, LAB_STORAGE_ID, dst, "Lab Storage"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        with outage(sandbox, lambda _method, path: path.endswith("/pause_info"), "Pause lookups are down."):
            details = await open_details(pilot, app, task_id)
            await wait_until(pilot, lambda: details.data.pause_error is not None, "the failed pause read")
            pause_info = str(details.query_one("#pause-info", Static).render())
        assert pause_info.startswith("Pause information could not be read:") and "Pause lookups are down" in pause_info
        await pilot.press("ctrl+r")
        await wait_until(pilot, lambda: details.data.pause_error is None and details.data.pause_info is not None,
                         "the pause information read again")
        pause_info = str(details.query_one("#pause-info", Static).render())
        assert pause_info == "Not paused: no pause rules apply to this task."


async def test_control_keys_are_offered_while_the_task_is_active() -> None:
    # The fixed (active) details scene still shows cancel/label/deadline.
    from tests.support.transfer_scenes import DetailsScene

    app = DetailsScene()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        offered = {binding.binding.action for binding in app.screen.active_bindings.values()}
        assert {"cancel_task", "change_label", "change_deadline"} <= offered


@pytest.fixture
def slow_here(faulty_slow_sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    """The slow sandbox with the SDK pointed at it for this test (a session sandbox may have taken the env)."""
    with sdk_pointed_at(faulty_slow_sandbox):
        yield faulty_slow_sandbox


async def _cancel_from_the_panel(pilot: Any, app: TransferHostApp, task_id: str) -> None:
    """t, the cursor on ``task_id``, x: the confirmation first; n keeps the task, then x and y cancel it."""
    panel = app.transfers.task_panel
    await cursor_on_task(pilot, app, task_id, active=True)
    await pilot.press("x")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the cancel confirmation")
    prompt = app.screen
    assert isinstance(prompt, ConfirmPrompt) and task_id in prompt.message  # it names the task it would cancel
    # QA: "Cancel" beside "Cancel task" read as the same thing; the answer that keeps it says so.
    buttons = {str(button.label) for button in prompt.query(Button)}
    assert buttons == {"Keep task", "Cancel task"}
    await pilot.press("n")
    await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmPrompt), "the confirmation closed")
    assert any(t.task_id == task_id and t.is_active for t in panel.tasks)  # "no" cancels nothing
    panel.table.move_cursor(row=next(i for i, t in enumerate(panel.tasks) if t.task_id == task_id))
    await pilot.pause()
    await pilot.press("x")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the cancel confirmation again")
    await pilot.press("y")


async def test_x_in_the_task_panel_cancels_a_running_transfer_after_asking(slow_here: SandboxHandle) -> None:
    faulty_slow_sandbox = slow_here
    _, src = make_lab_dir(faulty_slow_sandbox, {"big.bin": b"\x02" * 4_000_000})
    dst_disk, dst = make_lab_dir(faulty_slow_sandbox)
    app = make_host(faulty_slow_sandbox, src, dst, ["big.bin"])
    label = f"panel cancel {dst.rstrip('/').rsplit('/', 1)[-1]}"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        app.screen.query_one("#label", Input).value = label
        await pilot.press("enter")
        panel = app.transfers.task_panel
        await wait_until(pilot, lambda: any(t.label == label for t in panel.tasks), "the task in the panel")
        task_id = next(t.task_id for t in panel.tasks if t.label == label)

        await _cancel_from_the_panel(pilot, app, task_id)

        await wait_until(
            pilot,
            lambda: any(t.task_id == task_id and fmt.ending(t) == fmt.ENDED_CANCELED for t in panel.tasks),
            "the panel to show it canceled",
        )
        assert not isinstance(app.screen, TaskDetailsScreen)  # cancelled from the panel itself
    assert fmt.ending(wait_for_task(app.service, task_id, timeout=30)) == fmt.ENDED_CANCELED
    assert not (dst_disk / "big.bin").exists()


@contextmanager
def stalled_file_data(sandbox: SandboxHandle, release: threading.Event) -> Iterator[None]:
    """The collections' HTTPS file server answers a GET only once ``release`` is set: a download stalls
    there, with the task running, until the test lets it go."""

    async def stall(scope: Any, receive: Any, send: Any, inner: Any) -> None:
        if scope.get("method") == "GET" and str(scope.get("path", "")).startswith(PREFIX):
            await asyncio.to_thread(release.wait, 60)
        await inner(scope, receive, send)

    try:
        with gated(sandbox, stall):
            yield
    finally:
        release.set()


async def test_x_in_the_task_panel_cancels_one_of_gterms_own_tasks(slow_here: SandboxHandle, tmp_path: Path) -> None:
    """A download gterm runs itself (a local task), stalled on the server: x in the panel cancels it.
    (A named pipe as a copy's source held one open before; special files are refused now.)"""
    sandbox = slow_here
    _, folder = make_lab_dir(sandbox, {"data.bin": os.urandom(300_000)})
    token = login_tokens(sandbox, https_scope(LAB_STORAGE_ID), new_native_client(sandbox))
    authorizer = globus_sdk.AccessTokenAuthorizer(token.by_resource_server[LAB_STORAGE_ID]["access_token"])
    server = https_server_url(sandbox.state, LAB_STORAGE_ID)
    task = LocalTask(
        "download", [Item(f"{folder}data.bin", str(tmp_path / "copied"), is_dir=False, size=300_000)],
        "Lab Storage", "This computer", open_remote=lambda: HttpsFiles(server, LAB_STORAGE_ID, authorizer),
    )
    runner = threading.Thread(target=task.run, daemon=True)
    app = make_host(sandbox, folder, folder, [])
    release = threading.Event()
    try:
        with stalled_file_data(sandbox, release):
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                panel = app.transfers.task_panel
                runner.start()
                panel.add_local_task(task)

                await _cancel_from_the_panel(pilot, app, task.task_id)

                await wait_until(pilot, lambda: task._cancel.is_set(), "the cancel to reach the task")
                release.set()  # the server answers; the download stops at its first piece
                await wait_until(
                    pilot,
                    lambda: any(
                        t.task_id == task.task_id and fmt.ending(t) == fmt.ENDED_CANCELED for t in panel.tasks
                    ),
                    "the panel to show it canceled",
                )
                assert any("Cancelling" in n for n in app.notifications_seen)
    finally:
        release.set()
        runner.join(timeout=30)
    assert not (tmp_path / "copied").exists()
