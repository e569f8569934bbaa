"""F5 with This computer on a side (a download, an upload, a copy here) asks where to in a "to" field, as the
Transfer dialog and Midnight Commander's copy dialog do: a directory typed there (made if missing), or for one
item a new name; Tab completes this computer's directory names, Up recalls earlier destinations.

Live sandbox, real SDK, HTTPS data access with real tokens; the whole app and the keys a user presses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gterm.globus.local_files import LOCAL_ID
from gterm.globus.transfer_requests import fit_label
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.prompts import ChoicePrompt
from gterm.tui.screens.transfer_destination import DestinationInput
from tests.support.browser_helpers import (
    burst,
    cursor_to,
    listing_names,
    make_app,
    make_https_app,
    notices,
    settled,
    wait_for,
)
from tests.support.transfer_live import make_lab_dir

SIZE = (120, 36)


def _task_rows(app: Any) -> list[str]:
    return [f"{t.type} {t.status}" for t in app.main_screen.task_panel.tasks if t.task_id.startswith("local-")]


async def _dialog(pilot: Any, app: Any, left_path: str, right_path: str, name: str | None = None) -> Any:
    """Both panes listed; the cursor on ``name`` (None: everything selected) in the left pane; F5: the dialog."""
    screen = app.main_screen
    await wait_for(pilot, lambda: (screen.left_pane.path, screen.right_pane.path) == (left_path, right_path),
                   "both panes")
    await settled(pilot)
    if name is None:
        screen.left_pane.file_list.focus()
        await pilot.press("ctrl+a")
    else:
        await cursor_to(pilot, screen.left_pane, name)
    await pilot.press("f5")
    # (Before this dialog, a download asked only yes or no, and a copy onto its own directory was a notice.)
    await wait_for(pilot, lambda: bool(app.screen.query("#destination")), "F5's dialog, with its \"to\" field")
    return app.screen


def _field(dialog: Any) -> DestinationInput:
    return dialog.query_one("#destination", DestinationInput)


def _said(dialog: Any, part: str) -> str:
    return str(dialog.query_one(f"#{part}").render())


async def _retype(pilot: Any, dialog: Any, typed: str) -> None:
    """Back to the "to" field, ctrl+u, ``typed``: the keys a user presses to change the target."""
    field = _field(dialog)
    field.focus()
    await pilot.pause()
    burst(dialog.app, ["ctrl+u", *typed])
    await wait_for(pilot, lambda: field.value == typed, f"{typed!r} typed")


async def test_a_download_goes_into_a_subdirectory_typed_in_the_dialog_made_for_it(
        sandbox: SandboxHandle, tmp_config: Any, tmp_path: Path) -> None:
    _disk, path = make_lab_dir(sandbox, {"a.txt": "alpha\n"})
    local = tmp_path / "here"
    local.mkdir()
    app = make_https_app(sandbox, config=tmp_config, left=f"{LAB_STORAGE_ID}:{path}", right=f"local:{local}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(pilot, app, path, f"{local}/", "a.txt")
        assert _field(dialog).value == f"{local}/" and app.focused is _field(dialog)  # proposed, to be typed over
        assert f"Download 1 file (6 B) from Lab Storage:{path} to This computer:" in dialog.message
        await _retype(pilot, dialog, "incoming/new/")  # relative to the other pane's directory; two levels
        await pilot.press("enter")
        await wait_for(pilot, lambda: "DOWNLOAD SUCCEEDED" in _task_rows(app), "the download, ended")
        assert (local / "incoming" / "new" / "a.txt").read_text() == "alpha\n"
        assert any(f"Made {local}/incoming/new/: it was not there" in notice for notice in notices(app)), notices(app)
        # The pane above the directory made is listed again, as after a Globus transfer into a new directory.
        await wait_for(pilot, lambda: "incoming" in listing_names(app.main_screen.right_pane), "the pane reloaded")
        # Where it went is first in this computer's "to" history (Up in the next dialog).
        assert app.config.destinations(LOCAL_ID)[0] == f"{local}/incoming/new/"


async def test_a_copy_here_with_both_panes_on_one_directory_opens_the_dialog_and_takes_a_new_name(
        alice_service: Any, tmp_config: Any, tmp_path: Path) -> None:
    root = tmp_path / "here"
    root.mkdir()
    (root / "a.txt").write_text("alpha\n")
    app = make_app(alice_service, config=tmp_config, left=f"local:{root}", right=f"local:{root}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(pilot, app, f"{root}/", f"{root}/", "a.txt")
        # Enter on the proposal unchanged says why not, and the dialog stays for another target.
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Source and destination are the same directory." in _said(dialog, "form-error"),
                       "the refusal")
        assert app.screen is dialog
        await _retype(pilot, dialog, "a.txt")  # its own name: that is the file itself
        await pilot.press("enter")
        await wait_for(pilot, lambda: "That is a.txt itself" in _said(dialog, "form-error"), "the refusal")
        await _retype(pilot, dialog, "a copy.txt")  # one item, a name that is no directory: the copy's name
        assert _said(dialog, "form-error") == ""  # the refusal was about the text before
        await pilot.press("enter")
        await wait_for(pilot, lambda: "COPY SUCCEEDED" in _task_rows(app), "the copy, ended")
        assert (root / "a copy.txt").read_text() == "alpha\n" and (root / "a.txt").read_text() == "alpha\n"
        task = next(t for t in app.main_screen.task_panel.tasks if t.type == "COPY")
        # Named after where it went, new name and all (cut to Globus's label length, as every label is).
        assert task.label == fit_label(f"a.txt from This computer to This computer:{root}/a copy.txt")
        await wait_for(pilot, lambda: "a copy.txt" in listing_names(app.main_screen.left_pane), "the pane reloaded")


async def test_a_new_name_already_taken_asks_the_overwrite_question(
        alice_service: Any, tmp_config: Any, tmp_path: Path) -> None:
    root = tmp_path / "here"
    root.mkdir()
    (root / "a.txt").write_text("alpha\n")
    (root / "b.txt").write_text("beta\n")
    app = make_app(alice_service, config=tmp_config, left=f"local:{root}", right=f"local:{root}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(pilot, app, f"{root}/", f"{root}/", "b.txt")
        await _retype(pilot, dialog, "a.txt")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoicePrompt), "the overwrite question")
        listed = str(app.screen.query_one("#prompt-items").render())
        assert "b.txt · new: 5 B " in listed and " · here: 6 B " in listed, listed
        await pilot.press("o")
        await wait_for(pilot, lambda: "COPY SUCCEEDED" in _task_rows(app), "the copy, ended")
    assert (root / "a.txt").read_text() == "beta\n"


async def test_several_items_onto_a_file_typed_as_the_directory_are_refused(
        alice_service: Any, tmp_config: Any, tmp_path: Path) -> None:
    root = tmp_path / "here"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "notes.txt").write_text("n\n")
    (root / "a.txt").write_text("alpha\n")
    (root / "b.txt").write_text("beta\n")
    other = tmp_path / "there"
    other.mkdir()
    app = make_app(alice_service, config=tmp_config, left=f"local:{root}", right=f"local:{other}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(pilot, app, f"{root}/", f"{other}/")
        await _retype(pilot, dialog, f"{root}/docs/notes.txt")  # a file, below no pane: asked of the disk
        await pilot.press("enter")
        await wait_for(pilot, lambda: "is a file, not a directory to send into" in _said(dialog, "form-error"),
                       "the refusal")
        assert app.screen is dialog
        await pilot.press("escape")
    assert sorted(p.name for p in other.iterdir()) == []


async def test_an_upload_goes_into_a_subdirectory_typed_in_the_dialog_made_for_it(
        sandbox: SandboxHandle, tmp_config: Any, tmp_path: Path) -> None:
    disk, path = make_lab_dir(sandbox, {})
    local = tmp_path / "here"
    local.mkdir()
    (local / "f.txt").write_text("from here\n")
    app = make_https_app(sandbox, config=tmp_config, left=f"local:{local}", right=f"{LAB_STORAGE_ID}:{path}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(pilot, app, f"{local}/", path, "f.txt")
        await _retype(pilot, dialog, "up/deeper/")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "UPLOAD SUCCEEDED" in _task_rows(app), "the upload, ended")
        assert (disk / "up" / "deeper" / "f.txt").read_text() == "from here\n"
        assert any(f"Made {path}up/deeper/: it was not there" in notice for notice in notices(app)), notices(app)


async def test_tab_completes_this_computers_directory_names(
        sandbox: SandboxHandle, tmp_config: Any, tmp_path: Path) -> None:
    _disk, path = make_lab_dir(sandbox, {"a.txt": "alpha\n"})
    local = tmp_path / "here"
    for directory in ("docs/inner", "data", "drafts"):
        (local / directory).mkdir(parents=True)
    (local / "dossier.txt").write_text("a file: never a candidate\n")
    app = make_https_app(sandbox, config=tmp_config, left=f"{LAB_STORAGE_ID}:{path}", right=f"local:{local}")
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _dialog(pilot, app, path, f"{local}/", "a.txt")
        field = _field(dialog)
        await _retype(pilot, dialog, "do")
        await pilot.press("tab")
        assert field.value == "docs/" and app.focused is field  # from the other pane's listing, within the key
        await _retype(pilot, dialog, "d")
        await pilot.press("tab")
        await pilot.pause()
        assert "3 directories fit: data/  docs/  drafts/" in _said(dialog, "destination-note")
        # A directory no pane shows: listed through this computer's file service, once.
        await _retype(pilot, dialog, f"{local}/docs/in")
        await pilot.press("tab")
        await wait_for(pilot, lambda: field.value == f"{local}/docs/inner/", "completed from this computer's disk")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "DOWNLOAD SUCCEEDED" in _task_rows(app), "the download, ended")
    assert (local / "docs" / "inner" / "a.txt").read_text() == "alpha\n"
