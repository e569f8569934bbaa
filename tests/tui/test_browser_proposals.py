"""Inputs that hold a proposal select it, so typing replaces it; F2 selects the name without its extension."""

from __future__ import annotations

import uuid

from textual.widgets import Input
from textual.widgets.input import Selection

from gterm.globus.transfer_requests import MAX_LABEL_CHARS
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.prompts import InputPrompt
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.browser_helpers import (
    cursor_to,
    listing_names,
    make_app,
    settled,
    type_text,
    wait_for,
    wait_for_path,
)

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


async def prompt_value(pilot, app) -> str:
    await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the prompt")
    return app.screen.query_one("#prompt-input", Input).value


async def test_path_bar_typing_replaces_the_path(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/climate/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        left.file_list.focus()
        await pilot.press("ctrl+l")
        await type_text(pilot, "/projects/genomics/")
        await pilot.press("enter")
        await wait_for_path(pilot, left, "/projects/genomics/")
        assert left.path == "/projects/genomics/"


async def test_glob_prompt_typing_replaces_the_star(alice_service, tmp_config, lab_dir):
    _, path = lab_dir({"apple.txt": "a", "banana.txt": "b"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        left.file_list.focus()
        await pilot.press("plus")
        assert await prompt_value(pilot, app) == "*"
        await type_text(pilot, "a*")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, InputPrompt), "the prompt to close")
        assert [e.name for e in left.selected_entries()] == ["apple.txt"]


async def test_f2_selects_the_name_without_its_extension(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({"report.csv": "r"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, "report.csv")
        await pilot.press("f2")
        assert await prompt_value(pilot, app) == "report.csv"
        await type_text(pilot, "summary")
        assert app.screen.query_one("#prompt-input", Input).value == "summary.csv"
        await pilot.press("enter")
        await wait_for(pilot, lambda: listing_names(left) == ["summary.csv"], "renamed")
        assert (disk / "summary.csv").read_text() == "r"


async def test_bookmark_name_typing_replaces_the_proposal(alice_service, tmp_config, lab_dir):
    _, path = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        app.main_screen.left_pane.file_list.focus()
        await pilot.press("b")
        assert await prompt_value(pilot, app) == path.strip("/").split("/")[-1]
        await type_text(pilot, "mine")
        assert app.screen.query_one("#prompt-input", Input).value == "mine"
        await pilot.press("escape")


async def test_label_inputs_select_their_proposal(alice_service, tmp_config, lab_dir):
    """The transfer dialog's proposed directory and generated label and a bookmark's label (its name, F2 in
    the sidebar) are selected when their field opens, so typing replaces them instead of adding to them."""
    _, path = lab_dir({"a.txt": "a"})
    bookmark = alice_service.create_bookmark(f"label-{uuid.uuid4().hex[:6]}", LAB, path)
    try:
        app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)
            screen = app.main_screen
            await cursor_to(pilot, screen.left_pane, "a.txt")
            await pilot.press("f5")
            await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
            await pilot.pause()
            # The dialog opens on its "to" directory (Midnight Commander's copy dialog), the proposal selected.
            destination = app.screen.query_one("#destination", Input)
            assert app.focused is destination and destination.selection == Selection(0, len(destination.value))
            await pilot.press("tab")
            label = app.screen.query_one("#label", Input)
            assert app.focused is label
            # Selected with the cursor at its start: a label longer than the field reads from its beginning.
            assert label.value and label.selection == Selection(len(label.value), 0), "the generated label"
            await type_text(pilot, "nightly")
            assert label.value == "nightly"
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, TransferDialog), "the dialog closed")

            await pilot.press("ctrl+b")
            await wait_for(pilot, lambda: any(b.id == bookmark.id for b in screen.sidebar.bookmarks), "the bookmark")
            screen.sidebar.option_list.focus()
            screen.sidebar.option_list.highlighted = [b.id for b in screen.sidebar.bookmarks].index(bookmark.id)
            await pilot.press("f2")
            assert await prompt_value(pilot, app) == bookmark.name
            await type_text(pilot, "mine")
            assert app.screen.query_one("#prompt-input", Input).value == "mine"
            await pilot.press("escape")
    finally:
        alice_service.delete_bookmark(bookmark.id)


async def test_a_refused_label_is_selected_so_typing_replaces_it(alice_service, tmp_config, lab_dir):
    """A label over Globus' 128 characters is refused in the form, and the refused label is the
    field's proposal again: selected, so the next keys replace it instead of adding to it."""
    _, path = lab_dir({"a.txt": "a"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await cursor_to(pilot, app.main_screen.left_pane, "a.txt")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        await pilot.pause()
        dialog = app.screen
        label = dialog.query_one("#label", Input)
        too_long = "x" * (MAX_LABEL_CHARS + 1)
        label.value = too_long  # typing 129 keys says nothing more than this
        await pilot.press("end", "enter")
        await wait_for(pilot, lambda: "128" in str(dialog.query_one("#form-error").render()), "the refusal")
        assert app.screen is dialog and app.focused is label
        assert label.selection == Selection(len(too_long), 0), "the refused label is selected, read from its start"
        await type_text(pilot, "nightly")
        assert label.value == "nightly"
        await pilot.press("escape")
