"""Actions pressed while a new listing is still in flight act on the directory the user went to.

The sandbox is slowed down (every ``ls`` waits, as real Globus takes 0.5-2 s),
and each test presses the action right after Enter or Backspace, while the pane
still paints the previous directory. Each test checks that the pane really was
loading when the action key went in, so the race is exercised, not skipped.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import Input

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.prompts import ConfirmPrompt, InputPrompt
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.browser_helpers import (
    answer_prompt,
    burst,
    cursor_to,
    listing_names,
    make_app,
    settled,
    wait_for,
)

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


async def opened(app: Any, pilot: Any, path: str) -> None:
    await wait_for(pilot, lambda: app.main_screen.left_pane.path == path, f"left at {path}")
    await wait_for(pilot, lambda: app.main_screen.right_pane.listing is not None, "right listed")
    await settled(pilot)


async def enter_dir_then(pilot: Any, pane: Any, name: str, key: str) -> None:
    """Enter ``name`` and press ``key`` at once, while the listing of ``name`` is in flight."""
    await cursor_to(pilot, pane, name)
    await pilot.press("enter")
    assert pane.fetching, "the listing should still be in flight"
    await pilot.press(key)


async def test_f7_right_after_enter_makes_the_directory_in_the_new_place(
    alice_service, tmp_config, lab_dir, slow_listings
):
    disk, path = lab_dir(dirs=("inner",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot, path)
        left = app.main_screen.left_pane
        await enter_dir_then(pilot, left, "inner", "f7")
        await answer_prompt(pilot, "made")
        await wait_for(pilot, lambda: "made" in listing_names(left), "new dir listed")
        assert (disk / "inner" / "made").is_dir()
        assert not (disk / "made").exists()


async def test_b_right_after_backspace_bookmarks_the_parent(
    alice_service, tmp_config, lab_dir, slow_listings
):
    disk, path = lab_dir(dirs=("inner",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}inner/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot, f"{path}inner/")
        left = app.main_screen.left_pane
        left.file_list.focus()
        await pilot.press("backspace")
        assert left.fetching, "the listing should still be in flight"
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "bookmark prompt")
        assert app.screen.query_one("#prompt-input", Input).value == path.strip("/").split("/")[-1]
        name = f"stale-{disk.name}"
        await answer_prompt(pilot, name)
        await wait_for(pilot, lambda: any(b.name == name for b in alice_service.bookmarks()), "bookmark saved")
        saved = next(b for b in alice_service.bookmarks() if b.name == name)
        assert saved.path == path


async def test_f2_right_after_backspace_renames_in_the_parent(alice_service, tmp_config, lab_dir, slow_listings):
    """Backspace lands the cursor on the directory just left; F2 renames that, not the old cursor row."""
    disk, path = lab_dir({"inner/first.txt": "in", "aaa.txt": "out"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}inner/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot, f"{path}inner/")
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, "first.txt")
        await pilot.press("backspace")
        assert left.fetching, "the listing should still be in flight"
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "rename prompt")
        assert app.screen.query_one("#prompt-input", Input).value == "inner"
        await answer_prompt(pilot, "renamed")
        await wait_for(pilot, lambda: "renamed" in listing_names(left), "renamed")
        assert (disk / "renamed" / "first.txt").read_text() == "in"


async def backspace_then(pilot: Any, pane: Any, from_name: str, key: str) -> None:
    """With the cursor on ``from_name``, go up and press ``key`` while the parent's listing is in flight."""
    await cursor_to(pilot, pane, from_name)
    await pilot.press("backspace")
    assert pane.fetching, "the listing should still be in flight"
    await pilot.press(key)


