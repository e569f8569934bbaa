"""gterm's own tasks remembered across runs: what the task panel lists after a restart.

Transfer keeps its tasks at Globus, so they come back with the next ``task_list``;
gterm's own (HTTPS downloads and uploads, copies on this computer) live in gterm's
memory, and without this file they vanished with it, an interrupted download
and its hidden part file included. Each task is written here when its state
changes (started, planned, connection lost or back, stopped, ended) and every
:data:`CHECKPOINT_SECONDS` at most as files finish, never on a progress tick.

The file is JSON beside gterm's state file (``state.tasks.json`` in the data
dir), user-only (0600, written atomically as the state file is), and holds the
last :data:`KEEP_TASKS` tasks of the last :data:`KEEP_DAYS` days, each with at
most :data:`KEEP_EVENTS` events. Every text goes through :func:`gterm.redaction.redact`
first: no token reaches it. A task still running in the file was running when
gterm stopped (a crash, a kill): it is read back as interrupted, with its last
known figures. A file gterm cannot read is set aside (``.bad``) and said once;
gterm starts with an empty history rather than not at all.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gterm.config import make_private_dir, write_atomically
from gterm.globus.download_parts import PART_SUFFIX
from gterm.globus.models import INTERRUPTED, Event, Task
from gterm.redaction import redact
from gterm.wording import plural

if TYPE_CHECKING:  # pragma: no cover - the history reads a task's snapshot; the task imports this module
    from gterm.globus.local_tasks import LocalTask

log = logging.getLogger(__name__)

VERSION = 1
KEEP_TASKS = 100
KEEP_DAYS = 30
KEEP_EVENTS = 50  # per task: the first ones (what it set out to do) and the last ones (how it ended)
CHECKPOINT_SECONDS = 15.0
"""A running task's figures are written at most this often as its files finish (a crash loses no more)."""



def interrupted_message(task: Task, *, quit_on_purpose: bool) -> str:
    """Why the task stopped, how far it got, and how to go on (F5 on the same files)."""
    kind = task.type.lower()
    why = f"gterm {'quit' if quit_on_purpose else 'stopped'} while this {kind} ran"
    total = int(task.raw.get("bytes_total") or 0)
    moved = plural(task.bytes_transferred, "byte")
    if total:
        moved = f"{task.bytes_transferred:,} of {plural(total, 'byte')}"
    done = f"{plural(task.files_transferred, 'file')} of {task.files:,} done" if task.files else "no file done"
    if kind == "download":
        return (f"{why}: {done}, {moved} arrived. What arrived of an unfinished file is kept in a hidden part file "
                f"beside it (.NAME{PART_SUFFIX}). Press F5 on the same files again to resume.")
    return f"{why}: {done}, {moved} sent. Press F5 on the same files again to send the rest."


@dataclass(frozen=True, slots=True)
class PastTask:
    """A task of an earlier run, read back: shown and opened as a live one is, but it runs no more."""

    task: Task
    past_events: tuple[Event, ...]

    @property
    def task_id(self) -> str:
        return self.task.task_id

    @property
    def is_active(self) -> bool:
        return False

    def snapshot(self) -> Task:
        return self.task

    def events(self) -> list[Event]:
        return list(self.past_events)

    def cancel(self) -> None:
        """Nothing runs: it ended with the run that started it."""

    def interrupt(self) -> None:
        """Nothing runs."""


@dataclass(frozen=True, slots=True)
class Loaded:
    """What start-up found: the tasks, which of them to tell about, and what went wrong reading the file."""

    tasks: list[PastTask]
    newly_interrupted: list[PastTask] = field(default_factory=list)  # not yet said in a notice
    problem: str | None = None  # the file could not be read: said once, in these words


