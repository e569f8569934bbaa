"""Bookmark names: each row names its collection (a bookmark document carries only its id); a name too long
for Transfer is refused in the dialog."""

from __future__ import annotations

import uuid

import pytest
from textual.widgets import Input, Static

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.prompts import InputPrompt
from tests.support.browser_helpers import make_app, settled, wait_for

LAB = LAB_STORAGE_ID


@pytest.fixture
def bookmark(alice_service):
    """A bookmark of alice's to /projects/ (its name unique to the test), removed afterwards."""
    name = f"bm-{uuid.uuid4().hex[:8]}"
    created = alice_service.create_bookmark(name, LAB, "/projects/")
    yield name
    alice_service.delete_bookmark(created.id)


async def highlighted_in_sidebar(pilot, name: str) -> int:
    """ctrl+b once the panes are listed, and the highlight on bookmark ``name``; its row."""
    await settled(pilot)
    await pilot.press("ctrl+b")
    sidebar = pilot.app.main_screen.sidebar
    await wait_for(pilot, lambda: any(b.name == name for b in sidebar.bookmarks), "the bookmark")
    index = [b.name for b in sidebar.bookmarks].index(name)
    sidebar.option_list.highlighted = index
    await pilot.pause()
    return index


async def test_sidebar_rows_name_the_collection(alice_service, tmp_config, bookmark):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        index = await highlighted_in_sidebar(pilot, bookmark)
        shown = str(app.main_screen.sidebar.option_list.get_option_at_index(index).prompt)
        assert "Lab Storage:/projects/" in shown
        assert LAB not in shown


async def test_a_bookmark_name_too_long_is_refused_in_the_dialog(alice_service, tmp_config, bookmark):
    """Transfer refuses names over 128 characters: the dialog says so and keeps what was typed (before, it
    closed, the server's refusal came later under the sidebar, and the typed name was lost)."""
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await highlighted_in_sidebar(pilot, bookmark)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the rename prompt")
        box = app.screen.query_one("#prompt-input", Input)
        box.value = "x" * 300
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, InputPrompt) and box.value == "x" * 300
        error = str(app.screen.query_one("#prompt-error", Static).render())
        assert "at most 128 characters (300 typed)" in error
        assert any(b.name == bookmark for b in alice_service.bookmarks())


async def test_a_rename_to_a_name_taken_comes_back_with_the_name_and_why(alice_service, tmp_config, bookmark):
    """QA: F2 to the name of another bookmark closed the prompt, said the refusal in a toast and under the
    sidebar (where it stayed), and the name typed was gone."""
    other = alice_service.create_bookmark(f"taken-{uuid.uuid4().hex[:8]}", LAB, "/home/alice/")
    try:
        app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
        async with app.run_test(size=(120, 36)) as pilot:
            await highlighted_in_sidebar(pilot, bookmark)
            await pilot.press("f2")
            await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the rename prompt")
            app.screen.query_one("#prompt-input", Input).value = other.name
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt)
                           and "already exists" in str(app.screen.query_one("#prompt-error", Static).render()),
                           "the prompt back with why")
            assert app.screen.query_one("#prompt-input", Input).value == other.name
            status = app.main_screen.sidebar.query_one(".sidebar-status", Static)
            assert "already exists" not in str(status.render())  # said in the prompt, not left under the list
        assert any(b.name == bookmark for b in alice_service.bookmarks())
    finally:
        alice_service.delete_bookmark(other.id)


async def test_b_with_a_name_taken_comes_back_with_the_name_and_why(alice_service, tmp_config, bookmark):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        app.main_screen.left_pane.file_list.focus()
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the bookmark prompt")
        app.screen.query_one("#prompt-input", Input).value = bookmark
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt)
                       and "already exists" in str(app.screen.query_one("#prompt-error", Static).render()),
                       "the prompt back with why")
        assert app.screen.query_one("#prompt-input", Input).value == bookmark
    assert [b.name for b in alice_service.bookmarks()].count(bookmark) == 1


async def test_the_palette_the_delete_question_and_b_name_the_collection(alice_service, tmp_config, bookmark):
    """QA: the palette said "Open bookmark: x" over "/projects/", Delete asked about "x  (/projects/)" and b
    offered to bookmark "/projects/": two bookmarks to one path on two collections looked the same."""
    from textual.command import CommandList, CommandPalette

    from gterm.tui.screens.prompts import ConfirmPrompt

    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await highlighted_in_sidebar(pilot, bookmark)
        await wait_for(pilot, lambda: LAB in app.main_screen.sidebar.collection_names, "the collection's name")
        app.main_screen.left_pane.file_list.focus()
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        commands = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: commands.option_count > 20, "the commands")
        await pilot.pause(0.5)
        prompts = [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]
        (ours,) = [p for p in prompts if f"Open bookmark: {bookmark}" in p]
        assert "Lab Storage:/projects/" in ours
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main_screen, "the palette closed")

        app.main_screen.sidebar.option_list.focus()
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the delete question")
        assert app.screen.items == [f"{bookmark}  (Lab Storage:/projects/)"]
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main_screen, "kept")

        app.main_screen.left_pane.file_list.focus()
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the bookmark prompt")
        assert app.screen.details == "Lab Storage:/projects/"
