"""Transfer v0.10 task routes: submission ids, transfer/delete submission, task inspection and control.

Included by ``transfer.routes``. Shapes follow production Transfer and the SDK's
recorded fixtures (submit_transfer, submit_delete, get_submission_id,
task_list, cancel_task) and globus-sdk's own integration tests (codes
"Duplicate", "Updated", "Canceled", "TaskComplete", 409 "Conflict").

Handlers are synchronous and run in Starlette's thread pool: they touch SQLite
and, for submissions, the file system (path resolution).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.routing import BaseRoute

from gterm.sandbox import pauses
from gterm.sandbox import tasks_store as store
from gterm.sandbox.collections import resolve
from gterm.sandbox.errors import ApiError, printable
from gterm.sandbox.request_parsing import body_object, bool_field, text_field
from gterm.sandbox.state import SandboxState
from gterm.sandbox.sync import parse_filter_rules, parse_sync_level
from gterm.sandbox.transfer_http import RouteSpec, int_param, mount, result_doc

if TYPE_CHECKING:
    from gterm.sandbox.auth import Principal

V = "/v0.10"
BAD = "ClientError.BadRequest"
MAX_ITEMS = 100_000  # per submission, transfer and delete alike
MAX_MARKER = 2**62  # markers are row sequence numbers
CANCEL_WAIT_SECONDS = 1.0
TERMINAL = ("SUCCEEDED", "FAILED")
_BOOL_OPTIONS = (
    "verify_checksum",
    "preserve_timestamp",
    "encrypt_data",
    "skip_source_errors",
    "fail_on_quota_errors",
    "delete_destination_extra",
)
_NOTIFY = ("notify_on_succeeded", "notify_on_failed", "notify_on_inactive")
_ORDERABLE = {
    "request_time", "completion_time", "deadline", "label", "status", "type", "task_id",
    "bytes_transferred", "files", "faults",
}


# --------------------------------------------------------------------------- parameters


def _label(body: dict[str, Any]) -> str | None:
    """A task label as Transfer takes it: at most 128 characters, and (Task Submission docs) "Newline
    characters (\\r or \\n) and trailing or leading whitespace are not allowed"."""
    label = text_field(body, "label", required=False)
    if label is None:
        return None
    if "\r" in label or "\n" in label:
        raise ApiError(400, BAD, "Invalid label: newline characters (\\r or \\n) are not allowed")
    if label != label.strip():
        raise ApiError(400, BAD, "Invalid label: leading or trailing whitespace is not allowed")
    return label


def _deadline(body: dict[str, Any]) -> float | None:
    try:
        return store.parse_time(body.get("deadline"))
    except ValueError:
        raise ApiError(400, BAD, f"Invalid deadline '{body.get('deadline')}'") from None


def _own_task(state: SandboxState, principal: Principal, task_id: str) -> Any:
    """The task if it is the caller's; others' tasks are as invisible as missing ones."""
    row = store.get_task(state.db, task_id)
    if row is None or row["owner_id"] != principal.identity_id:
        raise ApiError(404, "TaskNotFound", f"Task '{task_id}' not found")
    return row


#: Checksum algorithms a submission may name (Globus: MD5 by default; SHA1/SHA256/SHA512 where the
#: storage supports them). Variable-length digests such as shake_128 have no fixed hex form to compare.
CHECKSUM_ALGORITHMS = ("md5", "sha1", "sha256", "sha512")


