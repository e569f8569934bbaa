"""Fixed scenes of the transfer screens: for snapshot tests and screenshots/.

Everything here is deterministic: fixed task documents (ids, labels, counters,
times), a frozen clock, a fixed transfer plan. Each ``*_app()`` returns a small
host App showing one screen; ``save_screenshots(directory)`` writes the SVGs
(tests/screenshots.py can call it).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Footer, Static

from gterm.globus.models import Entry, Event, Task
from gterm.tui.screens.task_details import TaskDetailsData, TaskDetailsScreen
from gterm.tui.screens.transfer_dialog import TransferDialog
from gterm.tui.transfer_plan import TransferPlan
from gterm.tui.widgets.task_panel import TaskPanel

FROZEN_NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
LAB = "0a1b2c3d-0000-4000-8000-00000000000a"
HPC = "0a1b2c3d-0000-4000-8000-00000000000b"
SIZE = (120, 36)


def frozen_clock() -> datetime:
    return FROZEN_NOW


def _ago(seconds: float) -> str:
    return (FROZEN_NOW - timedelta(seconds=seconds)).isoformat()


def task_doc(task_id: str, **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "DATA_TYPE": "task",
        "task_id": task_id,
        "type": "TRANSFER",
        "status": "ACTIVE",
        "label": None,
        "nice_status": "OK",
        "request_time": _ago(120),
        "completion_time": None,
        "deadline": None,
        "source_endpoint_id": LAB,
        "source_endpoint_display_name": "Lab Storage",
        "destination_endpoint_id": HPC,
        "destination_endpoint_display_name": "HPC Scratch",
        "files": 0,
        "files_transferred": 0,
        "files_skipped": 0,
        "bytes_transferred": 0,
        "effective_bytes_per_second": 0,
        "subtasks_total": 0,
        "subtasks_pending": 0,
        "sync_level": None,
        "verify_checksum": True,
        "preserve_timestamp": False,
        "encrypt_data": False,
        "delete_destination_extra": False,
        "fatal_error": None,
    }
    doc.update(fields)
    return doc


def fixed_tasks() -> list[Task]:
    """Two active tasks and four finished ones, with every ending the panel distinguishes."""
    docs = [
        task_doc(
            "11111111-aaaa-4000-8000-000000000001", label="gterm: 3 items from Lab Storage to HPC Scratch",
            files=120, files_transferred=45, files_skipped=5, bytes_transferred=1_250_000_000,
            effective_bytes_per_second=10_400_000, request_time=_ago(125),
        ),
        task_doc(
            "11111111-aaaa-4000-8000-000000000002", label="[bold]literal[/bold] label", status="INACTIVE",
            nice_status="PERMISSION_DENIED", files=8, files_transferred=2, bytes_transferred=4_096,
            effective_bytes_per_second=35, request_time=_ago(600),
        ),
        task_doc(
            "11111111-aaaa-4000-8000-000000000003", label="nightly sync", status="SUCCEEDED", nice_status=None,
            files=3000, files_transferred=2990, files_skipped=10, bytes_transferred=93_000_000,
            effective_bytes_per_second=2_100_000, request_time=_ago(3600), completion_time=_ago(3555),
            sync_level=2,
        ),
        task_doc(
            "11111111-aaaa-4000-8000-000000000004", label="results to scratch", status="FAILED", nice_status=None,
            files=10, files_transferred=3, bytes_transferred=3_000, request_time=_ago(7200),
            completion_time=_ago(7100), fatal_error={"code": "CANCELED", "description": "The task was canceled."},
        ),
        task_doc(
            "11111111-aaaa-4000-8000-000000000005", label=None, type="DELETE", status="SUCCEEDED",
            nice_status=None, destination_endpoint_id=None, destination_endpoint_display_name=None,
            subtasks_total=4, request_time=_ago(9000), completion_time=_ago(8990),
        ),
        task_doc(
            "11111111-aaaa-4000-8000-000000000006", label="past the deadline", status="FAILED", nice_status=None,
            files=50, files_transferred=20, bytes_transferred=20_000_000, request_time=_ago(90000),
            completion_time=_ago(86400), fatal_error={"code": "DEADLINE", "description": "Deadline passed."},
        ),
    ]
    return [Task.from_doc(doc) for doc in docs]


def fixed_https_tasks() -> list[Task]:
    """gterm's own tasks as their snapshots make them: a download running, an upload done, a copy failed."""
    local = {"source_endpoint_id": None, "destination_endpoint_id": None}
    docs = [
        task_doc(
            "local-00000000-0000-4000-8000-000000000001", type="DOWNLOAD",
            label="2 items from Lab Storage to This computer",
            source_endpoint_display_name="Lab Storage", destination_endpoint_display_name="This computer",
            nice_status=None, files=40, files_transferred=12, bytes_transferred=400_000_000,
            effective_bytes_per_second=80_000_000, request_time=_ago(5), bytes_total=1_000_000_000, **local,
        ),
        task_doc(
            "local-00000000-0000-4000-8000-000000000002", type="UPLOAD", status="SUCCEEDED",
            label="results.h5 from This computer to Lab Storage",
            source_endpoint_display_name="This computer", destination_endpoint_display_name="Lab Storage",
            nice_status=None, files=1, files_transferred=1, bytes_transferred=52_428_800,
            effective_bytes_per_second=26_214_400, request_time=_ago(300), completion_time=_ago(298),
            bytes_total=52_428_800, **local,
        ),
        task_doc(
            "local-00000000-0000-4000-8000-000000000003", type="COPY", status="FAILED",
            label="3 items from This computer to This computer",
            source_endpoint_display_name="This computer", destination_endpoint_display_name="This computer",
            nice_status="CANCELED", files=3, files_transferred=1, bytes_transferred=1_000, request_time=_ago(900),
            completion_time=_ago(880), bytes_total=3_000, fatal_error="Canceled by you", **local,
        ),
    ]
    return [Task.from_doc(doc) for doc in docs]


