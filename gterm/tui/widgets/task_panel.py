"""The task panel: the user's recent Transfer tasks, live, active first.

One ``task_list`` request per refresh, whatever the number of tasks (the
request carries every counter the panel shows), on the schedule of
:class:`gterm.tui.task_poller.PollSchedule`: fast while anything is active,
backing off to 30 s when nothing is. Because the list is the user's whole
task history, tasks submitted elsewhere (another gterm, the web app, the
CLI) appear on the next refresh.

Globus reports the bytes a task moved but no total: the totals gterm knew at
submit come in as ``expected_bytes`` (the state file keeps them, so progress in
bytes looks the same after a restart) and each new one goes up as
``ExpectedBytes`` for the app to remember.

Between two refreshes the panel remembers every task's status; a task that
was ACTIVE/INACTIVE and is now finished raises a notification (and the bell
when ``bell_on_task_end`` is set), wherever the user is in the app.

gterm's own tasks (downloads, uploads, copies on this computer) are listed
with Transfer's; with a ``history_file`` they are kept across runs
(gterm.globus.task_history): read after the first frame, each written when its
state changes, and one still running when gterm quits ends INTERRUPTED.

Rendering only depends on the task list and the injected clock, so
snapshots are deterministic with a frozen clock and fixed tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.timer import Timer
from textual.widgets import DataTable
from textual.worker import get_current_worker

from gterm.globus.local_task_control import LocalTaskControl, OwnTask
from gterm.globus.models import Task
from gterm.globus.transfer import TransferService
from gterm.tui import task_format as fmt
from gterm.tui.safe_text import escape_controls
from gterm.tui.task_cancel import confirm_cancel
from gterm.tui.task_poller import PollSchedule
from gterm.tui.worker_errors import AUTH_ERRORS, SignsIn, deliver, describe, report
from gterm.wording import first_few, plural

if TYPE_CHECKING:  # pragma: no cover - gterm's own tasks start from F5, and their history loads, after the first frame
    from gterm.globus.local_tasks import LocalTask
    from gterm.globus.task_history import Loaded, TaskHistory

Clock = Callable[[], datetime]

LOCAL_REFRESH_SECONDS = 0.5
"""How often gterm's own running tasks (downloads, uploads, copies) are repainted from their snapshots."""

# Enter on a row opens the details through DataTable's own select binding (RowSelected).
TASK_PANEL_BINDINGS: list[Binding] = [
    Binding("ctrl+r", "refresh_tasks", "Refresh tasks", show=False, id="refresh_tasks"),
    # The same id as the details screen's cancel: one keymap entry moves both.
    Binding("x", "cancel_task", "Cancel task", show=False, id="cancel_task"),  # said on the panel's border
]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _status_style(task: Task) -> str:
    ending = fmt.ending(task)
    if ending == fmt.ENDED_OK:
        return "green"
    if ending == fmt.ENDED_CANCELED:
        return "yellow"
    if ending == fmt.ENDED_INTERRUPTED:
        return "bold yellow"  # something is left to finish: F5 again
    if ending == fmt.ENDED_FAILED:
        return "bold red"
    if task.status == "INACTIVE" or (task.nice_status and task.nice_status not in ("OK", "Queued")):
        return "bold yellow"
    return "bold cyan"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@dataclass(frozen=True, slots=True)
class PanelColumn:
    key: str
    label: str
    width: int  # cells of content (the table adds CELL_PADDING on each side)


CELL_PADDING = 1  # DataTable's default
MIN_LABEL_WIDTH = 16
MIN_BAR_WIDTH = 4
# Fixed content widths: sizes are at most 7 cells (human_size), so "52.4 MB/52.4 MB" is 15 and a rate 9.
_TYPE = PanelColumn("type", "Type", 8)
_STATUS = PanelColumn("status", "Status", 15)  # "FAILED CANCELED"
_NARROW_STATUS = PanelColumn("status", "Status", 12)
_PROGRESS = PanelColumn("progress", "Progress", 22)
_BYTES = PanelColumn("bytes", "Bytes", 7)
_RATE = PanelColumn("rate", "Rate", 9)
_ELAPSED = PanelColumn("elapsed", "Elapsed", 7)
_ETA = PanelColumn("eta", "ETA", 6)
# What goes first when the panel is narrow (the details screen still has all of it).
_DROP_ORDER = ("type", "elapsed", "bytes")


