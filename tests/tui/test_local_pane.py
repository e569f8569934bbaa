"""The Local pane ("This computer", ``local:PATH``) beside a collection of the live sandbox.

Navigation, F7, F2, F6 and F8 act on a fresh temporary directory of this
computer; each test checks the screen and the disk.
"""

from __future__ import annotations

import os
from pathlib import Path

from gterm.globus.local_files import LOCAL_ID
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.collection_picker import CollectionPicker
from gterm.tui.screens.prompts import ConfirmPrompt, InputPrompt
from gterm.tui.screens.viewer import FileViewer
from tests.support.browser_helpers import (
    answer_prompt,
    cursor_to,
    listing_names,
    make_app,
    notices,
    screen_lines,
    settled,
    wait_for,
)
from tests.support.sharing_helpers import sharing_for
from tests.support.transfer_live import service_for

SIZE = (120, 36)


def _tree(base: Path) -> Path:
    root = base / "here"  # beside the test's config file, which lives in tmp_path
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "inner.txt").write_text("inner\n")
    (root / "a.txt").write_text("alpha\n")
    (root / "b.bin").write_bytes(b"\x00\x01" * 10)
    return root


async def _listed(pilot, root: Path):  # type: ignore[no-untyped-def]
    """The left (Local) pane once it shows ``root``, the app settled."""
    left = pilot.app.main_screen.left_pane
    await wait_for(pilot, lambda: left.path == f"{root}/", "local listing")
    await settled(pilot)
    return left


def _app(alice_service, tmp_config, root: Path):  # type: ignore[no-untyped-def]
    return make_app(alice_service, config=tmp_config, left=f"local:{root}", right=f"{LAB_STORAGE_ID}:/projects/")


async def test_local_pane_lists_and_navigates(alice_service, tmp_config, tmp_path):
    root = _tree(tmp_path)
    app = _app(alice_service, tmp_config, root)
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await wait_for(pilot, lambda: left.path == f"{root}/", "local listing")
        assert left.collection is not None and left.collection.display_name == "This computer"
        assert set(listing_names(left)) == {"docs", "a.txt", "b.bin"}
        await cursor_to(pilot, left, "docs")
        await pilot.press("enter")
        await wait_for(pilot, lambda: left.path == f"{root}/docs/", "into docs")
        assert listing_names(left) == ["inner.txt"]
        await pilot.press("backspace")
        await wait_for(pilot, lambda: left.path == f"{root}/", "back up")
        assert left.file_list.cursor_entry is not None and left.file_list.cursor_entry.name == "docs"
        # The other pane still shows the collection through Transfer.
        right = app.main_screen.right_pane
        await wait_for(pilot, lambda: right.path == "/projects/", "collection listing")
        assert right.collection_id == LAB_STORAGE_ID


async def test_local_mkdir_rename_move_delete(alice_service, tmp_config, tmp_path):
    root = _tree(tmp_path)
    app = _app(alice_service, tmp_config, root)
    async with app.run_test(size=SIZE) as pilot:
        left = await _listed(pilot, root)
        await pilot.press("f7")
        await answer_prompt(pilot, "made")
        await wait_for(pilot, lambda: "made" in listing_names(left), "new directory listed")
        assert (root / "made").is_dir()

        await cursor_to(pilot, left, "a.txt")
        await pilot.press("f2")
        await answer_prompt(pilot, "renamed.txt")
        await wait_for(pilot, lambda: "renamed.txt" in listing_names(left), "renamed")
        assert (root / "renamed.txt").read_text() == "alpha\n" and not (root / "a.txt").exists()

        await cursor_to(pilot, left, "renamed.txt")
        await pilot.press("f6")
        # QA: it said "(within this collection)": the Local pane is this computer, not a collection.
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the move prompt")
        assert app.screen.title_text == "Move renamed.txt (within this computer) to"
        await answer_prompt(pilot, f"{root}/made/")
        await wait_for(pilot, lambda: "renamed.txt" not in listing_names(left), "moved away")
        assert (root / "made" / "renamed.txt").exists()

        await cursor_to(pilot, left, "docs")
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "delete asks first")
        assert (root / "docs").exists()  # nothing deleted before the answer
        await pilot.press("y")
        await wait_for(pilot, lambda: "docs" not in listing_names(left), "deleted at once")
        assert not (root / "docs").exists()
        assert any("Deleted 1 item" in n for n in notices(app))


