"""``m``: the administrator's view of every task on the endpoints and collections I manage.

Tasks come from ``endpoint_manager_task_list`` one page (up to 1,000 tasks) at
a time; the next page is fetched when the cursor nears the end of what is
loaded, so 10,000 tasks cost one page until the user scrolls that far. Space
selects; ``p`` pauses, ``r`` resumes, ``x`` cancels the selected tasks (or the
one under the cursor) with a message the owners see; ``u`` opens the pause
rules of the endpoint in the filter; Enter opens a task's details (the same
screen as for my own tasks, read through the ``endpoint_manager_*`` calls).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Container, Vertical
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Select, Static
from textual.worker import get_current_worker

from gterm.globus.endpoint_manager import (
    STATUS_CHOICES,
    AdminTask,
    EndpointManager,
    MonitoredEndpoint,
    TaskFilters,
    TaskPage,
)
from gterm.globus.errors import GtermError
from gterm.globus.models import Identity
from gterm.globus.sharing import SharingService
from gterm.globus.sharing_input import is_identity_id
from gterm.tui import task_format as fmt
from gterm.tui.keymap import ADMIN_BINDINGS, ADMIN_SHORT_LABELS
from gterm.tui.safe_text import escape_controls, safe_text
from gterm.tui.screens.prompts import InputPrompt
from gterm.tui.widgets.key_footer import KeyFooter
from gterm.tui.worker_errors import deliver, describe, report
from gterm.wording import plural

# The route goes last: at 120 columns it is the one clipped (the endpoint filter already names one end).
COLUMNS = ("", "Task", "Owner", "Status", "Requested", "Files", "Bytes", "Source → Destination")
STATUS_WIDTH = 18  # "FAILED PERMISSION_DENIED" in full is in the task's details
MORE_WHEN_WITHIN = 100  # rows from the end of what is loaded: time to fetch the next page
ALL_ENDPOINTS = "*"


def held_by_a_pause_rule(item: AdminTask) -> bool:
    return item.is_paused and item.task.is_active


def status_word(item: AdminTask) -> str:
    """A task's status as the administrator sees it: an active task held by a pause rule is PAUSED."""
    return "PAUSED" if held_by_a_pause_rule(item) else fmt.status_text(item.task)