def _checksum_algorithm(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(400, BAD, "checksum_algorithm must be a string")
    name = value.lower().replace("-", "")
    if name not in CHECKSUM_ALGORITHMS:
        shown = printable(value[:64])
        raise ApiError(400, BAD, f"Unsupported checksum_algorithm '{shown}'; use one of "
                                 + ", ".join(a.upper() for a in CHECKSUM_ALGORITHMS))
    return name


# --------------------------------------------------------------------------- submission


def get_submission_id(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    return {"DATA_TYPE": "submission_id", "value": store.issue_submission_id(state.db, principal.identity_id)}


def _submission(body: dict[str, Any]) -> str:
    value = body.get("submission_id")
    if value is None:
        return str(uuid.uuid4())
    if not isinstance(value, str) or not value or len(value) > 128:
        raise ApiError(400, BAD, "submission_id must be a string of at most 128 characters")
    return value


def _accepted(request: Request, kind: str, task_id: str, submission_id: str, duplicate: bool) -> tuple[dict, int]:
    message = (
        f"A {kind} with id '{task_id}' was already submitted" if duplicate
        else f"The {kind} has been accepted and a task has been created and queued for execution"
    )
    doc = result_doc(
        request, f"{kind}_result", "Duplicate" if duplicate else "Accepted", message,
        submission_id=submission_id, task_id=task_id,
        task_link={"DATA_TYPE": "link", "href": f"/v0.10/task/{task_id}?format=json",
                   "rel": "related", "resource": "task", "title": "related task"},
    )
    return doc, 200 if duplicate else 202


def _finish_create(state: SandboxState, request: Request, kind: str, new: store.NewTask) -> tuple[dict, int]:
    task_id, duplicate = store.create_task(state.db, new)
    if not duplicate:
        engine = state.engine
        if new.deadline is not None and new.deadline <= time.time():
            # Already past: fail at once, as Transfer would when it first looks at it.
            if engine is not None:
                engine.fail_unstarted(task_id, "DEADLINE_EXCEEDED", "deadline exceeded",
                                      "The task deadline passed before it started", "subtasks_expired")
        elif engine is not None:
            engine.enqueue(task_id)
    return _accepted(request, kind, task_id, new.submission_id, duplicate)


def submit_transfer(state: SandboxState, principal: Principal, request: Request, body: Any) -> tuple[dict, int]:
    body = body_object(body, "transfer")
    submission_id = _submission(body)
    existing = store.find_by_submission(state.db, principal.identity_id, submission_id)
    if existing is not None:
        return _accepted(request, "transfer", existing["task_id"], submission_id, True)

    source_id = body.get("source_endpoint")
    destination_id = body.get("destination_endpoint")
    if not isinstance(source_id, str) or not isinstance(destination_id, str):
        raise ApiError(400, BAD, "source_endpoint and destination_endpoint are required")
    data = body.get("DATA")
    if not isinstance(data, list) or not data:
        raise ApiError(400, "ClientError.BadRequest.NoTransferItems", "A transfer requires at least one item")
    if len(data) > MAX_ITEMS:
        raise ApiError(400, BAD, f"A transfer may have at most {MAX_ITEMS} items")
    try:
        sync_level = parse_sync_level(body.get("sync_level"))
        rules = parse_filter_rules(body.get("filter_rules"))
    except ValueError as exc:
        raise ApiError(400, BAD, str(exc)) from None
    options: dict[str, Any] = {name: bool_field(body, name, False) for name in _BOOL_OPTIONS}
    options.update({name: bool_field(body, name, True) for name in _NOTIFY})
    options["sync_level"] = sync_level
    options["filter_rules"] = [rule.to_doc() for rule in rules]
    options["source_local_user"] = text_field(body, "source_local_user", required=False)
    options["destination_local_user"] = text_field(body, "destination_local_user", required=False)

    items: list[dict[str, Any]] = []
    source_name = destination_name = None
    for raw in data:
        if not isinstance(raw, dict) or raw.get("DATA_TYPE", "transfer_item") != "transfer_item":
            raise ApiError(400, BAD, "DATA items must be transfer_item documents")
        src_path, dst_path = raw.get("source_path"), raw.get("destination_path")
        if not isinstance(src_path, str) or not src_path or not isinstance(dst_path, str) or not dst_path:
            raise ApiError(400, BAD, "transfer_item needs source_path and destination_path")
        recursive = raw.get("recursive")
        if recursive is not None and not isinstance(recursive, bool):
            raise ApiError(400, BAD, "recursive must be a boolean")
        external = raw.get("external_checksum")
        if external is not None and (not isinstance(external, str) or recursive or len(external) > 1024):
            raise ApiError(400, BAD, "external_checksum must be a string and applies to files only")
        src = resolve(state, principal, source_id, src_path, "r")
        dst = resolve(state, principal, destination_id, dst_path, "rw")
        source_name, destination_name = src.collection.display_name, dst.collection.display_name
        items.append({
            "source_path": src.path, "destination_path": dst.path,
            "recursive": recursive, "external_checksum": external,
            "checksum_algorithm": _checksum_algorithm(raw.get("checksum_algorithm")),
        })
    new = store.NewTask(
        owner_id=principal.identity_id, username=store.transfer_username(principal.identity_id),
        type="TRANSFER", label=_label(body), submission_id=submission_id, deadline=_deadline(body),
        source_endpoint_id=source_id, source_display_name=source_name,
        destination_endpoint_id=destination_id, destination_display_name=destination_name,
        options=options, items=items,
    )
    return _finish_create(state, request, "transfer", new)


def submit_delete(state: SandboxState, principal: Principal, request: Request, body: Any) -> tuple[dict, int]:
    body = body_object(body, "delete")
    submission_id = _submission(body)
    existing = store.find_by_submission(state.db, principal.identity_id, submission_id)
    if existing is not None:
        return _accepted(request, "delete", existing["task_id"], submission_id, True)
    endpoint_id = body.get("endpoint")
    if not isinstance(endpoint_id, str):
        raise ApiError(400, BAD, "endpoint is required")
    data = body.get("DATA")
    if not isinstance(data, list) or not data:
        raise ApiError(400, "ClientError.BadRequest.NoDeleteItems", "A delete requires at least one item")
    if len(data) > MAX_ITEMS:
        raise ApiError(400, BAD, f"A delete may have at most {MAX_ITEMS} items")
    options: dict[str, Any] = {
        "recursive": bool_field(body, "recursive", False),
        "ignore_missing": bool_field(body, "ignore_missing", False),
        "interpret_globs": bool_field(body, "interpret_globs", False),
        "local_user": text_field(body, "local_user", required=False),
    }
    options.update({name: bool_field(body, name, True) for name in _NOTIFY})
    items = []
    name = None
    for raw in data:
        if not isinstance(raw, dict) or raw.get("DATA_TYPE", "delete_item") != "delete_item":
            raise ApiError(400, BAD, "DATA items must be delete_item documents")
        path = raw.get("path")
        if not isinstance(path, str) or not path:
            raise ApiError(400, BAD, "delete_item needs a path")
        target = resolve(state, principal, endpoint_id, path, "rw")
        if not target.parts or not target.real_parts:
            raise ApiError(400, BAD, "The root of a collection cannot be deleted")
        name = target.collection.display_name
        items.append({"path": target.path})
    new = store.NewTask(
        owner_id=principal.identity_id, username=store.transfer_username(principal.identity_id),
        type="DELETE", label=_label(body), submission_id=submission_id, deadline=_deadline(body),
        source_endpoint_id=endpoint_id, source_display_name=name,
        destination_endpoint_id=None, destination_display_name=None,
        options=options, items=items,
    )
    return _finish_create(state, request, "delete", new)


# --------------------------------------------------------------------------- task list


def _filter_clauses(request: Request) -> dict[str, str]:
    """Both spellings: ``filter=type:TRANSFER,DELETE/status:ACTIVE`` and ``filter_type=...``."""
    clauses: dict[str, str] = {}
    raw = request.query_params.get("filter") or ""
    for part in raw.split("/"):
        if not part:
            continue
        key, sep, value = part.partition(":")
        if not sep:
            raise ApiError(400, BAD, f"Invalid filter clause '{part}'")
        clauses[key.strip()] = value
    for key, value in request.query_params.items():
        if key.startswith("filter_") and value:
            clauses[key[len("filter_"):]] = value
    return clauses


def _time_range(value: str, name: str) -> tuple[float | None, float | None]:
    start, _, end = value.partition(",")
    try:
        return store.parse_time(start or None), store.parse_time(end or None)
    except ValueError:
        raise ApiError(400, BAD, f"Invalid {name} range '{value}'") from None


def _task_where(clauses: dict[str, str]) -> tuple[list[str], list[Any]]:
    where: list[str] = []
    params: list[Any] = []

    def in_list(column: str, value: str, upper: bool = False) -> None:
        values = [v.strip().upper() if upper else v.strip() for v in value.split(",") if v.strip()]
        if values:
            where.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)

    for key, value in clauses.items():
        if key == "task_id":
            in_list("task_id", value)
        elif key == "type":
            in_list("type", value, upper=True)
        elif key == "status":
            in_list("status", value, upper=True)
        elif key == "label":
            if value.startswith("~"):
                where.append("label LIKE ?")
                params.append("%" + value[1:].replace("*", "%") + "%")
            else:
                in_list("label", value)
        elif key in ("request_time", "completion_time"):
            start, end = _time_range(value, key)
            if start is not None:
                where.append(f"{key} >= ?")
                params.append(start)
            if end is not None:
                where.append(f"{key} < ?")
                params.append(end)
        elif key in ("requested_after", "requested_before", "completed_after", "completed_before"):
            column = "request_time" if key.startswith("requested") else "completion_time"
            try:
                moment = store.parse_time(value)
            except ValueError:
                raise ApiError(400, BAD, f"Invalid filter_{key} '{value}'") from None
            where.append(f"{column} {'>=' if key.endswith('after') else '<'} ?")
            params.append(moment)
        elif key == "is_paused":
            # Only pauses make a sandbox task INACTIVE (pause rules, administrators).
            where.append("status = 'INACTIVE'" if value.lower() in ("1", "true") else "status != 'INACTIVE'")
        else:
            raise ApiError(400, BAD, f"Unsupported filter field '{key}'")
    return where, params


def _order_by(request: Request) -> str:
    raw = request.query_params.get("orderby")
    if not raw:
        return "request_time DESC, task_id"
    parts = []
    for clause in raw.split(","):
        words = clause.split()
        if not words:
            continue
        field = words[0]
        direction = words[1].upper() if len(words) > 1 else "ASC"
        if field not in _ORDERABLE or direction not in ("ASC", "DESC") or len(words) > 2:
            raise ApiError(400, BAD, f"Invalid orderby '{clause.strip()}'")
        parts.append(f"{field} {direction}")
    return ", ".join([*parts, "task_id"])


def task_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    limit = int_param(request, "limit", 10, 1, 1000)
    offset = int_param(request, "offset", 0, 0, 1_000_000)
    where, params = _task_where(_filter_clauses(request))
    rows, total = store.list_tasks(state.db, principal.identity_id, where=where, params=params,
                                   order_by=_order_by(request), limit=limit, offset=offset)
    now = time.time()
    docs = [store.task_doc(row, now) for row in rows]
    pauses.annotate(state, docs, rows)
    return {"DATA_TYPE": "task_list", "DATA": docs, "length": len(docs), "limit": limit,
            "offset": offset, "total": total}


# --------------------------------------------------------------------------- one task


def get_task(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    row = _own_task(state, principal, request.path_params["task_id"])
    doc = store.task_doc(row)
    pauses.annotate(state, [doc], [row])
    return doc


def update_task(state: SandboxState, principal: Principal, request: Request, body: Any) -> dict[str, Any]:
    task_id = request.path_params["task_id"]
    row = _own_task(state, principal, task_id)
    if not isinstance(body, dict):
        raise ApiError(400, BAD, "Request body must be a JSON object")
    unknown = set(body) - {"DATA_TYPE", "label", "deadline"}
    if unknown:
        raise ApiError(400, BAD, f"Only label and deadline can be updated, not {', '.join(sorted(unknown))}")
    if row["status"] in TERMINAL:
        raise ApiError(409, "Conflict", f"Task '{task_id}' is complete and cannot be modified")
    fields: dict[str, Any] = {}
    if "label" in body:
        fields["label"] = _label(body)
    if "deadline" in body:
        fields["deadline"] = _deadline(body)
    store.update_task_fields(state.db, task_id, **fields)
    engine = state.engine
    if engine is not None and "deadline" in fields:
        engine.task_updated(task_id, fields["deadline"])
    return result_doc(request, "result", "Updated", "Updated task deadline and label successfully")


def cancel_task(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    task_id = request.path_params["task_id"]
    row = _own_task(state, principal, task_id)
    if row["status"] in TERMINAL:
        return result_doc(request, "result", "TaskComplete",
                       "The task completed before the cancel request was processed.")
    store.update_task_fields(state.db, task_id, cancel_requested=1)
    pauses.wake_for_cancel(state, task_id)
    engine = state.engine
    if engine is not None:
        engine.cancel(task_id)
    # Wait briefly so the common case answers "Canceled"; the worker stops within one chunk.
    until = time.monotonic() + CANCEL_WAIT_SECONDS
    while time.monotonic() < until:
        current = store.get_task(state.db, task_id)
        if current is not None and current["status"] in TERMINAL:
            if current["fatal_error"] and json.loads(current["fatal_error"]).get("code") == "CANCELED":
                return result_doc(request, "result", "Canceled", "The task has been cancelled successfully.")
            return result_doc(request, "result", "TaskComplete",
                           "The task completed before the cancel request was processed.")
        time.sleep(0.02)
    return result_doc(request, "result", "CancelAccepted",
                   "The cancel request has been accepted and the task will be cancelled shortly.")


def event_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    task_id = request.path_params["task_id"]
    _own_task(state, principal, task_id)
    limit = int_param(request, "limit", 10, 1, 1000)
    offset = int_param(request, "offset", 0, 0, 1_000_000)
    is_error: bool | None = None
    for key, value in _filter_clauses(request).items():
        if key != "is_error":
            raise ApiError(400, BAD, f"Unsupported filter field '{key}'")
        is_error = value.strip().lower() in ("1", "true")
    docs, total = store.event_page(state.db, task_id, limit=limit, offset=offset, is_error=is_error)
    return {"DATA_TYPE": "event_list", "DATA": docs, "length": len(docs), "limit": limit,
            "offset": offset, "total": total}


def pause_info(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    row = _own_task(state, principal, request.path_params["task_id"])
    return pauses.pause_info_doc(state, row, limited=True)


def _marker(request: Request) -> int:
    """The opaque marker of a page: the sandbox's is the row sequence number to start after."""
    return int_param(request, "marker", 0, 0, MAX_MARKER)


def successful_transfers(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    task_id = request.path_params["task_id"]
    row = _own_task(state, principal, task_id)
    if row["type"] != "TRANSFER":
        raise ApiError(400, BAD, "Successful transfers are only recorded for transfer tasks")
    marker = _marker(request)
    limit = int_param(request, "limit", 1000, 1, 1000)
    docs, next_marker = store.successful_page(state.db, task_id, marker, limit)
    return {"DATA_TYPE": "successful_transfers", "marker": marker, "next_marker": next_marker, "DATA": docs}


def skipped_errors(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    task_id = request.path_params["task_id"]
    _own_task(state, principal, task_id)
    marker = _marker(request)
    limit = int_param(request, "limit", 1000, 1, 1000)
    docs, next_marker = store.skipped_page(state.db, task_id, marker, limit)
    return {"DATA_TYPE": "skipped_errors", "marker": marker, "next_marker": next_marker, "DATA": docs}


# --------------------------------------------------------------------------- assembly


def routes(state: SandboxState) -> list[BaseRoute]:
    T = "/task/{task_id}"  # noqa: N806 - short, so the route table reads as one
    table: list[RouteSpec] = [
        ("/submission_id", "GET", get_submission_id, False),
        ("/transfer", "POST", submit_transfer, True),
        ("/delete", "POST", submit_delete, True),
        ("/task_list", "GET", task_list, False),
        (T, "GET", get_task, False),
        (T, "PUT", update_task, True),
        (T + "/cancel", "POST", cancel_task, False),
        (T + "/event_list", "GET", event_list, False),
        (T + "/pause_info", "GET", pause_info, False),
        (T + "/successful_transfers", "GET", successful_transfers, False),
        (T + "/skipped_errors", "GET", skipped_errors, False),
    ]
    return mount(state, table)