def panel_columns(width: int) -> tuple[PanelColumn, ...]:
    """The columns that fit ``width`` cells: fixed widths, the label takes the rest.

    Narrow panels drop Type, then Elapsed, then Bytes, then narrow the status, so
    progress, rate and time left stay whole at 80 columns and nothing is cut at 120.
    """
    columns = [_TYPE, _STATUS, _PROGRESS, _BYTES, _RATE, _ELAPSED, _ETA]

    def label_room() -> int:
        used = sum(column.width for column in columns) + 2 * CELL_PADDING * (len(columns) + 1)
        return width - used

    for key in _DROP_ORDER:
        if label_room() >= MIN_LABEL_WIDTH:
            break
        columns = [column for column in columns if column.key != key]
    if label_room() < MIN_LABEL_WIDTH:
        columns = [_NARROW_STATUS if column.key == "status" else column for column in columns]
    return (PanelColumn("label", "Label", max(label_room(), 8)), *columns)


def add_columns(table: DataTable[Text], columns: Sequence[PanelColumn]) -> None:
    # Headers as plain Text: DataTable reads a str as markup, and rich's markup loads its emoji
    # table (~4 ms) on first use -- before the first frame, as the panel is on it.
    for column in columns:
        table.add_column(Text(column.label), width=column.width, key=column.key)


DEFAULT_COLUMNS = panel_columns(118)  # a 120-column terminal, before the panel knows its size


PROGRESS_TEXT_WIDTH = 15  # "52.4 MB/52.4 MB": the longest byte progress (sizes are at most 7 cells)


def _progress_cell(task: Task, expected_bytes: int | None, width: int) -> Text:
    """A bar of one width in every row, then the progress text (clipped only past its longest form)."""
    prog = fmt.progress(task, expected_bytes)
    bar_width = max(MIN_BAR_WIDTH, width - PROGRESS_TEXT_WIDTH - 1)
    bar = fmt.progress_bar(prog.fraction, bar_width)
    return Text.assemble(
        (bar, "green" if task.status == "SUCCEEDED" else "cyan"), " ", _clip(prog.short_text, width - bar_width - 1)
    )


def task_row(
    task: Task,
    now: datetime,
    expected_bytes: int | None = None,
    columns: Sequence[PanelColumn] = DEFAULT_COLUMNS,
) -> list[Text]:
    """The panel's cells for one task (literal text, never markup), each within its column's width;
    progress in bytes when the total is known."""
    eta = fmt.eta_seconds(task, now, expected_bytes)
    cells: list[Text] = []
    for column in columns:
        width = column.width
        if column.key == "label":
            cells.append(Text(_clip(escape_controls(fmt.task_title(task)), width)))
        elif column.key == "type":
            cells.append(Text(_clip(task.type.title() if task.type else "?", width)))
        elif column.key == "status":
            cells.append(Text(_clip(escape_controls(fmt.status_text(task)), width), style=_status_style(task)))
        elif column.key == "progress":
            cells.append(_progress_cell(task, expected_bytes, width))
        elif column.key == "bytes":
            cells.append(Text(_clip(fmt.human_bytes(task.bytes_transferred), width), justify="right"))
        elif column.key == "rate":
            cells.append(Text(_clip(fmt.human_rate(task.effective_bytes_per_second), width), justify="right"))
        elif column.key == "elapsed":
            cells.append(Text(_clip(fmt.human_duration(fmt.elapsed_seconds(task, now)), width), justify="right"))
        else:
            cells.append(Text(_clip(fmt.human_duration(eta) if eta is not None else "-", width), justify="right"))
    return cells


class TaskTable(DataTable[Text]):
    """The rows of the panel; Enter (select) opens the task under the cursor."""


