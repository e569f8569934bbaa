"""Pauses that take effect: which tasks and operations a pause rule or an administrator stops.

- A pause rule on an endpoint/collection applies to that entity and to the
  guest collections it hosts (and, for GCSv5, to the collections of an endpoint),
  for everyone or one identity, from its start time.
- A task is paused while an administrator paused it explicitly or a rule
  matches it: TRANSFER tasks by ``pause_task_transfer_read`` on the source and
  ``pause_task_transfer_write`` on the destination, DELETE tasks by
  ``pause_task_delete``. The engine asks ``must_pause`` between files, and for
  running tasks twice a second and whenever a pause is made: a paused task's
  copies in flight stop within a chunk (their files start again on resume, as
  at Globus), it goes INACTIVE and resumes (ACTIVE, re-queued) when nothing
  pauses it.
- ``pause_ls``/``pause_mkdir``/``pause_rename``/``pause_symlink`` refuse those
  file operations with the rule's message.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from gterm.sandbox import gcs_transfer, tasks_store
from gterm.sandbox import management_store as mstore
from gterm.sandbox.collections import CollectionRecord, find_collection
from gterm.sandbox.errors import ApiError
from gterm.sandbox.management_store import PauseRule
from gterm.sandbox.state import SandboxState

if TYPE_CHECKING:
    from gterm.sandbox.auth import Principal

LIVE = ("ACTIVE", "INACTIVE")
#: The error a paused file operation answers (HTTP 409: the request is fine, the endpoint refuses it now).
PAUSED_CODE = "EndpointPaused"


def lineage(state: SandboxState, collection_id: str | None) -> list[str]:
    """The entity and every entity above it whose pause rules apply to it."""
    if not collection_id:
        return []
    ids = [collection_id]
    coll = find_collection(state, collection_id)
    if coll is not None and coll.host_collection_id:
        ids.append(coll.host_collection_id)
        coll = find_collection(state, coll.host_collection_id)
    if coll is not None and state.gcs_endpoint_of is not None:
        endpoint_id = state.gcs_endpoint_of(coll.id)
        if endpoint_id:
            ids.append(endpoint_id)
    return ids


def _task_sides(row: sqlite3.Row) -> list[tuple[str, str | None, str]]:
    """(side, collection id, pause flag) for each end of a task."""
    if row["type"] == "DELETE":
        return [("source", row["source_endpoint_id"], "pause_task_delete")]
    return [
        ("source", row["source_endpoint_id"], "pause_task_transfer_read"),
        ("destination", row["destination_endpoint_id"], "pause_task_transfer_write"),
    ]


def rules_for_task(state: SandboxState, row: sqlite3.Row, now: float | None = None) -> list[tuple[str, PauseRule]]:
    """(side, rule) for every rule in force that pauses this task."""
    now = time.time() if now is None else now
    found: list[tuple[str, PauseRule]] = []
    for side, collection_id, flag in _task_sides(row):
        for rule in mstore.rules_on(state.db, lineage(state, collection_id)):
            if rule.flags[flag] and rule.in_force(now) and rule.applies_to(row["owner_id"]):
                found.append((side, rule))
    return found


def is_paused(state: SandboxState, row: sqlite3.Row) -> bool:
    if row["status"] not in LIVE:
        return False
    return bool(mstore.admin_pauses(state.db, row["task_id"])) or bool(rules_for_task(state, row))


def must_pause(state: SandboxState, task_id: str) -> bool:
    """The engine's question between files: stop this task now?

    Asked once per file, so the common case (no rule anywhere, no explicit pause)
    costs one query.
    """
    quiet = state.db.query_one(
        "SELECT NOT EXISTS (SELECT 1 FROM pause_rules) AND NOT EXISTS"
        " (SELECT 1 FROM admin_pauses WHERE task_id = ?) AS quiet", (task_id,)
    )
    if quiet is not None and quiet["quiet"]:
        return False
    row = tasks_store.get_task(state.db, task_id)
    return row is not None and is_paused(state, row)


def install(state: SandboxState) -> None:
    """Make the task engine honour pauses: between files, before starting, and in the middle of a file."""
    if state.engine is not None:
        state.engine.pause_check = lambda task_id: must_pause(state, task_id)
        state.engine.in_flight_pause_check = lambda task_id: must_pause(state, task_id)


def hold_running(state: SandboxState) -> None:
    """A pause was made: running tasks it holds stop their copies now rather than at the monitor's next look."""
    if state.engine is not None:
        state.engine.hold_if_paused()


