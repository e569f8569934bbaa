"""A name whose bytes are not UTF-8 (``b"caf\\xe9.txt"`` on disk): the directory lists, the name shows
escaped, and F5, F6, F2 and F8 act on exactly those bytes, through the real SDK and the live sandbox.

Transfer spells such a name as U+FFFD followed by the bytes read as latin-1, and takes that
spelling back in every call (Transfer API, "File Operations", "Path Encoding").
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual.widgets import Input

from gterm.globus.transfer import wait_for_task
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.prompts import ConfirmPrompt, InputPrompt
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.browser_helpers import (
    cursor_to,
    f5_to_this_computer,
    listing_names,
    make_app,
    make_https_app,
    notices,
    screen_lines,
    settled,
    submitted_task_id,
    type_text,
    wait_for,
)

LAB = LAB_STORAGE_ID
SIZE = (120, 36)
RAW = b"caf\xe9.txt"
WIRE = "\ufffd" + RAW.decode("latin-1")  # Transfer's spelling of RAW
SHOWN = "caf\\xe9.txt"  # what the user sees: the byte that is not UTF-8, escaped
PAYLOAD = b"latin-1 name\n"


def make_raw(disk: Path) -> None:
    with open(os.path.join(os.fsencode(disk), RAW), "wb") as handle:
        handle.write(PAYLOAD)


def names_on_disk(disk: Path) -> list[bytes]:
    return sorted(os.listdir(os.fsencode(disk)))


def read_raw(disk: Path) -> bytes:
    with open(os.path.join(os.fsencode(disk), RAW), "rb") as handle:
        return handle.read()


@asynccontextmanager
async def on_the_raw_name(
    service: Any, config: Any, disk: Path, left: str, right: str
) -> AsyncIterator[tuple[Any, Any, Any]]:
    """The app with ``left`` and ``right`` listed and the cursor on RAW in the left pane: (app, pilot, left pane)."""
    make_raw(disk)
    app = make_app(service, config=config, left=f"{LAB}:{left}", right=f"{LAB}:{right}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await wait_for(pilot, lambda: screen.left_pane.path == left and screen.right_pane.path == right, "both panes")
        await wait_for(pilot, lambda: screen.right_pane.listing is not None, "the right listing")
        await settled(pilot)
        await cursor_to(pilot, screen.left_pane, WIRE)
        yield app, pilot, screen.left_pane


def test_the_service_lists_and_names_it_exactly(alice_service, lab_dir):
    disk, path = lab_dir({"ok.txt": "x"})
    make_raw(disk)
    listing = alice_service.ls(LAB, path)
    assert sorted(e.name for e in listing.entries) == sorted(["ok.txt", WIRE])
    # A local listing's spelling of the same bytes (Python's lone surrogates) names the same file.
    alice_service.rename(LAB, path + os.fsdecode(RAW), path + "plain.txt")
    assert (disk / "plain.txt").read_bytes() == PAYLOAD and RAW not in names_on_disk(disk)


async def test_f5_transfers_it_by_its_exact_name(alice_service, tmp_config, lab_dir):
    src_disk, src = lab_dir({"ok.txt": "x"})
    dst_disk, dst = lab_dir()
    async with on_the_raw_name(alice_service, tmp_config, src_disk, src, dst) as (app, pilot, left):
        assert sorted(listing_names(left)) == sorted(["ok.txt", WIRE])
        assert any(SHOWN in line for line in screen_lines(app)), "the name shows its byte escaped"
        assert not any("\ufffd" in line for line in screen_lines(app))
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the transfer dialog")
        await pilot.press("enter")
        await wait_for(pilot, lambda: submitted_task_id(notices(app)), "the submission")
        task_id = str(submitted_task_id(notices(app)))
    assert wait_for_task(alice_service, task_id, timeout=60).status == "SUCCEEDED"
    assert names_on_disk(dst_disk) == [RAW]
    assert read_raw(dst_disk) == PAYLOAD


async def test_f6_moves_it_by_its_exact_name(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({"ok.txt": "x"}, dirs=("target",))
    async with on_the_raw_name(alice_service, tmp_config, disk, path, path + "target/") as (app, pilot, left):
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the move prompt")
        assert app.screen.query_one("#prompt-input", Input).value == f"{path}target/"
        await pilot.press("enter")
        await wait_for(pilot, lambda: sorted(listing_names(left)) == ["ok.txt", "target"], "the moved listing")
    assert names_on_disk(disk / "target") == [RAW]
    assert read_raw(disk / "target") == PAYLOAD
    assert RAW not in names_on_disk(disk)


async def test_f2_renames_it_by_its_exact_name(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({"ok.txt": "x"})
    async with on_the_raw_name(alice_service, tmp_config, disk, path, "/projects/") as (app, pilot, left):
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the rename prompt")
        box = app.screen.query_one("#prompt-input", Input)
        assert box.value == SHOWN, "the proposal shows the name escaped, never U+FFFD or a raw byte"
        await type_text(pilot, "plain")  # replaces the selected stem, keeps ".txt"
        await pilot.press("enter")
        await wait_for(pilot, lambda: sorted(listing_names(left)) == ["ok.txt", "plain.txt"], "the renamed listing")
    assert (disk / "plain.txt").read_bytes() == PAYLOAD
    assert RAW not in names_on_disk(disk)


async def test_f2_unchanged_keeps_the_exact_name(alice_service, tmp_config, lab_dir):
    """Enter on the untouched proposal asks for the same name: nothing on disk changes, nothing is mangled."""
    disk, path = lab_dir()
    async with on_the_raw_name(alice_service, tmp_config, disk, path, "/projects/") as (app, pilot, left):
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the rename prompt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, InputPrompt), "the prompt closed")
        await settled(pilot)
        assert "unexpected" not in left.message_text.lower()
    assert names_on_disk(disk) == [RAW]


async def test_f2_appending_keeps_the_bytes_of_the_name(alice_service, tmp_config, lab_dir):
    """End, X, Enter on the proposal: the byte that is not UTF-8 stays that byte, only X is new."""
    disk, path = lab_dir()
    async with on_the_raw_name(alice_service, tmp_config, disk, path, "/projects/") as (app, pilot, left):
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the rename prompt")
        await pilot.press("end", "X", "enter")
        await wait_for(pilot, lambda: listing_names(left) == [WIRE + "X"], "the renamed listing")
    assert names_on_disk(disk) == [RAW + b"X"]


async def test_f8_deletes_it_by_its_exact_name(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({"ok.txt": "x"})
    async with on_the_raw_name(alice_service, tmp_config, disk, path, "/projects/") as (app, pilot, left):
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the confirmation")
        listed = str(app.screen.query_one("#prompt-items").render())
        assert SHOWN in listed and "\ufffd" not in listed
        await pilot.press("y")
        await wait_for(pilot, lambda: listing_names(left) == ["ok.txt"], "the listing after the delete")
    assert names_on_disk(disk) == [b"ok.txt"]


async def test_f5_between_this_computer_and_a_collection_keeps_the_bytes(sandbox, tmp_config, tmp_path, lab_dir):
    """Download (HTTPS task) of a directory holding the name, then upload of a local file so named."""
    disk, path = lab_dir({"results/ok.txt": "x"})
    make_raw(disk / "results")
    local = tmp_path / "here"
    local.mkdir()
    app = make_https_app(sandbox, config=tmp_config, left=f"{LAB}:{path}", right=f"local:{local}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        left, right = screen.left_pane, screen.right_pane
        await wait_for(pilot, lambda: left.path == path and right.path == f"{local}/", "both panes")
        await settled(pilot)
        await cursor_to(pilot, left, "results")
        await f5_to_this_computer(pilot)
        await wait_for(pilot, lambda: names_on_disk(local / "results") == sorted([b"ok.txt", RAW]), "the download")
        assert read_raw(local / "results") == PAYLOAD

        with open(os.path.join(os.fsencode(local), b"up-\xff.txt"), "wb") as handle:
            handle.write(b"from here")
        right.reload()
        await wait_for(pilot, lambda: os.fsdecode(b"up-\xff.txt") in listing_names(right), "the local listing")
        await pilot.press("tab")
        await cursor_to(pilot, right, os.fsdecode(b"up-\xff.txt"))
        await f5_to_this_computer(pilot)
        await wait_for(pilot, lambda: b"up-\xff.txt" in names_on_disk(disk), "the upload")
        await wait_for(pilot, lambda: "\ufffdup-\xff.txt" in listing_names(left), "the collection pane reloaded")
    with open(os.path.join(os.fsencode(disk), b"up-\xff.txt"), "rb") as handle:
        assert handle.read() == b"from here"
