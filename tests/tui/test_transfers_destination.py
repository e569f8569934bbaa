"""F5's "to" field (Midnight Commander's copy dialog): a typed directory is where the files arrive.

Live sandbox, real SDK: the whole app, keys as the user types them, and the files looked for on disk.
Globus creates a destination directory that is missing ("All intermediate / parent directories on
the dest will be automatically created if they don't exist": docs.globus.org/cli/reference/transfer),
and so does the sandbox: the typed directories below do not exist before the transfer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import events
from textual.widgets import Select, Static
from textual.widgets.input import Selection

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.transfer_dialog import FormInput, OptionBox, TransferDialog
from tests.support.browser_helpers import (
    burst,
    burst_type,
    cursor_to,
    key_opens,
    listing_names,
    make_app,
    screen_lines,
    settled,
    wait_for,
)
from tests.support.transfer_live import WAIT, service_for, wait_until

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


async def f5_dialog(pilot: Any, app: Any) -> TransferDialog:
    """F5 from the focused pane: the dialog, its destination field focused."""
    return await key_opens(pilot, app, "f5", TransferDialog, "the dialog")


async def open_dialog(pilot: Any, app: Any) -> TransferDialog:
    """Select everything in the left pane, F5: the dialog, its destination field focused."""
    await settled(pilot)
    app.main_screen.left_pane.file_list.focus()
    await pilot.press("ctrl+a")
    return await f5_dialog(pilot, app)


async def send_to(pilot: Any, app: Any, typed: str) -> TransferDialog:
    """F5, type ``typed`` over the proposal (it is selected: typing replaces it), Enter."""
    dialog = await open_dialog(pilot, app)
    field = dialog.query_one("#destination", FormInput)
    assert app.focused is field
    await burst_type(pilot, field, typed)
    await pilot.press("enter")
    return dialog


async def arrives(pilot: Any, *files: Path) -> None:
    await wait_until(pilot, lambda: all(f.is_file() for f in files), f"{[str(f) for f in files]} on disk", WAIT)


async def test_a_typed_absolute_directory_is_where_the_files_arrive(alice_service: Any, tmp_config: Any,
                                                                     lab_dir: Any) -> None:
    _src_disk, src = lab_dir({"a.txt": "alpha\n", "tree/b.txt": "beta\n"})
    dst_disk, dst = lab_dir()
    other_disk, other = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, app)
        field = dialog.query_one("#destination", FormInput)
        assert field.value == dst and field.selected_text == dst  # the other pane's, selected
        await burst_type(pilot, field, f"{other}new dir/")
        # The proposed label follows the directory typed.
        label = dialog.query_one("#label", FormInput).value
        assert label == f"gterm: 2 items from Lab Storage to Lab Storage:{other}new dir/"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, TransferDialog), "the dialog to close")
        await arrives(pilot, other_disk / "new dir/a.txt", other_disk / "new dir/tree/b.txt")
    assert (other_disk / "new dir/a.txt").read_text() == "alpha\n"
    assert list(dst_disk.iterdir()) == []  # not the other pane's directory


async def test_a_typed_relative_directory_is_taken_from_the_other_pane(alice_service: Any, tmp_config: Any,
                                                                        lab_dir: Any) -> None:
    _src_disk, src = lab_dir({"c.txt": "gamma\n"})
    dst_disk, dst = lab_dir({"c.txt": "old\n", "existing/keep.txt": "kept\n"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, app)
        summary = dialog.query_one("#summary", Static)
        said = "Already at the destination: c.txt."
        assert said in str(summary.render())  # the other pane's listing has it
        field = dialog.query_one("#destination", FormInput)
        await burst_type(pilot, field, "existing/deeper")
        assert said not in str(summary.render())  # about the other pane's directory, not the one typed
        await pilot.press("enter")
        await arrives(pilot, dst_disk / "existing/deeper/c.txt")
    assert (dst_disk / "c.txt").read_text() == "old\n"  # the other pane's directory is untouched
    assert (dst_disk / "existing/keep.txt").read_text() == "kept\n"


async def test_a_bad_directory_is_said_and_the_dialog_keeps_what_was_typed(alice_service: Any, tmp_config: Any,
                                                                             lab_dir: Any) -> None:
    _src_disk, src = lab_dir({"d.txt": "delta\n"})
    dst_disk, dst = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        above = "../" * 10 + "etc"
        dialog = await send_to(pilot, app, above)
        error = dialog.query_one("#form-error", Static)
        await wait_for(pilot, lambda: "goes above the root (/) of Lab Storage" in str(error.render()), "the refusal")
        assert app.screen is dialog
        field = dialog.query_one("#destination", FormInput)
        assert field.value == above and app.focused is field  # to be corrected, nothing lost
        # Empty: said too.
        field.value = ""
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Type the directory on Lab Storage" in str(error.render()), "the refusal")
        # An escape sequence pasted into the path (the field shows ESC as the text \x1b): refused, shown escaped.
        field.post_message(events.Paste("/x\x1b[31m"))
        await wait_for(pilot, lambda: field.value == "/x\\x1b[31m", "the paste")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "control characters" in str(error.render()), "the refusal")
        assert "\x1b" not in str(error.render()) and app.screen is dialog
        # Fixed, it goes.
        field.value = "./fine"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog to close")
        await arrives(pilot, dst_disk / "fine/d.txt")


async def test_the_sync_preview_compares_with_the_directory_typed(alice_service: Any, tmp_config: Any,
                                                                  lab_dir: Any) -> None:
    """F3 looks where the files will go: a directory typed that is not there yet holds nothing (Globus creates
    it), one that exists is compared file by file."""
    _src_disk, src = lab_dir({"e.txt": "epsilon\n", "f.txt": "phi\n"})
    _dst_disk, dst = lab_dir({"there/e.txt": "epsilon\n"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, app)
        dialog.query_one("#sync-level", Select).value = "exists"
        field = dialog.query_one("#destination", FormInput)
        for typed, sent in (("not-yet", ["e.txt", "f.txt"]), ("there", ["f.txt"])):
            dialog.preview = None
            field.value = typed
            await pilot.pause()
            await pilot.press("f3")
            await wait_for(pilot, lambda: dialog.preview is not None, "the sync preview")
            assert dialog.preview is not None and sorted(dialog.preview.send) == sent, typed
        await pilot.press("escape")


async def refused(pilot: Any, dialog: TransferDialog, typed: str, said: str) -> None:
    """``typed`` over the field's text, Enter: ``said`` under the form, the dialog still there."""
    field = dialog.query_one("#destination", FormInput)
    field.value = typed
    await pilot.press("enter")
    error = dialog.query_one("#form-error", Static)
    await wait_for(pilot, lambda: said in str(error.render()), f"the refusal of {typed!r}")
    assert dialog.app.screen is dialog


