"""Bookmarks sidebar, the collection picker, help, keymap and the command palette (live sandbox)."""

from __future__ import annotations

import uuid

from textual.command import CommandPalette
from textual.widgets import Input, OptionList

from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import BOB_SHARED_ID, HPC_SCRATCH_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.collection_picker import CollectionPicker
from gterm.tui.screens.help import HelpScreen
from gterm.tui.screens.prompts import ConfirmPrompt
from tests.support.browser_helpers import (
    answer_prompt,
    cursor_to,
    make_app,
    settled,
    type_text,
    wait_for,
    wait_for_exit,
)
from tests.support.transfer_live import RequestLog

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


async def started(app, pilot) -> None:
    await wait_for(pilot, lambda: app.main_screen.left_pane.listing is not None, "left listing")
    await wait_for(pilot, lambda: app.main_screen.right_pane.listing is not None, "right listing")
    await settled(pilot)


def sidebar_names(app) -> list[str]:
    return [b.name for b in app.main_screen.sidebar.bookmarks]


async def test_bookmark_add_open_rename_delete(alice_service: TransferService, tmp_config):
    name = f"bm-{uuid.uuid4().hex[:6]}"
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/climate/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        screen = app.main_screen
        # b: bookmark the active pane's location under a name.
        screen.left_pane.file_list.focus()
        await pilot.press("b")
        await answer_prompt(pilot, name)
        await wait_for(pilot, lambda: name in sidebar_names(app), "bookmark listed")
        created = next(b for b in screen.sidebar.bookmarks if b.name == name)
        assert created.endpoint_id == LAB and created.path == "/projects/climate/"
        assert any(b.name == name for b in alice_service.bookmarks())
        assert any(b.name == name for b in app.bookmarks)  # the palette's copy

        # Enter on it opens it in the active pane (make the right pane active first).
        await pilot.press("tab")
        assert screen.active_pane is screen.right_pane
        await pilot.press("ctrl+b")
        assert screen.sidebar.option_list.has_focus
        screen.sidebar.option_list.highlighted = sidebar_names(app).index(name)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.right_pane.path == "/projects/climate/", "bookmark opened")
        assert screen.left_pane.path == "/projects/climate/"

        # Rename, then delete (with confirmation).
        screen.sidebar.option_list.focus()
        screen.sidebar.option_list.highlighted = sidebar_names(app).index(name)
        await pilot.press("f2")
        await answer_prompt(pilot, name + "-renamed")
        await wait_for(pilot, lambda: name + "-renamed" in sidebar_names(app), "renamed")
        assert name not in sidebar_names(app)
        screen.sidebar.option_list.focus()
        screen.sidebar.option_list.highlighted = sidebar_names(app).index(name + "-renamed")
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "confirm delete")
        await pilot.press("y")
        await wait_for(pilot, lambda: name + "-renamed" not in sidebar_names(app), "deleted")
        assert all(b.name != name + "-renamed" for b in alice_service.bookmarks())

        # ctrl+b hides the sidebar again and focus returns to the active pane.
        await pilot.press("ctrl+b")
        assert not screen.sidebar.has_class("-shown")
        assert screen.active_pane.file_list.has_focus


async def test_bookmark_as_start_location(alice_service: TransferService, tmp_config):
    name = f"start-{uuid.uuid4().hex[:6]}"
    bookmark = alice_service.create_bookmark(name, LAB, "/home/alice/experiments/")
    try:
        app = make_app(alice_service, config=tmp_config, left=f"bookmark:{name}", right=f"{LAB}:/projects/")
        async with app.run_test(size=SIZE) as pilot:
            await started(app, pilot)
            assert app.main_screen.left_pane.path == "/home/alice/experiments/"
    finally:
        alice_service.delete_bookmark(bookmark.id)


async def test_collection_picker_search_and_open(alice_service: TransferService, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionPicker), "picker")
        picker = app.screen
        # Recently used comes first because the config remembers Lab Storage.
        assert picker.scope == "recently-used"
        await wait_for(pilot, lambda: any(c.id == LAB for c in picker.results), "recent results")
        # Shared with me: Bob's guest collection, with owner and type shown.
        picker.action_next_scope(1)
        picker.action_next_scope(1)
        assert picker.scope == "shared-with-me"
        await wait_for(pilot, lambda: any(c.id == BOB_SHARED_ID for c in picker.results), "shared results")
        prompt = str(picker.query_one(OptionList).get_option_at_index(0).prompt)
        shared = next(c for c in picker.results if c.id == BOB_SHARED_ID)
        assert shared.display_name in prompt and "guest collection" in prompt
        # All: full-text search, Enter opens the highlighted result in the active pane.
        picker.action_next_scope(1)
        assert picker.scope == "all"
        await type_text(pilot, "Bob")
        await wait_for(pilot, lambda: [c.id for c in picker.results] == [BOB_SHARED_ID], "search result")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main_screen.left_pane.collection_id == BOB_SHARED_ID, "opened")
        assert app.main_screen.left_pane.listing is not None
        assert tmp_config.recent_collections[0] == BOB_SHARED_ID


