"""The task panel: finish notices (and the bell), delete tasks, literal labels, Enter opens details."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen

from gterm.globus.transfer import TransferService
from gterm.globus.transfer_requests import DeleteRequest
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.screens.task_details import TaskDetailsScreen
from gterm.tui.widgets.task_panel import CELL_PADDING, TaskPanel, panel_columns
from tests.support.transfer_live import wait_until
from tests.support.transfer_scenes import fixed_tasks, frozen_clock


class BellApp(App[None]):
    def __init__(self, service: TransferService | None = None, *, bell: bool = False, poll: bool = False) -> None:
        super().__init__()
        self.service = service
        self.bells = 0
        self.notes: list[tuple[str, str]] = []
        self.panel = TaskPanel(service, clock=frozen_clock, poll=poll, bell_on_task_end=bell)

    def compose(self) -> ComposeResult:
        yield self.panel

    def bell(self) -> None:
        self.bells += 1

    def notify(self, message: str, **kwargs: Any) -> None:  # type: ignore[override]
        self.notes.append((str(message), str(kwargs.get("severity", "information"))))
        super().notify(message, **kwargs)


def finished(task: Any, **changes: Any) -> Any:
    raw = dict(task.raw)
    raw.update(changes)
    return dataclasses.replace(task, raw=raw, **{k: v for k, v in changes.items() if k in ("status", "nice_status")})


async def test_finish_notices_ring_the_bell_when_configured_even_on_another_screen() -> None:
    app = BellApp(bell=True)
    tasks = fixed_tasks()
    running, inactive = tasks[0], tasks[1]
    async with app.run_test(size=(120, 20)) as pilot:
        app.panel.set_tasks(tasks)
        await app.push_screen(Screen())  # the user is elsewhere in the app
        await pilot.pause()
        assert app.notes == [] and app.bells == 0  # tasks already finished when first seen are not news
        ended = [
            finished(running, status="SUCCEEDED", nice_status=None),
            finished(inactive, status="FAILED", nice_status=None, fatal_error={"code": "CANCELED", "description": "x"}),
            *tasks[2:],
        ]
        app.panel.set_tasks(ended)
        await pilot.pause()
    assert app.bells == 2
    texts = [text for text, _ in app.notes]
    assert any(t.startswith("Transfer succeeded: gterm: 3 items") for t in texts)
    assert any(t.startswith("Transfer canceled: [bold]literal[/bold] label") for t in texts)
    assert ("Transfer canceled: [bold]literal[/bold] label", "warning") in app.notes


async def test_no_bell_unless_configured() -> None:
    app = BellApp()  # MainScreen passes the config's bell_on_task_end; off by default
    tasks = fixed_tasks()
    async with app.run_test(size=(120, 20)) as pilot:
        app.panel.set_tasks(tasks)
        app.panel.set_tasks([finished(tasks[0], status="FAILED", nice_status=None), *tasks[1:]])
        await pilot.pause()
    assert app.bells == 0
    assert any(severity == "error" for _, severity in app.notes)


async def test_labels_render_literally() -> None:
    app = BellApp()
    async with app.run_test(size=(120, 20)) as pilot:
        app.panel.set_tasks(fixed_tasks())
        await pilot.pause()
        cell = app.panel.table.get_row_at(1)[0]
        assert str(cell) == "[bold]literal[/bold] label"
        assert cell.spans == []


async def test_delete_tasks_show_in_the_panel_and_open_details(alice_service: TransferService, lab_dir: Any) -> None:
    disk, path = lab_dir({"gone/a.txt": "a", "gone/b.txt": "b"})
    request = DeleteRequest(LAB_STORAGE_ID, [path + "gone/"], recursive=True, label=f"delete {path}")
    app = BellApp(alice_service, poll=True)
    async with app.run_test(size=(120, 20)) as pilot:
        await wait_until(pilot, lambda: app.panel.refresh_count >= 1 and not app.panel._in_flight, "first refresh")
        task_id = alice_service.submit_delete(request)  # as the browser's F8 does
        app.panel.follow_task(task_id)
        app.panel.refresh_tasks()
        await wait_until(
            pilot, lambda: any(t.task_id == task_id and not t.is_active for t in app.panel.tasks), "the delete task"
        )
        row = next(i for i, t in enumerate(app.panel.tasks) if t.task_id == task_id)
        assert str(app.panel.table.get_row_at(row)[1]) == "Delete"
        assert any(text.startswith("Delete succeeded") for text, _ in app.notes)
        app.panel.focus_table()
        app.panel.table.move_cursor(row=row)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TaskDetailsScreen), "details")
        details = app.screen
        assert isinstance(details, TaskDetailsScreen)
        await wait_until(pilot, lambda: details.data.successful is not None, "the details to load")
        fields = details.query_one("#fields-table")
        assert fields.row_count == len([k for k in details.data.task.raw if k != "DATA_TYPE"])
    assert not (disk / "gone").exists()


@pytest.mark.parametrize("width", [56, 60, 80, 100, 119, 120, 121, 160, 240])
def test_panel_columns_fit_the_width_they_are_given(width: int) -> None:
    columns = panel_columns(width)
    used = sum(column.width + 2 * CELL_PADDING for column in columns)
    assert used <= width or columns[0].width == 8  # below ~56 cells only the label's own minimum is over
    keys = [column.key for column in columns]
    assert keys[0] == "label" and {"status", "progress", "rate", "eta"} <= set(keys)
    if width >= 116:  # a 120-column terminal: every column
        assert keys == ["label", "type", "status", "progress", "bytes", "rate", "elapsed", "eta"]


@pytest.mark.parametrize("size", [(120, 20), (80, 24)])
async def test_rows_with_byte_progress_fit_the_panel_with_their_time_left(size: tuple[int, int]) -> None:
    """gterm's own tasks show bytes ("400 MB/1.0 GB"): the row must fit, ETA included, at 120 and 80 columns."""
    from tests.support.transfer_scenes import HttpsPanelScene

    app = HttpsPanelScene()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        panel = app.query_one(TaskPanel)
        table = panel.table
        await wait_until(pilot, lambda: table.row_count == len(panel.tasks) > 0, "the rows")
        # Room is kept for the scrollbar, whether or not it shows.
        assert table.virtual_size.width + table.styles.scrollbar_size_vertical <= panel.content_size.width
        keys = [str(key.value) for key in table.columns]
        download = next(i for i, task in enumerate(panel.tasks) if task.type == "DOWNLOAD")
        cells = dict(zip(keys, (str(cell) for cell in table.get_row_at(download)), strict=True))
        assert cells["progress"].endswith("400 MB/1.0 GB")
        assert cells["eta"] == "8s" and cells["rate"] == "80.0 MB/s"
        upload = next(i for i, task in enumerate(panel.tasks) if task.type == "UPLOAD")
        assert str(table.get_row_at(upload)[keys.index("progress")]).endswith("52.4 MB/52.4 MB")
        if size[0] == 120:
            assert keys == ["label", "type", "status", "progress", "bytes", "rate", "elapsed", "eta"]
        # Nothing is cut: no cell is wider than its column.
        for row in range(table.row_count):
            for column, cell in zip(table.columns.values(), table.get_row_at(row), strict=True):
                assert cell.cell_len <= column.content_width