class TaskPanel(Vertical):
    """Recent tasks with live progress. ``service`` is a TransferService (or None for fixed data)."""

    BINDINGS: ClassVar[list[BindingType]] = [*TASK_PANEL_BINDINGS]

    DEFAULT_CSS = """
    TaskPanel {
        height: 10;
        border: round $primary 50%;
        border-title-color: $text;
    }
    TaskPanel:focus-within {
        border: round $accent;
    }
    TaskPanel > TaskTable {
        height: 1fr;
        background: $surface;
    }
    """

    class TaskFinished(Message):
        """A task the panel saw active has ended (how: ``gterm.tui.task_format.ending``)."""

        def __init__(self, task: Task) -> None:
            super().__init__()
            self.task = task

    class ExpectedBytes(Message):
        """gterm submitted ``task_id`` knowing the bytes it moves: the app keeps them for the next start."""

        def __init__(self, task_id: str, total: int) -> None:
            super().__init__()
            self.task_id = task_id
            self.total = total

    class TasksRefreshed(Message):
        """A refresh delivered a new task list."""

        def __init__(self, tasks: list[Task]) -> None:
            super().__init__()
            self.tasks = tasks

    def __init__(
        self,
        service: TransferService | None,
        *,
        clock: Clock | None = None,
        schedule: PollSchedule | None = None,
        poll: bool = True,
        limit: int = 30,
        bell_on_task_end: bool = False,
        open_details: bool = True,
        expected_bytes: Mapping[str, int] | None = None,
        history_file: Path | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.service = service
        self.clock: Clock = clock or utc_now
        self.schedule = schedule or PollSchedule()
        self.poll = poll and service is not None
        self.limit = limit
        self.bell_on_task_end = bell_on_task_end
        self.open_details = open_details
        self.tasks: list[Task] = []
        self.columns = DEFAULT_COLUMNS  # set from the panel's width on every resize
        self.error: str | None = None
        self.refresh_count = 0  # task_list requests started (the polling tests compare with the request log)
        self.last_interval: float | None = None
        self.intervals: list[float] = []  # recent delays chosen by the schedule (newest last; for tests and debugging)
        self._statuses: dict[str, str] = {}
        # Task id -> the bytes it moves, when gterm knew that at submit (Globus reports no total),
        # this run's and, from the state file, earlier runs'.
        self.expected_bytes: dict[str, int] = dict(expected_bytes or {})
        self._announced: set[str] = set()  # task ids whose end was already announced (one notice each)
        self._timer: Timer | None = None
        # gterm's own tasks (HTTPS downloads/uploads, local copies), shown among Transfer's: this run's
        # and, once the history is read, the earlier runs'.
        self.local_tasks: dict[str, OwnTask] = {}
        self.history_file = history_file
        self.history: TaskHistory | None = None  # set once read (after the first frame)
        self._unrecorded: list[LocalTask] = []  # this run's tasks started before that
        self._transfer_tasks: list[Task] = []
        self._local_timer: Timer | None = None
        self._in_flight = False
        self._again = False
        self._waiting_for_sign_in = False  # polling stopped on a sign-in error until a sign-in works

    # -- composition --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        table = TaskTable(cursor_type="row", zebra_stripes=False, cell_padding=CELL_PADDING, id="task-table")
        add_columns(table, self.columns)
        yield table

    def on_resize(self, _event: events.Resize) -> None:
        # Room for the vertical scrollbar is kept whether or not it shows, so rows never reflow under it.
        columns = panel_columns(self.content_size.width - self.table.styles.scrollbar_size_vertical)
        if columns != self.columns:
            self.columns = columns
            table = self.table
            table.clear(columns=True)
            add_columns(table, columns)
            self._render_rows()

    @property
    def table(self) -> TaskTable:
        return self.query_one(TaskTable)

    def on_mount(self) -> None:
        self._update_title()
        if isinstance(self.app, SignsIn):
            self.app.reauth.signed_in.subscribe(self, self._signed_in)
        if self.poll:
            self.refresh_tasks()
        if self.history_file is not None:
            self.call_after_refresh(self._read_history, self.history_file)

    def _signed_in(self, _: None) -> None:
        if self._waiting_for_sign_in:  # the sign-in this panel asked for was cancelled; this one worked
            self.refresh_tasks()

    def focus_table(self) -> None:
        self.table.focus()

    # -- public API ---------------------------------------------------------------------

    def set_tasks(self, tasks: Sequence[Task]) -> None:
        """Show ``tasks`` (sorted active first) and announce tasks that finished since last time."""
        ordered = fmt.sort_tasks(tasks)
        finished = fmt.finished_since(self._statuses, ordered)
        self._statuses.update({task.task_id: task.status for task in ordered})
        self.tasks = ordered
        self.error = None
        self._render_rows()
        for task in finished:
            self._announce(task)

    def add_local_task(self, task: LocalTask) -> None:
        """Show one of gterm's own tasks (it runs elsewhere); repainted from its snapshot until it ends."""
        self.local_tasks[task.task_id] = task
        if self.history is not None:
            task.on_change = self.history.record
        elif self.history_file is not None:
            self._unrecorded.append(task)
        self._statuses.setdefault(task.task_id, "ACTIVE")  # its end is announced like a Transfer task's
        self._show_merged()
        if self._local_timer is None:
            self._local_timer = self.set_interval(LOCAL_REFRESH_SECONDS, self._local_tick, name="local-tasks")

    def on_unmount(self) -> None:
        """The app is closing: gterm's own tasks stop with it (a download keeps its part file for F5 to resume),
        however it ends. Their threads would otherwise keep the process alive until every file was moved.
        Each ends INTERRUPTED (not canceled: the user did not ask), and the history keeps it so."""
        for task in self.local_tasks.values():
            task.interrupt()

    def _local_tick(self) -> None:
        self._show_merged()
        if not any(task.is_active for task in self.local_tasks.values()) and self._local_timer is not None:
            self._local_timer.stop()
            self._local_timer = None

    def _show_merged(self) -> None:
        """Transfer's last task list and gterm's own tasks, one list."""
        self.set_tasks([*self._transfer_tasks, *(task.snapshot() for task in self.local_tasks.values())])

    # -- gterm's own tasks of earlier runs --------------------------------------------------

    @work(thread=True, group="task-history", exit_on_error=False)
    def _read_history(self, path: Path) -> None:
        from gterm.globus.task_history import TaskHistory

        history = TaskHistory(path)
        history.on_write_error = lambda error: deliver(self.app, self._history_unwritable, error)
        deliver(self.app, self._history_read, history, history.load())

    def _history_read(self, history: TaskHistory, loaded: Loaded) -> None:
        self.history = history
        for task in self._unrecorded:  # started before the history was read (a fast F5): kept from its next change
            task.on_change = history.record
        self._unrecorded.clear()
        for past in loaded.tasks:
            if past.task_id not in self.local_tasks:
                self.local_tasks[past.task_id] = past
                self._statuses.setdefault(past.task_id, past.task.status)  # ended before this run: no news
        self._show_merged()
        if loaded.problem:
            self.app.notify(loaded.problem, title="Task history", severity="warning", timeout=20)
        if loaded.newly_interrupted:
            titles = [fmt.task_title(past.task) for past in loaded.newly_interrupted]
            count = len(titles)
            self.app.notify(
                f"{plural(count, 'task')} of gterm's own stopped when gterm did: {first_few(titles, shown=3)}. "
                "Press F5 on the same files again to go on (a download resumes from what arrived); "
                f"the task panel has {'its' if count == 1 else 'their'} details.",
                title="Interrupted", severity="warning", timeout=20,
            )

    def _history_unwritable(self, error: OSError) -> None:
        path = self.history_file
        self.app.notify(
            f"Cannot write gterm's task history {path} ({error.strerror or error}). The tasks of this run are "
            "listed until gterm quits, and not kept for the next.",
            title="Task history", severity="warning", timeout=15,
        )

    def follow_task(self, task_id: str, *, expected_bytes: int | None = None) -> None:
        """Treat ``task_id`` as active: its end is announced (a notice and ``TaskFinished``) even if it ends
        before the next poll.

        If a refresh already delivered the task finished (a fast task, whose
        end reached the panel before the submission's answer reached the
        screen), ``TaskFinished`` is posted again now for whoever follows it;
        the notice is not repeated.
        """
        if expected_bytes and self.expected_bytes.get(task_id) != expected_bytes:
            self.expected_bytes[task_id] = expected_bytes
            self.post_message(self.ExpectedBytes(task_id, expected_bytes))
        known = self._statuses.get(task_id)
        if known is None:
            self._statuses[task_id] = "ACTIVE"
            return
        if known not in ("ACTIVE", "INACTIVE"):
            task = next((t for t in self.tasks if t.task_id == task_id), None)
            if task is not None:
                self._announce(task)

    def refresh_tasks(self) -> None:
        """Ask for the task list now (after a submission, or when the user asks)."""
        if self.service is None:
            return
        self.schedule.reset()
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._in_flight:
            self._again = True
            return
        self._start_fetch()

    @property
    def any_active(self) -> bool:
        return any(task.is_active for task in self.tasks)

    def selected_task(self) -> Task | None:
        table = self.table
        if not self.tasks or table.cursor_row < 0 or table.cursor_row >= len(self.tasks):
            return None
        return self.tasks[table.cursor_row]

    # -- actions ------------------------------------------------------------------------

    def action_open_task(self) -> None:
        task = self.selected_task()
        if task is None or not self.open_details:
            return
        from gterm.tui.screens.task_details import TaskDetailsScreen, TaskSource

        local = self.local_tasks.get(task.task_id)
        source: TaskSource | None = LocalTaskControl(local) if local is not None else self.service
        if source is None:
            return
        self.app.push_screen(TaskDetailsScreen(
                source, task, clock=self.clock, expected_bytes=self.expected_bytes.get(task.task_id)
            ))

    def action_refresh_tasks(self) -> None:
        self.refresh_tasks()

    def action_cancel_task(self) -> None:
        """Cancel the task under the cursor (a Transfer task or one of gterm's own), after asking."""
        task = self.selected_task()
        if task is None:
            return
        local = self.local_tasks.get(task.task_id)
        control = LocalTaskControl(local) if local is not None else self.service
        if control is None:  # fixed data (snapshots): nothing to cancel through
            return

        def done(message: str) -> None:
            self.app.notify(escape_controls(message))
            if local is not None:
                self._show_merged()
            self.refresh_tasks()

        confirm_cancel(self.app, task, control, done=done)

    # Its keys are said on its border while it has the focus, not in the footer: at 80 columns one more
    # footer key pushed Help and Quit off the screen.
    KEYS_HINT = "Enter details · x cancel · Tab back to the panes"

    def on_descendant_focus(self, _event: events.DescendantFocus) -> None:
        self.border_subtitle = self.KEYS_HINT

    def on_descendant_blur(self, _event: events.DescendantBlur) -> None:
        self.border_subtitle = ""

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # A mouse click (or Enter through DataTable's own select binding) opens the details.
        event.stop()
        self.action_open_task()

    # -- polling ------------------------------------------------------------------------

    def _start_fetch(self) -> None:
        if self.service is None:  # fixed data: nothing to fetch
            return
        self._waiting_for_sign_in = False
        self._in_flight = True
        self._again = False
        self.refresh_count += 1
        self._fetch(self.service)

    @work(thread=True, group="tasks", exclusive=True, exit_on_error=False)
    def _fetch(self, service: TransferService) -> None:
        worker = get_current_worker()
        try:
            tasks = service.tasks(limit=self.limit)
        except Exception as error:  # noqa: BLE001 - shown in the panel, see _failed
            if not worker.is_cancelled:
                deliver(self.app, self._failed, error)
            return
        if not worker.is_cancelled:
            deliver(self.app, self._loaded, tasks)

    def _loaded(self, tasks: list[Task]) -> None:
        self._in_flight = False
        if not self.is_mounted:
            return
        self._transfer_tasks = list(tasks)
        self._show_merged()
        self.post_message(self.TasksRefreshed(list(self.tasks)))
        # gterm's own tasks repaint on their own timer; Transfer is polled fast only for its active tasks.
        self._schedule_next(self.schedule.after_refresh(any(task.is_active for task in self._transfer_tasks)))

    def _failed(self, error: Exception) -> None:
        self._in_flight = False
        if not self.is_mounted:
            return
        self.error = describe(error)
        self._update_title()
        if isinstance(error, AUTH_ERRORS):
            # Polling stops until the user has signed in again (the retry restarts it, or, when this
            # sign-in is cancelled, the next one that works: _signed_in); otherwise every poll would
            # open another sign-in prompt.
            self._waiting_for_sign_in = True
            report(self.app, error, context="Task list", retry=self.refresh_tasks)
            return
        self._schedule_next(self.schedule.after_error())

    def _schedule_next(self, delay: float) -> None:
        if not self.poll or not self.is_mounted:
            return
        if self._again:
            self._start_fetch()
            return
        self.last_interval = delay
        self.intervals = [*self.intervals[-19:], delay]
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(delay, self._on_timer, name="task-poll")

    def _on_timer(self) -> None:
        self._timer = None
        if not self._in_flight:
            self._start_fetch()

    # -- rendering ----------------------------------------------------------------------

    def _render_rows(self) -> None:
        table = self.table
        current = self.selected_task() if table.row_count else None
        now = self.clock()
        table.clear()
        for task in self.tasks:
            table.add_row(
                *task_row(task, now, self.expected_bytes.get(task.task_id), self.columns), key=task.task_id
            )
        if current is not None:
            for index, task in enumerate(self.tasks):
                if task.task_id == current.task_id:
                    table.move_cursor(row=index, animate=False)
                    break
        self._update_title()

    def _update_title(self) -> None:
        active = sum(1 for task in self.tasks if task.is_active)
        title = f"Tasks: {active} active, {len(self.tasks) - active} finished"
        if self.error:
            title += f" | refresh failed: {self.error}"
        self.border_title = Text(escape_controls(title))

    def _announce(self, task: Task) -> None:
        """The one way a task's end is told: a notice (once) and a ``TaskFinished`` message."""
        if task.task_id not in self._announced:
            self._announced.add(task.task_id)
            self._notify_end(task)
        self.post_message(self.TaskFinished(task))

    def _notify_end(self, task: Task) -> None:
        ending = fmt.ending(task)
        severity: SeverityLevel = "information"
        if ending != fmt.ENDED_OK:
            severity = "warning" if ending == fmt.ENDED_CANCELED else "error"
        message = escape_controls(fmt.finish_message(task))
        self.app.notify(message, title="Task finished", severity=severity)
        if self.bell_on_task_end:
            self.app.bell()

