"""A name whose bytes are not UTF-8 (a listing carries it as surrogate escapes): the directory lists,
the name shows escaped, and an operation on it says clearly why Globus cannot be asked, never a traceback."""

from __future__ import annotations

import os

from gterm.globus.errors import InvalidInput
from gterm.globus.transfer import build_transfer_data
from gterm.globus.transfer_requests import TransferItem, TransferRequest
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.browser_helpers import cursor_to, listing_names, make_app, screen_lines, settled, type_text, wait_for

LAB = LAB_STORAGE_ID
BAD = b"bad-\xff-name.txt"
BAD_NAME = os.fsdecode(BAD)  # 'bad-\udcff-name.txt'


def make_bad(disk) -> None:
    with open(os.path.join(os.fsencode(disk), BAD), "wb") as handle:
        handle.write(b"payload")


def test_the_directory_lists_with_the_exact_name(alice_service, lab_dir):
    disk, path = lab_dir({"ok.txt": "x"})
    make_bad(disk)
    listing = alice_service.ls(LAB, path)
    assert sorted(e.name for e in listing.entries) == sorted(["ok.txt", BAD_NAME])


def test_requests_that_would_name_it_say_why(alice_service, lab_dir):
    disk, path = lab_dir()
    make_bad(disk)
    try:
        alice_service.rename(LAB, path + BAD_NAME, path + "good.txt")
    except InvalidInput as error:
        assert "bad-\\xff-name.txt" in str(error) and "not valid UTF-8" in str(error)
    else:
        raise AssertionError("a rename naming undecodable bytes must be refused clearly")
    request = TransferRequest(LAB, LAB, [TransferItem(path + BAD_NAME, path + "copy")])
    try:
        build_transfer_data(request)
    except InvalidInput as error:
        assert "not valid UTF-8" in str(error)
    else:
        raise AssertionError("a transfer naming undecodable bytes must be refused clearly")


async def test_the_pane_shows_it_escaped_and_f2_explains(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({"ok.txt": "x"})
    make_bad(disk)
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.path == path, "the directory")
        await settled(pilot)
        left = app.main_screen.left_pane
        assert sorted(listing_names(left)) == sorted(["ok.txt", BAD_NAME])
        assert any("bad-\\xff-name.txt" in line for line in screen_lines(app))
        await cursor_to(pilot, left, BAD_NAME)
        await pilot.press("f2")
        from textual.widgets import Input

        from gterm.tui.screens.prompts import InputPrompt

        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the rename prompt")
        app.screen.query_one("#prompt-input", Input).value = ""
        await type_text(pilot, "good.txt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "not valid UTF-8" in left.message_text, "the reason")
        assert "unexpected" not in left.message_text.lower()
        assert os.path.exists(os.path.join(os.fsencode(disk), BAD))
