"""The task panel as the user reads it in a real GtermApp, and gterm started again over the same files.

For the tests that compare what the panel shows before and after a restart
(of gterm, of the sandbox): a row is its cells' text by column key, a
submission is F5 on one file, a restart reads the same settings and state files.
"""

from __future__ import annotations

from typing import Any

from gterm.config import GtermConfig
from gterm.tui.screens.transfer_dialog import TransferDialog
from gterm.tui.widgets.task_panel import TaskPanel
from tests.support.browser_helpers import notices, select_with_space, submitted_task_id, wait_for


def panel_of(app: Any) -> TaskPanel:
    return app.main_screen.query_one(TaskPanel)


def panel_row(app: Any, task_id: str) -> dict[str, str]:
    """The task's row in the panel: each cell's text by column key (label, status, progress, bytes, ...)."""
    panel = panel_of(app)
    return {column.key: str(cell) for column, cell in zip(panel.columns, panel.table.get_row(task_id), strict=True)}


def panel_shows(app: Any, *task_ids: str) -> bool:
    shown = {task.task_id for task in panel_of(app).tasks}
    return all(task_id in shown for task_id in task_ids)


def restarted(config: GtermConfig) -> GtermConfig:
    """What a new gterm reads at start-up from the files ``config`` was read from and saves to."""
    return GtermConfig.load(config.path, state_path=config.state_file())


async def f5_one(pilot: Any, app: Any, name: str) -> str:
    """Select ``name`` in the left pane, F5, Enter in the dialog: the submitted task's id."""
    before = submitted_task_id(notices(app))
    await select_with_space(pilot, app.main_screen.left_pane, name)
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
    await pilot.press("enter")
    await wait_for(pilot, lambda: submitted_task_id(notices(app)) not in (None, before), "submission")
    return str(submitted_task_id(notices(app)))