async def test_local_delete_reports_what_could_not_be_deleted(alice_service, tmp_config, tmp_path):
    """One of two selected entries vanishes before the answer: the other is deleted, the vanished one named."""
    root = _tree(tmp_path)
    app = _app(alice_service, tmp_config, root)
    async with app.run_test(size=SIZE) as pilot:
        left = await _listed(pilot, root)
        await cursor_to(pilot, left, "a.txt")
        await pilot.press("space")
        await cursor_to(pilot, left, "b.bin")
        await pilot.press("space")
        await wait_for(pilot, lambda: len(left.selected_entries()) == 2, "two selected")
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "confirm")
        (root / "b.bin").unlink()  # gone behind the app's back
        await pilot.press("y")
        await wait_for(pilot, lambda: any("could not delete 1" in n for n in notices(app)), "problem said")
        said = next(n for n in notices(app) if "could not delete 1" in n)
        assert "Deleted 1 item" in said and "b.bin does not exist" in said
        assert not (root / "a.txt").exists() and (root / "docs").exists()
        await wait_for(pilot, lambda: set(listing_names(left)) == {"docs"}, "listing refreshed")


async def test_f3_views_a_local_file(alice_service, tmp_config, tmp_path):
    root = _tree(tmp_path)
    app = _app(alice_service, tmp_config, root)
    async with app.run_test(size=SIZE) as pilot:
        left = await _listed(pilot, root)
        await cursor_to(pilot, left, "a.txt")
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, FileViewer), "viewer")
        viewer = app.screen
        assert isinstance(viewer, FileViewer)
        await wait_for(pilot, lambda: viewer.page_shown is not None, "first page")
        assert viewer.page_shown is not None
        assert viewer.page_shown.lines[0].plain == "alpha"


async def test_the_viewer_notices_the_file_shrinking_and_being_deleted(alice_service, tmp_config, tmp_path):
    """QA: after ``truncate -s 100`` from a shell, End showed a blank page ("98% · byte 5,202,874 of
    5,288,890"), Home the old first page from the cache; after the file was deleted a search said "Not
    found after this point" against the old size. Now the viewer says so and works on what is there."""
    root = _tree(tmp_path)
    big = root / "big.log"
    big.write_bytes(b"".join(b"old line %05d\n" % i for i in range(20_000)))
    app = _app(alice_service, tmp_config, root)
    async with app.run_test(size=SIZE) as pilot:
        left = await _listed(pilot, root)
        await cursor_to(pilot, left, "big.log")
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, FileViewer), "viewer")
        viewer = app.screen
        assert isinstance(viewer, FileViewer)
        await wait_for(pilot, lambda: viewer.page_shown is not None, "first page")

        def status() -> str:
            return viewer.page_shown.status if viewer.page_shown is not None else ""

        with big.open("r+b") as f:  # the same file, its first line rewritten, cut to 200 lines
            f.write(b"new first line\n")
            f.truncate(3000)
        await pilot.press("end")
        await wait_for(pilot, lambda: "of 3,000" in status(), "the new size")
        assert "the file changed on disk; reloaded" in status() and "100%" in status(), status()
        assert viewer.page_shown is not None and viewer.page_shown.lines, "a blank page past the end"
        assert viewer.page_shown.lines[-1].plain == "old line 00199"
        await pilot.press("home")
        await wait_for(pilot, lambda: "byte 0 of 3,000" in status(), "the top")
        assert viewer.page_shown is not None and viewer.page_shown.lines[0].plain == "new first line"
        assert "changed on disk" not in status()  # said once

        big.unlink()
        await pilot.press("slash")
        await pilot.press(*"nowhere", "enter")
        await wait_for(pilot, lambda: "Not found" in status(), "the search")
        assert "the file was deleted" in status(), status()


async def test_picker_offers_this_computer(alice_service, tmp_config, tmp_path, monkeypatch):
    _tree(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "here"))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:/projects/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=SIZE) as pilot:
        left = app.main_screen.left_pane
        await wait_for(pilot, lambda: left.path == "/projects/", "collection listing")
        await settled(pilot)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionPicker), "picker")
        picker = app.screen
        assert isinstance(picker, CollectionPicker)
        await wait_for(pilot, lambda: bool(picker.results), "results")
        assert picker.results[0].id == LOCAL_ID
        await pilot.press("enter")
        await wait_for(pilot, lambda: left.collection_id == LOCAL_ID and left.path == f"{tmp_path}/here/", "home shown")
        assert set(listing_names(left)) == {"docs", "a.txt", "b.bin"}


