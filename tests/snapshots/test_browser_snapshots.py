"""Snapshot tests of the browser (pytest-textual-snapshot), against the live sandbox.

Deterministic by construction:
- a dedicated tree ``/tui-snapshots/`` in Lab Storage with fixed names, sizes
  and mtimes (created once per test session; other tests never write there);
- fixed terminal size, animations off, cursor blink off, no clock;
- the task panel is hidden (its content is the signed-in user's real task
  list, which other tests change); the transfers snapshots cover it;
- the bookmark sidebar stays closed (bookmarks are shared by all tests).

Review ``snapshot_report.html`` before ``--snapshot-update``.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.app import GtermApp
from gterm.tui.screens.collection_picker import CollectionPicker
from gterm.tui.screens.help import HelpScreen
from gterm.tui.screens.prompts import InputPrompt
from tests.support.browser_helpers import settled, type_text, wait_for
from tests.support.sandbox_login import transfer_client_for

SIZE = (120, 36)
LAB = LAB_STORAGE_ID
ROOT = "/tui-snapshots/"
BASE_TIME = datetime(2026, 1, 15, 12, 0, tzinfo=UTC).timestamp()

# name -> size (None: directory); mtimes are BASE_TIME minus a fixed number of hours per entry.
MAIN_TREE: dict[str, int | None] = {
    "experiments": None,
    "raw data": None,
    "reports": None,
    ".hidden-settings": 64,
    "README.md": 1_204,
    "Résumé 2026.pdf": 20_480,
    "large-dataset.bin": 3_145_728,
    "notes with spaces.txt": 312,
    "plot-001.png": 4_096,
    "plot-002.png": 4_211,
    "results.csv": 48_213,
    "数据.csv": 872,
}
EXPERIMENT_TREE: dict[str, int | None] = {
    "run-001": None,
    "run-002": None,
    "params.json": 88,
    "summary.csv": 2_048,
}


class SnapshotApp(GtermApp):
    """GtermApp with the nondeterministic parts switched off (see module docstring)."""

    CSS = "TaskPanel { display: none; }"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.animation_level = "none"


def _write_tree(directory: Path, tree: dict[str, int | None]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for offset, (name, size) in enumerate(tree.items()):
        path = directory / name
        if size is None:
            path.mkdir(exist_ok=True)
        else:
            with open(path, "wb") as handle:
                handle.truncate(size)  # sparse: the size is what matters on screen
        stamp = BASE_TIME - offset * 3600
        os.utime(path, (stamp, stamp))


@pytest.fixture(scope="session")
def snapshot_tree(sandbox: SandboxHandle) -> str:
    root = next(Path(c["root"]) for c in sandbox.info["collections"] if c["id"] == LAB)
    base = root / ROOT.strip("/")
    if not (base / "main").exists():
        _write_tree(base / "main" / "experiments", EXPERIMENT_TREE)
        _write_tree(base / "main", MAIN_TREE)
        (base / "empty").mkdir(parents=True, exist_ok=True)
        for path in (base / "empty", base / "main"):
            os.utime(path, (BASE_TIME, BASE_TIME))
    return ROOT


@pytest.fixture(scope="session")
def snap_service(sandbox: SandboxHandle) -> TransferService:
    client = transfer_client_for(sandbox, "alice")
    return TransferService(lambda: client)


def make(service: TransferService, left: str, right: str) -> SnapshotApp:
    return SnapshotApp(service, left=f"{LAB}:{left}", right=f"{LAB}:{right}")


async def ready(pilot: Any) -> None:
    """Both panes listed, workers idle, cursors steady."""
    await pilot.pause()
    app = pilot.app
    await wait_for(pilot, lambda: app.main_screen.left_pane.listing is not None, "left listing")
    await wait_for(pilot, lambda: app.main_screen.right_pane.listing is not None, "right listing")
    await settled(pilot)
    await steady(pilot)


async def steady(pilot: Any) -> None:
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    await pilot.pause()


def after_ready(step: Callable[[Any], Awaitable[object]]) -> Callable[[Any], Awaitable[None]]:
    """A ``run_before``: both panes listed, then ``step`` (which opens the screen to picture), then
    every worker done and no blinking cursor."""

    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await step(pilot)
        await pilot.app.workers.wait_for_complete()
        await steady(pilot)

    return run_before


def test_main_screen(snap_compare, snap_service, snapshot_tree):
    app = make(snap_service, f"{ROOT}main/", f"{ROOT}main/experiments/")
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_collection_picker(snap_compare, snap_service, snapshot_tree):
    app = make(snap_service, f"{ROOT}main/", f"{ROOT}main/experiments/")

    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionPicker), "picker")
        picker = app.screen
        picker.query_one("#picker-scopes").active = "scope-all"
        picker.query_one("#picker-search", Input).focus()
        await type_text(pilot, "HPC")
        await wait_for(pilot, lambda: len(picker.results) == 1 and picker._query == ("all", "HPC"), "HPC result")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_active_filter(snap_compare, snap_service, snapshot_tree):
    app = make(snap_service, f"{ROOT}main/", f"{ROOT}main/experiments/")

    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await pilot.press("slash")
        await type_text(pilot, "*.png")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_selection(snap_compare, snap_service, snapshot_tree):
    app = make(snap_service, f"{ROOT}main/", f"{ROOT}main/experiments/")

    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await pilot.press("plus")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "glob prompt")
        app.screen.query_one("#prompt-input", Input).value = ""
        await type_text(pilot, "*.csv")
        await pilot.press("enter")
        await pilot.press("down", "down", "down", "space")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_empty_directory(snap_compare, snap_service, snapshot_tree):
    app = make(snap_service, f"{ROOT}empty/", f"{ROOT}main/experiments/")
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)


def test_error_state(snap_compare, snap_service, snapshot_tree):
    app = make(snap_service, f"{ROOT}main/", f"{ROOT}main/experiments/")

    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        pane = app.main_screen.left_pane
        await pilot.press("ctrl+l")
        pane.path_bar.value = ""
        await type_text(pilot, "/home/bob/")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Permission denied" in pane.message_text, "error shown")
        await settled(pilot)
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, snap_service, snapshot_tree):
    app = make(snap_service, f"{ROOT}main/", f"{ROOT}main/experiments/")

    async def run_before(pilot: Any) -> None:
        await ready(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        await steady(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


LOCAL_ROOT = Path("/tmp/gterm-snapshots/local")
"""A fixed path (the path bar shows it): the Local pane's tree, rewritten identically by every run."""


@pytest.fixture(scope="session")
def local_snapshot_tree() -> Path:
    _write_tree(LOCAL_ROOT, MAIN_TREE)
    for path in LOCAL_ROOT.iterdir():
        path.chmod(0o755 if path.is_dir() else 0o644)
    os.utime(LOCAL_ROOT, (BASE_TIME, BASE_TIME))
    return LOCAL_ROOT


def test_local_pane_beside_a_collection(snap_compare, snap_service, snapshot_tree, local_snapshot_tree):
    app = SnapshotApp(snap_service, left=f"local:{local_snapshot_tree}", right=f"{LAB}:{ROOT}main/experiments/")
    assert snap_compare(app, terminal_size=SIZE, run_before=ready)
