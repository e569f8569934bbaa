"""Reading one task in full: the task, its events, successful transfers, skipped errors, pause info.

Transfer offers these reads twice, answering the same documents: to the task's
owner (``get_task``, ``task_event_list``, ...) and to an administrator of an
endpoint the task uses (``endpoint_manager_get_task``, ...). :class:`TaskReads`
makes them once, told which routes to take; TransferService (my tasks) and
EndpointManager (tasks on endpoints I manage) are both one, so the task details
screen reads either through the same five calls.

It also owns the per-thread client both services need (globus-sdk clients are
not shared between worker threads).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gterm.globus.error_mapping import translate_errors
from gterm.globus.models import Event, Task

if TYPE_CHECKING:  # pragma: no cover
    import globus_sdk

Docs = Iterable[Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class TaskRoutes:
    """The SDK calls that read one task (each takes the client, then the task id)."""

    get_task: Callable[[globus_sdk.TransferClient, str], Any]
    events: Callable[[globus_sdk.TransferClient, str, int], Docs]
    pause_info: Callable[[globus_sdk.TransferClient, str], Any]
    successful_transfers: Callable[[globus_sdk.TransferClient, str], Docs]
    skipped_errors: Callable[[globus_sdk.TransferClient, str], Docs]


#: As the task's owner.
OWNER_ROUTES = TaskRoutes(
    get_task=lambda client, task_id: client.get_task(task_id),
    events=lambda client, task_id, limit: client.task_event_list(task_id, limit=limit),
    pause_info=lambda client, task_id: client.task_pause_info(task_id),
    successful_transfers=lambda client, task_id: client.task_successful_transfers(task_id),
    skipped_errors=lambda client, task_id: client.task_skipped_errors(task_id),
)

#: As an administrator of an endpoint the task uses (the management API, activity monitor role).
MANAGER_ROUTES = TaskRoutes(
    get_task=lambda client, task_id: client.endpoint_manager_get_task(task_id),
    events=lambda client, task_id, limit: client.endpoint_manager_task_event_list(task_id, limit=limit),
    pause_info=lambda client, task_id: client.endpoint_manager_task_pause_info(task_id),
    successful_transfers=lambda client, task_id: client.endpoint_manager_task_successful_transfers(task_id),
    skipped_errors=lambda client, task_id: client.endpoint_manager_task_skipped_errors(task_id),
)


class TaskReads:
    """One task's details through ``routes``. Safe to share between threads: each uses its own client."""

    def __init__(self, client_factory: Callable[[], globus_sdk.TransferClient], routes: TaskRoutes) -> None:
        self._client_factory = client_factory
        self._local = threading.local()
        self._routes = routes

    def client(self) -> globus_sdk.TransferClient:
        """This thread's TransferClient, created on first use."""
        existing: globus_sdk.TransferClient | None = getattr(self._local, "client", None)
        if existing is None:
            existing = self._client_factory()
            self._local.client = existing
        return existing

    @translate_errors()
    def task(self, task_id: str) -> Task:
        """The task (as an administrator: owner_string, is_paused, ... stay in ``raw``)."""
        return Task.from_doc(self._routes.get_task(self.client(), task_id).data)

    @translate_errors()
    def events(self, task_id: str, limit: int = 100) -> list[Event]:
        """The task's most recent events (one call)."""
        return [Event.from_doc(doc) for doc in self._routes.events(self.client(), task_id, limit)]

    @translate_errors()
    def pause_info(self, task_id: str) -> dict[str, Any]:
        return dict(self._routes.pause_info(self.client(), task_id).data)

    @translate_errors()
    def successful_transfers(self, task_id: str) -> list[dict[str, Any]]:
        """The first page of the task's successful transfers (source/destination paths)."""
        return [dict(doc) for doc in self._routes.successful_transfers(self.client(), task_id)]

    @translate_errors()
    def skipped_errors(self, task_id: str) -> list[dict[str, Any]]:
        """The first page of the paths skipped with skip_source_errors."""
        return [dict(doc) for doc in self._routes.skipped_errors(self.client(), task_id)]
