"""File operations from the browser (F7, F2, F6, F8) against the live sandbox.

Each test works in its own fresh directory under /tui-tests/ in Lab Storage
and checks the result both on screen and on the collection's disk.
"""

from __future__ import annotations

from textual.widgets import Input

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.prompts import ConfirmPrompt, InputPrompt
from tests.support.browser_helpers import (
    answer_prompt,
    cursor_to,
    listing_names,
    make_app,
    notices,
    prompt_error,
    settled,
    wait_for,
)

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


async def open_app(pilot_app, pilot, path: str) -> None:
    await wait_for(pilot, lambda: pilot_app.main_screen.left_pane.path == path, f"left at {path}")
    await settled(pilot)


async def test_mkdir_creates_directory(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({"a.txt": "a"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, path)
        left = app.main_screen.left_pane
        await pilot.press("f7")
        await answer_prompt(pilot, "new dir [x]")
        await wait_for(pilot, lambda: "new dir [x]" in listing_names(left), "new dir listed")
        assert (disk / "new dir [x]").is_dir()
        await settled(pilot)
        assert left.file_list.cursor_entry is not None and left.file_list.cursor_entry.name == "new dir [x]"


async def test_mkdir_rejects_bad_names_in_the_prompt(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, path)
        await pilot.press("f7")
        await answer_prompt(pilot, "a/b")
        assert isinstance(app.screen, InputPrompt)  # still asking, with the reason shown
        assert "/" in str(app.screen.query_one("#prompt-error").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, InputPrompt)
        assert list(disk.iterdir()) == []


async def test_mkdir_existing_name_shows_error(alice_service, tmp_config, lab_dir):
    _disk, path = lab_dir(dirs=("taken",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, path)
        left = app.main_screen.left_pane
        await pilot.press("f7")
        await answer_prompt(pilot, "taken")

        # It comes back with the name, and why (another name may do).
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt) and "exists" in prompt_error(app),
                       "the prompt back with the error")
        assert app.screen.query_one("#prompt-input", Input).value == "taken"
        assert listing_names(left) == ["taken"]


async def test_rename_with_f2(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({"old.txt": "x"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, path)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, "old.txt")
        await pilot.press("f2")
        await answer_prompt(pilot, "new.txt")
        await wait_for(pilot, lambda: listing_names(left) == ["new.txt"], "renamed")
        assert (disk / "new.txt").read_text() == "x"
        assert not (disk / "old.txt").exists()


async def test_move_selection_into_directory_with_f6(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({"one.csv": "1", "two.csv": "2", "keep.txt": "k"}, dirs=("target",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:{path}target/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, path)
        await wait_for(pilot, lambda: app.main_screen.right_pane.listing is not None)
        left, right = app.main_screen.left_pane, app.main_screen.right_pane
        await pilot.press("plus")
        await answer_prompt(pilot, "*.csv")
        await wait_for(pilot, lambda: len(left.selected_entries()) == 2, "two selected")
        await pilot.press("f6")
        # The suggestion is the other pane's directory (same collection).
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt))
        assert app.screen.query_one("#prompt-input", Input).value == f"{path}target/"
        assert app.screen.title_text.startswith("Move 2 items") and app.screen.items == ["one.csv", "two.csv"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: sorted(listing_names(left)) == ["keep.txt", "target"], "left refreshed")
        await wait_for(pilot, lambda: sorted(listing_names(right)) == ["one.csv", "two.csv"], "right refreshed")
        assert (disk / "target" / "one.csv").read_text() == "1"


async def test_delete_submits_task_and_refreshes(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({"gone.txt": "x", "stay.txt": "y", "dir/inner.txt": "z"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, path)
        left = app.main_screen.left_pane
        await pilot.press("plus")
        await answer_prompt(pilot, "gone.txt")
        await cursor_to(pilot, left, "dir")
        await pilot.press("space")  # toggles and moves down
        await wait_for(pilot, lambda: len(left.selected_entries()) == 2)
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "confirm")
        listed = str(app.screen.query_one("#prompt-items").render())
        assert "gone.txt" in listed and "dir/" in listed and "stay.txt" not in listed
        await pilot.press("y")
        await wait_for(pilot, lambda: listing_names(left) == ["stay.txt"], "listing refreshed after task")
        assert not (disk / "gone.txt").exists() and not (disk / "dir").exists()
        assert (disk / "stay.txt").exists()


async def test_after_f8_the_cursor_stays_where_the_deleted_entry_was(alice_service, tmp_config, lab_dir):
    """Midnight Commander: the entry after the deleted one takes its row (the cursor jumped to ``..``)."""
    _, path = lab_dir({"a.txt": "a", "b.txt": "b", "c.txt": "c"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, path)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, "b.txt")
        row = left.file_list.cursor_row
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: listing_names(left) == ["a.txt", "c.txt"], "listing refreshed after task")
        entry = left.file_list.cursor_entry
        assert left.file_list.cursor_row == row and entry is not None and entry.name == "c.txt"


async def test_delete_cancelled_keeps_files(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({"precious.txt": "x"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, path)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, "precious.txt")
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt))
        await pilot.press("escape")
        await settled(pilot)
        assert (disk / "precious.txt").exists()
        assert listing_names(left) == ["precious.txt"]


async def test_delete_confirm_tab_goes_between_the_buttons(alice_service, tmp_config, lab_dir):
    """Tab from "Delete" lands on "Cancel", not on the (invisible) item list scroll area (QA F4)."""
    disk, path = lab_dir({"precious.txt": "x"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, path)
        await cursor_to(pilot, app.main_screen.left_pane, "precious.txt")
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "confirm")
        await pilot.pause()
        assert app.focused is not None and app.focused.id == "yes"
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "no"
        await pilot.press("tab")
        assert app.focused is not None and app.focused.id == "yes"
        await pilot.press("shift+tab")
        assert app.focused is not None and app.focused.id == "no"
        await pilot.press("enter")  # Cancel
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmPrompt), "closed")
        assert (disk / "precious.txt").exists()