async def test_f8_right_after_backspace_deletes_in_the_parent(alice_service, tmp_config, lab_dir, slow_listings):
    disk, path = lab_dir({"inner/kept.txt": "in", "aaa.txt": "out"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}inner/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot, f"{path}inner/")
        left = app.main_screen.left_pane
        await backspace_then(pilot, left, "kept.txt", "f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "delete confirm")
        listed = str(app.screen.query_one("#prompt-items").render())
        assert "inner/" in listed and "kept.txt" not in listed
        await pilot.press("escape")
        assert (disk / "aaa.txt").exists() and (disk / "inner" / "kept.txt").exists()


async def test_f5_right_after_backspace_transfers_from_the_parent(alice_service, tmp_config, lab_dir, slow_listings):
    _disk, path = lab_dir({"inner/wanted.txt": "in", "aaa.txt": "out"}, dirs=("dest",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}inner/", right=f"{LAB}:{path}dest/")
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot, f"{path}inner/")
        left = app.main_screen.left_pane
        await backspace_then(pilot, left, "wanted.txt", "f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "transfer dialog")
        plan = app.screen.plan
        assert plan.source_path == path
        assert [e.name for e in plan.entries] == ["inner"]
        await pilot.press("escape")
        await settled(pilot)


async def test_f7_a_name_and_enter_typed_during_a_reload_make_that_directory(
    alice_service, tmp_config, lab_dir, slow_listings
):
    """A reload keeps the keys acting on the listing shown, but F7 waits for the new listing: the name and
    Enter typed behind it went to the main screen meanwhile (s sorted, t moved the focus, q quit)."""
    disk, path = lab_dir(dirs=("inner",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot, path)
        left = app.main_screen.left_pane
        sort_before = (left.file_list.sort_key, left.file_list.sort_reverse)
        await pilot.press("ctrl+r")
        assert left.fetching, "the reload should still be in flight"
        burst(app, ["f7", *"stq", "enter"])
        await wait_for(pilot, lambda: "stq" in listing_names(left), "stq/ listed")
        assert (disk / "stq").is_dir() and app.screen is app.main_screen and app.is_running
        assert (left.file_list.sort_key, left.file_list.sort_reverse) == sort_before


async def test_f5_while_the_other_pane_reloads_holds_the_keys_typed_after_it(
    alice_service, tmp_config, lab_dir, slow_listings
):
    """F5 waits for both panes' listings; the keys typed after it were held by the pane that loads (the other
    one), not where they were typed, so Down moved the cursor and F5 sent the wrong file."""
    _, src = lab_dir({"a.txt": "a", "b.txt": "b"})
    _, dst = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot, src)
        left, right = app.main_screen.left_pane, app.main_screen.right_pane
        await cursor_to(pilot, left, "a.txt")
        right.reload()
        assert right.fetching, "the other pane's listing should still be in flight"
        burst(app, ["f5", "down"])
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the transfer dialog")
        assert [entry.name for entry in app.screen.plan.entries] == ["a.txt"]
        await pilot.press("escape")


async def test_esc_during_a_reload_drops_the_action_waiting_with_the_keys(
    alice_service, tmp_config, lab_dir, slow_listings
):
    """Esc dropped the keys typed after F7 ("2 keys typed ahead dropped") but the prompt opened anyway once
    the listing came."""
    _, path = lab_dir({"a.txt": "a"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot, path)
        left = app.main_screen.left_pane
        left.file_list.focus()
        await pilot.press("ctrl+r")
        assert left.fetching, "the reload should still be in flight"
        burst(app, ["f7", "a", "b"])
        await wait_for(pilot, lambda: app.typed_input.waiting == 2, "the two keys held")
        burst(app, ["escape"])
        await wait_for(pilot, lambda: not left.fetching, "the reload done")
        await settled(pilot)
        assert app.screen is app.main_screen


async def test_the_pane_shows_what_it_loads_and_the_keys_waiting(alice_service, tmp_config, lab_dir, slow_listings):
    """The pane kept its state in ``self.loading``, Textual's own reactive on a widget: a loading indicator
    (● ● ● ● ●) covered the whole pane while a listing was in flight, so its "Loading …" line, the count of
    keys typed ahead ("Esc drops them") and, on a reload, the listing the keys act on were hidden."""
    from textual.widgets import LoadingIndicator

    from gterm.tui.widgets.pane_message import PaneMessage
    from tests.support.browser_helpers import screen_lines

    def message_seen() -> bool:
        line = left.query_one(PaneMessage)
        return app.screen.get_widget_at(line.region.x, line.region.y)[0] is line

    _, path = lab_dir({"kept-on-screen.txt": "a"}, dirs=("inner",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await opened(app, pilot, path)
        left = app.main_screen.left_pane
        left.file_list.focus()
        await pilot.press("ctrl+r")
        assert left.fetching, "the reload should still be in flight"
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "● ● ●" not in shown and not left.query(LoadingIndicator) and not left.loading
        assert "kept-on-screen.txt" in shown and f"Loading {path} …" in shown and message_seen()
        await wait_for(pilot, lambda: not left.fetching, "the reload done")
        await enter_dir_then(pilot, left, "inner", "s")  # s (sort) waits for the listing of inner/
        await wait_for(pilot, lambda: "1 key typed ahead" in left.message_text, "the key counted")
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "● ● ●" not in shown and "1 key typed" in shown and message_seen()
        assert "Esc drops them" in left.message_text
        await wait_for(pilot, lambda: left.path == f"{path}inner/" and not left.fetching, "inner/ listed")
