"""The F5 dialog on its own: keys, defaults, and the request it returns (no service needed)."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.widgets import Button, Input, Select

from gterm.globus.transfer_requests import TransferItem, TransferRequest
from gterm.tui.screens.transfer_dialog import OptionBox, TransferDialog
from tests.support.transfer_live import wait_until
from tests.support.transfer_scenes import FROZEN_NOW, HPC, LAB, fixed_plan, frozen_clock


class DialogApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.results: list[TransferRequest | None] = []

    def on_mount(self) -> None:
        self.push_screen(TransferDialog(fixed_plan(), clock=frozen_clock), self.results.append)


async def test_enter_on_a_checkbox_submits_and_space_toggles() -> None:
    app = DialogApp()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        box = app.screen.query_one("#verify-checksum", OptionBox)
        box.focus()
        await pilot.press("space")
        assert box.value is False
        await pilot.press("enter")
        await wait_until(pilot, lambda: bool(app.results), "the dialog result")
    request = app.results[0]
    assert isinstance(request, TransferRequest)
    assert request.verify_checksum is False
    assert request.submission_id is None  # taken by the submitter, first, and kept
    assert request.source_collection == LAB and request.destination_collection == HPC
    assert request.label == "gterm: 3 items from Lab Storage to HPC Scratch"
    assert request.items == [
        TransferItem("/home/alice/experiments/", "/home/alice/incoming/experiments/", recursive=True),
        TransferItem("/home/alice/large-dataset.bin", "/home/alice/incoming/large-dataset.bin"),
        TransferItem("/home/alice/notes with spaces.txt", "/home/alice/incoming/notes with spaces.txt"),
    ]
    assert request.sync_level is None and request.notify_on_succeeded is True
    assert request.filter_rules == [] and request.deadline is None


async def test_every_option_reaches_the_request() -> None:
    app = DialogApp()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        screen: Any = app.screen
        screen.query_one("#sync-level", Select).value = "mtime"
        for widget_id in ("preserve-timestamp", "encrypt-data", "delete-extra", "skip-source-errors", "fail-on-quota"):
            screen.query_one(f"#{widget_id}", OptionBox).value = True
        screen.query_one("#notify", OptionBox).value = False
        screen.query_one("#deadline", Input).value = "+2h"
        screen.query_one("#include", Input).value = "keep me.tmp"
        screen.query_one("#exclude", Input).value = "*.tmp, cache"
        await pilot.pause()
        assert screen.query_one("#preview-button", Button).disabled  # no service: nothing to compare with
        await pilot.click("#submit")
        await wait_until(pilot, lambda: bool(app.results), "the dialog result")
    request = app.results[0]
    assert request is not None
    assert request.sync_level == "mtime"
    assert request.preserve_timestamp and request.encrypt_data and request.delete_destination_extra
    assert request.skip_source_errors and request.fail_on_quota_errors
    assert not (request.notify_on_succeeded or request.notify_on_failed or request.notify_on_inactive)
    assert request.deadline is not None and (request.deadline - FROZEN_NOW).total_seconds() == 7200
    assert request.filter_rules == [("include", "keep me.tmp"), ("exclude", "*.tmp"), ("exclude", "cache")]


async def test_escape_cancels() -> None:
    app = DialogApp()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("escape")
        await wait_until(pilot, lambda: bool(app.results), "the dialog result")
    assert app.results == [None]