async def test_f6_that_partly_fails_moves_the_rest_and_lists_both_panes_again(alice_service, tmp_config, lab_dir):
    """A name already at the destination is refused (Globus renames never overwrite); the others still move, both
    panes list their directories again (the moved entries' selection gone) and the notice names the refusal."""
    files = {f"src/{name}": name for name in ("a.csv", "b.csv", "c.txt", "d.tmp", "e.tmp", "keep.dat", "dirA/f",
                                              "sub/x.txt")}
    disk, path = lab_dir({**files, "dst/b.csv": "already there"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}src/", right=f"{LAB}:{path}dst/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, f"{path}src/")
        left, right = app.main_screen.left_pane, app.main_screen.right_pane
        await wait_for(pilot, lambda: right.listing is not None, "right listed")
        await pilot.press("ctrl+a")
        await wait_for(pilot, lambda: len(left.selected_entries()) == 8, "all eight selected")
        await pilot.press("f6")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the move prompt")
        assert app.screen.query_one("#prompt-input", Input).value == f"{path}dst/"
        await pilot.press("enter")

        moved = ["a.csv", "c.txt", "d.tmp", "dirA", "e.tmp", "keep.dat", "sub"]
        await wait_for(pilot, lambda: listing_names(left) == ["b.csv"], "the source listed again")
        await wait_for(pilot, lambda: sorted(listing_names(right)) == sorted([*moved, "b.csv"]), "the destination")
        await settled(pilot)
        assert sorted(p.name for p in (disk / "dst").iterdir()) == sorted([*moved, "b.csv"])
        assert (disk / "dst" / "b.csv").read_text() == "already there" and (disk / "src" / "b.csv").exists()
        # Only the one not moved is still selected: F8 now would act on what is there.
        assert [e.name for e in left.selected_entries()] == ["b.csv"]
        assert f"Moved 7 of 8; b.csv not moved: {path}dst/b.csv already exists" in notices(app)


async def test_f6_of_the_directory_the_other_pane_shows_makes_it_follow(alice_service, tmp_config, lab_dir):
    """The other pane was inside the directory moved: it goes on showing the same files at their new place."""
    disk, path = lab_dir({"moving/deep/f.txt": "f"}, dirs=("dst",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:{path}moving/deep/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, path)
        left, right = app.main_screen.left_pane, app.main_screen.right_pane
        await wait_for(pilot, lambda: right.listing is not None, "right listed")
        await cursor_to(pilot, left, "moving")
        await pilot.press("f6")
        # QA: the prompt said only "Move 1 item": it names what moves, as Midnight Commander's does.
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the move prompt")
        assert app.screen.title_text == "Move moving/ (within this collection) to"
        await answer_prompt(pilot, f"{path}dst/")
        await wait_for(pilot, lambda: right.path == f"{path}dst/moving/deep/", "the right pane followed")
        await settled(pilot)
        assert listing_names(right) == ["f.txt"]
        assert right.message_text == f"{path}moving/deep/ was moved: showing it at {path}dst/moving/deep/"
        assert sorted(listing_names(left)) == ["dst"]
        assert (disk / "dst" / "moving" / "deep" / "f.txt").exists()


async def test_f8_of_the_directory_the_other_pane_shows_sends_it_to_the_parent(alice_service, tmp_config, lab_dir):
    """Midnight Commander: once the delete task ends, the pane that showed the deleted directory (here, a directory
    inside it) shows the nearest parent that still exists, and says so."""
    _disk, path = lab_dir({"dst/inner/b.csv": "b", "other.txt": "o"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:{path}dst/inner/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, path)
        left, right = app.main_screen.left_pane, app.main_screen.right_pane
        await wait_for(pilot, lambda: right.listing is not None, "right listed")
        await cursor_to(pilot, left, "dst")
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "confirm")
        await pilot.press("enter")
        await wait_for(pilot, lambda: listing_names(left) == ["other.txt"], "the left listed after the task")
        await wait_for(pilot, lambda: right.path == path, "the right pane at the nearest existing parent")
        await settled(pilot)
        assert listing_names(right) == ["other.txt"]
        assert right.message_text == f"{path}dst/inner/ no longer exists: showing {path}"


async def test_ctrl_r_on_a_directory_deleted_elsewhere_goes_up(alice_service, tmp_config, lab_dir):
    """A reload that finds the directory gone climbs to its parent rather than keep a listing of what is not there."""
    disk, path = lab_dir({"gone/x.txt": "x", "here.txt": "h"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}gone/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, f"{path}gone/")
        left = app.main_screen.left_pane
        (disk / "gone" / "x.txt").unlink()
        (disk / "gone").rmdir()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: left.path == path, "the parent shown")
        await settled(pilot)
        assert sorted(listing_names(left)) == ["here.txt"]
        assert left.message_text == f"{path}gone/ no longer exists: showing {path}"
