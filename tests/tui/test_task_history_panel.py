"""gterm's own tasks across a restart: a download over the live sandbox, gterm quit and started again
from the same data dir, and the task panel lists the task with its status, bytes and events.

QA: after a restart the panel listed only Globus Transfer tasks; gterm's own downloads, uploads and
copies were gone, the interrupted ones too, and nothing said a partial download waited in a hidden
part file. Nothing of gterm or the SDK is mocked: real tokens, real HTTPS, a real data dir.
"""

from __future__ import annotations

import stat
import time
from pathlib import Path
from typing import Any

import pytest

from gterm.config import GtermConfig
from gterm.globus.models import Task
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.prompts import ConfirmPrompt
from gterm.tui.screens.task_details import TaskDetailsScreen
from tests.support.browser_helpers import (
    cursor_to,
    f5_to_this_computer,
    make_https_app,
    notices,
    settled,
    wait_for,
    wait_for_exit,
)
from tests.support.transfer_live import make_lab_dir

SIZE = (120, 36)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """gterm's data dir and settings file as the command line finds them (GTERM_DATA_DIR, GTERM_CONFIG)."""
    monkeypatch.setenv("GTERM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GTERM_CONFIG", str(tmp_path / "config.toml"))
    return tmp_path / "data"


def _gterm(sandbox: SandboxHandle, left: str, right: str) -> Any:
    """gterm as `gterm` starts it: the settings and state read from where the environment says."""
    return make_https_app(sandbox, config=GtermConfig.load(), left=left, right=right)


def _own(app: Any) -> list[Task]:
    return [task for task in app.main_screen.task_panel.tasks if task.task_id.startswith("local-")]


def _row(app: Any, task_id: str) -> list[str]:
    table = app.main_screen.task_panel.table
    return [str(cell) for cell in table.get_row(task_id)]


async def _download(pilot: Any, app: Any, path: str, local: Path, name: str) -> None:
    screen = app.main_screen
    await wait_for(pilot, lambda: (screen.left_pane.path, screen.right_pane.path) == (path, f"{local}/"), "panes")
    await settled(pilot)
    await cursor_to(pilot, screen.left_pane, name)
    await f5_to_this_computer(pilot)
    await wait_for(pilot, lambda: bool(_own(app)), "the download in the panel")


async def test_a_download_is_listed_after_gterm_starts_again(
    sandbox: SandboxHandle, data_dir: Path, tmp_path: Path
) -> None:
    _disk, path = make_lab_dir(sandbox, {"results.bin": b"\x07" * 70_000})
    local = tmp_path / "here"
    local.mkdir()
    left, right = f"{LAB_STORAGE_ID}:{path}", f"local:{local}"
    app = _gterm(sandbox, left, right)
    async with app.run_test(size=SIZE) as pilot:
        await _download(pilot, app, path, local, "results.bin")
        await wait_for(pilot, lambda: [t.status for t in _own(app)] == ["SUCCEEDED"], "the download ended")
        (before,) = _own(app)
    history = data_dir / "state.tasks.json"
    assert history.is_file() and stat.S_IMODE(history.stat().st_mode) == 0o600  # private, as the state file

    again = _gterm(sandbox, left, right)  # a new run: nothing of the first is in memory
    async with again.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(_own(again)), "the earlier run's download in the panel")
        (task,) = _own(again)
        assert (task.task_id, task.type, task.status) == (before.task_id, "DOWNLOAD", "SUCCEEDED")
        assert (task.files, task.files_transferred, task.bytes_transferred) == (1, 1, 70_000)
        assert task.label == "results.bin from Lab Storage to This computer"
        assert task.request_time == before.request_time and task.completion_time == before.completion_time
        row = _row(again, task.task_id)
        assert "SUCCEEDED" in row and "70.0 kB" in row, row
        # Its details, events included, as for a task of this run.
        panel = again.main_screen.task_panel
        panel.focus_table()
        panel.table.move_cursor(row=panel.tasks.index(task), animate=False)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(again.screen, TaskDetailsScreen), "details")
        details = again.screen
        assert isinstance(details, TaskDetailsScreen)
        await wait_for(pilot, lambda: bool(details.data.events), "the task's events")
        assert [event.code for event in details.data.events][:2] == ["SUCCEEDED", "STARTED"]  # newest first
        assert not any("stopped when gterm did" in notice for notice in notices(again))


async def test_a_download_stopped_by_quitting_comes_back_interrupted_with_how_to_resume(
    sandbox: SandboxHandle, data_dir: Path, tmp_path: Path
) -> None:
    disk, path = make_lab_dir(sandbox, {})
    with open(disk / "huge.bin", "wb") as sparse:  # 2 GB of holes: quick to make, minutes to download here
        sparse.truncate(2 * 1024**3)
    local = tmp_path / "here"
    local.mkdir()
    left, right = f"{LAB_STORAGE_ID}:{path}", f"local:{local}"
    app = _gterm(sandbox, left, right)
    async with app.run_test(size=SIZE) as pilot:
        await _download(pilot, app, path, local, "huge.bin")
        (running,) = app.main_screen.task_panel.local_tasks.values()
        await wait_for(pilot, lambda: running.snapshot().bytes_transferred > 0, "the first bytes")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the quit question")
        await pilot.press("enter")
        await wait_for_exit(app)
    deadline = time.monotonic() + 20
    while running.is_active and time.monotonic() < deadline:
        time.sleep(0.05)
    arrived = running.snapshot().bytes_transferred
    assert 0 < arrived < 2 * 1024**3

    again = _gterm(sandbox, left, right)
    async with again.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(_own(again)), "the interrupted download in the panel")
        (task,) = _own(again)
        assert (task.status, task.nice_status, task.bytes_transferred) == ("FAILED", "INTERRUPTED", arrived)
        assert "INTERRUPTED" in _row(again, task.task_id)  # not "FAILED CANCELED": the user canceled nothing
        said = str(task.raw["fatal_error"])
        assert "gterm quit while this download ran" in said and "F5 on the same files again" in said, said
        assert ".NAME.gterm-part" in said  # the hidden part file is named: what waits to be resumed
        # Said once, at the first start after it stopped; not at every start.
        await wait_for(pilot, lambda: any("stopped when gterm did" in n for n in notices(again)), "the notice")
        (notice,) = [n for n in notices(again) if "stopped when gterm did" in n]
        assert "huge.bin from Lab Storage to This computer" in notice and "F5" in notice, notice

    third = _gterm(sandbox, left, right)
    async with third.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: bool(_own(third)), "still listed")
        assert [t.nice_status for t in _own(third)] == ["INTERRUPTED"]
        await settled(pilot)
        assert not any("stopped when gterm did" in notice for notice in notices(third))


async def test_a_damaged_history_is_said_once_set_aside_and_gterm_starts(
    sandbox: SandboxHandle, data_dir: Path, tmp_path: Path
) -> None:
    data_dir.mkdir()
    (data_dir / "state.tasks.json").write_text('{"version": 1, "tasks": [{"task_id": ')
    local = tmp_path / "here"
    local.mkdir()
    app = _gterm(sandbox, f"local:{local}", f"local:{local}")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: any("task history" in n for n in notices(app)), "the notice")
        (said,) = [n for n in notices(app) if "task history" in n]
        assert "cannot be read" in said and "state.tasks.json.bad" in said, said
        assert app.main_screen.task_panel.tasks == [] or not _own(app)
    assert (data_dir / "state.tasks.json.bad").read_text().startswith('{"version": 1')
