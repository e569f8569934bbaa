"""A name whose bytes are not UTF-8, in the dialogs' sentences and the labels gterm proposes.

The file list shows ``b"caf\\xe9.bin"`` byte by byte (``caf\\xe9.bin``); a sentence that names it (the F5
summary, the label it proposes and sends, what is already at the destination, the notices) must show the
same, never Transfer's internal spelling (U+FFFD, then the bytes read as latin-1) — while the paths sent
still name those exact bytes. Through the real SDK and the live sandbox.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gterm.globus.transfer import wait_for_task
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.prompts import ChoicePrompt, InputPrompt
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.browser_helpers import (
    cursor_to,
    f5_to_this_computer,
    field_text,
    key_opens,
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
RAW = b"caf\xe9.bin"
WIRE = "\ufffd" + RAW.decode("latin-1")  # Transfer's spelling of RAW
SHOWN = "caf\\xe9.bin"  # what the panes show
PAYLOAD = b"latin-1 name\n"


def make_raw(disk: Path) -> None:
    with open(os.path.join(os.fsencode(disk), RAW), "wb") as handle:
        handle.write(PAYLOAD)


async def both_panes(pilot: Any, app: Any) -> None:
    screen = app.main_screen
    await wait_for(pilot, lambda: screen.left_pane.listing is not None and screen.right_pane.listing is not None,
                   "both listings")
    await settled(pilot)


async def test_f5_summary_names_it_as_the_panes_show_it(alice_service, tmp_config, lab_dir):
    """``/ *.bin Enter``, ctrl+a, F5: the list of what is sent, and what is already there, show the bytes escaped."""
    src_disk, src = lab_dir({"large-dataset.bin": "x" * 10, "remote-huge.bin": "y", "notes.txt": "z"})
    dst_disk, dst = lab_dir()
    make_raw(src_disk)
    make_raw(dst_disk)  # already at the destination: the dialog warns, naming it
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        await both_panes(pilot, app)
        app.main_screen.left_pane.file_list.focus()
        await pilot.press("slash")
        await type_text(pilot, "*.bin")
        await pilot.press("enter", "ctrl+a")
        dialog = await key_opens(pilot, app, "f5", TransferDialog, "the dialog")
        summary = str(dialog.summary())
        assert f"{SHOWN}, large-dataset.bin, remote-huge.bin" in summary, summary  # in the pane's order
        assert f"Already at the destination: {SHOWN}." in summary, summary
        assert "\ufffd" not in summary
        assert not any("\ufffd" in line for line in screen_lines(app))


async def test_f5_label_names_it_escaped_and_the_transfer_keeps_the_bytes(alice_service, tmp_config, lab_dir):
    """The proposed label is text Globus keeps and shows: the escaped name (what gterm shows everywhere), sent as
    the task's label; the item's paths still carry Transfer's spelling, so the exact bytes arrive."""
    src_disk, src = lab_dir({"ok.txt": "x"})
    dst_disk, dst = lab_dir()
    make_raw(src_disk)
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        await both_panes(pilot, app)
        await cursor_to(pilot, app.main_screen.left_pane, WIRE)
        dialog = await key_opens(pilot, app, "f5", TransferDialog, "the dialog")
        expected = f"gterm: {SHOWN} from Lab Storage to Lab Storage"
        assert field_text(dialog.query_one("#label")) == expected
        await pilot.press("enter")
        await wait_for(pilot, lambda: submitted_task_id(notices(app)), "the submission")
        task_id = str(submitted_task_id(notices(app)))
        await wait_for(pilot, lambda: any("Transfer succeeded" in notice for notice in notices(app)), "the end")
        await settled(pilot)
        assert any(f"gterm: {SHOWN}" in line for line in screen_lines(app)), "the task panel's row"
        assert not any("\ufffd" in line for line in screen_lines(app))
        said = [(str(note.title), str(note.message)) for note in app._notifications]
        assert (expected, f"Transfer submitted: task {task_id}") in said
        assert f"Transfer succeeded: {expected} (1 file, 13 B)" in [message for _, message in said]
    task = wait_for_task(alice_service, task_id, timeout=60)
    assert task.status == "SUCCEEDED" and task.label == expected
    assert os.listdir(os.fsencode(dst_disk)) == [RAW]
    with open(os.path.join(os.fsencode(dst_disk), RAW), "rb") as handle:
        assert handle.read() == PAYLOAD


async def test_a_download_asks_about_it_by_its_shown_name_and_labels_the_task_so(sandbox, tmp_config, tmp_path,
                                                                                   lab_dir):
    """F5 to this computer, where a file of those bytes is already: the question and the task's label name it
    as the panes do."""
    disk, path = lab_dir()
    make_raw(disk)
    local = tmp_path / "here"
    local.mkdir()
    with open(os.path.join(os.fsencode(local), RAW), "wb") as handle:
        handle.write(b"old\n")
    app = make_https_app(sandbox, config=tmp_config, left=f"{LAB}:{path}", right=f"local:{local}")
    async with app.run_test(size=SIZE) as pilot:
        await both_panes(pilot, app)
        await cursor_to(pilot, app.main_screen.left_pane, WIRE)
        await f5_to_this_computer(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, ChoicePrompt), "asked first")
        listed = str(app.screen.query_one("#prompt-items").render())
        assert listed.startswith(f"{SHOWN} · new: 13 B "), listed
        await pilot.press("o")  # overwrite
        await wait_for(pilot, lambda: any("Download succeeded" in notice for notice in notices(app)), "the end")
        assert f"Download succeeded: {SHOWN} from Lab Storage to This computer (1 file, 13 B)" in notices(app)
        assert not any("\ufffd" in notice for notice in notices(app))
    with open(os.path.join(os.fsencode(local), RAW), "rb") as handle:
        assert handle.read() == PAYLOAD


async def test_a_broken_link_so_named_is_named_as_shown(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({"ok.txt": "x"})
    link = b"l\xe9nk"
    os.symlink(b"nowhere", os.path.join(os.fsencode(disk), link))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:{path}")
    async with app.run_test(size=SIZE) as pilot:
        await both_panes(pilot, app)
        await cursor_to(pilot, app.main_screen.left_pane, "\ufffd" + link.decode("latin-1"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("broken link" in notice for notice in notices(app)), "the notice")
        assert any(notice.startswith("l\\xe9nk is a broken link") for notice in notices(app)), notices(app)


async def test_f6_names_it_as_shown(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({"ok.txt": "x"})
    make_raw(disk)
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:{path}")
    async with app.run_test(size=SIZE) as pilot:
        await both_panes(pilot, app)
        await cursor_to(pilot, app.main_screen.left_pane, WIRE)
        prompt = await key_opens(pilot, app, "f6", InputPrompt, "the move prompt")
        assert prompt.title_text == f"Move {SHOWN} (within this collection) to"
        assert not any("\ufffd" in line for line in screen_lines(app))
