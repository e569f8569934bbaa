"""A selection the filter partly hides: every action on it says how many of its entries are out of sight.

The selection stays when a filter is typed (so a person can select in batches, one filter after another),
and an action acts on all of it; what the filter hides is named in the confirmation, never acted on
unannounced. Against the live sandbox, with each test's own directory in Lab Storage.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Static

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.local_task_dialog import LocalTaskDialog
from gterm.tui.screens.prompts import ConfirmPrompt
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.browser_helpers import listing_names, make_app, settled, type_text, wait_for
from tests.tui.test_browser_fileops import answer_prompt, open_app

LAB = LAB_STORAGE_ID
SIZE = (120, 36)
FILES = {"keep.txt": "k", "one.csv": "1", "two.csv": "2"}


async def _select_csv_then_filter_one_out(app: Any, pilot: Any) -> None:
    """Select both CSV files, then filter so that only one.csv (and nothing else selected) shows."""
    left = app.main_screen.left_pane
    await pilot.press("plus")
    await answer_prompt(pilot, "*.csv")
    await wait_for(pilot, lambda: len(left.selected_entries()) == 2, "two selected")
    await pilot.press("slash")
    await type_text(pilot, "one")
    await pilot.press("enter")  # keeps the filter, back to the list
    await wait_for(pilot, lambda: left.file_list.visible_count == 1 and len(left.selected_entries()) == 2, "filtered")
    await settled(pilot)


async def test_f8_names_the_selected_entries_the_filter_hides(alice_service, tmp_config, lab_dir) -> None:
    disk, path = lab_dir(FILES)
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, path)
        await _select_csv_then_filter_one_out(app, pilot)
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the confirmation")
        question = app.screen.message
        listed = str(app.screen.query_one("#prompt-items").render())
        assert "1 of them is selected but hidden by the filter." in question
        assert "one.csv" in listed and "two.csv" in listed
        await pilot.press("escape")
        await settled(pilot)
        assert sorted(p.name for p in disk.iterdir()) == sorted(FILES)


async def test_f5_to_a_collection_says_so_in_the_transfer_dialog(alice_service, tmp_config, lab_dir) -> None:
    _, path = lab_dir(FILES)
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, path)
        await _select_csv_then_filter_one_out(app, pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the transfer dialog")
        summary = str(app.screen.query_one("#summary", Static).render())
        assert "Send 2 files" in summary and "1 of them is selected but hidden by the filter." in summary


async def test_f5_on_this_computer_names_them_in_its_question(alice_service, tmp_config, tmp_path: Path) -> None:
    source, here = tmp_path / "source", tmp_path / "here"
    source.mkdir()
    here.mkdir()
    for name, text in FILES.items():
        (source / name).write_text(text)
    app = make_app(alice_service, config=tmp_config, left=f"local:{source}/", right=f"local:{here}/")
    async with app.run_test(size=SIZE) as pilot:
        await open_app(app, pilot, f"{source}/")
        await _select_csv_then_filter_one_out(app, pilot)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, LocalTaskDialog), "F5's question")
        question = app.screen.message
        assert question == (f"Copy 2 files (2 B) from This computer:{source}/ to This computer: "
                            "1 of them is selected but hidden by the filter.")
        assert app.screen.query_one("#destination").value == f"{here}/"  # where to: the "to" field
        await pilot.press("escape")  # backs out: nothing is copied
        await settled(pilot)
        assert list(here.iterdir()) == [] and listing_names(app.main_screen.right_pane) == []