def task_cells(item: AdminTask, selected: bool) -> list[Text]:
    task = item.task
    if held_by_a_pause_rule(item):
        status = Text(status_word(item), style="bold yellow")
    else:
        status = Text(_clip(escape_controls(status_word(item)), STATUS_WIDTH))
    route = f"{task.source_endpoint_display_name or '?'} → {task.destination_endpoint_display_name or '-'}"
    requested = task.request_time.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if task.request_time else ""
    return [
        Text("✓" if selected else " ", style="bold green"),
        Text(escape_controls(fmt.task_title(task))[:40]),
        Text(escape_controls(item.owner)[:30]),
        status,
        Text(requested),
        Text(f"{task.files_transferred:,}/{task.files:,}", justify="right"),
        Text(fmt.human_bytes(task.bytes_transferred), justify="right"),
        Text(escape_controls(route)[:50]),
    ]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class AdminTasksScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [*ADMIN_BINDINGS]
    REFRESH_SECONDS: ClassVar[float] = 5.0
    """How often the active tasks on screen are read again (as the task panel follows one's own tasks)."""
    # Under 100 columns the four filters (110 cells side by side) wrap to two rows: Textual sets the class
    # as the width changes.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]  # noqa: RUF012 - Textual types it (ClassVar | None)
    # A grid, not a row: at 80 columns the faults filter was off the right edge and the owner's
    # placeholder cut. Narrow, the endpoint and the status share the first row, the owner and the
    # faults the second; every cell takes its whole width (the grid fills, it never scrolls sideways).
    DEFAULT_CSS = """
    AdminTasksScreen #admin-filters {
        layout: grid; grid-size: 4; grid-columns: 1fr 20 30 24; grid-rows: auto; height: auto;
    }
    AdminTasksScreen.-narrow #admin-filters { grid-size: 2; grid-columns: 1fr 24; }
    AdminTasksScreen #admin-filters > * { width: 100%; }
    AdminTasksScreen #admin-status { height: 1; color: $text-muted; }
    AdminTasksScreen DataTable { height: 1fr; }
    """

    def __init__(self, manager: EndpointManager, names: SharingService | None = None) -> None:
        """:param names: looks owners up in Auth (the owner filter takes a username; an id is named)."""
        super().__init__()
        self.manager = manager
        self.names = names
        self.owner: Identity | None = None  # whom the owner filter names, once Auth has answered
        self.endpoints: list[MonitoredEndpoint] = []
        self.endpoints_failed = False  # the endpoint list did not load: ctrl+r asks for it again
        self.items: list[AdminTask] = []
        self.selected: set[str] = set()
        self.next_key: str | None = None
        self.fetching = False
        self.error: str | None = None
        self._generation = 0  # a filter change makes pages of the old query stale
        self._rereading = False  # a re-read of the rows on screen is out: the next tick waits for it

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Administrator's view: tasks on the endpoints and collections you manage", id="admin-title")
            with Container(id="admin-filters"):
                yield Select[str]([("All (running tasks only)", ALL_ENDPOINTS)], value=ALL_ENDPOINTS,
                                  allow_blank=False, id="filter-endpoint")
                yield Select[str]([(name, name) for name in STATUS_CHOICES], value="running",
                                  allow_blank=False, id="filter-status")
                yield Input(placeholder="owner: username or id", id="filter-owner")
                yield Input(placeholder="at least N faults", id="filter-faults", type="integer")
            yield DataTable[Text](id="admin-tasks", cursor_type="row", zebra_stripes=True)
            yield Static("", id="admin-status", markup=False)
        yield KeyFooter(compact=True, short_labels=ADMIN_SHORT_LABELS)  # every key at 80 columns too

    @property
    def queries(self) -> int:
        """How many times the list has been asked for from the top (each filter change is one)."""
        return self._generation

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#admin-tasks", DataTable)

    def on_mount(self) -> None:
        self.table.add_columns(*COLUMNS)
        self.table.focus()
        self._load_endpoints()
        self.action_reload()
        self.set_interval(self.REFRESH_SECONDS, self._reread_shown)

    # -- filters ------------------------------------------------------------------------------

    def filters(self) -> TaskFilters:
        endpoint = self.query_one("#filter-endpoint", Select).value
        status = self.query_one("#filter-status", Select).value
        faults = self.query_one("#filter-faults", Input).value.strip()
        return TaskFilters(
            endpoint=str(endpoint) if endpoint not in (ALL_ENDPOINTS, Select.BLANK) else None,
            status=str(status) if status is not Select.BLANK else "running",
            owner_id=self.owner_id(),
            min_faults=int(faults) if faults.isascii() and faults.isdigit() and int(faults) > 0 else None,
        )

    def owner_id(self) -> str | None:
        """The identity id Transfer filters by: the one Auth gave for the field's username, or an id as typed."""
        text = self.query_one("#filter-owner", Input).value.strip()
        owner = self.owner
        if owner is not None and text.casefold() in (owner.username.casefold(), owner.id):
            return owner.id
        return text if is_identity_id(text) else None

    @on(Select.Changed)
    def _filter_changed(self) -> None:
        if self.is_mounted:
            self.action_reload()

    @on(Input.Submitted)
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.table.focus()
        text = event.value.strip()
        if event.input.id == "filter-owner" and text and self.owner_id() in (None, text):
            # Transfer takes an identity id: a username is looked up first; an id lists at once
            # and is shown by its username once Auth has named it.
            if not is_identity_id(text) and self.names is None:
                self._no_owner(f"give the owner's identity id ({text} cannot be looked up here)")
                return
            if self.names is not None:
                self._find_owner(text)
            if not is_identity_id(text):
                return  # lists once the id is known
        self.action_reload()

    @work(thread=True, group="admin-owner", exclusive=True, exit_on_error=False)
    def _find_owner(self, text: str) -> None:
        assert self.names is not None
        try:
            identity = self.names.identity_named(text)
        except GtermError as exc:
            deliver(self.app, report, self.app, exc, context="Owner filter")
            return
        deliver(self.app, self._owner_found, text, identity)

    def _owner_found(self, text: str, identity: Identity | None) -> None:
        field = self.query_one("#filter-owner", Input)
        if field.value.strip() != text:
            return  # typed over since: the newer text counts
        if identity is None:
            self.owner = None
            # A Globus username names its identity provider too ("bob" alone is nobody's).
            hint = "" if "@" in text else f" (a username includes its organization, as in {text}@university.edu)"
            self._no_owner(f"no Globus identity is named {text}{hint}")
            return
        listed = self.owner_id()
        self.owner = identity
        if identity.username:
            field.value = identity.username
        if self.owner_id() != listed or not is_identity_id(text):
            self.action_reload()

    def _no_owner(self, why: str) -> None:
        """The owner filter names nobody Transfer can filter by: list nothing and say why."""
        self._generation += 1  # a page still on its way is for the old filter
        self.items = []
        self.selected = set()
        self.next_key = None
        self.table.clear()
        self.fetching = False
        self.error = why
        self._set_status()

    @work(thread=True, group="admin-endpoints", exclusive=True, exit_on_error=False)
    def _load_endpoints(self) -> None:
        try:
            endpoints = self.manager.monitored_endpoints()
        except GtermError as exc:
            deliver(self.app, self._endpoints_failed, exc)
            return
        deliver(self.app, self._show_endpoints, endpoints)

    def _endpoints_failed(self, error: GtermError) -> None:
        self.endpoints_failed = True
        report(self.app, error, context="Endpoints you manage (ctrl+r tries again)", retry=self._load_endpoints)

    def _show_endpoints(self, endpoints: list[MonitoredEndpoint]) -> None:
        self.endpoints_failed = False
        self.endpoints = endpoints
        select = self.query_one("#filter-endpoint", Select)
        current = select.value
        with self.prevent(Select.Changed):
            select.set_options(
                [("All (running tasks only)", ALL_ENDPOINTS)]
                # A Text, not a str: the list reads a str as markup ("Lab [/] Storage" crashed the app).
                + [(safe_text(e.display_name), e.id) for e in endpoints]
            )
            select.value = current if current is not Select.BLANK else ALL_ENDPOINTS

    # -- pages --------------------------------------------------------------------------------

    def action_reload(self) -> None:
        """ctrl+r (and any filter change): the list from the top; the endpoint list too if it had failed."""
        if self.endpoints_failed:
            self.endpoints_failed = False  # asked again: one retry per press
            self._load_endpoints()
        self._generation += 1
        self.items = []
        self.selected = set()
        self.next_key = None
        self.table.clear()
        self._fetch_page(self._generation, None)

    def _fetch_page(self, generation: int, last_key: str | None) -> None:
        self.fetching = True
        self._set_status()
        self._page(generation, self.filters(), last_key)

    @work(thread=True, group="admin-page", exclusive=True, exit_on_error=False)
    def _page(self, generation: int, filters: TaskFilters, last_key: str | None) -> None:
        worker = get_current_worker()
        try:
            page = self.manager.task_page(filters, last_key)
        except GtermError as exc:
            if not worker.is_cancelled:
                deliver(self.app, self._page_failed, generation, exc)
            return
        if not worker.is_cancelled:
            deliver(self.app, self._page_loaded, generation, page)

    def _page_failed(self, generation: int, error: GtermError) -> None:
        if generation != self._generation:
            return
        self.fetching = False
        self.error = describe(error)
        self._set_status()
        report(self.app, error, context="Tasks on your endpoints", retry=self.action_reload)

    def _page_loaded(self, generation: int, page: TaskPage) -> None:
        if generation != self._generation:
            return
        self.fetching = False
        self.error = None
        self.next_key = page.last_key
        self.items.extend(page.tasks)
        self.table.add_rows(
            [task_cells(item, False) for item in page.tasks]
        )
        self._set_status()
        # Keys pressed while the page was loading (End, page down) moved no further than the old
        # last row and will send no new highlight: look again now that the rows are in.
        self._more_if_near_the_end(self.table.cursor_row)

    # -- live rows ----------------------------------------------------------------------------

    def _reread_shown(self, *, now: bool = False) -> None:
        """The active tasks in the rows on screen, read again: their status, progress and pauses move on.
        ``now``: after an action, even while the timer's read is out (its answer may predate the action)."""
        if (self._rereading and not now) or self.fetching or self.error or self.app.screen is not self:
            return
        table = self.table
        first = int(table.scroll_y)
        shown = self.items[first:first + table.size.height]
        ids = [item.task.task_id for item in shown if item.task.is_active]
        if ids:
            self._rereading = True
            self._reread(self._generation, ids)

    @work(thread=True, group="admin-reread", exclusive=True, exit_on_error=False)
    def _reread(self, generation: int, task_ids: list[str]) -> None:
        worker = get_current_worker()
        try:
            fresh = self.manager.tasks_by_id(task_ids)
        except GtermError:
            fresh = []  # the next tick asks again; ctrl+r says what is wrong
        if not worker.is_cancelled:  # a later read (after an action) took its place: this answer is older
            deliver(self.app, self._reread_done, generation, fresh)

    def _reread_done(self, generation: int, fresh: list[AdminTask]) -> None:
        self._rereading = False
        if generation != self._generation:
            return  # a reload (or filter change) since: these rows are gone
        rows = {item.task.task_id: row for row, item in enumerate(self.items)}
        for item in fresh:
            row = rows.get(item.task.task_id)
            if row is None or item == self.items[row]:
                continue
            self.items[row] = item
            self._draw_row(row, item)

    def _draw_row(self, row: int, item: AdminTask) -> None:
        """Row ``row`` drawn again in place from ``item`` (the cursor and the scroll stay)."""
        for column, cell in enumerate(task_cells(item, item.task.task_id in self.selected)):
            self.table.update_cell_at(Coordinate(row, column), cell)

    def _set_status(self) -> None:
        if self.error:
            text = f"Could not list tasks: {self.error}"
        else:
            more = " · more below" if self.next_key else ""
            text = f"{plural(len(self.items), 'task')}{more} · {len(self.selected)} selected · Enter: details"
            if self.fetching:
                text += " · loading…"
        self.query_one("#admin-status", Static).update(safe_text(text))

    @on(DataTable.RowSelected, "#admin-tasks")
    def _task_chosen(self, event: DataTable.RowSelected) -> None:
        """Enter on a task: its details, events, successes, skipped errors and pause info,
        read through the management API by the same screen that shows my own tasks."""
        event.stop()
        if 0 <= event.cursor_row < len(self.items):
            self.open_details(self.items[event.cursor_row])

    def open_details(self, item: AdminTask) -> None:
        from gterm.tui.screens.task_details import TaskDetailsScreen

        self.app.push_screen(TaskDetailsScreen(self.manager, item.task))

    @on(DataTable.RowHighlighted)
    def _near_the_end(self, event: DataTable.RowHighlighted) -> None:
        self._more_if_near_the_end(event.cursor_row)

    def _more_if_near_the_end(self, cursor_row: int) -> None:
        if self.next_key and not self.fetching and cursor_row >= len(self.items) - MORE_WHEN_WITHIN:
            self._fetch_page(self._generation, self.next_key)

    # -- selection and actions ----------------------------------------------------------------

    def cursor_item(self) -> AdminTask | None:
        row = self.table.cursor_row
        return self.items[row] if 0 <= row < len(self.items) else None

    def action_toggle_select(self) -> None:
        item = self.cursor_item()
        if item is None:
            return
        task_id = item.task.task_id
        self.selected.symmetric_difference_update({task_id})
        row = self.table.cursor_row
        self.table.update_cell_at(Coordinate(row, 0), task_cells(item, task_id in self.selected)[0])
        if row + 1 < len(self.items):
            self.table.move_cursor(row=row + 1)
        self._set_status()

    def targets(self) -> list[str]:
        if self.selected:
            return [item.task.task_id for item in self.items if item.task.task_id in self.selected]
        item = self.cursor_item()
        return [item.task.task_id] if item is not None else []

    def action_pause(self) -> None:
        self._with_message("Pause", lambda ids, message: self.manager.pause(ids, message))

    def action_cancel_tasks(self) -> None:
        self._with_message("Cancel", lambda ids, message: self.manager.cancel(ids, message))

    def action_resume(self) -> None:
        chosen = self._eligible("Resume", lambda item: item.is_paused, "not paused")
        if chosen is not None:
            paused, skipped = chosen
            self._act("Resume", paused, lambda: self.manager.resume(paused) + skipped)

    def _eligible(self, verb: str, fits: Callable[[AdminTask], bool], others: str) -> tuple[list[str], str] | None:
        """The ids of the targets ``verb`` applies to (``fits``) and a sentence naming the rest ("" if none);
        None, said, when there is no target or none fits. Transfer answers "paused", "resumed" or
        "canceled" for a task it could not be done to: only the ones it fits are sent."""
        targets = self.targets()
        if not targets:
            self.notify("No task here: pick one with the cursor or select some with space.", severity="warning")
            return None
        ids = [item.task.task_id for item in self.items if item.task.task_id in targets and fits(item)]
        rest = len(targets) - len(ids)
        if not ids:
            self.notify(f"Nothing to {verb.lower()}: {plural(rest, 'task')} {others}.", title="Tasks",
                        severity="warning", timeout=4)
            return None
        return ids, f" {plural(rest, 'other task')} {others}: left alone." if rest else ""

    def task_words(self, ids: Sequence[str]) -> list[str]:
        """Each task as a person recognises it: its label (or id), its owner, its status."""
        by_id = {item.task.task_id: item for item in self.items}
        words = []
        for task_id in ids:
            item = by_id.get(task_id)
            if item is None:
                words.append(task_id)
                continue
            words.append(f"{fmt.task_title(item.task)} · {item.owner or '?'} · {status_word(item)}")
        return words

    def _with_message(self, verb: str, call: Callable[[Sequence[str], str], str]) -> None:
        chosen = self._eligible(verb, lambda item: item.task.is_active, "already ended")
        if chosen is None:
            return
        ids, skipped = chosen

        def answered(message: str | None) -> None:
            if message:
                self._act(verb, ids, lambda: call(ids, message) + skipped)

        count = plural(len(ids), "task")
        tasks = "task" if len(ids) == 1 else "tasks"
        self.app.push_screen(
            InputPrompt(f"{verb} {count}?", placeholder="Why? Their owners see this message.",
                        details="The message is shown to each task's owner.", items=self.task_words(ids),
                        ok_label=f"{verb} {tasks}", cancel_label="Keep" if verb == "Cancel" else "Back",
                        danger=verb == "Cancel"),
            answered,
        )

    def _act(self, verb: str, ids: list[str], call: Callable[[], str]) -> None:
        self._run(verb, ids, call)

    @work(thread=True, group="admin-act", exit_on_error=False)
    def _run(self, verb: str, ids: list[str], call: Callable[[], str]) -> None:
        try:
            message = call()
        except GtermError as exc:
            deliver(self.app, report, self.app, exc, context=f"{verb} {plural(len(ids), 'task')}")
            return
        deliver(self.app, self._acted, message)

    def _acted(self, message: str) -> None:
        """Paused, resumed or cancelled: the rows on screen are read again in place (a reload put the cursor
        on the first row, so the next x or p acted on another task); the selection, acted on, is cleared."""
        self.notify(escape_controls(message), title="Tasks", timeout=4)
        acted, self.selected = self.selected, set()
        for row, item in enumerate(self.items):
            if item.task.task_id in acted:
                self._draw_row(row, item)  # its selection mark gone
        self._set_status()
        self._reread_shown(now=True)

    def action_pause_rules(self) -> None:
        filters = self.filters()
        if not filters.endpoint:
            self.notify("Pick an endpoint in the filter first: pause rules belong to one endpoint.",
                        severity="warning")
            return
        from gterm.tui.screens.pause_rules import PauseRulesScreen

        name = next((e.display_name for e in self.endpoints if e.id == filters.endpoint), filters.endpoint)
        self.app.push_screen(PauseRulesScreen(self.manager, filters.endpoint, name, self.names))

    def action_close(self) -> None:
        self.dismiss()

    def statuses(self) -> dict[str, Any]:
        """task id -> the status cell's text, for tests."""
        return {item.task.task_id: task_cells(item, False)[3].plain for item in self.items}
