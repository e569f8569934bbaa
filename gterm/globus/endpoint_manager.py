"""The administrator's view: Transfer's management API (``/endpoint_manager``), typed.

Every task that touches an endpoint or collection where I hold activity_monitor,
activity_manager or administrator, whoever owns it; cancel, pause and resume
(activity_manager); pause rules of an endpoint. Tasks are paged the way the
service pages them (``last_key``), one page per call, so a screen asks for the
next page only when the user scrolls to it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from gterm.globus.error_mapping import translate_errors
from gterm.globus.errors import InvalidInput
from gterm.globus.models import Task, parse_time
from gterm.globus.task_reads import MANAGER_ROUTES, TaskReads
from gterm.lazy_modules import LazyModule
from gterm.wording import plural

if TYPE_CHECKING:
    import globus_sdk
else:
    # Loaded with the first call to Globus, not with the TUI (gterm.lazy_modules).
    globus_sdk = LazyModule("globus_sdk")

PAGE_SIZE = 1000  # the most Transfer answers in one endpoint_manager_task_list page
TASK_IDS_PER_READ = 50  # task ids one endpoint_manager_task_list takes at most (filter_task_id)
RUNNING = ("ACTIVE", "INACTIVE")
STATUS_CHOICES: dict[str, tuple[str, ...]] = {
    "running": RUNNING,
    "succeeded": ("SUCCEEDED",),
    "failed": ("FAILED",),
    "all": (),
}
#: The operations a pause rule can stop, with the words the form shows.
PAUSE_OPERATIONS: dict[str, str] = {
    "pause_ls": "ls (list directories)",
    "pause_mkdir": "mkdir",
    "pause_rename": "rename",
    "pause_symlink": "symlink",
    "pause_task_delete": "delete tasks",
    "pause_task_transfer_read": "transfers reading from it",
    "pause_task_transfer_write": "transfers writing to it",
}


@dataclass(frozen=True, slots=True)
class MonitoredEndpoint:
    id: str
    display_name: str
    entity_type: str

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> MonitoredEndpoint:
        return cls(str(doc["id"]), str(doc.get("display_name") or doc["id"]), str(doc.get("entity_type") or ""))


@dataclass(frozen=True, slots=True)
class TaskFilters:
    """endpoint_manager_task_list's filters; ``endpoint`` is required unless only running tasks are asked for."""

    endpoint: str | None = None
    status: str = "running"  # a key of STATUS_CHOICES
    endpoint_use: Literal["source", "destination"] | None = None
    owner_id: str | None = None
    completed_after: datetime | None = None
    completed_before: datetime | None = None
    min_faults: int | None = None
    paused: bool | None = None

    def query(self) -> dict[str, Any]:
        statuses = STATUS_CHOICES.get(self.status)
        if statuses is None:
            raise InvalidInput(f"Unknown status filter {self.status!r}.")
        running_only = bool(statuses) and set(statuses) <= set(RUNNING)
        if not self.endpoint and not running_only:
            raise InvalidInput("Pick an endpoint or collection: only running tasks can be listed across all of them.")
        args: dict[str, Any] = {}
        if statuses:
            args["filter_status"] = ",".join(statuses)
        if self.endpoint:
            args["filter_endpoint"] = self.endpoint
            if self.endpoint_use:
                args["filter_endpoint_use"] = self.endpoint_use
        if self.owner_id:
            args["filter_owner_id"] = self.owner_id
        if self.completed_after or self.completed_before:
            start = self.completed_after.isoformat() if self.completed_after else ""
            end = self.completed_before.isoformat() if self.completed_before else ""
            args["filter_completion_time"] = f"{start},{end}"
        if self.min_faults:
            args["filter_min_faults"] = self.min_faults
        if self.paused is not None:
            args["filter_is_paused"] = self.paused
        return args


