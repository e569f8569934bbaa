"""F5 end to end against the live sandbox: the dialog's options change what arrives on disk as Globus does.

Real TransferService, real SDK, real HTTP; the task runs in the sandbox's engine
and the test looks at the files it wrote.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from typing import Any

from textual.widgets import Input, Select

from gterm.globus.transfer import TransferService, wait_for_task
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.transfer_dialog import OptionBox, TransferDialog
from tests.support.browser_helpers import burst
from tests.support.hosts import HostPane, TransferHostApp

WAIT = 60.0
OLD_MTIME = 1_600_000_000  # 2020-09-13

SIZE = (120, 36)


async def wait_until(pilot: Any, condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def host(service: TransferService, src: str, dst: str, selected: list[str]) -> TransferHostApp:
    left = HostPane(service, LAB_STORAGE_ID, src, "Lab Storage")
    right = HostPane(service, LAB_STORAGE_ID, dst, "Lab Storage")
    left.selected = selected
    return TransferHostApp(service, left, right)


async def submit_with(
    pilot: Any, app: TransferHostApp, configure: Callable[[TransferDialog], None] | None = None
) -> str:
    """F5, optionally set options on the dialog, Enter; returns the submitted task id."""
    await pilot.press("f5")
    await wait_until(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
    dialog = app.screen
    assert isinstance(dialog, TransferDialog)
    if configure is not None:
        configure(dialog)
        await pilot.pause()
    dialog.query_one("#label", Input).focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.submitted_task_id is not None, "submission")
    return str(app.submitted_task_id)


async def run_transfer(
    service: TransferService,
    src: str,
    dst: str,
    selected: list[str],
    configure: Callable[[TransferDialog], None] | None = None,
) -> Any:
    app = host(service, src, dst, selected)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        task_id = await submit_with(pilot, app, configure)
        panel = app.transfers.task_panel
        # The panel refreshes at once and shows the new task; it ends there too.
        await wait_until(pilot, lambda: any(t.task_id == task_id for t in panel.tasks), "the task in the panel")
        await wait_until(
            pilot,
            lambda: any(t.task_id == task_id and not t.is_active for t in panel.tasks),
            "the task to finish in the panel",
        )
        await wait_until(pilot, lambda: any("succeeded" in n for n in app.notifications_seen), "finish notice")
    return wait_for_task(service, task_id, timeout=WAIT)


def set_checkbox(dialog: TransferDialog, widget_id: str, value: bool) -> None:
    dialog.query_one(f"#{widget_id}", OptionBox).value = value


async def test_transfer_from_dialog_arrives_byte_identical(alice_service: TransferService, lab_dir: Any) -> None:
    payload = random.Random(5).randbytes(300_000)
    src_disk, src = lab_dir({"a.txt": "hello\n", "tree/b.bin": payload, "tree/deeper/c.txt": "c\n", "left-out": "x"})
    dst_disk, dst = lab_dir()
    task = await run_transfer(alice_service, src, dst, ["a.txt", "tree"])
    assert task.status == "SUCCEEDED"
    assert task.label == "gterm: 2 items from Lab Storage to Lab Storage"
    for rel in ("a.txt", "tree/b.bin", "tree/deeper/c.txt"):
        assert (dst_disk / rel).read_bytes() == (src_disk / rel).read_bytes()
    assert not (dst_disk / "left-out").exists()


async def test_cursor_entry_is_sent_when_nothing_is_selected(alice_service: TransferService, lab_dir: Any) -> None:
    _src_disk, src = lab_dir({"one.txt": "1", "two.txt": "2"})
    dst_disk, dst = lab_dir()
    app = host(alice_service, src, dst, [])
    app.transfers.active_pane.cursor = "two.txt"
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        task_id = await submit_with(pilot, app)
    wait_for_task(alice_service, task_id, timeout=WAIT)
    assert sorted(os.listdir(dst_disk)) == ["two.txt"]


async def test_sync_level_exists_skips_files_already_there(alice_service: TransferService, lab_dir: Any) -> None:
    _src_disk, src = lab_dir({"d/same-name.txt": "new content", "d/fresh.txt": "fresh"})
    dst_disk, dst = lab_dir({"d/same-name.txt": "old"})

    def configure(dialog: TransferDialog) -> None:
        dialog.query_one("#sync-level", Select).value = "exists"

    task = await run_transfer(alice_service, src, dst, ["d"], configure)
    assert task.status == "SUCCEEDED"
    assert task.files_skipped == 1
    assert (dst_disk / "d/same-name.txt").read_text() == "old"
    assert (dst_disk / "d/fresh.txt").read_text() == "fresh"


async def test_sync_level_size_copies_only_changed_sizes(alice_service: TransferService, lab_dir: Any) -> None:
    _src_disk, src = lab_dir({"d/same-size.txt": "AAAA", "d/other-size.txt": "BBBBBB"})
    dst_disk, dst = lab_dir({"d/same-size.txt": "zzzz", "d/other-size.txt": "z"})

    def configure(dialog: TransferDialog) -> None:
        dialog.query_one("#sync-level", Select).value = "size"

    await run_transfer(alice_service, src, dst, ["d"], configure)
    assert (dst_disk / "d/same-size.txt").read_text() == "zzzz"
    assert (dst_disk / "d/other-size.txt").read_text() == "BBBBBB"


async def test_delete_extra_removes_destination_only_files(alice_service: TransferService, lab_dir: Any) -> None:
    _src_disk, src = lab_dir({"d/keep.txt": "k"})
    dst_disk, dst = lab_dir({"d/extra.txt": "goes", "d/old/deep.txt": "goes too"})

    def configure(dialog: TransferDialog) -> None:
        dialog.query_one("#sync-level", Select).value = "checksum"
        set_checkbox(dialog, "delete-extra", True)

    await run_transfer(alice_service, src, dst, ["d"], configure)
    assert sorted(os.listdir(dst_disk / "d")) == ["keep.txt"]


async def test_delete_extra_shows_a_warning(alice_service: TransferService, lab_dir: Any) -> None:
    _, src = lab_dir({"d/keep.txt": "k"})
    _, dst = lab_dir()
    app = host(alice_service, src, dst, ["d"])
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        warning = app.screen.query_one("#delete-warning")
        assert not warning.display
        box = app.screen.query_one("#delete-extra", OptionBox)
        box.focus()
        await pilot.press("space")
        await pilot.pause()
        assert box.value is True
        assert warning.display
        assert "DELETED" in str(warning.render())
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TransferDialog)
    assert app.submitted_task_id is None


async def test_preserve_timestamp_keeps_mtimes(alice_service: TransferService, lab_dir: Any) -> None:
    src_disk, src = lab_dir({"kept.txt": "k", "plain.txt": "p"})
    for name in ("kept.txt", "plain.txt"):
        os.utime(src_disk / name, (OLD_MTIME, OLD_MTIME))
    dst_keep_disk, dst_keep = lab_dir()
    dst_plain_disk, dst_plain = lab_dir()

    await run_transfer(
        alice_service, src, dst_keep, ["kept.txt"], lambda d: set_checkbox(d, "preserve-timestamp", True)
    )
    await run_transfer(alice_service, src, dst_plain, ["plain.txt"])
    assert int((dst_keep_disk / "kept.txt").stat().st_mtime) == OLD_MTIME
    assert int((dst_plain_disk / "plain.txt").stat().st_mtime) != OLD_MTIME


async def test_exclude_pattern_and_deadline_reach_the_task(alice_service: TransferService, lab_dir: Any) -> None:
    _src_disk, src = lab_dir({"d/data.csv": "1,2", "d/scratch.tmp": "t", "d/keep.tmp": "k"})
    dst_disk, dst = lab_dir()

    def configure(dialog: TransferDialog) -> None:
        dialog.query_one("#exclude", Input).value = "*.tmp"
        dialog.query_one("#include", Input).value = "keep.tmp"
        dialog.query_one("#deadline", Input).value = "+2h"
        dialog.query_one("#label", Input).value = "[bold]literal[/bold] label"

    task = await run_transfer(alice_service, src, dst, ["d"], configure)
    assert sorted(os.listdir(dst_disk / "d")) == ["data.csv", "keep.tmp"]
    assert task.label == "[bold]literal[/bold] label"
    assert task.deadline is not None and task.deadline.timestamp() > time.time() + 3600


async def test_bad_deadline_is_explained_and_nothing_is_submitted(alice_service: TransferService, lab_dir: Any) -> None:
    _, src = lab_dir({"a.txt": "a"})
    _, dst = lab_dir()
    app = host(alice_service, src, dst, ["a.txt"])
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await wait_until(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        app.screen.query_one("#deadline", Input).value = "next tuesday"
        app.screen.query_one("#label", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TransferDialog)
        assert "Cannot read deadline" in str(app.screen.query_one("#form-error").render())
        await pilot.press("escape")
        await pilot.pause()
    assert app.submitted_task_id is None


def dialog_host(service: TransferService, src: str, dst: str) -> TransferHostApp:
    left = HostPane(service, LAB_STORAGE_ID, src, "Lab Storage")
    right = HostPane(service, LAB_STORAGE_ID, dst, "Lab Storage")
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
        await wait_until(pilot, lambda: app.submitted_task_id, "submission")
        await pilot.pause(0.3)
        task_id = str(app.submitted_task_id)
        assert sum("Transfer submitted" in n for n in app.notifications_seen) == 1
    task = alice_service.task(task_id)
    assert task.deadline is not None and task.deadline.year == 2099