async def test_home_on_the_sources_collection_is_checked_where_home_is(alice_service: Any, tmp_config: Any,
                                                                        lab_dir: Any) -> None:
    """The left pane opened at the collection's default directory, ~: the service has said where that is
    (/home/alice/), so "~" typed is the source directory itself, and "~/experiments/x" inside what is sent."""
    dst_disk, dst = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=LAB, right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        assert left.path == "/home/alice/"
        await cursor_to(pilot, left, "experiments")
        dialog = await f5_dialog(pilot, app)
        await refused(pilot, dialog, "~", "Source and destination are the same directory.")
        await refused(pilot, dialog, "~/experiments/x", "Cannot copy experiments/ into itself")
        await pilot.press("escape")
    assert list(dst_disk.iterdir()) == []


async def test_home_on_the_sources_collection_is_refused_while_nobody_has_said_where_it_is(
        sandbox: Any, tmp_config: Any, lab_dir: Any) -> None:
    """A fresh session that listed only absolute paths does not know where ~ is: on the source's own collection
    "~/..." could be the source itself, so it is refused with what to type instead (on another collection the
    service resolves it: tests/unit/test_transfer_target.py)."""
    _src_disk, src = lab_dir({"g.txt": "gamma\n"})
    dst_disk, dst = lab_dir()
    app = make_app(service_for(sandbox), config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, app)
        await refused(pilot, dialog, "~/somewhere", "type an absolute path, or one relative to the other pane's")
        # What it says to type goes.
        dialog.query_one("#destination", FormInput).value = "sub"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog to close")
        await arrives(pilot, dst_disk / "sub/g.txt")


