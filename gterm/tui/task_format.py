"""Pure formatting of Transfer tasks for the task panel and the details screen.

Nothing here touches Textual or the clock: every function that needs "now"
takes it as an argument, so the panel renders deterministically in snapshot
tests (a frozen clock) and the numbers can be unit tested.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from gterm.globus.models import INTERRUPTED, Task
from gterm.tui.listing_view import human_size
from gterm.wording import directories, left_out, plural, skipped

# How a finished task "ended", for notifications and the status column.
ENDED_OK = "succeeded"
ENDED_FAILED = "failed"
ENDED_CANCELED = "canceled"
ENDED_INTERRUPTED = "interrupted"  # one of gterm's own tasks, stopped because gterm did (F5 again goes on)


def human_bytes(count: int | None) -> str:
    """Task sizes in the UI's one size format (:func:`gterm.tui.listing_view.human_size`); ``-`` when unknown."""
    if count is None:
        return "-"
    return human_size(count)


def human_rate(bytes_per_second: int | float | None) -> str:
    if not bytes_per_second:
        return "-"
    return human_bytes(int(bytes_per_second)) + "/s"


def human_duration(seconds: float | None) -> str:
    """Compact durations: ``42s``, ``3m05s``, ``2h07m``, ``3d04h``."""
    if seconds is None:
        return "-"
    total = max(0, round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a task is: ``done`` of ``total`` ``unit`` (bytes, files or subtasks)."""

    done: int
    total: int
    unit: str

    @property
    def fraction(self) -> float | None:
        if self.total <= 0:
            return None
        return min(1.0, max(0.0, self.done / self.total))

    @property
    def short_text(self) -> str:
        """``45/120`` or ``1.2 GB/4.0 GB`` (the unit lives in the details screen; the panel is narrow)."""
        if self.total <= 0:
            return "-"
        if self.unit == "bytes":
            return f"{human_bytes(self.done)}/{human_bytes(self.total)}"
        return f"{self.done:,}/{self.total:,}"

    @property
    def text(self) -> str:
        if self.total <= 0:
            return "-"
        if self.unit == "bytes":
            return self.short_text
        return f"{self.done:,}/{self.total:,} {self.unit}"


GTERM_TASK_TYPES = frozenset({"DOWNLOAD", "UPLOAD", "COPY"})
"""Tasks gterm runs itself (gterm.globus.local_tasks): their snapshot carries ``bytes_total``."""
BYTE_TASK_TYPES = GTERM_TASK_TYPES | {"TRANSFER"}


def progress(task: Task, expected_bytes: int | None = None) -> Progress:
    """Bytes moved of ``expected_bytes`` when gterm knows the total, else files done of total,
    else subtasks finished of total.

    Bytes move during a file, files count only when one ends: a single large
    file would sit at ``0/1`` for its whole run. Globus counts skipped files
    (sync levels) as done work; a finished successful task is always complete
    even when the counters say little (an empty directory transfer has zero files).
    """
    if expected_bytes is None and task.type in GTERM_TASK_TYPES:
        expected_bytes = int(task.raw.get("bytes_total") or 0) or None  # gterm's own tasks know their total
    if task.type in BYTE_TASK_TYPES and expected_bytes:
        result = Progress(min(task.bytes_transferred, expected_bytes), expected_bytes, "bytes")
    elif task.type == "TRANSFER" and task.files > 0:
        done = task.files_transferred + task.files_skipped
        result = Progress(min(done, task.files), task.files, "files")
    elif task.subtasks_total > 0:
        finished = task.subtasks_total - task.subtasks_pending - task.subtasks_retrying
        result = Progress(max(0, finished), task.subtasks_total, "subtasks")
    else:
        result = Progress(0, 0, "files")
    if task.status == "SUCCEEDED" and result.total > 0:
        return Progress(result.total, result.total, result.unit)
    return result


def progress_bar(fraction: float | None, width: int) -> str:
    """A text bar (``█████░░░░░``): cheap to render and identical in every snapshot."""
    if width <= 0:
        return ""
    if fraction is None:
        return "·" * width
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


def elapsed_seconds(task: Task, now: datetime) -> float | None:
    if task.request_time is None:
        return None
    end = task.completion_time or now
    return max(0.0, (end - task.request_time).total_seconds())


MIN_DONE_FOR_ETA = 10
"""Files (or subtasks) done before their share of the total is extrapolated to a time left."""


def eta_seconds(task: Task, now: datetime, expected_bytes: int | None = None) -> float | None:
    """Time left; None when unknowable. An INACTIVE task is stalled (credentials, consent, pause).

    With the byte total known: the bytes left at the task's rate (its
    effective rate, else bytes moved over elapsed time). Otherwise the share
    of work done so far is extrapolated, once :data:`MIN_DONE_FOR_ETA` files
    (or subtasks) are done: a file counts only when it ends, so with a few
    big files the count lags the bytes that moved and the estimate was twice
    the real time left (six 31 MB files: 5m07s shown when 2m40s remained). No
    estimate is better than a wrong one; the rate and bytes moved still show.
    """
    if task.status != "ACTIVE":
        return None
    elapsed = elapsed_seconds(task, now)
    prog = progress(task, expected_bytes)
    if prog.unit == "bytes":
        rate = task.effective_bytes_per_second or (
            task.bytes_transferred / elapsed if elapsed and task.bytes_transferred else 0
        )
        if rate <= 0:
            return None
        return max(0, prog.total - prog.done) / rate
    frac = prog.fraction
    if not frac or elapsed is None or elapsed <= 0 or prog.done < MIN_DONE_FOR_ETA:
        return None
    return elapsed * (1.0 - frac) / frac


def ending(task: Task) -> str | None:
    """How a finished task ended (succeeded / failed / canceled / interrupted); None while active."""
    if task.status == "SUCCEEDED":
        return ENDED_OK
    if task.status == "FAILED" and task.nice_status == INTERRUPTED:
        return ENDED_INTERRUPTED
    if task.status == "FAILED":
        fatal = task.raw.get("fatal_error") if task.raw else None
        code = str(fatal.get("code") or "") if isinstance(fatal, dict) else ""
        if code.upper() in ("CANCELED", "CANCELLED") or (task.nice_status or "").upper() == "CANCELED":
            return ENDED_CANCELED
        return ENDED_FAILED
    return None


def status_text(task: Task) -> str:
    """Status with nice_status: ``ACTIVE OK``, ``ACTIVE Queued``, ``FAILED CANCELED``."""
    end = ending(task)
    if end == ENDED_CANCELED:
        return "FAILED CANCELED"
    if end == ENDED_INTERRUPTED:
        return INTERRUPTED
    if task.status == "FAILED":
        fatal = task.raw.get("fatal_error") if task.raw else None
        code = str(fatal.get("code") or "") if isinstance(fatal, dict) else ""
        return f"FAILED {code}".strip()
    if task.is_paused:
        return f"PAUSED: {task.pause_message}" if task.pause_message else "PAUSED"
    if task.is_active and task.nice_status:
        return f"{task.status} {task.nice_status}"
    return task.status


def task_title(task: Task) -> str:
    """The label, or a description built from the endpoints when the task has none."""
    if task.label:
        return task.label
    if task.type == "DELETE":
        return f"delete on {task.source_endpoint_display_name or task.source_endpoint_id or '?'}"
    src = task.source_endpoint_display_name or task.source_endpoint_id or "?"
    dst = task.destination_endpoint_display_name or task.destination_endpoint_id or "?"
    return f"{src} -> {dst}"


def finish_message(task: Task) -> str:
    """The notification text when a task leaves ACTIVE/INACTIVE."""
    end = ending(task) or task.status.lower()
    kind = task.type.title() if task.type in GTERM_TASK_TYPES or task.type == "DELETE" else "Transfer"
    detail = ""
    if end == ENDED_OK and task.type in BYTE_TASK_TYPES:
        detail = f"{plural(task.files_transferred, 'file')}, {human_bytes(task.bytes_transferred)}{_skipped(task)}"
        if task.type in GTERM_TASK_TYPES and not task.files and task.directories:
            detail = f"{directories(task.directories)} made, no files"  # as cp -r makes them
        detail = f" ({'; '.join(filter(None, (detail, _left_out(task))))})"
    elif end in (ENDED_FAILED, ENDED_INTERRUPTED):
        fatal = task.raw.get("fatal_error") if task.raw else None
        if isinstance(fatal, dict) and fatal.get("description"):
            detail = f": {fatal['description']}"
        elif isinstance(fatal, str) and fatal:  # gterm's own tasks say it in a sentence
            detail = f": {fatal}"
    return f"{kind} {end}: {task_title(task)}{detail}"


def _skipped(task: Task) -> str:
    """``, 2 skipped`` (files), ``, 1 directory skipped``: gterm's own tasks name what they skipped in their
    events, and the notice says there is something to see."""
    if task.type not in GTERM_TASK_TYPES:
        return ""
    directories = int(task.raw.get("directories_skipped") or 0) if task.raw else 0
    if not directories:
        return f", {task.files_skipped:,} skipped" if task.files_skipped else ""
    return f", {skipped(task.files_skipped, directories)}"


def _left_out(task: Task) -> str:
    """``2 links and 1 special file left out``: what a tree walk of gterm's own task did not take (its
    events say which and why); a notice that said only the files would read as if everything went."""
    if task.type not in GTERM_TASK_TYPES or not task.raw:
        return ""
    return left_out(int(task.raw.get("links_left_out") or 0), int(task.raw.get("special_files_left_out") or 0))


def sort_tasks(tasks: Sequence[Task]) -> list[Task]:
    """Active (and paused) tasks first, then by request time, newest first; stable otherwise."""
    def key(task: Task) -> tuple[int, float]:
        stamp = task.request_time.timestamp() if task.request_time else 0.0
        return (0 if task.is_active else 1, -stamp)

    return sorted(tasks, key=key)


def finished_since(previous: dict[str, str], tasks: Sequence[Task]) -> list[Task]:
    """Tasks that were active in ``previous`` (task_id -> status) and are now finished.

    A task seen for the first time already finished is not news (it ended
    before gterm was watching), so only transitions between two polls count.
    """
    return [
        task
        for task in tasks
        if previous.get(task.task_id) in ("ACTIVE", "INACTIVE") and not task.is_active
    ]


def one_line_details(details: str) -> str:
    """Event details on one line: Globus sends them as pretty-printed JSON text.

    A JSON object becomes ``key=value, key=value`` (nested values as compact
    JSON), any other JSON compact JSON, and plain text has its runs of
    whitespace (newlines included) folded into single spaces. The result
    still goes through ``gterm.tui.safe_text.escape_controls`` before it is shown.
    """
    text = details.strip()
    if not text:
        return ""
    try:
        value = json.loads(text)
    except ValueError:
        return " ".join(text.split())
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            shown = item if isinstance(item, str) else json.dumps(item, ensure_ascii=False, separators=(",", ":"))
            parts.append(f"{key}={' '.join(str(shown).split())}")
        return ", ".join(parts)
    if isinstance(value, str):
        return " ".join(value.split())
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_deadline(text: str, now: datetime) -> datetime | None:
    """``""`` -> None; ``+2h`` / ``+30m`` / ``+1d`` / ``+1w`` relative to ``now``; or an ISO date/time.

    A naive ISO time is taken in ``now``'s timezone (the user's local time).
    Raises ValueError with a message fit to show under the input.
    """
    from datetime import timedelta

    raw = text.strip()
    if not raw:
        return None
    # Past datetime's year 9999 (+9999999d, or 9999-12-31 in a timezone west of UTC): no calendar holds it.
    too_far = f"The deadline {raw!r} is too far ahead: give a date before the year 9999."
    if raw.startswith("+"):
        amount, unit = raw[1:-1].strip(), raw[-1:].lower()
        # ASCII digits only: "²" and "٣" are digits to str.isdigit, not to float().
        if unit not in _UNIT_SECONDS or not (amount.isascii() and amount.replace(".", "", 1).isdigit()):
            raise ValueError(
                f"Cannot read deadline {raw!r}: use +30m, +2h, +1d, +1w or a date and time as YYYY-MM-DDTHH:MM."
            )
        try:
            result = now + timedelta(seconds=float(amount) * _UNIT_SECONDS[unit])
        except OverflowError:
            raise ValueError(too_far) from None
    else:
        try:
            result = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"Cannot read deadline {raw!r}: use +30m, +2h, +1d, +1w or a date and time as YYYY-MM-DDTHH:MM."
            ) from None
        if result.tzinfo is None:
            result = result.replace(tzinfo=now.tzinfo)
    try:
        result.astimezone(UTC)  # as it is sent (transfer_documents.deadline_text)
    except OverflowError:
        raise ValueError(too_far) from None
    if result <= now:
        raise ValueError(f"The deadline {result.isoformat(timespec='minutes')} is in the past.")
    return result