@dataclass(frozen=True, slots=True)
class AdminTask:
    """A task as its administrators see it: the owner and what the administrators did to it."""

    task: Task
    owner: str
    is_paused: bool
    canceled_by_admin_message: str | None

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> AdminTask:
        message = doc.get("canceled_by_admin_message")
        return cls(
            Task.from_doc(doc),
            str(doc.get("owner_string") or doc.get("owner_id") or ""),
            bool(doc.get("is_paused")),
            str(message) if message else None,
        )


@dataclass(frozen=True, slots=True)
class TaskPage:
    tasks: tuple[AdminTask, ...]
    last_key: str | None  # where the next page starts; None at the end

    @property
    def has_next(self) -> bool:
        return self.last_key is not None


@dataclass(frozen=True, slots=True)
class PauseRule:
    id: str
    endpoint_id: str
    endpoint_display_name: str
    message: str
    identity_id: str | None  # None: everyone
    start_time: datetime | None
    operations: tuple[str, ...]  # keys of PAUSE_OPERATIONS that are on
    editable: bool

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> PauseRule:
        return cls(
            id=str(doc["id"]),
            endpoint_id=str(doc.get("endpoint_id") or ""),
            endpoint_display_name=str(doc.get("endpoint_display_name") or doc.get("endpoint_id") or ""),
            message=str(doc.get("message") or ""),
            identity_id=doc.get("identity_id") or None,
            start_time=parse_time(doc.get("start_time")),
            operations=tuple(key for key in PAUSE_OPERATIONS if doc.get(key)),
            editable=bool(doc.get("editable", True)),
        )

    def operations_text(self) -> str:
        return ", ".join(PAUSE_OPERATIONS[key].split(" (")[0] for key in self.operations) or "nothing"


@dataclass(frozen=True, slots=True)
class PauseRuleDraft:
    """What the pause rule form sends (create or update)."""

    endpoint_id: str
    message: str
    operations: tuple[str, ...]
    identity_id: str | None = None
    start_time: datetime | None = None  # None: from now on

    def check(self) -> str | None:
        if not self.message.strip():
            return "A pause rule needs a message: it is what users are told."
        if not self.operations:
            return "Pick at least one operation to pause."
        unknown = set(self.operations) - set(PAUSE_OPERATIONS)
        if unknown:
            return f"Unknown operations: {', '.join(sorted(unknown))}."
        return None

    def document(self, *, now: datetime | None = None) -> dict[str, Any]:
        """The request body. Without a start time the rule starts ``now`` when given; left out, a new
        rule starts at once but an updated one keeps its old start (so an update passes ``now``)."""
        doc: dict[str, Any] = {
            "DATA_TYPE": "pause_rule",
            "endpoint_id": self.endpoint_id,
            "message": self.message.strip(),
            "identity_id": self.identity_id,
            **{key: key in self.operations for key in PAUSE_OPERATIONS},
        }
        start = self.start_time or now
        if start is not None:
            doc["start_time"] = start.isoformat()
        return doc