async def test_a_named_pipe_is_shown_as_one_and_f3_says_so_without_waiting(alice_service, tmp_config, tmp_path):
    import os

    from gterm.globus.local_files import LocalFiles
    from gterm.tui.text_pager import LocalFile
    from gterm.tui.widgets.file_columns import ColumnLayout, column_texts

    root = _tree(tmp_path)
    os.mkfifo(root / "pipe")
    entry = next(e for e in LocalFiles().ls(str(root)).entries if e.name == "pipe")
    assert entry.type == "fifo" and entry.special_kind == "named pipe (FIFO)"
    app = _app(alice_service, tmp_config, root)
    async with app.run_test(size=SIZE) as pilot:
        left = await _listed(pilot, root)
        shown = next(e for e in left.listing.entries if e.name == "pipe")
        size_text, _time, perms = column_texts(shown, ColumnLayout(200))
        assert size_text == "<FIFO>" and perms.startswith("p")
        await cursor_to(pilot, left, "pipe")
        await pilot.press("f3")
        await wait_for(pilot, lambda: any("named pipe (FIFO)" in n for n in notices(app)), "the refusal")
        assert not isinstance(app.screen, FileViewer)
    # The pager itself refuses it too (and never blocks in open, which waits for a writer).
    try:
        LocalFile(str(root / "pipe"))
    except Exception as exc:  # noqa: BLE001 - the kind and wording are what is checked
        assert "is a named pipe (FIFO), not a regular file" in str(exc)
    else:
        raise AssertionError("a pipe opened as a file")


async def test_b_on_this_computer_says_at_once_that_it_cannot_be_a_bookmark(alice_service, tmp_config, tmp_path):
    """Before: the name was asked for, then Globus refused it ("No such collection 'local'")."""
    root = _tree(tmp_path)
    app = _app(alice_service, tmp_config, root)
    async with app.run_test(size=SIZE) as pilot:
        left = await _listed(pilot, root)
        left.file_list.focus()
        await pilot.press("b")
        await wait_for(pilot, lambda: any("this computer's folders are not one" in n for n in notices(app)), "the note")
        assert app.screen is app.main_screen


async def test_p_and_i_on_this_computer_give_one_notice_and_open_nothing(sandbox, tmp_config, tmp_path):
    """Before: p opened the sharing screen for ``local``, which (and its Roles tab) showed Globus refusing it
    ("No such collection 'local'"). p and i now say once that This computer is no collection."""
    root = _tree(tmp_path)
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), config=tmp_config, left=f"local:{root}",
                   right=f"{LAB_STORAGE_ID}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        left = await _listed(pilot, root)
        left.file_list.focus()
        for key, said in (("p", "nothing to share"), ("i", "nothing more to show")):
            before = len(notices(app))
            await pilot.press(key)
            await wait_for(pilot, lambda before=before: len(notices(app)) > before, f"the notice for {key}")
            await settled(pilot)
            await app.workers.wait_for_complete()
            await pilot.pause()
            (notice,) = notices(app)[before:]
            assert notice.startswith("This computer's own files: no Globus collection") and said in notice
            assert app.screen is app.main_screen
        assert not any("No such collection" in n for n in notices(app))


async def _squeezed_pane(pilot, app, root):
    """The left pane listing ``root`` with the sidebar open at 80 columns: its path bar narrower than the path."""
    left = await _listed(pilot, root)
    app.main_screen.sidebar.add_class("-shown")
    bar = left.path_bar
    await wait_for(pilot, lambda: 0 < bar.region.width < len(bar.value), "the bar narrower than the path")
    return left


async def test_a_long_path_shows_its_tail_in_a_narrow_pane(alice_service, tmp_config, tmp_path):
    """At 80 columns with the sidebar open a long path did not fit, and the bar showed its start: the
    directories that say where the pane is were cut off."""
    root = tmp_path / "a-rather-long-directory-name" / "another-long-level" / "the-last-one"
    root.mkdir(parents=True)
    app = make_app(alice_service, config=tmp_config, left=f"local:{root}", right=f"{LAB_STORAGE_ID}:/projects/")
    async with app.run_test(size=(80, 24)) as pilot:
        left = await _squeezed_pane(pilot, app, root)
        bar = left.path_bar
        await wait_for(pilot, lambda: "the-last-one" in str(bar.render_line(0).text), "the path's tail shown")


async def test_a_long_path_cut_from_the_left_says_so_with_an_ellipsis(alice_service, tmp_config, tmp_path):
    """The bar showed ``n-outputs-2026/ensemble-member-042/``, which reads like a real path: where it is cut
    it now shows '…'; focused (to edit it) it shows the path itself, as typed text is."""
    root = tmp_path / "simulation-outputs-2026" / "ensemble-member-042"
    root.mkdir(parents=True)
    app = make_app(alice_service, config=tmp_config, left=f"local:{root}", right=f"{LAB_STORAGE_ID}:/projects/")
    async with app.run_test(size=(80, 24)) as pilot:
        left = await _squeezed_pane(pilot, app, root)
        bar = left.path_bar
        await wait_for(pilot, lambda: str(bar.render_line(0).text).strip().endswith("ensemble-member-042/"), "tail")
        shown = str(bar.render_line(0).text).strip()
        assert shown.startswith("…") and f"{root}/".endswith(shown[1:].lstrip())
        left.edit_path()
        await pilot.pause()
        assert "…" not in str(bar.render_line(0).text)


