"""F5's "to" field as Midnight Commander's copy dialog has it: Tab completes directory names, Up / Down bring
back earlier destinations (gterm.tui.screens.transfer_destination).

Live sandbox, real SDK, the whole app and keys as a user types them. Completion from the other pane's listing
happens within the key (no call to Globus: the field holds the result as soon as Tab is handled); a directory
not shown there is listed once through the TransferService, in a worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gterm.config import GtermConfig
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.safe_text import escape_controls
from gterm.tui.screens.help import collect_key_help
from gterm.tui.screens.transfer_dialog import FormInput, TransferDialog
from tests.support.browser_helpers import burst, make_app, notices, screen_lines, wait_for
from tests.tui.test_transfers_destination import open_dialog, retype

LAB = LAB_STORAGE_ID
SIZE = (120, 36)
RAW_CONTROLS = ("\x1b", "\x07", "\x9b")
NOTE = "Absolute, or relative to the other pane's; created if missing."  # under the field, when it lists nothing


def fields(dialog: TransferDialog) -> tuple[FormInput, FormInput, Any]:
    return (dialog.query_one("#destination", FormInput), dialog.query_one("#label", FormInput),
            dialog.query_one("#destination-note"))


def note_text(dialog: TransferDialog) -> str:
    return str(fields(dialog)[2].render())


async def test_tab_completes_the_one_directory_of_the_other_pane_that_fits_and_adds_a_slash(
        alice_service: Any, tmp_config: Any, lab_dir: Any) -> None:
    _src_disk, src = lab_dir({"a.txt": "alpha\n"})
    _dst_disk, dst = lab_dir({"results.txt": "a file: never a candidate\n"}, dirs=("results", "archive"))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, app)
        field, label, _note = fields(dialog)
        await retype(pilot, dialog, "res")  # relative to the other pane's directory
        await pilot.press("tab")
        # Within the key: the names are the other pane's listing, no call to Globus.
        assert field.value == "results/" and app.focused is field
        assert field.cursor_position == len("results/")
        await pilot.pause()
        assert label.value == f"gterm: a.txt from Lab Storage to Lab Storage:{dst}results/"  # the label follows
        # Absolute, the same.
        await retype(pilot, dialog, f"{dst}ar")
        await pilot.press("tab")
        assert field.value == f"{dst}archive/"
        # Ending in "/": nothing to complete, Tab moves on to the label, as in any dialog.
        await pilot.press("tab")
        await wait_for(pilot, lambda: app.focused is label, "the label field")
        assert field.value == f"{dst}archive/"
        await pilot.press("escape")


async def test_several_candidates_complete_their_common_start_and_are_listed_under_the_field(
        alice_service: Any, tmp_config: Any, lab_dir: Any) -> None:
    _src_disk, src = lab_dir({"a.txt": "alpha\n"})
    _dst_disk, dst = lab_dir({"run-9.txt": "a file\n"}, dirs=("run-001", "run-002", "run-010", "other"))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, app)
        field, label, _note = fields(dialog)
        await retype(pilot, dialog, f"{dst}ru")
        await pilot.press("tab")
        assert field.value == f"{dst}run-0" and app.focused is field
        await pilot.pause()
        said = note_text(dialog)
        assert "3 directories fit: run-001/  run-002/  run-010/" in said and "run-9" not in said
        assert any("run-001/  run-002/  run-010/" in line for line in screen_lines(app))
        # Nothing more in common: Tab again goes on to the next field, the text as it was.
        await pilot.press("tab")
        await wait_for(pilot, lambda: app.focused is label, "the label field")
        assert field.value == f"{dst}run-0"
        # Typing more narrows it; the list goes as the text changes, and one fits.
        field.focus()
        await pilot.pause()
        burst(app, ["1", "tab"])
        await wait_for(pilot, lambda: field.value == f"{dst}run-010/", "run-010/ completed")
        await pilot.pause()
        assert note_text(dialog) == NOTE
        await pilot.press("escape")


async def test_tab_moves_on_where_there_is_no_name_to_complete(alice_service: Any, tmp_config: Any,
                                                               lab_dir: Any) -> None:
    """The proposal selected as the dialog opens, a new directory no name starts with (Globus creates it), the
    cursor inside the text: Tab is the next-field key there, so typing a new name and Tab still reaches the
    label."""
    _src_disk, src = lab_dir({"a.txt": "alpha\n"})
    _dst_disk, dst = lab_dir(dirs=("results",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, app)
        field, label, _note = fields(dialog)
        await pilot.press("tab")  # the proposal, selected
        await wait_for(pilot, lambda: app.focused is label, "the label field")
        assert field.value == dst
        for typed, cursor in ((f"{dst}new-run", None), (f"{dst}re", len(dst))):
            await retype(pilot, dialog, typed)
            if cursor is not None:
                field.cursor_position = cursor
            await pilot.press("tab")
            await wait_for(pilot, lambda: app.focused is label, "the label field")
            assert field.value == typed
        await pilot.press("escape")


async def test_completion_of_a_directory_not_in_the_other_pane_lists_it_once(
        alice_service: Any, tmp_config: Any, lab_dir: Any) -> None:
    """Integration: the parent typed is not the other pane's directory, so it is listed (TransferService.ls over
    HTTP to the sandbox, in a worker) and the name completed when the answer comes; the names are kept for the
    dialog's life. A parent that is not there has nothing to complete (Tab moves on, the line says so); one
    that cannot be listed says why in the dialog's error line."""
    _src_disk, src = lab_dir({"a.txt": "alpha\n"})
    _dst_disk, dst = lab_dir()
    elsewhere_disk, elsewhere = lab_dir({"data.txt": "a file\n"}, dirs=("data-2026/inner", "notes"))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, app)
        field, label, _note = fields(dialog)
        await retype(pilot, dialog, f"{elsewhere}da")
        await pilot.press("tab")
        await wait_for(pilot, lambda: field.value == f"{elsewhere}data-2026/", "completed after a listing")
        assert app.focused is field and dialog.destination.names[elsewhere] == ["data-2026", "notes"]
        # Listed once: a directory made there since is not seen (the dialog keeps what it listed).
        (elsewhere_disk / "data-2027").mkdir()
        await retype(pilot, dialog, f"{elsewhere}no")
        await pilot.press("tab")
        assert field.value == f"{elsewhere}notes/"  # within the key: no second listing
        # Below it, listed in turn.
        await pilot.press("i")
        await pilot.press("tab")
        await wait_for(pilot, lambda: field.value == f"{elsewhere}data-2026/inner/" or app.focused is not field,
                       "the next name")
        assert field.value == f"{elsewhere}notes/i" and app.focused is label  # notes/ is empty: nothing fits
        # A parent that is not there: Globus creates it; nothing to complete, said, and Tab moved on.
        field.focus()
        await retype(pilot, dialog, f"{elsewhere}missing/x")
        await pilot.press("tab")
        await wait_for(pilot, lambda: app.focused is label, "Tab to move on")
        assert "is not there yet" in note_text(dialog)
        assert str(dialog.query_one("#form-error").render()) == ""
        # A listing Globus refuses: said in the error line, never a traceback; it goes as the text is edited.
        field.focus()
        await retype(pilot, dialog, f"{elsewhere}data.txt/x")
        await pilot.press("tab")
        error = dialog.query_one("#form-error")
        await wait_for(pilot, lambda: "Cannot list" in str(error.render()), "the listing's failure")
        said = str(error.render())
        assert f"Cannot list {elsewhere}data.txt/ to complete the name:" in said and "Traceback" not in said
        burst(app, ["y"])
        await wait_for(pilot, lambda: str(error.render()) == "", "the failure gone as the text changes")
        await pilot.press("escape")


