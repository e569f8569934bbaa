"""A call that fails for a network or service reason loses nothing typed for it.

The sandbox answers the one call 503 (a real outage's answer, over HTTP); F7's
and F2's prompts come back with the name typed and why it failed, and F5 keeps
the request (label and options) for a Try again.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from textual.widgets import Input, Static

from gterm.globus.client_options import tune_built_client
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.prompts import ConfirmPrompt, InputPrompt
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.browser_helpers import (
    cursor_to,
    listing_names,
    make_app,
    notices,
    prompt_error,
    settled,
    type_text,
    wait_for,
)
from tests.support.outages import answer_error, gated, outage
from tests.support.sandbox_login import sdk_pointed_at, transfer_client_for

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


@pytest.fixture
def service(sandbox: Any, tmp_config: Any) -> TransferService:
    """Alice's service, its calls' retries bounded as gterm bounds its clients (one retry each, and a submit
    tried three times), so an outage's answer comes back in seconds."""
    with sdk_pointed_at(sandbox):
        client = transfer_client_for(sandbox, "alice")
    tmp_config.max_retries = 1
    tune_built_client(client, tmp_config)
    return TransferService(lambda: client, retry_delay=0.05)


async def answer_during_an_outage(pilot: Any, sandbox: Any, key: str, route_end: str, text: str) -> None:
    """``key``, then ``text`` and Enter in its prompt while the service refuses ``…route_end``: until the
    prompt is back with the reason."""
    app = pilot.app
    with outage(sandbox, lambda method, route: route.endswith(route_end)):
        await pilot.press(key)
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the prompt")
        await type_text(pilot, text)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt) and bool(prompt_error(app)),
                       "the prompt back with the reason")


async def test_f7_comes_back_with_the_name_and_the_reason_after_an_outage(sandbox, service, tmp_config, lab_dir):
    disk, path = lab_dir({"a.txt": "a"})
    app = make_app(service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        left.file_list.focus()
        await answer_during_an_outage(pilot, sandbox, "f7", "/mkdir", "results-2026")
        assert app.screen.query_one("#prompt-input", Input).value == "results-2026"
        assert "down for maintenance" in prompt_error(app)
        await pilot.press("enter")  # the service is back: the same name again
        await wait_for(pilot, lambda: "results-2026" in listing_names(left), "the directory listed")
        assert (disk / "results-2026").is_dir()


async def test_f2_comes_back_with_the_new_name_and_an_edit_clears_the_reason(sandbox, service, tmp_config, lab_dir):
    disk, path = lab_dir({"run.log": "x"})
    app = make_app(service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, "run.log")
        await answer_during_an_outage(pilot, sandbox, "f2", "/rename", "run-1")  # the stem; the extension stays
        assert app.screen.query_one("#prompt-input", Input).value == "run-1.log"
        await pilot.press("end", "backspace", "backspace", "backspace", "backspace")
        assert prompt_error(app) == ""  # what it was about has changed
        await type_text(pilot, ".txt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "run-1.txt" in listing_names(left), "the renamed file listed")
        assert sorted(p.name for p in disk.iterdir()) == ["run-1.txt"]


async def test_f5_keeps_the_request_for_a_try_again_after_an_outage(sandbox, service, tmp_config, lab_dir):
    """The dialog closed and a toast said the network failed: label and options were gone. Now Try again
    sends the same request. Here Globus took the first one and its answer was lost: the same submission id
    makes the try one task, not two."""
    _, src = lab_dir({"data.bin": "d"})
    dst_disk, dst = lab_dir()
    label = f"kept label {dst_disk.name}"

    async def answer_lost(scope: Any, receive: Any, send: Any, inner: Any) -> None:
        if scope["method"] != "POST" or not scope["path"].endswith("/transfer"):
            await inner(scope, receive, send)
            return

        async def swallowed(_message: Any) -> None:
            return

        await inner(scope, receive, swallowed)  # Globus takes it; the answer never arrives
        await answer_error(send, 503, "ServiceUnavailable", "The service is down for maintenance.")

    app = make_app(service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await cursor_to(pilot, app.main_screen.left_pane, "data.bin")
        with gated(sandbox, answer_lost):
            await pilot.press("f5")
            await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the transfer dialog")
            app.screen.query_one("#label", Input).value = label
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the try-again question")
        question = app.screen
        assert isinstance(question, ConfirmPrompt)
        assert "down for maintenance" in question.message and question.items == [label]
        await pilot.press("enter")  # Try again: the service is back
        panel = app.main_screen.task_panel
        await wait_for(pilot, lambda: any(t.label == label for t in panel.tasks), "the task submitted")
        await wait_for(pilot, lambda: (dst_disk / "data.bin").exists(), "the file copied")
    assert [t.label for t in service.tasks(limit=50)].count(label) == 1


async def test_f5_again_while_the_same_transfer_is_being_submitted_says_so_and_sends_it_once(
    sandbox, service, tmp_config, lab_dir
):
    """QA: on a slow network the dialog closed, nothing said the submission was out and the selection stayed;
    F5 again opened the dialog again and a second task copied the same files."""
    _, src = lab_dir({"data.bin": "d"})
    _, dst = lab_dir()
    release = threading.Event()
    submits = []

    async def slow_submit(scope: Any, receive: Any, send: Any, inner: Any) -> None:
        if scope["method"] == "POST" and scope["path"].endswith("/transfer"):
            submits.append(scope["path"])
            await asyncio.to_thread(release.wait, 60)
        await inner(scope, receive, send)

    app = make_app(service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await cursor_to(pilot, app.main_screen.left_pane, "data.bin")
        try:
            with gated(sandbox, slow_submit):
                await pilot.press("f5")
                await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the transfer dialog")
                await pilot.press("enter")
                await wait_for(pilot, lambda: bool(submits), "the submission out")
                await pilot.press("f5")
                await wait_for(pilot, lambda: any("Still submitting" in n for n in notices(app)), "the notice")
                assert app.screen is app.main_screen  # no second dialog
                release.set()
                panel = app.main_screen.task_panel
                await wait_for(pilot, lambda: bool(panel.tasks), "the task submitted")
        finally:
            release.set()
        assert len(submits) == 1
        await pilot.press("f5")  # answered: the same files may be sent again, on purpose
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog for another copy")


async def test_task_details_say_their_figures_are_old_while_refreshes_fail(
    sandbox, service, tmp_config, lab_dir, slow_transfers
):
    """The figures of a running task stood still, looking live, while every refresh failed."""
    from gterm.globus.transfer_requests import TransferItem, TransferRequest
    from gterm.tui.screens.task_details import TaskDetailsScreen

    _, src = lab_dir({"big.bin": b"\x01" * 2_000_000})
    _, dst = lab_dir()
    task_id = service.submit_transfer_once(TransferRequest(
        source_collection=LAB, destination_collection=LAB,
        items=[TransferItem(src + "big.bin", dst + "big.bin")], label="stale figures",
    ))
    app = make_app(service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        details = TaskDetailsScreen(service, service.task(task_id))
        app.push_screen(details)
        await wait_for(pilot, lambda: app.screen is details and details.data.events != [], "the details")

        def head() -> str:
            return str(details.query_one("#details-head", Static).render())

        with outage(sandbox, lambda method, route: route.startswith(f"/v0.10/task/{task_id}")):
            await wait_for(pilot, lambda: "Not refreshed since" in head(), "the old figures said to be old")
        assert "down for maintenance" in head()
        await wait_for(pilot, lambda: "Not refreshed since" not in head(), "live again once a refresh succeeds")
    service.cancel(task_id)