async def test_f8_on_a_link_to_a_directory_says_only_the_link_goes(alice_service, tmp_config, tmp_path):
    """The question said "Directories are deleted with everything in them" for a link; the link alone goes."""
    root = _tree(tmp_path)
    (root / "to-docs").symlink_to(root / "docs")
    app = _app(alice_service, tmp_config, root)
    async with app.run_test(size=SIZE) as pilot:
        left = await _listed(pilot, root)
        await cursor_to(pilot, left, "to-docs")
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the delete question")
        question = app.screen.message
        assert "A link is deleted, not what it points to." in question
        assert "with everything in them" not in question
        await pilot.press("enter")
        await wait_for(pilot, lambda: "to-docs" not in listing_names(left), "the link gone")
        assert (root / "docs" / "inner.txt").read_text() == "inner\n"


async def test_a_dangling_link_shows_as_a_broken_link_with_its_own_time(alice_service, tmp_config, tmp_path):
    """A link whose target is gone is listed as the collection panes list Globus's invalid links: ``-> ?``,
    ``<LINK>``, the link's own (lstat) time; Enter and F3 say it is broken instead of failing on it."""
    root = _tree(tmp_path)
    (root / "dangling").symlink_to(root / "gone.txt")
    os.utime(root / "dangling", (1_600_000_000, 1_600_000_000), follow_symlinks=False)
    app = _app(alice_service, tmp_config, root)
    async with app.run_test(size=SIZE) as pilot:
        left = await _listed(pilot, root)
        entry = next(e for e in left.listing.entries if e.name == "dangling")
        assert entry.is_invalid_link
        row = next(line for line in screen_lines(app) if "dangling ->" in line)
        assert "dangling -> ?" in row and "<LINK>" in row and "2020-09-13 12:26" in row, row
        await cursor_to(pilot, left, "dangling")
        await pilot.press("f3")
        await wait_for(pilot, lambda: any("dangling is a broken link" in n for n in notices(app)), "the notice")
        assert not isinstance(app.screen, FileViewer)


async def test_f4_says_there_is_no_editor_and_where_a_local_file_is(alice_service, tmp_config, tmp_path):
    """F4 (Midnight Commander's edit key) did nothing and said nothing. It says gterm has no editor, that F3
    views the file, and, on This computer, where the file is for the user's own editor; ? lists it."""
    from gterm.tui.screens.help import HelpScreen

    root = _tree(tmp_path)
    app = _app(alice_service, tmp_config, root)
    async with app.run_test(size=SIZE) as pilot:
        left = await _listed(pilot, root)
        await cursor_to(pilot, left, "a.txt")
        await pilot.press("f4")
        assert notices(app)[-1] == (
            f"gterm has no editor: F3 views a file. {root}/a.txt is on this computer: open it in your own editor."
        )
        await pilot.press("tab")  # Lab Storage: nothing on this computer to point at
        await pilot.press("f4")
        assert notices(app)[-1] == "gterm has no editor: F3 views a file."
        assert app.screen is app.main_screen
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the key help")
        assert ("f4", "Edit (no editor; F3 views)", "edit") in [
            (row.keys.lower(), row.description, row.binding_id) for row in app.screen.rows
        ]


async def test_f5_with_both_panes_on_one_local_directory_opens_the_dialog_and_refuses_enter_unchanged(
        alice_service, tmp_config, tmp_path):
    """As the Transfer dialog (and Midnight Commander's copy): the "to" field is there to type a subdirectory or a
    new name in, so F5 opens it; Enter on the proposal unchanged says why not (a copy onto itself), in the dialog."""
    from gterm.tui.screens.local_task_dialog import LocalTaskDialog

    root = _tree(tmp_path)
    app = make_app(alice_service, config=tmp_config, left=f"local:{root}", right=f"local:{root}")
    async with app.run_test(size=SIZE) as pilot:
        left = await _listed(pilot, root)
        await cursor_to(pilot, left, "a.txt")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, LocalTaskDialog), "the dialog")
        dialog = app.screen
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Source and destination are the same directory." in str(
            dialog.query_one("#form-error").render()), "the refusal")
        assert app.screen is dialog and "Source and destination are the same directory." not in notices(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main_screen, "closed")
    assert sorted(os.listdir(root)) == ["a.txt", "b.bin", "docs"]