async def test_a_dialog_closed_while_its_listing_is_out_drops_the_answer(
        alice_service: Any, tmp_config: Any, lab_dir: Any, slow_listings: None) -> None:
    """Esc while the directory Tab asked for is being listed (1 s here, as real Globus may take): the answer
    that comes after is dropped, the browser goes on, and no error is said."""
    _src_disk, src = lab_dir({"a.txt": "alpha\n"})
    _dst_disk, dst = lab_dir()
    _elsewhere_disk, elsewhere = lab_dir(dirs=("data-2026",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, app)
        await retype(pilot, dialog, f"{elsewhere}da")
        await pilot.press("tab")
        assert "Listing" in note_text(dialog)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TransferDialog), "the dialog to close")
        await wait_for(pilot, lambda: not [w for w in app.workers if w.group == "destination-completion"],
                       "the listing to end")
        await pilot.pause(0.2)
        assert app.return_code is None and not [n for n in notices(app) if "rror" in n]
        assert app.focused is app.main_screen.left_pane.file_list


async def test_completed_names_with_control_characters_are_shown_escaped_and_mean_the_real_name(
        alice_service: Any, tmp_config: Any, lab_dir: Any) -> None:
    osc, csi = "t-\x1b]2;PWNED\x07-x", "t-\x1b[41mBG"
    _src_disk, src = lab_dir({"a.txt": "alpha\n"})
    _dst_disk, dst = lab_dir(dirs=(osc, csi, "t-plain"))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, app)
        field, _label, _note = fields(dialog)
        await retype(pilot, dialog, "t-")
        await pilot.press("tab")
        await pilot.pause()
        said = note_text(dialog)
        assert escape_controls(osc) + "/" in said and escape_controls(csi) + "/" in said
        burst(app, ["\\", "x", "1", "b", "]", "tab"])
        await wait_for(pilot, lambda: field.value == escape_controls(osc) + "/", "the OSC name completed")
        assert field.raw_value == osc + "/"  # what the field means: the real name
        await pilot.pause()
        svg = app.export_screenshot()
        assert not [c for c in RAW_CONTROLS if c in svg]
        assert not any(c in field.value for c in RAW_CONTROLS)
        await pilot.press("escape")


