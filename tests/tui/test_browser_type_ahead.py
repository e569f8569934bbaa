"""Keys typed ahead of a directory's listing wait for it, as in Midnight Commander, and are never misapplied.

The sandbox answers every ``ls`` after a delay (``slow_listings``, as real
Globus takes 0.5-2 s), and each test types its keys as one burst right after
Enter, so they are all read while the listing Enter asked for is in flight.
Before the keys were held, they moved and acted in the listing still painted:
"Enter ↓ ↓ Enter" opened a sibling of the directory meant.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from textual import events

from gterm.sandbox.seed_ids import BOB_SHARED_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui import typed_input
from gterm.tui.screens.collection_picker import CollectionPicker
from gterm.tui.screens.prompts import ConfirmPrompt, InputPrompt
from tests.support.browser_helpers import burst, cursor_to, make_app, notices, settled, wait_for

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


@pytest.fixture
def slow_api(sandbox: SandboxHandle) -> Iterator[None]:
    """Every API answer waits (a collection search among them), as over a slow network."""
    sandbox.state.config.api_delay = 0.6
    try:
        yield
    finally:
        sandbox.state.config.api_delay = 0.0


async def opened(app: Any, pilot: Any, path: str) -> Any:
    """The left pane, at ``path``, with both panes listed."""
    await wait_for(pilot, lambda: app.main_screen.left_pane.path == path, f"left at {path}")
    await settled(pilot)
    return app.main_screen.left_pane


async def test_enter_down_down_enter_moves_in_the_directory_enter_opened(
    alice_service, tmp_config, lab_dir, slow_listings
):
    _, path = lab_dir(dirs=("a/x", "a/y", "a/z", "b", "c", "d"))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = await opened(app, pilot, path)
        await cursor_to(pilot, left, "a")
        burst(app, ["enter", "down", "down", "enter"])  # in a/: "..", x, y, z
        await wait_for(pilot, lambda: "typed ahead" in left.message_text, "the keys counted while they wait")
        assert left.path == path, "the keys should have been read before a/ was listed"
        await wait_for(pilot, lambda: left.path == f"{path}a/y/", "a/y/ opened")
        await settled(pilot)
        assert left.path == f"{path}a/y/" and not notices(app)


async def test_the_key_after_enter_waits_even_when_its_turn_is_cut_short(
    alice_service, tmp_config, lab_dir, slow_listings, monkeypatch
):
    """Under load a key's turn can end (on its time bound) once Enter's binding has run but before the pane
    has heard of it, a message later: the ↓ went to the listing still painted. The list holds the keys
    from Enter itself. One marker round trip is such a turn: it ends right behind the key."""
    monkeypatch.setattr(typed_input, "MARKER_ROUNDS", 1)
    _, path = lab_dir(dirs=("a/x", "a/y", "b", "c"))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = await opened(app, pilot, path)
        await cursor_to(pilot, left, "a")
        burst(app, ["enter", "down"])
        await wait_for(pilot, lambda: left.path == f"{path}a/", "a/ opened")
        await settled(pilot)
        entry = left.file_list.cursor_entry
        assert entry is not None and entry.name == "x", "the ↓ should move in a/, from .. to x"


async def test_a_command_typed_ahead_runs_in_the_new_directory_with_its_text(
    alice_service, tmp_config, lab_dir, slow_listings
):
    """F7, a name and Enter typed right after Enter: the directory is made in the one Enter opened, and
    the name reaches the prompt (before, F7 waited for the listing but the name went to the file list)."""
    disk, path = lab_dir(dirs=("inner",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = await opened(app, pilot, path)
        await cursor_to(pilot, left, "inner")
        burst(app, ["enter", "f7", *"made", "enter"])
        await wait_for(pilot, lambda: (disk / "inner" / "made").is_dir(), "inner/made made")
        await settled(pilot)
        assert not (disk / "made").exists() and app.screen is app.main_screen


async def test_esc_drops_the_keys_typed_ahead_and_says_so(alice_service, tmp_config, lab_dir, slow_listings):
    _, path = lab_dir(dirs=("a/x", "a/y", "b"))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = await opened(app, pilot, path)
        await cursor_to(pilot, left, "a")
        burst(app, ["enter", "down", "down"])
        await wait_for(pilot, lambda: "2 keys typed ahead" in left.message_text, "two keys waiting")
        burst(app, ["escape"])
        await wait_for(pilot, lambda: left.path == f"{path}a/", "a/ opened")
        await settled(pilot)
        assert left.file_list.cursor_row == 0, "the dropped ↓ ↓ must not move the cursor"
        assert "2 keys typed ahead dropped: Esc was pressed." in notices(app)


async def test_keys_typed_ahead_of_a_listing_that_fails_are_dropped(
    alice_service, tmp_config, lab_dir, slow_listings
):
    """The keys were meant for a directory that did not open: F7 must not make one where the user still is."""
    disk, path = lab_dir(dirs=("gone", "kept"))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = await opened(app, pilot, path)
        await cursor_to(pilot, left, "gone")
        row = left.file_list.cursor_row
        shutil.rmtree(disk / "gone")  # listed a moment ago, gone now
        burst(app, ["enter", "down", "f7", *"x"])
        await wait_for(pilot, lambda: bool(left.message_text) and not left.fetching, "the failure said")
        await settled(pilot)
        await pilot.pause()
        assert left.path == path and left.file_list.cursor_row == row
        assert not isinstance(app.screen, InputPrompt) and sorted(p.name for p in disk.iterdir()) == ["kept"]
        assert f"3 keys typed ahead dropped: {path}gone/ could not be listed." in notices(app)


async def test_a_mouse_press_drops_the_keys_typed_ahead(alice_service, tmp_config, lab_dir, slow_listings):
    """The user clicked somewhere while keys waited: they have moved on, and the keys would land where the
    click put the focus."""
    _, path = lab_dir(dirs=("a/x", "a/y", "b"))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = await opened(app, pilot, path)
        await cursor_to(pilot, left, "a")
        burst(app, ["enter", "down"])
        await wait_for(pilot, lambda: "1 key typed ahead" in left.message_text, "one key waiting")
        # As a terminal's click arrives: read by the App (Pilot's clicks go to the screen directly).
        app.post_message(events.MouseDown(None, 100, 10, 0, 0, 1, False, False, False, screen_x=100, screen_y=10))
        await wait_for(pilot, lambda: left.path == f"{path}a/", "a/ opened")
        await settled(pilot)
        assert left.file_list.cursor_row == 0
        assert "1 key typed ahead dropped: a mouse click came in between." in notices(app)


async def test_a_bookmark_opened_then_down_enter_typed_ahead_moves_in_its_directory(
    alice_service, tmp_config, lab_dir, slow_listings
):
    """Enter on a bookmark, then ↓ Enter: the ↓ and Enter go to the bookmarked directory's listing, not to
    the directory the pane showed before (nor to the sidebar)."""
    _, path = lab_dir(dirs=("first", "second"))
    name = f"ahead-{uuid.uuid4().hex[:6]}"
    bookmark = alice_service.create_bookmark(name, LAB, path)
    try:
        app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
        async with app.run_test(size=SIZE) as pilot:
            left = await opened(app, pilot, "/projects/")
            options = app.main_screen.sidebar.option_list
            burst(app, ["ctrl+b"])
            await wait_for(pilot, lambda: app.main_screen.sidebar.loaded and options.has_focus, "the bookmarks")
            options.highlighted = next(
                i for i in range(options.option_count) if name in str(options.get_option_at_index(i).prompt)
            )
            await pilot.pause()
            burst(app, ["enter", "down", "enter"])  # in the bookmarked directory: "..", first, second
            await wait_for(pilot, lambda: left.path == f"{path}first/", f"{path}first/ opened")
            await settled(pilot)
            assert left.path == f"{path}first/" and left.file_list.has_focus
    finally:
        alice_service.delete_bookmark(bookmark.id)


async def test_enter_typed_with_a_search_opens_what_that_search_finds(alice_service, tmp_config, slow_api):
    """ctrl+o, a name and Enter typed at once: Enter chose among the results shown before the search for the
    name came back (This computer, first of the recent ones), not what the name finds."""
    app = make_app(alice_service, config=tmp_config, left=f"{BOB_SHARED_ID}:/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await wait_for(pilot, lambda: left.collection_id == BOB_SHARED_ID, "Bob's share open")
        await settled(pilot)
        burst(app, ["ctrl+o"])
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionPicker) and bool(app.screen.results), "results")
        burst(app, [*"Lab Storage", "enter"])
        await wait_for(pilot, lambda: app.screen is app.main_screen, "the picker closed")
        await wait_for(pilot, lambda: left.collection_id != BOB_SHARED_ID and not left.fetching, "the pane moved")
        assert left.collection_id == LAB_STORAGE_ID


async def test_enter_typed_after_f7_and_a_name_enters_the_new_directory(
    alice_service, tmp_config, lab_dir, slow_listings
):
    """"F7 newdirA Enter Enter" (Midnight Commander's make-then-enter): the second Enter acted on the row under
    the cursor before the directory was made (a file: nothing; ..: the parent), then the cursor jumped to
    the new directory. It waits for the listing that shows it, the cursor on it."""
    disk, path = lab_dir({"zz.txt": "z"}, dirs=("aaa",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = await opened(app, pilot, path)
        await cursor_to(pilot, left, "zz.txt")
        burst(app, ["f7", *"newdirA", "enter", "enter"])
        await wait_for(pilot, lambda: (disk / "newdirA").is_dir(), "newdirA made")
        await wait_for(pilot, lambda: left.path == f"{path}newdirA/", "the new directory entered")
        await settled(pilot)
        assert app.screen is app.main_screen and not notices(app)


async def test_f8_typed_after_f2_and_a_name_deletes_the_renamed_entry(
    alice_service, tmp_config, lab_dir, slow_listings
):
    """"F2 nd2 Enter F8": the delete dialog named newdirB/ (the name before the rename, from the listing still
    shown) and the delete task failed, the file not found. F8 waits for the listing with the new name."""
    disk, path = lab_dir({"zz.txt": "z"}, dirs=("newdirB",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = await opened(app, pilot, path)
        await cursor_to(pilot, left, "newdirB")
        burst(app, ["f2", *"nd2", "enter", "f8"])
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the delete dialog")
        assert (disk / "nd2").is_dir() and not (disk / "newdirB").exists()
        assert str(app.screen.query_one("#prompt-items").render()).split() == ["nd2/"]
        await pilot.press("escape")
        await settled(pilot)


async def test_f8_typed_after_a_move_names_what_the_listing_shows_after_it(
    alice_service, tmp_config, lab_dir, slow_api
):
    """F6 lists the directory again when done (as F8 on This computer does): the F8 typed while the move ran
    (a slow service) named the file under the cursor in the listing from before it, a file moved away."""
    disk, path = lab_dir({"a.txt": "a", "b.txt": "b"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = await opened(app, pilot, path)
        await cursor_to(pilot, left, "a.txt")
        burst(app, ["f6", "ctrl+u", *f"{path}c.txt", "enter", "f8"])
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the delete dialog")
        assert str(app.screen.query_one("#prompt-items").render()).split() in (["b.txt"], ["c.txt"])
        assert (disk / "c.txt").exists() and not (disk / "a.txt").exists()
        await pilot.press("escape")
        await settled(pilot)


async def test_keys_typed_after_a_change_that_fails_are_dropped(alice_service, tmp_config, lab_dir, slow_api):
    """The Enter typed after "F7 aaa Enter" was for a new directory that was not made (aaa exists): it is
    dropped, and said, rather than applied to the prompt that comes back with the reason."""
    disk, path = lab_dir(dirs=("aaa",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = await opened(app, pilot, path)
        burst(app, ["f7", *"aaa", "enter", "enter"])
        await wait_for(pilot, lambda: "1 key typed ahead dropped: New directory aaa failed." in notices(app), "said")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the prompt back")
        await settled(pilot)
        assert isinstance(app.screen, InputPrompt) and left.path == path
        assert sorted(p.name for p in disk.iterdir()) == ["aaa"]
        await pilot.press("escape")