def fixed_plan() -> TransferPlan:
    when = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
    entries = (
        Entry("experiments", "dir", 4096, when),
        Entry("large-dataset.bin", "file", 3_145_728, when),
        Entry("notes with spaces.txt", "file", 50, when),
    )
    return TransferPlan(
        source_collection_id=LAB,
        source_name="Lab Storage",
        source_path="/home/alice/",
        destination_collection_id=HPC,
        destination_name="HPC Scratch",
        destination_path="/home/alice/incoming/",
        entries=entries,
        destination_entries=(),
    )


def fixed_details() -> TaskDetailsData:
    task = fixed_tasks()[0]
    start = FROZEN_NOW - timedelta(seconds=120)
    events = [
        Event("STARTED", "started", "Task started", False, start),
        Event("FILE_CORRUPT", "error", "Checksum mismatch on /home/alice/experiments/run-002/results.csv; retrying",
              True, start + timedelta(seconds=40)),
        Event(
            "CONNECTION_RETRY", "error", "Transient fault injected by the sandbox", True, start + timedelta(seconds=55)
        ),
        Event("PROGRESS", "progress", "45 of 120 files", False, start + timedelta(seconds=100)),
    ]
    successful = [
        {"source_path": "/home/alice/experiments/run-001/params.json",
         "destination_path": "/home/alice/incoming/experiments/run-001/params.json"},
        {"source_path": "/home/alice/notes with spaces.txt",
         "destination_path": "/home/alice/incoming/notes with spaces.txt"},
    ]
    return TaskDetailsData(task=task, events=list(reversed(events)), pause_info={"pause_rules": []},
                           successful=successful, skipped=[])


class PanelScene(App[None]):
    """The task panel alone, with fixed tasks and a frozen clock."""

    CSS = "TaskPanel { height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield Static("gterm task panel (fixed data)")
        yield TaskPanel(None, clock=frozen_clock, poll=False, id="tasks")
        yield Footer()

    def scene_tasks(self) -> list[Task]:
        return fixed_tasks()

    def on_mount(self) -> None:
        panel = self.query_one(TaskPanel)
        panel.set_tasks(self.scene_tasks())
        panel.focus_table()


class HttpsPanelScene(PanelScene):
    """The task panel with gterm's own HTTPS and local tasks among Transfer's."""

    def scene_tasks(self) -> list[Task]:
        return [*fixed_https_tasks(), *fixed_tasks()[:3]]


class DialogScene(App[None]):
    """The F5 dialog over an empty screen."""

    def compose(self) -> ComposeResult:
        yield Static("gterm")

    def on_mount(self) -> None:
        self.push_screen(TransferDialog(fixed_plan(), clock=frozen_clock))


class DetailsScene(App[None]):
    """The task details screen with fixed task, events and successes."""

    def on_mount(self) -> None:
        data = fixed_details()
        self.push_screen(TaskDetailsScreen(None, data.task, clock=frozen_clock, data=data, poll=False))


def steady(app: App[Any]) -> None:
    """No blinking cursors: a snapshot must not depend on when it was taken."""
    from textual.widgets import Input

    for widget in app.screen.query(Input):
        widget.cursor_blink = False


def scene_apps() -> dict[str, App[None]]:
    return {
        "task-panel": PanelScene(),
        "task-panel-https": HttpsPanelScene(),
        "transfer-dialog": DialogScene(),
        "task-details": DetailsScene(),
    }


async def _save(app: App[None], path: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        steady(app)
        await pilot.pause()
        path.write_text(app.export_screenshot(), encoding="utf-8")


def save_screenshots(directory: Path, only: set[str] | None = None) -> list[Path]:
    """Write the transfer screens' SVGs (those named in ``only``, if given) into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, app in scene_apps().items():
        if only and name not in only:
            continue
        path = directory / f"{name}.svg"
        asyncio.run(_save(app, path))
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in save_screenshots(Path(__file__).resolve().parent.parent / "screenshots"):
        print(written_path)