async def test_up_recalls_earlier_destinations_of_the_collection_and_they_are_kept_in_the_state_file(
        alice_service: Any, tmp_config: Any, lab_dir: Any) -> None:
    _src_disk, src = lab_dir({"a.txt": "alpha\n"})
    _dst_disk, dst = lab_dir()
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{src}", right=f"{LAB}:{dst}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot, app)
        field, _label, _note = fields(dialog)
        await pilot.press("up")  # none yet: said, the field as it was
        assert field.value == dst and "No earlier destinations on Lab Storage" in note_text(dialog)
        for sent, typed in enumerate(("first/", "second/"), start=1):
            await retype(pilot, dialog, typed)
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, TransferDialog), "the dialog to close")
            await wait_for(pilot, lambda sent=sent: sum("Transfer submitted" in n for n in notices(app)) == sent,
                           "the submission")
            dialog = await open_dialog(pilot, app)  # (the selection was cleared by the submission)
        assert tmp_config.destinations(LAB) == [f"{dst}second/", f"{dst}first/"]  # resolved, newest first
        field, _label, _note = fields(dialog)
        burst(app, ["up"])
        await wait_for(pilot, lambda: field.value == f"{dst}second/", "the latest destination")
        await pilot.press("up")
        assert field.value == f"{dst}first/"
        await pilot.press("up")  # no earlier one: it stays
        assert field.value == f"{dst}first/"
        await pilot.press("down", "down")
        assert field.value == dst  # back to what was there before Up
        await pilot.press("alt+h")
        assert f"Earlier (Up / Down): {dst}second/  {dst}first/" in note_text(dialog)
        # Edited after a recall, Up starts again from the latest.
        await pilot.press("up")
        burst(app, ["x"])
        await wait_for(pilot, lambda: field.value == f"{dst}second/x", "x typed")
        await pilot.press("up")
        assert field.value == f"{dst}second/"
        # The key help of the field lists the keys, with their ids.
        ids = {row.binding_id for row in collect_key_help(dialog)}
        assert {"destination_complete", "destination_earlier", "destination_later", "destination_history"} <= ids
        await pilot.press("escape")
    # Kept for the next run, in the state file beside the settings.
    await wait_for_file(tmp_config.state_file())
    again = GtermConfig.load(tmp_config.path)
    assert again.destinations(LAB) == [f"{dst}second/", f"{dst}first/"]


async def wait_for_file(path: Path) -> None:
    import asyncio

    for _ in range(200):
        if path.is_file() and "destination_history" in path.read_text(encoding="utf-8"):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} never held the history")
