"""A :class:`LocalTask` answered in the shape of Transfer's task calls, for the task details screen.

The details screen reads a task, its events, successes, skips and pause info
and can cancel it through the same method names whether the task runs at
Globus (:class:`TransferService`) or in gterm (this class, over one task).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from gterm.globus.errors import InvalidInput
from gterm.globus.models import Event, Task


class OwnTask(Protocol):
    """One of gterm's own tasks: running in this run (a LocalTask), or of an earlier one
    (gterm.globus.task_history.PastTask, which has ended)."""

    @property
    def task_id(self) -> str: ...

    @property
    def is_active(self) -> bool: ...

    def snapshot(self) -> Task: ...

    def events(self) -> list[Event]: ...

    def cancel(self) -> None: ...

    def interrupt(self) -> None: ...  # gterm quits: stop, to be gone on with later (not the user's cancel)


_CUT_OFF: dict[str, str] = {
    # HttpsFiles.download keeps its .gterm-part file; F5 again continues it.
    "download": "a partial download is kept to resume",
    # An upload's PUT is broken off: the collection keeps nothing under the name (HttpsFiles.upload).
    "upload": "a file cut off is not kept on the collection; the files already sent stay there",
    # A copy writes to a hidden temporary name, removed on a cancel (LocalTask._copy_local).
    "copy": "a file cut off is removed; the files already copied stay",
}
"""What a cancel leaves of the file each stream was moving, by the task's kind (its type, lower case)."""


class LocalTaskControl:
    """Transfer's task calls, answered by one of gterm's own tasks."""

    def __init__(self, task: OwnTask) -> None:
        self.local_task = task

    def task(self, task_id: str) -> Task:
        return self.local_task.snapshot()

    def events(self, task_id: str, limit: int = 100) -> list[Event]:
        return list(reversed(self.local_task.events()))[:limit]  # newest first, as Transfer lists them

    def successful_transfers(self, task_id: str) -> list[dict[str, Any]]:
        return []  # files done are counted in the task's fields

    def skipped_errors(self, task_id: str) -> list[dict[str, Any]]:
        return []

    def pause_info(self, task_id: str) -> dict[str, Any]:
        return {}

    def cancel(self, task_id: str) -> str:
        if not self.local_task.is_active:
            return "The task had already ended."
        self.local_task.cancel()
        kind = self.local_task.snapshot().type.lower()
        return f"Cancelling: each stream stops at its next piece ({_CUT_OFF[kind]})."

    def update_task(self, task_id: str, *, label: str | None = None, deadline: datetime | None = None) -> Task:
        raise InvalidInput("A download, upload or copy run by gterm has no label or deadline to change.")
