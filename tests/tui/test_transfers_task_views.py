"""The task panel and task details with fixed data: server text shown escaped, tables that hold still.

Any Globus client can set a task's label, and collection names, event details
and file names come from other people: a C1 CSI (``\\x9b``), an ESC or a bidi
override (``\\u202e``) must never reach the terminal raw, on the task panel,
in its finish notice or on the task details screen.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import DataTable, TabbedContent

from gterm.globus.models import Event, Task
from gterm.tui.screens.task_details import TaskDetailsData, TaskDetailsScreen
from gterm.tui.widgets.task_panel import TaskPanel
from tests.support.browser_helpers import screen_lines
from tests.support.transfer_scenes import FROZEN_NOW, frozen_clock, task_doc

HOSTILE = "evil\x9b31m\u202egnp.exe\x1b]0;pwned\x07"
SHOWN = "evil\\x9b31m\\u202egnp.exe\\x1b]0;pwned\\x07"
RAW = ("\x9b", "\u202e", "\x1b", "\x07")


def hostile_task(**fields: object) -> Task:
    hostile = {
        "label": HOSTILE,
        "source_endpoint_display_name": "src" + HOSTILE,
        "destination_endpoint_display_name": "dst" + HOSTILE,
    }
    return Task.from_doc(task_doc("22222222-bbbb-4000-8000-000000000001", **{**hostile, **fields}))


class PanelHost(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []

    def compose(self) -> ComposeResult:
        yield TaskPanel(None, clock=frozen_clock, poll=False)

    def notify(self, message: str, **kwargs: object) -> None:  # type: ignore[override]  # records, then notifies
        self.notes.append(str(message))
        super().notify(message, **kwargs)  # type: ignore[arg-type]  # the kwargs are notify's own


def assert_escaped(lines: list[str]) -> None:
    text = "\n".join(lines)
    assert not any(raw in text for raw in RAW)


async def test_task_panel_shows_labels_escaped_and_says_so_when_the_task_ends() -> None:
    app = PanelHost()
    async with app.run_test(size=(160, 12)) as pilot:
        panel = app.query_one(TaskPanel)
        panel.set_tasks([hostile_task()])
        await pilot.pause()
        lines = screen_lines(app)
        assert_escaped(lines)
        assert any("evil\\x9b31m\\u202e" in line for line in lines)
        panel.set_tasks([hostile_task(status="SUCCEEDED", nice_status=None, completion_time=FROZEN_NOW.isoformat())])
        await pilot.pause()
    assert len(app.notes) == 1
    assert SHOWN in app.notes[0] and not any(raw in app.notes[0] for raw in RAW)


async def test_task_panel_escapes_collection_names_of_an_unlabelled_task() -> None:
    app = PanelHost()
    async with app.run_test(size=(200, 12)) as pilot:
        app.query_one(TaskPanel).set_tasks([hostile_task(label=None)])
        await pilot.pause()
        lines = screen_lines(app)
    assert_escaped(lines)
    assert any("src" + SHOWN[:20] in line for line in lines)


class DetailsHost(App[None]):
    def __init__(self, data: TaskDetailsData) -> None:
        super().__init__()
        self.data = data

    def on_mount(self) -> None:
        self.push_screen(TaskDetailsScreen(None, self.data.task, clock=frozen_clock, data=self.data, poll=False))


async def test_task_details_escape_label_event_details_and_file_names() -> None:
    task = hostile_task()
    data = TaskDetailsData(
        task=task,
        events=[Event("FILE_CORRUPT", "bad " + HOSTILE, '{"path": "/x' + HOSTILE + '"}', True, FROZEN_NOW)],
        pause_info={"pause_rules": [{"message": "paused " + HOSTILE}]},
        successful=[{"source_path": "/a/" + HOSTILE, "destination_path": "/b/" + HOSTILE}],
        skipped=[],
    )
    app = DetailsHost(data)
    shown: dict[str, str] = {}
    async with app.run_test(size=(200, 50)) as pilot:
        for tab in ("tab-events", "tab-successful", "tab-pause"):
            app.screen.query_one(TabbedContent).active = tab
            await pilot.pause()
            lines = screen_lines(app)
            assert_escaped(lines)
            shown[tab] = "\n".join(lines)
    assert "evil\\x9b31m\\u202egnp.exe" in shown["tab-events"]  # the label, escaped, in the head line
    assert "bad evil\\x9b31m" in shown["tab-events"]  # the event's description
    assert '"/xevil\\x9b31m' in shown["tab-events"]  # the event's details
    assert "/a/evil\\x9b31m" in shown["tab-successful"]  # a transferred file's name
    assert "paused evil\\x9b31m" in shown["tab-pause"]  # a pause rule's message


async def test_task_details_keep_the_cursor_when_a_poll_brings_nothing_new() -> None:
    """Tables are rebuilt only when their rows change: a poll every 2 s must not reset the cursor."""
    task = hostile_task()
    events = [Event(f"E{i}", f"event {i}", "", False, FROZEN_NOW) for i in range(5)]
    data = TaskDetailsData(task=task, events=events, pause_info={}, successful=[], skipped=[])
    app = DetailsHost(data)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TaskDetailsScreen)
        table = screen.query_one("#events-table", DataTable)
        table.move_cursor(row=3)
        await pilot.pause()
        screen.show(TaskDetailsData(task=task, events=list(events), pause_info={}, successful=[], skipped=[]))
        await pilot.pause()
        assert table.cursor_row == 3
        screen.show(TaskDetailsData(task=task, events=[*events, events[0]], pause_info={}, successful=[], skipped=[]))
        await pilot.pause()
        assert table.row_count == 6  # new rows still arrive
