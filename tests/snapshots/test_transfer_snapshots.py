"""Snapshots of the transfer screens: fixed tasks, a fixed plan, a frozen clock (tests/transfer_scenes.py)."""

from __future__ import annotations

from typing import Any

from gterm.tui.screens.transfer_dialog import OptionBox
from tests.support.transfer_scenes import (
    SIZE,
    DetailsScene,
    DialogScene,
    HttpsPanelScene,
    PanelScene,
    steady,
)


async def _settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    steady(pilot.app)
    await pilot.pause()


def test_task_panel_active_and_finished(snap_compare: Any) -> None:
    assert snap_compare(PanelScene(), terminal_size=SIZE, run_before=_settle)


def test_transfer_dialog(snap_compare: Any) -> None:
    assert snap_compare(DialogScene(), terminal_size=SIZE, run_before=_settle)


def test_transfer_dialog_delete_extra_warning(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await _settle(pilot)
        pilot.app.screen.query_one("#delete-extra", OptionBox).value = True
        await pilot.pause()

    assert snap_compare(DialogScene(), terminal_size=SIZE, run_before=run_before)


def test_task_details(snap_compare: Any) -> None:
    assert snap_compare(DetailsScene(), terminal_size=SIZE, run_before=_settle)


def test_task_panel_with_https_tasks(snap_compare: Any) -> None:
    assert snap_compare(HttpsPanelScene(), terminal_size=SIZE, run_before=_settle)