async def test_collection_picker_looks_up_remembered_collections_once_while_typing(
    sandbox: SandboxHandle, alice_service: TransferService, tmp_config
):
    tmp_config.recent_collections = [LAB, HPC_SCRATCH_ID]
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    log = RequestLog(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        mark = log.mark()
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionPicker), "picker")
        picker = app.screen
        await wait_for(pilot, lambda: any(c.id == LAB for c in picker.results), "recent results")
        for text in ("L", "La", "Lab", "Lab S"):
            picker.query_one("#picker-search", Input).value = text
            await wait_for(pilot, lambda text=text: picker._query == ("recently-used", text), f"search {text!r}")
            await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: [c.id for c in picker.results] == [LAB], "the filtered recents")
    # Each remembered collection was looked up once, however many keys were typed.
    assert log.count(mark, method="GET", path=f"/v0.10/endpoint/{LAB}") == 1
    assert log.count(mark, method="GET", path=f"/v0.10/endpoint/{HPC_SCRATCH_ID}") == 1


async def test_collection_picker_escape_changes_nothing(alice_service: TransferService, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionPicker))
        await pilot.press("escape")
        assert not isinstance(app.screen, CollectionPicker)
        assert app.main_screen.left_pane.path == "/projects/"


async def test_help_lists_active_keys_and_follows_keymap(alice_service: TransferService, tmp_config):
    tmp_config.keymap = {"delete": "f8,ctrl+d", "no_such_binding": "x"}
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        rows = {row.description: row.keys for row in app.screen.rows}
        assert rows["Delete"] == "f8, ^d"  # the keymap replaced f8,delete
        assert "Delete" in rows and "Mkdir" in rows and "Collections" in rows and "Quit" in rows
        ids = {row.binding_id for row in app.screen.rows}
        assert {"delete", "mkdir", "pick_collection", "quit", "rename_bookmark"} <= ids  # what [keymap] uses
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        # The remapped key really deletes (asks first).
        await cursor_to(pilot, app.main_screen.left_pane, "climate")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "delete confirm via keymap")
        await pilot.press("escape")


async def test_command_palette_runs_actions(alice_service: TransferService, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "palette")
        await type_text(pilot, "Bookmarks")
        await pilot.pause(0.3)
        await wait_for(pilot, lambda: app.screen.query_one(OptionList).option_count > 0, "palette hits")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main_screen.sidebar.has_class("-shown"), "sidebar shown by palette")


async def test_quit_key(alice_service: TransferService, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("q")
        await wait_for_exit(app, "q to quit")
    assert app.return_code == 0


async def test_command_palette_offers_recent_collections(alice_service: TransferService, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("tab")  # the right pane is active; the command opens there
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "palette")
        await type_text(pilot, "recent Lab")

        def first_hit() -> str:
            options = app.screen.query_one(OptionList)
            return str(options.get_option_at_index(0).prompt) if options.option_count else ""

        await wait_for(pilot, lambda: "Open recent collection: Lab Storage" in first_hit(), "recent hit")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main_screen.right_pane.path == "/home/alice/", "default dir opened")


async def test_collection_picker_scope_keys_work_while_typing(alice_service: TransferService, tmp_config):
    """ctrl+left/right switch scope even though the search Input has the focus (QA F3)."""
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionPicker), "picker")
        picker = app.screen
        search = picker.query_one("#picker-search", Input)
        assert search.has_focus and picker.scope == "recently-used"
        hint = str(picker.query_one("#picker-hint").render())
        assert "ctrl+←" in hint and "ctrl+→" in hint
        await type_text(pilot, "ab")
        await pilot.press("ctrl+right")
        assert picker.scope == "my-endpoints"
        await pilot.press("ctrl+right", "ctrl+right")
        assert picker.scope == "all"
        await pilot.press("ctrl+left")
        assert picker.scope == "shared-with-me"
        assert search.has_focus and search.value == "ab"  # the typed text is untouched


async def test_collection_picker_finds_scratch_by_name_from_the_default_tab(
    alice_service: TransferService, tmp_config
):
    """Typing a name on "Recently used" finds the collection even if it was never used (QA F3)."""
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await started(app, pilot)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionPicker), "picker")
        picker = app.screen
        assert picker.scope == "recently-used"
        await type_text(pilot, "scratch")
        await wait_for(pilot, lambda: any(c.id == HPC_SCRATCH_ID for c in picker.results), "HPC Scratch found")
        if picker.scope == "all":  # it was not in the recents: the picker said where it looked
            status = str(picker.query_one("#picker-status").render())
            assert "Recently used" in status and "All" in status
        # (Opening it needs a data_access consent, covered by the consent tests.)
        await pilot.press("escape")