async def test_a_directory_the_transfer_creates_shows_in_the_pane_above_it(alice_service: Any, tmp_config: Any,
                                                                            lab_dir: Any) -> None:
    """As Midnight Commander rereads its panels after a copy: the other pane, showing where a typed
    directory that did not exist was made, lists it once the task has ended."""
    _src_disk, src = lab_dir({"e.txt": "epsilon\n"})
    dst_disk, dst = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        await send_to(pilot, app, "fresh/inner")
        await arrives(pilot, dst_disk / "fresh/inner/e.txt")
        right = app.main_screen.right_pane

        def listed() -> bool:
            return right.listing is not None and "fresh" in {entry.name for entry in right.listing.entries}

        await wait_for(pilot, listed, "the new directory in the other pane")


SAME = "Source and destination are the same directory."


async def test_both_panes_on_one_directory_open_the_dialog_and_enter_on_the_proposal_is_refused(
        alice_service: Any, tmp_config: Any, lab_dir: Any) -> None:
    """Midnight Commander's F5 with both panels on one directory opens the copy dialog, and refuses only when the
    target is accepted unchanged: a subdirectory can be typed. gterm refused before the dialog opened."""
    src_disk, src = lab_dir({"a.txt": "alpha\n", "existing/keep.txt": "kept\n"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{src}")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, "a.txt")
        dialog = await f5_dialog(pilot, app)
        field = dialog.query_one("#destination", FormInput)
        assert field.value == src and app.focused is field
        # The file is the source itself, not a copy "already at the destination" to be sent over.
        assert "Already at the destination" not in str(dialog.query_one("#summary", Static).render())
        assert dialog.query_one("#label", FormInput).value == "gterm: a.txt from Lab Storage to Lab Storage"
        # The sync preview of the proposal says why it cannot be, and sends nothing.
        dialog.query_one("#sync-level", Select).value = "exists"
        await pilot.pause()
        await pilot.press("f3")
        preview = dialog.query_one("#preview", Static)
        await wait_for(pilot, lambda: SAME in str(preview.render()), "the preview's refusal")
        assert dialog.preview is None
        field.focus()
        await pilot.press("enter")
        error = dialog.query_one("#form-error", Static)
        await wait_for(pilot, lambda: SAME in str(error.render()), "the refusal")
        assert app.screen is dialog and field.value == src and app.focused is field
        # An existing subdirectory typed goes.
        field.value = "existing"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog to close")
        await arrives(pilot, src_disk / "existing/a.txt")
    assert (src_disk / "a.txt").read_text() == "alpha\n"
    assert (src_disk / "existing/keep.txt").read_text() == "kept\n"


async def test_same_directory_keys_at_80x24_a_new_subdirectory_typed_after_the_refusal(
        alice_service: Any, tmp_config: Any, lab_dir: Any) -> None:
    """The keys as a user presses them on a small terminal: F5, Enter (refused, said on the screen, the text
    kept with the cursor at its end), "copies" typed after it, Enter: the transfer makes the directory, and
    both panes, showing the directory above it, list it once the task has ended."""
    src_disk, src = lab_dir({"a.txt": "alpha\n"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{src}")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, "a.txt")
        dialog = await f5_dialog(pilot, app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(SAME in line for line in screen_lines(app)), "the refusal on the screen")
        field = dialog.query_one("#destination", FormInput)
        assert app.screen is dialog and app.focused is field and field.cursor_position == len(src)
        burst(app, list("copies"))
        await wait_for(pilot, lambda: field.value == f"{src}copies", "the subdirectory typed")
        label = dialog.query_one("#label", FormInput).value
        assert label == f"gterm: a.txt from Lab Storage to Lab Storage:{src}copies/"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog to close")
        await arrives(pilot, src_disk / "copies/a.txt")
        for pane in (left, app.main_screen.right_pane):
            await wait_for(pilot, lambda pane=pane: "copies" in listing_names(pane), "the new directory listed")
    assert (src_disk / "copies/a.txt").read_text() == "alpha\n"


def warning_text(dialog: TransferDialog) -> str:
    return str(dialog.query_one("#delete-warning", Static).render())


async def retype(pilot: Any, dialog: TransferDialog, typed: str) -> None:
    """Back to the "to" field, ctrl+u, ``typed``: the keys a user presses to change the target."""
    field = dialog.query_one("#destination", FormInput)
    field.focus()
    await pilot.pause()
    burst(dialog.app, ["ctrl+u", *typed])
    await wait_for(pilot, lambda: field.value == typed, f"{typed!r} typed")


async def test_the_delete_extras_warning_names_the_directory_typed(alice_service: Any, tmp_config: Any,
                                                                   lab_dir: Any) -> None:
    """The red warning is about where the request cleans, as typed (it named the other pane's directory while the
    task cleaned run-002's): the whole directory sent cleans the typed directory itself, one selected directory its
    namesake there, and a target refused names no directory at all (Enter sends nothing)."""
    _src_disk, src = lab_dir({"a.txt": "alpha\n", "run/b.txt": "beta\n"})
    dst_disk, dst = lab_dir({"keep.txt": "not cleaned\n", "run-002/extra.txt": "goes\n"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, app)
        dialog.query_one("#delete-extra", OptionBox).value = True
        await pilot.pause()
        assert f"files in Lab Storage:{dst} (and below)" in warning_text(dialog)
        await retype(pilot, dialog, "run-002")
        assert f"files in Lab Storage:{dst}run-002/ (and below)" in warning_text(dialog)
        await retype(pilot, dialog, "../" * 30)
        assert "not valid yet" in warning_text(dialog) and "Lab Storage:/" not in warning_text(dialog)
        await retype(pilot, dialog, "run-002")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog to close")
        await wait_until(pilot, lambda: not (dst_disk / "run-002/extra.txt").exists(), "run-002 cleaned", WAIT)
        await arrives(pilot, dst_disk / "run-002/run/b.txt")
    assert (dst_disk / "keep.txt").read_text() == "not cleaned\n"  # the other pane's directory, never named
    # One selected directory: its namesake in the directory typed.
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await cursor_to(pilot, app.main_screen.left_pane, "run")
        dialog = await f5_dialog(pilot, app)
        dialog.query_one("#delete-extra", OptionBox).value = True
        await retype(pilot, dialog, "run-003")
        assert f"files in Lab Storage:{dst}run-003/run/ (and below)" in warning_text(dialog)
        await pilot.press("escape")


async def test_a_refusal_follows_the_target_as_it_is_corrected(alice_service: Any, tmp_config: Any,
                                                               lab_dir: Any) -> None:
    """Enter on a target that goes above / says why; the reason then follows the field (it stayed, red, until the
    next Enter, after the target was fixed): another bad target gets its own reason, a good one clears it."""
    _src_disk, src = lab_dir({"d.txt": "delta\n"})
    dst_disk, dst = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await send_to(pilot, app, "../" * 30 + "x")
        error = dialog.query_one("#form-error", Static)
        await wait_for(pilot, lambda: "goes above the root (/)" in str(error.render()), "the refusal")
        await retype(pilot, dialog, "")
        await wait_for(pilot, lambda: "Type the directory on Lab Storage" in str(error.render()), "the new reason")
        await retype(pilot, dialog, "fixed")
        await wait_for(pilot, lambda: str(error.render()) == "", "the refusal gone")
        assert not any("Type the directory" in line for line in screen_lines(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog to close")
        await arrives(pilot, dst_disk / "fixed/d.txt")


async def test_the_label_proposal_reads_from_its_start_after_a_target_is_typed(
        alice_service: Any, tmp_config: Any, lab_dir: Any) -> None:
    """At 80x24 the label that follows the target typed is longer than its field: it showed its tail ("iles from
    Lab Storage to …"). It reads from its start, selected so typing replaces it, also once Tab has reached it."""
    name = "Résumé 2026 with a long name.pdf"
    _src_disk, src = lab_dir({name: "cv\n"})
    _dst_disk, dst = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(pilot, app)
        label = dialog.query_one("#label", FormInput)
        await retype(pilot, dialog, "run-002")
        proposal = f"gterm: {name} from Lab Storage to Lab Storage:{dst}run-002/"
        await wait_for(pilot, lambda: label.value == proposal, "the label proposal")
        assert len(proposal) > label.content_region.width  # it does not fit: which end shows matters
        assert label.selection == Selection(len(proposal), 0) and label.scroll_x == 0
        assert any(f"gterm: {name}"[:30] in line for line in screen_lines(app))
        await pilot.press("tab")
        await wait_for(pilot, lambda: app.focused is label, "the label field")
        assert label.selection == Selection(len(proposal), 0) and label.scroll_x == 0
        burst(app, list("mine"))
        await wait_for(pilot, lambda: label.value == "mine", "the proposal replaced")
        await pilot.press("escape")


async def test_a_file_the_other_pane_lists_is_refused_as_the_target(alice_service: Any, tmp_config: Any,
                                                                     lab_dir: Any) -> None:
    """The other pane lists README.txt as a file: sending into it (or into a path through it) failed the task
    (NOT_A_DIRECTORY). Enter refuses it, the text kept, and F3 says the same instead of "Directory listing failed"
    or "1 file to send". Below one of its directories the listing cannot tell: that goes to Globus as before."""
    _src_disk, src = lab_dir({"a.txt": "alpha\n"})
    dst_disk, dst = lab_dir({"README.txt": "read me\n", "run-001/log.txt": "log\n"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    said = f"README.txt in Lab Storage:{dst} is a file, not a directory to send into"
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(pilot, app)
        field = dialog.query_one("#destination", FormInput)
        for typed in ("README.txt", "README.txt/sub", f"{dst}README.txt", "./run-001/../README.txt/"):
            await refused(pilot, dialog, typed, said)
            assert field.value == typed and app.focused is field
        assert any("README.txt in Lab Storage:" in line and "is a file, not a" in line for line in screen_lines(app))
        dialog.query_one("#sync-level", Select).value = "exists"
        preview = dialog.query_one("#preview", Static)
        for typed in ("README.txt", "README.txt/sub"):
            await retype(pilot, dialog, typed)
            await pilot.press("f3")
            await wait_for(pilot, lambda: said in str(preview.render()), f"the preview's refusal of {typed!r}")
            assert dialog.preview is None
        await retype(pilot, dialog, "run-001/new")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog to close")
        await arrives(pilot, dst_disk / "run-001/new/a.txt")
    assert (dst_disk / "README.txt").read_text() == "read me\n"


async def test_panes_inside_what_a_directory_item_wrote_into_list_it_again_when_the_task_ends(
        alice_service: Any, tmp_config: Any, lab_dir: Any) -> None:
    """Midnight Commander rereads both panels after a copy: a pane inside the destination of a directory sent
    (not only one at or above the directory written into) lists the new file, and one inside a directory that
    "delete extras" removed goes up to the nearest one left, as after any reload that finds its directory gone."""
    src_disk, src = lab_dir({"many-files/a.txt": "alpha\n"})
    dst_disk, dst = lab_dir({"many-files/a.txt": "alpha\n", "many-files/gone/old.txt": "extra\n"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}",
                   right=f"{LAB}:{dst}many-files/gone/")
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        screen = app.main_screen
        right = screen.right_pane
        assert listing_names(right) == ["old.txt"]
        (src_disk / "many-files/b.txt").write_text("beta\n")  # added on disk after both panes were listed
        await cursor_to(pilot, screen.left_pane, "many-files")
        dialog = await f5_dialog(pilot, app)
        dialog.query_one("#sync-level", Select).value = "exists"
        dialog.query_one("#delete-extra", OptionBox).value = True
        field = dialog.query_one("#destination", FormInput)
        field.value = dst
        field.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is not dialog, "the dialog to close")
        await arrives(pilot, dst_disk / "many-files/b.txt")
        # No ctrl+r: the pane leaves the deleted directory for the one above it, which lists the new file.
        await wait_until(pilot, lambda: right.path == f"{dst}many-files/" and not right.fetching
                         and "b.txt" in listing_names(right), "the pane inside the destination listed again", WAIT)
    assert not (dst_disk / "many-files/gone").exists()
    assert sorted(listing_names(right)) == ["a.txt", "b.txt"]


async def test_a_submission_globus_refuses_brings_the_dialog_back_with_everything_set_and_why(
        alice_service: Any, tmp_config: Any, lab_dir: Any) -> None:
    """As F7 and F2's prompts do (README): a refusal that sending again would meet too (alice may not write in
    bob's home) is not a lost form and a toast: the dialog comes back with the directory typed, every option as
    chosen and the reason under the form, here on a small terminal. Corrected, it goes."""
    _src_disk, src = lab_dir({"data/a.txt": "alpha\n"})
    dst_disk, dst = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await cursor_to(pilot, app.main_screen.left_pane, "data")
        first = await f5_dialog(pilot, app)
        first.query_one("#sync-level", Select).value = "exists"
        for widget_id, value in (("verify-checksum", False), ("preserve-timestamp", True), ("delete-extra", True)):
            first.query_one(f"#{widget_id}", OptionBox).value = value
        first.query_one("#label", FormInput).value = "my label"
        first.query_one("#deadline", FormInput).value = "+2h"
        first.query_one("#exclude", FormInput).value = "*.tmp"
        field = first.query_one("#destination", FormInput)
        field.value = "/home/bob/intrude"
        field.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen is not first,
                       "the dialog to come back")
        dialog = app.screen
        assert isinstance(dialog, TransferDialog)
        error = dialog.query_one("#form-error", Static)
        assert "Permission denied" in str(error.render())
        await wait_for(pilot, lambda: any("Permission denied" in line for line in screen_lines(app)),
                       "the reason on the 80x24 screen")
        field = dialog.query_one("#destination", FormInput)
        assert field.value == "/home/bob/intrude" and app.focused is field
        assert dialog.query_one("#sync-level", Select).value == "exists"
        checks = {widget_id: dialog.query_one(f"#{widget_id}", OptionBox).value
                  for widget_id in ("verify-checksum", "preserve-timestamp", "delete-extra", "notify")}
        assert checks == {"verify-checksum": False, "preserve-timestamp": True, "delete-extra": True, "notify": True}
        texts = {widget_id: dialog.query_one(f"#{widget_id}", FormInput).value
                 for widget_id in ("label", "deadline", "include", "exclude")}
        assert texts == {"label": "my label", "deadline": "+2h", "include": "", "exclude": "*.tmp"}
        # Corrected, it goes, with the options chosen.
        field.value = dst
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, TransferDialog), "the dialog to close")
        await arrives(pilot, dst_disk / "data/a.txt")
