"""Filter, sort, hidden entries, selection, big directories and odd names (live sandbox)."""

from __future__ import annotations

import os

from textual.widgets import Input

from gterm.sandbox.sample_tree import ESCAPE_NAME, MARKUP_NAME
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.prompts import InputPrompt
from tests.support.browser_helpers import (
    cursor_to,
    listing_names,
    make_app,
    screen_lines,
    settled,
    status_text,
    type_text,
    wait_for,
)

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


def empty_files(directory, names) -> None:
    """Create empty files by name in ``directory`` (opened once: no path walk per file)."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name in names:
            os.close(os.open(name, os.O_CREAT | os.O_WRONLY | os.O_CLOEXEC, 0o644, dir_fd=fd))
    finally:
        os.close(fd)


async def start(app, pilot, path: str) -> None:
    await wait_for(pilot, lambda: app.main_screen.left_pane.path == path, f"left at {path}")
    await settled(pilot)


async def glob_prompt(pilot, key: str, pattern: str) -> None:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, InputPrompt))
    pilot.app.screen.query_one("#prompt-input", Input).value = ""
    await type_text(pilot, pattern)
    await pilot.press("enter")
    await pilot.pause()


async def test_filter_as_you_type_enter_keeps_escape_clears(alice_service, tmp_config):
    app = make_app(
        alice_service, config=tmp_config, left=f"{LAB}:/home/alice/experiments/run-001/", right=f"{LAB}:/projects/"
    )
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, "/home/alice/experiments/run-001/")
        left = app.main_screen.left_pane
        total = left.file_list.visible_count
        await pilot.press("slash")
        assert left.filter_input.has_focus
        await type_text(pilot, "*.csv")
        assert left.file_list.filter_text == "*.csv"
        assert left.file_list.visible_count == 1  # results.csv, as typed
        assert "filter: *.csv" in status_text(left)
        await pilot.press("enter")
        assert left.file_list.has_focus
        assert left.file_list.filter_text == "*.csv"  # kept
        assert "1 of " in status_text(left)
        await pilot.press("slash")
        await pilot.press("escape")
        assert left.file_list.filter_text == ""
        assert left.file_list.visible_count == total
        assert "filter:" not in status_text(left)
        # A kept filter is also dropped by Esc on the list itself.
        await pilot.press("slash", "r", "enter")
        assert left.file_list.filter_text == "r"
        await pilot.press("escape")
        assert left.file_list.filter_text == ""


async def test_sort_keys_and_reverse(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/home/alice/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, "/home/alice/")
        left = app.main_screen.left_pane
        left.file_list.focus()
        assert left.file_list.sort_key == "name"
        await pilot.press("s")
        assert left.file_list.sort_key == "size"
        assert "sort: size ▲" in status_text(left)
        await pilot.press("S")
        assert left.file_list.sort_reverse is True
        assert "sort: size ▼" in status_text(left)
        await pilot.press("s", "s")
        assert left.file_list.sort_key == "name"


async def test_hidden_entries_only_when_asked(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/home/alice/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, "/home/alice/")
        left = app.main_screen.left_pane
        assert ".bashrc" in listing_names(left)  # listed by the service...
        shown_before = left.file_list.visible_count
        left.file_list.focus()
        await pilot.press("full_stop")
        assert left.file_list.show_hidden is True
        assert left.file_list.visible_count == shown_before + 3  # .bashrc .profile .config
        await pilot.press("full_stop")
        assert left.file_list.visible_count == shown_before


async def test_selection_by_glob_invert_and_all(alice_service, tmp_config, lab_dir):
    _disk, path = lab_dir({"a.csv": "1" * 1000, "b.csv": "2" * 500, "c.txt": "3", "d.txt": "4"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, path)
        left = app.main_screen.left_pane
        left.file_list.focus()
        await glob_prompt(pilot, "plus", "*.csv")
        assert sorted(e.name for e in left.selected_entries()) == ["a.csv", "b.csv"]
        assert "2 selected (1.5 kB)" in status_text(left)
        await glob_prompt(pilot, "minus", "a*")
        assert [e.name for e in left.selected_entries()] == ["b.csv"]
        await pilot.press("asterisk")
        assert sorted(e.name for e in left.selected_entries()) == ["a.csv", "c.txt", "d.txt"]
        await pilot.press("ctrl+a")
        assert len(left.selected_entries()) == 4
        assert "4 selected" in status_text(left)


async def test_invert_acts_on_files_only_directories_keep_their_state(alice_service, tmp_config, lab_dir):
    # Midnight Commander's invert leaves directories alone: `*` then F8 must not take a whole directory.
    _disk, path = lab_dir({"a.txt": "1", "b.txt": "2", "kept/x": "x", "left-alone/y": "y"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, path)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, "kept")
        await pilot.press("space")
        await cursor_to(pilot, left, "a.txt")
        await pilot.press("space")
        await pilot.press("asterisk")
        await pilot.pause()
        assert {e.name for e in left.selected_entries()} == {"kept", "b.txt"}
        await pilot.press("asterisk")
        await pilot.pause()
        assert {e.name for e in left.selected_entries()} == {"kept", "a.txt"}


async def test_space_toggles_and_moves_down(alice_service, tmp_config, lab_dir):
    _disk, path = lab_dir({"a.txt": "1", "b.txt": "2"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, path)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, "a.txt")
        await pilot.press("space")
        assert left.file_list.cursor_entry.name == "b.txt"
        await pilot.press("insert")
        assert sorted(e.name for e in left.selected_entries()) == ["a.txt", "b.txt"]


async def test_odd_names_are_shown_literally(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/home/alice/odd-names/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(180, 36)) as pilot:  # wide enough that no name is shortened
        await start(app, pilot, "/home/alice/odd-names/")
        text = "\n".join(screen_lines(app))
        assert MARKUP_NAME in text  # markup characters shown as they are, not interpreted
        assert "\x1b" not in text  # the ESC in a name never reaches the terminal
        assert ESCAPE_NAME.replace("\x1b", "\\x1b") in text  # ... it is shown escaped instead


async def test_hundred_thousand_entries(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir()
    big = disk / "big"
    big.mkdir()
    # Empty files are enough: the listing's cost is in the entries, not the bytes.
    empty_files(big, (f"f{index:06d}.dat" for index in range(100_000)))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}big/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, f"{path}big/")
        left = app.main_screen.left_pane
        assert len(left.listing.entries) == 100_000
        assert status_text(left).startswith("100,000 items")
        left.file_list.focus()
        await pilot.press("slash")
        await type_text(pilot, "f09999")
        assert left.file_list.visible_count == 10
        await pilot.press("enter")
        await pilot.press("end")
        assert left.file_list.cursor_entry.name == "f099999.dat"


async def test_stale_listing_is_dropped(alice_service, tmp_config, lab_dir):
    """A slow listing overtaken by a newer request never replaces what the user asked for last."""
    import asyncio

    disk, path = lab_dir({"small/only.txt": "x"})
    big = disk / "big"
    big.mkdir()
    empty_files(big, (f"f{index:05d}" for index in range(30_000)))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, path)
        left = app.main_screen.left_pane
        left.open(LAB, f"{path}big/")  # slow ...
        left.open(LAB, f"{path}small/")  # ... overtaken at once
        await wait_for(pilot, lambda: left.path == f"{path}small/", "small shown")
        # Let the big listing's answer arrive (same server, same size of work), then look again.
        await asyncio.to_thread(alice_service.ls, LAB, f"{path}big/")
        await pilot.pause(0.2)
        assert left.path == f"{path}small/"
        assert listing_names(left) == ["only.txt"]
        assert left.message_text == ""


async def test_a_filter_longer_than_its_box_scrolls_to_the_cursor(alice_service, tmp_config):
    """The filter box sizes its text without a layout pass; a long text must still scroll into view."""
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/home/alice/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await start(app, pilot, "/home/alice/")
        left = app.main_screen.left_pane
        await pilot.press("slash")
        box = left.filter_input
        text = "x" * 30 + "0123456789" * 6 + "tail"
        await type_text(pilot, text)
        await pilot.pause()
        assert left.file_list.filter_text == text and box.cursor_position == len(text)
        assert box.virtual_size.width > box.size.width and box.scroll_offset.x > 0
        assert "tail" in box.render_line(0).text  # the end of the text, where the cursor is, is on screen
        await pilot.press("home")
        await pilot.pause()
        assert box.scroll_offset.x == 0 and box.render_line(0).text.lstrip().startswith("xxx")