def resume_unpaused(state: SandboxState, task_ids: Iterable[str] | None = None) -> list[str]:
    """Put INACTIVE tasks that nothing pauses any more back to work; returns their ids."""
    if task_ids is None:
        rows = state.db.query("SELECT * FROM tasks WHERE status = 'INACTIVE'")
    else:
        rows = [r for r in (tasks_store.get_task(state.db, t) for t in task_ids) if r is not None]
    resumed = []
    for row in rows:
        if row["status"] != "INACTIVE" or is_paused(state, row):
            continue
        if tasks_store.reactivate(state.db, row["task_id"]):
            resumed.append(row["task_id"])
            if state.engine is not None:
                state.engine.enqueue(row["task_id"])
    return resumed


def wake_for_cancel(state: SandboxState, task_id: str) -> None:
    """A paused task is not running: make it ACTIVE so the engine's cancel finishes it at once."""
    tasks_store.reactivate(state.db, task_id)


def hold_now(state: SandboxState, task_id: str) -> None:
    """An explicit pause shows at once: ACTIVE -> INACTIVE, and a running copy stops within a chunk."""
    state.db.execute("UPDATE tasks SET status = 'INACTIVE' WHERE task_id = ? AND status = 'ACTIVE'", (task_id,))
    hold_running(state)


# --------------------------------------------------------------------------- documents


def annotate(state: SandboxState, docs: list[dict[str, Any]], rows: list[sqlite3.Row]) -> None:
    """Fold pauses and admin cancels into task documents (built from ``rows``, same order)."""
    cancels = mstore.canceled_by_admin(state.db, [row["task_id"] for row in rows])
    for doc, row in zip(docs, rows, strict=True):
        doc["is_paused"] = is_paused(state, row)
        sides, message = cancels.get(row["task_id"], (None, None))
        doc["canceled_by_admin"] = sides
        doc["canceled_by_admin_message"] = message


def _display_name(state: SandboxState, endpoint_id: str) -> str | None:
    coll = find_collection(state, endpoint_id) or gcs_transfer.endpoint_record(state, endpoint_id)
    return coll.display_name if coll is not None else None


def rule_doc(state: SandboxState, rule: PauseRule, *, editable: bool, limited: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "DATA_TYPE": "pause_rule_limited" if limited else "pause_rule",
        "id": rule.id,
        "message": rule.message,
        "start_time": tasks_store.iso(rule.start_time),
        "endpoint_id": rule.endpoint_id,
        "endpoint_display_name": _display_name(state, rule.endpoint_id),
        "identity_id": rule.identity_id,
        "created_by_host_manager": rule.created_by_host_manager,
        **rule.flags,
    }
    if not limited:
        doc["modified_by_id"] = rule.modified_by_id
        doc["editable"] = editable
    return doc


def pause_info_doc(state: SandboxState, row: sqlite3.Row, *, limited: bool) -> dict[str, Any]:
    """A task's pause info: explicit pause messages per side, and the rules that pause it."""
    live = row["status"] in LIVE
    messages: dict[str, str | None] = {
        "source_pause_message": None, "destination_pause_message": None,
        "source_pause_message_share": None, "destination_pause_message_share": None,
    }
    pauses = mstore.admin_pauses(state.db, row["task_id"]) if live else []
    for pause in pauses:
        messages[f"{pause.side}_pause_message" + ("_share" if pause.share else "")] = pause.message
    rules = rules_for_task(state, row) if live else []
    seen: set[str] = set()
    rule_docs = []
    for _side, rule in rules:
        if rule.id not in seen:
            seen.add(rule.id)
            rule_docs.append(rule_doc(state, rule, editable=False, limited=limited))
    first_message = next((m for m in messages.values() if m), None)
    doc: dict[str, Any] = {
        "DATA_TYPE": "pause_info_limited" if limited else "pause_info",
        "pause_rules": rule_docs,
        **messages,
        # Which endpoint paused the task and why, in one place (globus-cli's fixtures carry these).
        "endpoint_display_name": rule_docs[0]["endpoint_display_name"] if rule_docs else (
            _display_name(state, row["source_endpoint_id"]) if pauses else None),
        "message": rule_docs[0]["message"] if rule_docs else first_message,
    }
    return doc


# --------------------------------------------------------------------------- file operations


def check_operation(state: SandboxState, principal: Principal, coll: CollectionRecord, flag: str) -> None:
    """Refuse ls/mkdir/rename/symlink on a collection a pause rule in force pauses for this caller."""
    now = time.time()
    for rule in mstore.rules_on(state.db, lineage(state, coll.id)):
        if rule.flags[flag] and rule.in_force(now) and rule.applies_to(principal.identity_id):
            raise ApiError(
                409, PAUSED_CODE,
                f"Operation paused by an administrator of '{_display_name(state, rule.endpoint_id)}':"
                f" {rule.message}",
            )
