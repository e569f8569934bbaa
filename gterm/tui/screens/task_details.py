"""One task, in full: every field, the live event log, pause info, successes, skipped errors.

While the task is active the screen re-reads the task and its events every
2 s (two requests); the heavier lists (successful transfers, skipped errors,
pause info) are read on open, when the task ends, and on ctrl+r. Control
actions: cancel (after a confirmation), change label, change deadline; they
are offered (footer and keys) only while the task is ACTIVE or INACTIVE,
since Globus refuses to modify a finished task.

All server text (labels, paths, event details) is shown literally: wrapped
in ``rich.text.Text`` after control characters are escaped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from gterm.globus.models import Event, Task
from gterm.globus.transfer_requests import label_problem
from gterm.tui import task_format as fmt
from gterm.tui.keymap import EVENT_BINDINGS, TASK_DETAILS_BINDINGS
from gterm.tui.safe_text import escape_controls
from gterm.tui.screens.modal import GtermModal
from gterm.tui.screens.prompts import InputPrompt
from gterm.tui.task_cancel import confirm_cancel
from gterm.tui.widgets.key_footer import KeyFooter
from gterm.tui.worker_errors import deliver, describe, report
from gterm.wording import plural

if TYPE_CHECKING:  # pragma: no cover
    from gterm.tui.widgets.task_panel import TaskPanel

Clock = Callable[[], datetime]

DETAILS_POLL_SECONDS = 2.0


class TaskSource(Protocol):
    """Where a task's details come from: TransferService (my tasks), LocalTaskControl (gterm's own
    tasks) or EndpointManager (an administrator reading someone else's task on an endpoint they manage)."""

    def task(self, task_id: str) -> Task: ...

    def events(self, task_id: str, limit: int = 100) -> list[Event]: ...

    def successful_transfers(self, task_id: str) -> list[dict[str, Any]]: ...

    def skipped_errors(self, task_id: str) -> list[dict[str, Any]]: ...

    def pause_info(self, task_id: str) -> dict[str, Any]: ...


@runtime_checkable
class TaskControl(TaskSource, Protocol):
    """A source that may also change the task (its owner's): cancel, new label, new deadline.

    An administrator's source is not one: Globus has no management call for a label or a
    deadline, and an administrator's cancel needs a message (the administrator's view asks).
    """

    def cancel(self, task_id: str) -> str: ...

    def update_task(self, task_id: str, *, label: str | None = None, deadline: datetime | None = None) -> Task: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class TaskDetailsData:
    """Everything the screen shows; built by the loader thread or given directly (snapshots)."""

    task: Task
    events: list[Event] = field(default_factory=list)
    pause_info: dict[str, Any] | None = None
    #: Why the pause information could not be read (None when it was, or was not asked for).
    pause_error: str | None = None
    successful: list[dict[str, Any]] | None = None
    skipped: list[dict[str, Any]] | None = None


def _field_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def _time_text(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def _event_row(event: Event) -> tuple[Text, ...]:
    style = "bold red" if event.is_error else ""
    return (
        Text(_time_text(event.time), style=style),
        Text(escape_controls(event.code), style=style),
        Text(escape_controls(event.description), style=style),
        Text(escape_controls(fmt.one_line_details(event.details)), style=style),
    )


def _full_details(details: str) -> str:
    """An event's details in full: pretty-printed when they are JSON, else as sent."""
    try:
        return json.dumps(json.loads(details), indent=2, sort_keys=True, ensure_ascii=False)
    except ValueError:
        return details


class EventScreen(GtermModal[None]):
    """One event in full (the table shows one clipped line of it); Esc, Enter or q closes."""

    DEFAULT_CSS = """
    EventScreen > .modal-frame { width: 100; max-width: 100%; max-height: 100%; }
    EventScreen VerticalScroll { height: auto; max-height: 30; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [*EVENT_BINDINGS]

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event

    def compose_dialog(self) -> ComposeResult:
        event = self.event
        yield self.heading(f"{_time_text(event.time)}  {event.code}  {event.description}", id="event-head")
        with VerticalScroll():
            # Line by line: the line breaks stay, every other control character is escaped.
            lines = _full_details(event.details).splitlines()
            yield Static(Text("\n".join(escape_controls(line) for line in lines)), id="event-details")


class TaskDetailsScreen(Screen[None]):
    """The details of one task, refreshed live while it runs."""

    DEFAULT_CSS = """
    TaskDetailsScreen #details-head { height: auto; padding: 0 1; background: $boost; }
    TaskDetailsScreen TabbedContent { height: 1fr; }
    TaskDetailsScreen DataTable { height: 1fr; }
    TaskDetailsScreen #pause-info { padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [*TASK_DETAILS_BINDINGS]
    AUTO_FOCUS = "#events-table"  # the tab it opens on: Enter reads an event (the tab bar took the focus)

    def __init__(
        self,
        service: TaskSource | None,
        task: Task,
        *,
        clock: Clock | None = None,
        data: TaskDetailsData | None = None,
        poll: bool = True,
        expected_bytes: int | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.control = service if isinstance(service, TaskControl) else None
        # An administrator's source reads only; fixed data (snapshots) shows the owner's screen.
        self.offers_control = service is None or self.control is not None
        self.expected_bytes = expected_bytes  # known at submit: progress and ETA in bytes
        self.task_id = task.task_id
        self.clock: Clock = clock or _utc_now
        self.data = data or TaskDetailsData(task=task)
        self.poll = poll and service is not None
        self._timer: Timer | None = None
        self._was_active = task.is_active
        # Why the figures shown are old (a refresh failed; said once as a notice, not every 2 s); None: live.
        self._stale: str | None = None
        self._refreshed: datetime | None = None  # the last refresh that succeeded
        self._shown_rows: dict[str, list[tuple[tuple[str, str], ...]]] = {}  # table id -> rows as last shown

    #: Actions that change the task: Globus accepts them only while it runs (ACTIVE/INACTIVE).
    CONTROL_ACTIONS = frozenset({"cancel_task", "change_label", "change_deadline"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide cancel/label/deadline once the task has finished, and where the source cannot change it."""
        if action in self.CONTROL_ACTIONS:
            return self.data.task.is_active and self.offers_control
        return True

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="details-head")
        with TabbedContent(initial="tab-events"):
            with TabPane("Fields", id="tab-fields"):
                yield DataTable(id="fields-table", cursor_type="row")
            with TabPane("Events", id="tab-events"):
                yield DataTable(id="events-table", cursor_type="row")
            with TabPane("Successful", id="tab-successful"):
                yield DataTable(id="successful-table", cursor_type="row")
            with TabPane("Skipped errors", id="tab-skipped"):
                yield DataTable(id="skipped-table", cursor_type="row")
            with TabPane("Pause info", id="tab-pause"):
                yield Static(id="pause-info")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#fields-table", DataTable).add_columns("Field", "Value")
        self.query_one("#events-table", DataTable).add_columns("Time (UTC)", "Code", "Description", "Details")
        self.query_one("#successful-table", DataTable).add_columns("Source", "Destination")
        self.query_one("#skipped-table", DataTable).add_columns("Source", "Error", "Details")
        self.show(self.data)
        if self.service is not None:
            self.load(full=True)

    # -- loading ------------------------------------------------------------------------

    @work(thread=True, group="task-details", exclusive=True, exit_on_error=False)
    def load(self, full: bool = False) -> None:
        worker = get_current_worker()
        service = self.service
        if service is None:  # fixed data (snapshots): nothing to load
            return
        try:
            task = service.task(self.task_id)
            events = service.events(self.task_id, limit=100)
            data = TaskDetailsData(task=task, events=events)
            if full or not task.is_active:
                # Successes and skips exist for transfer tasks only (Globus answers 4xx for deletes).
                is_transfer = task.type == "TRANSFER"
                data.successful = service.successful_transfers(self.task_id) if is_transfer else []
                data.skipped = service.skipped_errors(self.task_id) if is_transfer else []
                try:
                    data.pause_info = service.pause_info(self.task_id)
                except Exception as error:  # noqa: BLE001 - the rest of the details still stand
                    data.pause_error = describe(error)
            else:
                data.successful, data.skipped, data.pause_info, data.pause_error = (
                    self.data.successful,
                    self.data.skipped,
                    self.data.pause_info,
                    self.data.pause_error,
                )
        except Exception as error:  # noqa: BLE001 - routed to the one error place
            if not worker.is_cancelled:
                deliver(self.app, self._failed, error)
            return
        if not worker.is_cancelled:
            deliver(self.app, self._loaded, data)

    def _loaded(self, data: TaskDetailsData) -> None:
        if not self.is_mounted:  # closed while the request was in flight
            return
        self._stale = None
        self._refreshed = self.clock()
        finished_now = self._was_active and not data.task.is_active
        self._was_active = data.task.is_active
        self.show(data)
        if finished_now:
            self.load(full=True)  # the final successes and skips
            return
        self._schedule()

    def _failed(self, error: Exception) -> None:
        if not self.is_mounted:
            return
        if self._stale is None:  # the first failure since the figures were live
            report(self.app, error, context=f"Task {self.task_id}", retry=lambda: self.load(full=True))
        # The figures on screen stop moving: say they are old, and why, until a refresh succeeds again.
        since = f" since {_time_text(self._refreshed)} UTC" if self._refreshed else ""
        self._schedule()
        again = "trying again" if self._timer is not None else "ctrl+r tries again"
        self._stale = f"Not refreshed{since}: {describe(error)} ({again})"
        self.show(self.data)

    def _schedule(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self.poll and self.data.task.is_active and self.is_mounted:
            self._timer = self.set_timer(DETAILS_POLL_SECONDS, lambda: self.load(full=False))

    # -- rendering ----------------------------------------------------------------------

    def show(self, data: TaskDetailsData) -> None:
        was_active = self.data.task.is_active
        self.data = data
        task = data.task
        if task.is_active != was_active:
            self.refresh_bindings()  # the control keys come or go with the task's state
        now = self.clock()
        prog = fmt.progress(task, self.expected_bytes)
        eta = fmt.eta_seconds(task, now, self.expected_bytes)
        head = Text()
        head.append(escape_controls(fmt.task_title(task)), style="bold")
        head.append(f"  ({task.type.title()} {task.task_id})", style="dim")
        owner = task.raw.get("owner_string") if task.raw else None  # only the management API names the owner
        if owner:
            head.append(f"  owner {escape_controls(str(owner))}", style="dim")
        head.append("\n")
        head.append(escape_controls(fmt.status_text(task)), style="bold red" if task.status == "FAILED" else "bold")
        head.append(
            f"  {fmt.progress_bar(prog.fraction, 20)} {prog.text}"
            f"{'' if prog.unit == 'bytes' else '  ' + fmt.human_bytes(task.bytes_transferred)}"
            f"  {fmt.human_rate(task.effective_bytes_per_second)}"
            f"  elapsed {fmt.human_duration(fmt.elapsed_seconds(task, now))}"
            f"  ETA {fmt.human_duration(eta) if eta is not None else '-'}"
            f"  deadline {_time_text(task.deadline)}"
        )
        errors = sum(1 for event in data.events if event.is_error)
        if errors:
            head.append(f"\n{plural(errors, 'error event')} in the log", style="bold red")
        if self._stale:
            head.append(f"\n{escape_controls(self._stale)}", style="bold yellow")
        self.query_one("#details-head", Static).update(head)

        raw = dict(task.raw) if task.raw else {}
        self._fill(
            "fields-table",
            [
                (Text(key, style="bold"), Text(escape_controls(_field_text(raw[key]))))
                for key in sorted(raw)
                if key != "DATA_TYPE"
            ],
        )
        self._fill("events-table", [_event_row(event) for event in data.events])
        self._fill(
            "successful-table",
            [
                (
                    Text(escape_controls(doc.get("source_path") or "-")),
                    Text(escape_controls(doc.get("destination_path") or "-")),
                )
                for doc in data.successful or []
            ],
        )
        self._fill(
            "skipped-table",
            [
                (
                    Text(escape_controls(doc.get("source_path") or "-")),
                    Text(escape_controls(doc.get("error_code") or "-"), style="red"),
                    Text(escape_controls(doc.get("error_details") or "")),
                )
                for doc in data.skipped or []
            ],
        )

        self.query_one("#pause-info", Static).update(self._pause_text(data.pause_info, data.pause_error))

    def _fill(self, table_id: str, rows: list[tuple[Text, ...]]) -> None:
        """Replace a table's rows only when they changed: a poll every 2 s must not reset the cursor or scroll."""
        shown = [tuple((cell.plain, str(cell.style)) for cell in row) for row in rows]
        if self._shown_rows.get(table_id) == shown:
            return
        self._shown_rows[table_id] = shown
        table = self.query_one(f"#{table_id}", DataTable)
        table.clear()
        table.add_rows(rows)

    @staticmethod
    def _pause_text(info: dict[str, Any] | None, error: str | None) -> Text:
        if error is not None:  # "no pause information" would read as "not paused"
            return Text(f"Pause information could not be read: {error} (ctrl+r tries again)", style="yellow")
        if not info:
            return Text("No pause information.")
        rules = info.get("pause_rules") or []
        if not rules and not info.get("source_pause_message") and not info.get("destination_pause_message"):
            return Text("Not paused: no pause rules apply to this task.")
        text = Text()
        for key in ("source_pause_message", "destination_pause_message"):
            if info.get(key):
                text.append(f"{key}: {escape_controls(info[key])}\n")
        for rule in rules:
            text.append(f"- {escape_controls(rule.get('message') or rule.get('id') or rule)}\n")
        return text

    # -- actions ------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#events-table")
    def _event_chosen(self, event: DataTable.RowSelected) -> None:
        """Enter on an event: its full text (the table shows one clipped line)."""
        event.stop()
        if 0 <= event.cursor_row < len(self.data.events):
            self.app.push_screen(EventScreen(self.data.events[event.cursor_row]))

    def action_switch_tab(self, step: int) -> None:
        """``]``/``[``: the next or previous tab, its table (if it has one) focused: arrows and Enter work
        there at once."""
        tabs = self.query_one(TabbedContent)
        order = [pane.id for pane in tabs.query(TabPane) if pane.id]
        tabs.active = order[(order.index(tabs.active) + step) % len(order)] if tabs.active in order else order[0]
        self._focus_active_tab()

    def _focus_active_tab(self) -> None:
        pane = self.query_one(TabbedContent).active_pane
        tables = pane.query(DataTable) if pane is not None else None
        if tables:
            tables.first().focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        if self.service is not None:
            self.load(full=True)

    def action_cancel_task(self) -> None:
        task = self.data.task
        service = self.control
        if not task.is_active or service is None:
            self.notify("This task has already ended.", severity="warning")
            return
        confirm_cancel(self.app, task, service, done=self._control_done)

    def action_change_label(self) -> None:
        service = self.control
        if service is None:
            return

        def answered(value: str | None) -> None:
            if value is not None and value.strip():
                self._update(service, label=value.strip())

        current = self.data.task.label or ""
        self.app.push_screen(
            InputPrompt("New label for this task", value=current, check=lambda text: label_problem(text.strip())),
            answered,
        )

    def action_change_deadline(self) -> None:
        service = self.control
        if service is None:
            return

        def check(text: str) -> str | None:
            try:
                if fmt.parse_deadline(text, self.clock()) is None:
                    return "Type a deadline (+2h, +1d or an ISO date)."
            except ValueError as problem:
                return str(problem)
            return None

        def answered(value: str | None) -> None:
            if value:
                deadline = fmt.parse_deadline(value, self.clock())
                if deadline is not None:
                    self._update(service, deadline=deadline)

        self.app.push_screen(
            InputPrompt("New deadline", placeholder="+2h, +1d or YYYY-MM-DDTHH:MM", check=check), answered
        )

    @work(thread=True, group="task-control", exit_on_error=False)
    def _update(self, service: TaskControl, label: str | None = None, deadline: datetime | None = None) -> None:
        try:
            service.update_task(self.task_id, label=label, deadline=deadline)
        except Exception as error:  # noqa: BLE001
            deliver(self.app, self._control_failed, error)
            return
        deliver(self.app, self._control_done, "Task updated.")

    def _control_failed(self, error: Exception) -> None:
        """Cancel/label/deadline errors are always reported (even after the screen closed)."""
        from gterm.tui.worker_errors import report

        report(self.app, error, context=f"Task {self.task_id}")

    def _control_done(self, message: str) -> None:
        self.app.notify(escape_controls(message))
        if self.is_mounted:
            self.load(full=True)
        panel = self._task_panel()
        if panel is not None:
            panel.refresh_tasks()

    def _task_panel(self) -> TaskPanel | None:
        from gterm.tui.widgets.task_panel import TaskPanel  # it opens this screen: imported late

        for screen in self.app.screen_stack:
            for panel in screen.query(TaskPanel):
                return panel
        return None
