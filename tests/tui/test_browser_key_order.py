"""Keys apply in the order typed, also in a fast burst (a terminal multiplexer, a paste, a quick typist)."""

from __future__ import annotations

import uuid

import pytest
from textual import events
from textual.widgets import Input

from gterm.globus.https_access import HttpsAccess
from gterm.sandbox.seed_ids import BOB_SHARED_ID, LAB_STORAGE_ID
from gterm.tui.screens.collection_picker import CollectionPicker
from gterm.tui.screens.viewer import FileViewer
from tests.support.browser_helpers import burst, cursor_to, listing_names, make_app, settled, wait_for
from tests.support.sandbox_login import LoginHttpsTokens
from tests.support.transfer_live import make_lab_dir, service_for

LAB = LAB_STORAGE_ID


@pytest.fixture
def two_bookmarks(alice_service):
    """Two bookmarks of alice's to /projects/ (names unique to the test), removed afterwards."""
    names = [f"keys-{uuid.uuid4().hex[:6]}-{n}" for n in (1, 2)]
    made = [alice_service.create_bookmark(name, LAB, "/projects/") for name in names]
    yield names
    for bookmark in made:
        alice_service.delete_bookmark(bookmark.id)


async def test_ctrl_l_ctrl_u_then_a_path_in_one_burst(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/climate/", right=f"{LAB}:/projects/")
    target = "/projects/genomics/"  # not where Enter on the list's first row (..) would go
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        left.file_list.focus()
        await pilot.pause()
        burst(app, ["ctrl+l", "ctrl+u", *target, "enter"])
        await wait_for(
            pilot,
            lambda: left.path != "/projects/climate/" or (bool(left.message_text) and not left.fetching),
            "a new path",
        )
        await settled(pilot)
        assert left.path == target and left.message_text == ""


async def test_tab_then_down_in_one_burst_moves_in_the_other_pane(alice_service, tmp_config):
    """Tab ↓ typed fast (Midnight Commander habit, or one packet over SSH): the ↓ moved the pane Tab left
    (Tab's action gave the focus to the other pane only after the next message)."""
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        screen = app.main_screen
        left, right = screen.left_pane.file_list, screen.right_pane.file_list
        before_left, before_right = left.cursor_row, right.cursor_row
        burst(app, ["tab", "down"])
        await wait_for(pilot, lambda: right.cursor_row != before_right or left.cursor_row != before_left, "the ↓")
        await pilot.pause()
        assert screen.active_pane is screen.right_pane and right.has_focus
        assert (left.cursor_row, right.cursor_row) == (before_left, before_right + 1)


async def test_slash_then_a_name_in_one_burst_filters_by_it(alice_service, tmp_config):
    """/ then a name typed fast: its letters reached the file list as keys (i opened the collection's
    details, s re-sorted) instead of the filter box, which the App had not yet focused when it handed
    them on."""
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        screen = app.main_screen
        left = screen.left_pane
        sort_before = left.file_list.sort_key
        burst(app, ["slash", *"genomics/is"])  # i and s are the list's keys; / in the box is text
        await wait_for(pilot, lambda: left.filter_input.value == "genomics/is", "the typed filter")
        await pilot.pause()
        assert app.screen is screen and left.filter_input.has_focus
        assert left.file_list.filter_text == "genomics/is" and left.file_list.sort_key == sort_before


@pytest.mark.usefixtures("two_bookmarks")
async def test_ctrl_b_then_down_in_one_burst_moves_in_the_bookmarks(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        screen = app.main_screen
        files = screen.left_pane.file_list
        cursor_before = files.cursor_row
        burst(app, ["ctrl+b", "down"])
        options = screen.sidebar.option_list
        await wait_for(pilot, lambda: screen.sidebar.loaded and options.highlighted not in (None, 0), "the ↓")
        await pilot.pause()
        assert options.has_focus and options.highlighted == 1 and files.cursor_row == cursor_before


async def test_a_filter_kept_with_enter_then_tab_down_in_one_burst(alice_service, tmp_config):
    """/x Enter Tab ↓ typed fast: Enter's return to the list (after its message) must not take the
    focus back from the pane Tab went to."""
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        screen = app.main_screen
        left, right = screen.left_pane, screen.right_pane
        before = right.file_list.cursor_row
        burst(app, ["slash", "c", "enter", "tab", "down"])
        await wait_for(pilot, lambda: right.file_list.cursor_row != before, "the ↓ in the right pane")
        await pilot.pause()
        assert left.file_list.filter_text == "c" and not left.filter_input.has_class("-shown")
        assert screen.active_pane is right and right.file_list.has_focus
        assert right.file_list.cursor_row == before + 1


async def test_f7_then_a_name_and_enter_in_one_burst_makes_that_directory(alice_service, tmp_config, lab_dir):
    """F7 and the name typed at once (Midnight Commander habit): the letters reached the file list,
    whose binding chain the App read them through before F7's action had pushed the name field,
    and were lost."""
    disk, path = lab_dir({"a.txt": "a"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        burst(app, ["f7", *"burst", "enter"])
        await wait_for(pilot, lambda: "burst" in listing_names(left), "burst/ listed")
        assert app.screen is app.main_screen
        assert sorted(child.name for child in disk.iterdir()) == ["a.txt", "burst"] and (disk / "burst").is_dir()


async def test_ctrl_o_then_a_search_in_one_burst_searches_for_it(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        burst(app, ["ctrl+o", *"Lab St"])
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionPicker), "the collection picker")
        search = app.screen.query_one("#picker-search", Input)
        await wait_for(pilot, lambda: search.value == "Lab St", "the typed search")
        assert search.has_focus


async def test_ctrl_o_a_search_and_enter_in_one_burst_open_what_it_finds(
    sandbox, alice_service, tmp_config, monkeypatch
):
    """The picker's first list (Recently used, This computer first) answered after the typing began and
    before the search for the typed text went out: it was taken as that search's answer, and Enter opened
    This computer. (The pause before a search is made long here, so its first answer surely lands in it.)"""
    from gterm.tui.screens import collection_picker

    monkeypatch.setattr(collection_picker, "SEARCH_DELAY", 4.0)
    app = make_app(alice_service, config=tmp_config, left=f"{BOB_SHARED_ID}:/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        # The first list answers after the typing (a second after it was asked for: a loaded machine takes
        # far less to draw the picker and hand it the keys) and before the typed text's search goes out.
        sandbox.state.config.api_delay = 1.0
        try:
            burst(app, ["ctrl+o", *"lab st", "enter"])
            left = app.main_screen.left_pane
            await wait_for(pilot, lambda: app.screen is app.main_screen and left.collection_id != BOB_SHARED_ID,
                           "a collection opened")
        finally:
            sandbox.state.config.api_delay = 0.0
        assert left.collection_id == LAB


async def test_keys_after_a_dialog_closes_in_one_burst_reach_the_main_screen(alice_service, tmp_config):
    """F7 Esc Tab ↓: the Tab went to the name field of the dialog Esc was closing."""
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        screen = app.main_screen
        right = screen.right_pane.file_list
        before = right.cursor_row
        burst(app, ["f7", "escape", "tab", "down"])
        await wait_for(pilot, lambda: right.cursor_row != before, "the ↓ in the right pane")
        await pilot.pause()
        assert app.screen is screen and screen.active_pane is screen.right_pane and right.has_focus
        assert right.cursor_row == before + 1


async def test_f7_then_a_pasted_name_makes_that_directory(alice_service, tmp_config, lab_dir):
    """A name pasted right after F7 went to the file list, as typed letters did."""
    disk, path = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        app.post_message(events.Key("f7", None))
        app.post_message(events.Paste("pasted name"))
        app.post_message(events.Key("enter", "\r"))
        await wait_for(pilot, lambda: "pasted name" in listing_names(left), "the pasted name listed")
        assert [child.name for child in disk.iterdir()] == ["pasted name"]


async def test_f2_then_a_new_stem_in_one_burst_keeps_the_extension(alice_service, tmp_config, lab_dir):
    """F2 selects the name without its extension, so "F2 results Enter" typed at once renames
    old.txt to results.txt (the letters went to the file list before)."""
    disk, path = lab_dir({"old.txt": "x"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, "old.txt")
        burst(app, ["f2", *"results", "enter"])
        await wait_for(pilot, lambda: listing_names(left) == ["results.txt"], "renamed")
        assert [child.name for child in disk.iterdir()] == ["results.txt"]


async def test_a_filter_kept_with_enter_then_a_binding_letter_in_one_burst(alice_service, tmp_config):
    """/c Enter s: the s went into the filter box (its Enter hands the focus back to the list only when
    the box's Submitted message is handled, after the key itself)."""
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        assert left.file_list.sort_key == "name"
        burst(app, ["slash", "c", "enter", "s"])
        await wait_for(pilot, lambda: left.file_list.sort_key != "name" or left.filter_input.value != "c", "the s")
        await pilot.pause()
        assert left.file_list.filter_text == "c" and left.filter_input.value == "c"
        assert left.file_list.sort_key == "size" and left.file_list.has_focus


async def test_a_bookmark_opened_with_enter_then_down_moves_in_the_files(alice_service, tmp_config, two_bookmarks):
    """Enter ↓ in the bookmark sidebar: the ↓ moved the sidebar's highlight, not the list of the directory
    opened (the same one here: reopening a directory keeps the cursor's entry, so the ↓ shows)."""
    names = two_bookmarks
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        screen = app.main_screen
        options, files = screen.sidebar.option_list, screen.left_pane.file_list
        burst(app, ["ctrl+b"])
        await wait_for(pilot, lambda: screen.sidebar.loaded and options.has_focus, "the bookmarks")
        mark = next(index for index in range(options.option_count)
                    if names[0] in str(options.get_option_at_index(index).prompt))
        options.highlighted = mark
        await pilot.pause()
        before = files.cursor_row
        burst(app, ["enter", "down"])
        await wait_for(pilot, lambda: files.cursor_row != before or options.highlighted != mark, "the ↓")
        await settled(pilot)
        assert files.has_focus and options.highlighted == mark and files.cursor_row == before + 1


async def test_viewer_search_then_text_in_one_burst_searches_for_it(sandbox):
    """/ then text in the file viewer: the first letter went to the viewer's body (the search field's
    focus came a message later), where h or n are keys (hex, next match)."""
    text = "".join(f"line {index:05d}\n" for index in range(100))
    _, path = make_lab_dir(sandbox, {"notes.txt": text})
    app = make_app(service_for(sandbox), left=f"{LAB}:{path}", right=f"{LAB}:{path}",
                   https=HttpsAccess(LoginHttpsTokens(sandbox)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await cursor_to(pilot, app.main_screen.left_pane, "notes.txt")
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, FileViewer), "the viewer")
        viewer = app.screen
        await wait_for(pilot, lambda: viewer.page_shown is not None, "its first page")
        burst(app, ["slash", *"hn 7"])
        search = viewer.query_one("#viewer-search", Input)
        await wait_for(pilot, lambda: search.value == "hn 7" or len(search.value) >= 3, "the typed search")
        await pilot.pause()
        assert search.value == "hn 7" and search.has_focus