class EndpointManager(TaskReads):
    """Typed management API calls. Safe to share between threads: each thread uses its own client.

    Reading one task in full (the task details screen's source) is
    :class:`~gterm.globus.task_reads.TaskReads` through the management routes.
    """

    def __init__(self, client_factory: Callable[[], globus_sdk.TransferClient]) -> None:
        super().__init__(client_factory, MANAGER_ROUTES)

    @translate_errors()
    def monitored_endpoints(self) -> list[MonitoredEndpoint]:
        return [MonitoredEndpoint.from_doc(doc) for doc in self.client().endpoint_manager_monitored_endpoints()]

    @translate_errors()
    def task_page(self, filters: TaskFilters, last_key: str | None = None, limit: int = PAGE_SIZE) -> TaskPage:
        response = self.client().endpoint_manager_task_list(
            **filters.query(), last_key=last_key or globus_sdk.MISSING, query_params={"limit": limit}
        )
        tasks = tuple(AdminTask.from_doc(doc) for doc in response["DATA"])
        next_key = response.get("last_key") if response.get("has_next_page") else None
        return TaskPage(tasks, str(next_key) if next_key else None)

    @translate_errors()
    def tasks_by_id(self, task_ids: Sequence[str]) -> list[AdminTask]:
        """``task_ids`` as they are now (one listing per :data:`TASK_IDS_PER_READ`); gone ones are left out."""
        client, ids = self.client(), list(task_ids)
        return [
            AdminTask.from_doc(doc)
            for start in range(0, len(ids), TASK_IDS_PER_READ)
            for doc in client.endpoint_manager_task_list(filter_task_id=ids[start:start + TASK_IDS_PER_READ])["DATA"]
        ]

    @translate_errors()
    def cancel(self, task_ids: Sequence[str], message: str) -> str:
        self.client().endpoint_manager_cancel_tasks(list(task_ids), _message(message))
        return f"Cancel requested for {plural(len(task_ids), 'task')}."

    @translate_errors()
    def pause(self, task_ids: Sequence[str], message: str) -> str:
        """Pause ``task_ids`` with ``message`` for their owners; what happened, in words.

        Transfer's answer does not say which tasks it paused, and a task that ended since the list was
        read (it still showed ACTIVE) is not paused: the tasks are read back, as for resume, so one
        that had ended is said not to be paused."""
        self.client().endpoint_manager_pause_tasks(list(task_ids), _message(message))
        ended = sum(1 for item in self.tasks_by_id(task_ids) if not item.task.is_active)
        paused = len(task_ids) - ended
        if not ended:
            return f"Paused {plural(paused, 'task')}."
        gone = f"{plural(ended, 'task')} had already ended"
        return f"Paused {plural(paused, 'task')}; {gone} (not paused)." if paused else f"Not paused: {gone}."

    @translate_errors()
    def resume(self, task_ids: Sequence[str]) -> str:
        """Lift the administrators' pause of ``task_ids``; what happened, in words.

        Transfer answers "resumed" whatever the tasks were, and its resume does not lift a pause
        rule: the tasks are read back (one listing per TASK_IDS_PER_READ), so a task a rule still holds
        is said to be paused still.
        """
        self.client().endpoint_manager_resume_tasks(list(task_ids))
        held = sum(1 for item in self.tasks_by_id(task_ids) if item.task.is_paused)
        resumed = len(task_ids) - held
        if not held:
            return f"Resumed {plural(resumed, 'task')}."
        still = f"{plural(held, 'task')} still paused by a pause rule (u lists them; a rule is lifted there)"
        return f"Resumed {plural(resumed, 'task')}; {still}." if resumed else f"Not resumed: {still}."

    @translate_errors()
    def pause_rules(self, endpoint_id: str | None = None) -> list[PauseRule]:
        response = self.client().endpoint_manager_pause_rule_list(filter_endpoint=endpoint_id or globus_sdk.MISSING)
        return [PauseRule.from_doc(doc) for doc in response]

    @translate_errors()
    def create_pause_rule(self, draft: PauseRuleDraft) -> PauseRule:
        problem = draft.check()
        if problem:
            raise InvalidInput(problem)
        return PauseRule.from_doc(self.client().endpoint_manager_create_pause_rule(draft.document()).data)

    @translate_errors()
    def update_pause_rule(self, rule_id: str, draft: PauseRuleDraft) -> PauseRule:
        problem = draft.check()
        if problem:
            raise InvalidInput(problem)
        # An empty "Starting at" means now, also for a rule that had a start time of its own.
        document = {key: value for key, value in draft.document(now=datetime.now(UTC)).items()
                    if key != "endpoint_id"}
        return PauseRule.from_doc(self.client().endpoint_manager_update_pause_rule(rule_id, document).data)

    @translate_errors()
    def delete_pause_rule(self, rule_id: str) -> None:
        self.client().endpoint_manager_delete_pause_rule(rule_id)


def _message(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("Say why: the task's owner sees this message.")
    return text