class TaskHistory:
    """The file of gterm's own tasks; ``path`` None keeps them in memory only (an app with no settings file).

    Thread safe: tasks record themselves from their worker threads.
    """

    def __init__(self, path: Path | None, *, clock: Callable[[], datetime] | None = None) -> None:
        self.path = path
        self.clock = clock or (lambda: datetime.now(UTC))
        self._records: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._writable = path is not None
        self.write_error: OSError | None = None  # the first write that failed (said once by the panel)
        self.on_write_error: Callable[[OSError], None] | None = None

    # --- reading ---------------------------------------------------------------

    def load(self) -> Loaded:
        """The tasks of earlier runs, newest first. Never raises: a bad file is set aside and said."""
        problem = None
        with self._lock:
            try:
                records = self._read()
            except _Unreadable as exc:
                problem = self._set_aside(str(exc))
                records = []
            for record in records:
                self._records.setdefault(str(record.get("task_id")), record)
            past, new = [], []
            for record in self._kept():
                try:
                    task = _past_task(record, self.clock())
                except (TypeError, ValueError, KeyError, AttributeError) as exc:
                    log.warning("task history: a record left out (%s)", exc)
                    self._records.pop(str(record.get("task_id")), None)
                    continue
                past.append(task)
                if task.task.nice_status == INTERRUPTED and not record.get("told"):
                    new.append(task)
                    record["told"] = True
            if new:
                self._write()
        return Loaded(past, new, problem)

    def _read(self) -> list[dict[str, Any]]:
        if self.path is None:
            return []
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as exc:
            raise _Unreadable(getattr(exc, "strerror", None) or str(exc)) from None
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise _Unreadable(f"not JSON: {exc}") from None
        if not isinstance(document, dict) or not isinstance(document.get("tasks"), list):
            raise _Unreadable("not a task history")
        if document.get("version") != VERSION:
            raise _Unreadable(f"version {document.get('version')!r}, this gterm reads {VERSION}")
        return [record for record in document["tasks"] if isinstance(record, dict)]

    def _set_aside(self, why: str) -> str:
        assert self.path is not None
        bad = self.path.with_name(self.path.name + ".bad")
        try:
            os.replace(self.path, bad)
        except OSError as exc:
            self._writable = False  # never write over a file that could be the user's only copy
            return (f"gterm's task history {self.path} cannot be read ({why}) nor set aside "
                    f"({exc.strerror or exc}): earlier tasks are not listed, and this run's are not kept.")
        return (f"gterm's task history {self.path} cannot be read ({why}): it was kept as {bad.name}, "
                "and the history starts empty.")

    # --- writing ---------------------------------------------------------------

    def record(self, task: LocalTask) -> None:
        """Write ``task`` as it stands now (called by the task when its state changes; never raises)."""
        snapshot, events = task.snapshot(), task.events()
        with self._lock:
            told = bool(self._records.get(snapshot.task_id, {}).get("told"))
            self._records[snapshot.task_id] = _record(snapshot, events, self.clock(), told=told)
            self._write()

    def _kept(self) -> list[dict[str, Any]]:
        """The records within the bounds, newest first (the others are forgotten)."""
        oldest = self.clock() - timedelta(days=KEEP_DAYS)

        def started(record: Mapping[str, Any]) -> str:
            return str(record.get("request_time") or "")

        records = sorted(self._records.values(), key=started, reverse=True)
        kept = [r for r in records if started(r) >= oldest.isoformat()][:KEEP_TASKS]
        self._records = {str(r.get("task_id")): r for r in kept}
        return kept

    def _write(self) -> None:
        if self.path is None or not self._writable:
            return
        document = {"version": VERSION, "tasks": self._kept()}
        try:
            make_private_dir(self.path.parent)
            write_atomically(self.path, json.dumps(document, ensure_ascii=False, indent=1), prefix=".tasks-")
        except OSError as exc:
            if self.write_error is None:
                self.write_error = exc
                if self.on_write_error is not None:
                    self.on_write_error(exc)


class _Unreadable(Exception):
    pass


_TIMES = ("request_time", "completion_time", "deadline")
_RAW_KEPT = ("bytes_total", "bytes_resumed", "fatal_error", "directories_skipped")


def _record(task: Task, events: list[Event], now: datetime, *, told: bool) -> dict[str, Any]:
    """One task as the file holds it: the Task's own fields, the events (capped), texts redacted."""
    record: dict[str, Any] = {}
    for f in dataclasses.fields(task):
        value = getattr(task, f.name)
        if f.name == "raw":
            value = {key: _clean(value.get(key)) for key in _RAW_KEPT if value.get(key) is not None}
        elif isinstance(value, datetime):
            value = value.isoformat()
        record[f.name] = _clean(value)
    if len(events) > KEEP_EVENTS:
        first = KEEP_EVENTS // 5
        left_out = len(events) - KEEP_EVENTS + 1
        gap = Event("EVENTS_LEFT_OUT", f"{plural(left_out, 'event')} not kept in the history", "", False,
                    events[first].time)
        events = [*events[:first], gap, *events[len(events) - (KEEP_EVENTS - first - 1):]]
    record["events"] = [
        {"code": e.code, "description": redact(e.description), "details": redact(e.details), "is_error": e.is_error,
         "time": e.time.isoformat() if e.time else None}
        for e in events
    ]
    record["saved"] = now.isoformat()
    record["told"] = told
    return record


def _clean(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


_KINDS: dict[str, tuple[type, ...]] = {
    "int": (int,), "int | None": (int, type(None)), "str": (str,), "str | None": (str, type(None)),
    "bool": (bool,), "datetime | None": (str, type(None)), "Mapping[str, Any]": (dict,),
}


def _past_task(record: Mapping[str, Any], now: datetime) -> PastTask:
    """A record read back; raises ValueError/TypeError on one that is not a task's."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Task):
        value = record.get(f.name)
        kinds = _KINDS.get(str(f.type), (object,))
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise TypeError(f"{f.name} is {type(value).__name__}")
        values[f.name] = _time(str(value)) if f.name in _TIMES and value else value
    events = tuple(_event(doc) for doc in record.get("events") or [] if isinstance(doc, dict))
    task = Task(**values)
    if task.is_active:  # it was running when gterm stopped without a word: a crash, a kill, a power cut
        saved = _time(str(record.get("saved") or now.isoformat()))
        raw = dict(task.raw)
        raw["fatal_error"] = interrupted_message(task, quit_on_purpose=False)
        task = dataclasses.replace(task, status="FAILED", nice_status=INTERRUPTED, completion_time=saved,
                                   effective_bytes_per_second=0, raw=raw)
        events = (*events, Event(INTERRUPTED, raw["fatal_error"], "", True, saved))
    return PastTask(task, events)


def _event(doc: Mapping[str, Any]) -> Event:
    when = doc.get("time")
    return Event(str(doc.get("code") or ""), str(doc.get("description") or ""), str(doc.get("details") or ""),
                 bool(doc.get("is_error")), _time(when) if isinstance(when, str) else None)


def _time(text: str) -> datetime:
    """A time the file holds (ISO 8601); one without a zone is UTC, as gterm writes every time."""
    when = datetime.fromisoformat(text)
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def checkpoint_due(last: float, now: float | None = None) -> bool:
    """True when a running task's figures are worth writing again (see :data:`CHECKPOINT_SECONDS`)."""
    return (time.monotonic() if now is None else now) - last >= CHECKPOINT_SECONDS

