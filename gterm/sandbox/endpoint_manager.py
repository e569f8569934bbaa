"""The management API (/v0.10/endpoint_manager/...): every task on the endpoints one watches.

Authorised by effective roles (``gterm.sandbox.roles``): activity_monitor sees a
task when it holds the role on the task's source or destination (or on a host
of either), activity_manager also pauses, resumes and cancels it; an
administrator holds both. A caller without any such role anywhere gets
PermissionDenied from every route, as at Globus.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from gterm.sandbox import collections as colls
from gterm.sandbox import gcs_store, gcs_transfer, pauses, roles, tasks_store
from gterm.sandbox import management_store as mstore
from gterm.sandbox.auth_store import get_identity
from gterm.sandbox.collections import CollectionRecord, find_collection
from gterm.sandbox.errors import ApiError
from gterm.sandbox.state import SandboxState
from gterm.sandbox.transfer_acl import access_list_doc
from gterm.sandbox.transfer_endpoints import collections_in_use, endpoint_doc
from gterm.sandbox.transfer_http import RouteSpec, int_param, result_doc

if TYPE_CHECKING:
    from gterm.sandbox.auth import Principal

BAD = "ClientError.BadRequest"
MONITOR, MANAGER = "activity_monitor", "activity_manager"
LIVE = frozenset({"ACTIVE", "INACTIVE"})
STATUSES = frozenset({"ACTIVE", "INACTIVE", "SUCCEEDED", "FAILED"})
MAX_TASK_IDS = 50
CANCEL_WAIT_SECONDS = 1.0


# --------------------------------------------------------------------------- roles


def entity(state: SandboxState, entity_id: str) -> CollectionRecord | None:
    """A collection, or a GCSv5 endpoint as Transfer shows it; None when neither exists."""
    return find_collection(state, entity_id) or gcs_transfer.endpoint_record(state, entity_id)


def _roles(state: SandboxState, principal: Principal, entity_id: str | None) -> set[str]:
    found = entity(state, entity_id) if entity_id else None
    return roles.effective_role_set(state, found, principal.identity_id) if found is not None else set()


def monitored(state: SandboxState, principal: Principal) -> list[CollectionRecord]:
    """Every endpoint and collection on which the caller holds activity_monitor (or more)."""
    candidates = gcs_transfer.endpoint_records(state) + colls.all_collections(state)
    return [c for c in candidates if MONITOR in roles.effective_role_set(state, c, principal.identity_id)]


def below(state: SandboxState, entity_id: str) -> list[str]:
    """The collections an endpoint or collection hosts (a GCSv5 endpoint: all of its collections)."""
    hosted = [c.id for c in colls.all_collections(state) if c.host_collection_id == entity_id]
    if gcs_store.find_endpoint(state.db, entity_id) is not None:
        mapped = gcs_store.collection_ids(state.db, entity_id)
        hosted = list(dict.fromkeys(mapped + [c.id for c in colls.all_collections(state)
                                               if c.host_collection_id in mapped]))
    return hosted


def _require_some_role(state: SandboxState, principal: Principal) -> list[CollectionRecord]:
    watched = monitored(state, principal)
    if not watched:
        raise ApiError(403, "PermissionDenied",
                       "You have no activity_monitor or activity_manager role on any endpoint")
    return watched


def _endpoint(state: SandboxState, principal: Principal, endpoint_id: str, role: str = MONITOR) -> CollectionRecord:
    _require_some_role(state, principal)
    coll = entity(state, endpoint_id)
    if coll is None:
        raise ApiError(404, "EndpointNotFound", f"No such endpoint or collection '{endpoint_id}'")
    if role not in roles.effective_role_set(state, coll, principal.identity_id):
        raise ApiError(403, "EndpointPermissionDenied",
                       f"You do not have the {role} role on '{coll.display_name}' ({coll.id})")
    return coll


def _ends(row: Any) -> list[tuple[str, str | None]]:
    ends = [("source", row["source_endpoint_id"])]
    if row["type"] == "TRANSFER":
        ends.append(("destination", row["destination_endpoint_id"]))
    return ends


def _task(state: SandboxState, principal: Principal, task_id: str, role: str = MONITOR) -> Any:
    _require_some_role(state, principal)
    row = tasks_store.get_task(state.db, task_id)
    if row is None:
        raise ApiError(404, "TaskNotFound", f"Task '{task_id}' not found")
    if not any(role in _roles(state, principal, cid) for _side, cid in _ends(row)):
        raise ApiError(403, "PermissionDenied",
                       f"You do not have the {role} role on an endpoint of task '{task_id}'")
    return row


# --------------------------------------------------------------------------- task documents


def _local_user(coll: CollectionRecord | None, owner_username: str | None) -> tuple[str | None, str | None]:
    """The account a mapped collection maps the task owner to (GCP and guests have none to report)."""
    if coll is None or coll.is_guest or coll.entity_type == colls.GCP_MAPPED:
        return None, None
    if owner_username is None:
        return None, "NO_PERMISSION"
    return owner_username.split("@", 1)[0], "OK"


def _username(state: SandboxState, identity_id: str) -> str | None:
    identity = get_identity(state.db, identity_id)
    return str(identity["username"]) if identity is not None else None


def admin_task_docs(state: SandboxState, rows: list[Any]) -> list[dict[str, Any]]:
    """Task documents with the fields only the management API shows (owner, hosts, local users)."""
    now = time.time()
    docs = [tasks_store.task_doc(row, now) for row in rows]
    pauses.annotate(state, docs, rows)
    found: dict[str, CollectionRecord | None] = {}  # a page's tasks share a few collections and owners
    owners: dict[str, str | None] = {}

    def collection(cid: str | None) -> CollectionRecord | None:
        if not cid:
            return None
        if cid not in found:
            found[cid] = find_collection(state, cid)
        return found[cid]

    for doc, row in zip(docs, rows, strict=True):
        if row["owner_id"] not in owners:
            identity = get_identity(state.db, row["owner_id"])
            owners[row["owner_id"]] = str(identity["username"]) if identity is not None else None
        doc["owner_string"] = owners[row["owner_id"]]
        for side in ("source", "destination"):
            coll = collection(row[f"{side}_endpoint_id"] if side == "source" or row["type"] == "TRANSFER" else None)
            host = collection(coll.host_collection_id) if coll else None
            doc[f"{side}_host_endpoint"] = f"{host.owner_string}#{host.id}" if host else None
            doc[f"{side}_host_endpoint_id"] = host.id if host else None
            doc[f"{side}_host_endpoint_display_name"] = host.display_name if host else None
            doc[f"{side}_host_path"] = coll.host_path if coll and host else None
            doc[f"{side}_mapped_collection_id"] = host.id if host else None
            doc[f"{side}_mapped_collection_display_name"] = host.display_name if host else None
            doc[f"{side}_base_path"] = None
            user, status = _local_user(coll, owners[row["owner_id"]])
            doc[f"{side}_local_user"] = user
            doc[f"{side}_local_user_status"] = status
    return docs


# --------------------------------------------------------------------------- task_list


def _csv(request: Request, name: str) -> list[str]:
    raw = request.query_params.get(name) or ""
    return [part.strip() for part in raw.split(",") if part.strip()]


def _bool_filter(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ApiError(400, BAD, f"Invalid filter_is_paused '{value}'")


def _completion_range(value: str) -> tuple[float | None, float | None]:
    start, sep, end = value.partition(",")
    if not sep or (not start.strip() and not end.strip()):
        raise ApiError(400, BAD, "filter_completion_time needs 'start,end' (one side may be empty)")
    try:
        return tasks_store.parse_time(start.strip() or None), tasks_store.parse_time(end.strip() or None)
    except ValueError:
        raise ApiError(400, BAD, f"Invalid filter_completion_time '{value}'") from None


def _last_key(request: Request) -> tuple[float, str] | None:
    raw = request.query_params.get("last_key")
    if not raw:
        return None
    stamp, sep, task_id = raw.partition(",")
    try:
        return float(stamp), str(uuid.UUID(task_id)) if sep else ""
    except ValueError:
        raise ApiError(400, BAD, "Invalid last_key") from None


def task_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    """Tasks on the caller's endpoints, newest first, paged by ``last_key``."""
    watched = _require_some_role(state, principal)
    q = request.query_params
    known = {"filter_status", "filter_task_id", "filter_owner_id", "filter_endpoint", "filter_endpoint_use",
             "filter_is_paused", "filter_completion_time", "filter_min_faults", "filter_local_user",
             "last_key", "limit"}
    unknown = sorted(set(q) - known)
    if unknown:
        raise ApiError(400, BAD, f"Unsupported parameter(s): {', '.join(unknown)}")
    statuses = [s.upper() for s in _csv(request, "filter_status")]
    if set(statuses) - STATUSES:
        raise ApiError(400, BAD, f"Invalid filter_status '{q.get('filter_status')}'")
    task_ids = _csv(request, "filter_task_id")
    endpoint_id = q.get("filter_endpoint") or None
    live_only = bool(statuses) and set(statuses) <= LIVE
    if task_ids:
        others = [k for k in q if k.startswith("filter_") and k != "filter_task_id" and q.get(k)]
        if others:
            raise ApiError(400, BAD, "filter_task_id cannot be combined with other filters")
        if len(task_ids) > MAX_TASK_IDS:
            raise ApiError(400, BAD, f"filter_task_id takes at most {MAX_TASK_IDS} task ids")
    elif not live_only and not endpoint_id:
        raise ApiError(400, BAD, "filter_task_id or filter_endpoint is required unless filter_status is"
                                 " ACTIVE and/or INACTIVE")
    if q.get("filter_endpoint_use") and not endpoint_id:
        raise ApiError(400, BAD, "filter_endpoint_use requires filter_endpoint")
    if q.get("filter_local_user") and not endpoint_id:
        raise ApiError(400, BAD, "filter_local_user requires filter_endpoint")
    if q.get("filter_is_paused") and not live_only:
        raise ApiError(400, BAD, "filter_is_paused requires filter_status of ACTIVE and/or INACTIVE")
    limit = int_param(request, "limit", 10, 1, 1000)

    where: list[str] = []
    params: list[Any] = []
    if task_ids:
        for task_id in task_ids:
            found = tasks_store.get_task(state.db, task_id)
            if found is None or not any(MONITOR in _roles(state, principal, cid) for _s, cid in _ends(found)):
                raise ApiError(403, "PermissionDenied", f"You may not see task '{task_id}'")
        where.append(f"task_id IN ({', '.join('?' * len(task_ids))})")
        params.extend(task_ids)
    else:
        if endpoint_id:
            endpoint = _endpoint(state, principal, endpoint_id)
            ids = [endpoint.id, *below(state, endpoint.id)]
        else:
            ids = [c.id for c in watched]
        marks = ", ".join("?" * len(ids))
        use = q.get("filter_endpoint_use")
        if use not in (None, "", "source", "destination"):
            raise ApiError(400, BAD, "filter_endpoint_use must be 'source' or 'destination'")
        if use == "source":
            where.append(f"source_endpoint_id IN ({marks})")
            params.extend(ids)
        elif use == "destination":
            where.append(f"(type = 'TRANSFER' AND destination_endpoint_id IN ({marks}))")
            params.extend(ids)
        else:
            where.append(f"(source_endpoint_id IN ({marks}) OR (type = 'TRANSFER' AND destination_endpoint_id"
                         f" IN ({marks})))")
            params.extend(ids + ids)
        if statuses:
            where.append(f"status IN ({', '.join('?' * len(statuses))})")
            params.extend(statuses)
        owner = q.get("filter_owner_id")
        if owner:
            if get_identity(state.db, owner) is None:
                raise ApiError(404, "UserNotFound", f"No identity '{owner}'")
            where.append("owner_id = ?")
            params.append(owner.lower())
        if q.get("filter_completion_time"):
            start, end = _completion_range(q["filter_completion_time"])
            clause = "(completion_time IS NOT NULL"
            if start is not None:
                clause += " AND completion_time >= ?"
                params.append(start)
            if end is not None:
                clause += " AND completion_time < ?"
                params.append(end)
            clause += ")" if end is not None else " OR status IN ('ACTIVE', 'INACTIVE'))"
            where.append(clause)
        if q.get("filter_min_faults"):
            where.append("faults >= ?")
            params.append(int_param(request, "filter_min_faults", 0, 0, 1 << 31))
    after = _last_key(request)
    if after is not None:
        where.append("(request_time < ? OR (request_time = ? AND task_id < ?))")
        params.extend([after[0], after[0], after[1]])
    clause = " AND ".join(where) or "1"
    post_filtered = bool(q.get("filter_is_paused") or q.get("filter_local_user"))
    # One row more than a page tells whether there is a next page; filters SQL cannot
    # express (paused, local user) look at every candidate row instead.
    rows = state.db.query(
        f"SELECT * FROM tasks WHERE {clause} ORDER BY request_time DESC, task_id DESC"
        + ("" if post_filtered else " LIMIT ?"),
        params if post_filtered else [*params, limit + 1],
    )
    if q.get("filter_is_paused"):
        wanted = _bool_filter(q["filter_is_paused"])
        rows = [r for r in rows if pauses.is_paused(state, r) == wanted]
    if q.get("filter_local_user"):
        local = q["filter_local_user"]
        endpoint = _endpoint(state, principal, str(endpoint_id))
        rows = [r for r in rows if _local_user(endpoint, _username(state, r["owner_id"]))[0] == local]
    page = rows[:limit]
    has_next = len(rows) > limit
    last = f"{page[-1]['request_time']!r},{page[-1]['task_id']}" if page else None
    return {"DATA_TYPE": "task_list", "DATA": admin_task_docs(state, page), "has_next_page": has_next,
            "last_key": last}


# --------------------------------------------------------------------------- one task


def get_task(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    return admin_task_docs(state, [_task(state, principal, request.path_params["task_id"])])[0]


def event_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    task_id = request.path_params["task_id"]
    _task(state, principal, task_id)
    limit = int_param(request, "limit", 10, 1, 1000)
    offset = int_param(request, "offset", 0, 0, 1_000_000)
    flag = request.query_params.get("filter_is_error")
    is_error = True if flag in ("1", "true", "True") else None
    docs, total = tasks_store.event_page(state.db, task_id, limit=limit, offset=offset, is_error=is_error)
    return {"DATA_TYPE": "event_list", "DATA": docs, "length": len(docs), "limit": limit, "offset": offset,
            "total": total}


def _marker(request: Request) -> int:
    return int_param(request, "marker", 0, 0, 1 << 62)


def _marker_page(state: SandboxState, principal: Principal, request: Request, data_type: str) -> dict[str, Any]:
    """successful_transfers / skipped_errors of a task one watches, paged by marker."""
    task_id = request.path_params["task_id"]
    _task(state, principal, task_id)
    marker = _marker(request)
    page = tasks_store.successful_page if data_type == "successful_transfers" else tasks_store.skipped_page
    docs, next_marker = page(state.db, task_id, marker, 1000)
    return {"DATA_TYPE": data_type, "marker": marker, "next_marker": next_marker, "DATA": docs}


def successful_transfers(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    return _marker_page(state, principal, request, "successful_transfers")


def skipped_errors(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    return _marker_page(state, principal, request, "skipped_errors")


def pause_info(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    row = _task(state, principal, request.path_params["task_id"])
    return pauses.pause_info_doc(state, row, limited=False)


# --------------------------------------------------------------------------- admin actions


def _task_id_list(body: Any, *, with_message: bool) -> tuple[list[str], str]:
    if not isinstance(body, dict):
        raise ApiError(400, BAD, "Request body must be a JSON object")
    ids = body.get("task_id_list")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ApiError(400, BAD, "task_id_list must be a non-empty list of task ids")
    if len(ids) > 1000:
        raise ApiError(400, BAD, "task_id_list takes at most 1000 task ids")
    message = body.get("message", "")
    if with_message and (not isinstance(message, str) or not message.strip()):
        raise ApiError(400, BAD, "message is required")
    if with_message and len(message) > 2048:
        raise ApiError(400, BAD, "message is longer than 2048 characters")
    return list(dict.fromkeys(ids)), message if isinstance(message, str) else ""


def _managed_sides(state: SandboxState, principal: Principal, row: Any) -> list[tuple[str, bool]]:
    """(side, share) for each end of the task the caller manages activity on."""
    sides = []
    for side, cid in _ends(row):
        if MANAGER in _roles(state, principal, cid):
            coll = find_collection(state, cid) if cid else None
            via_host = bool(coll and coll.host_collection_id
                            and MANAGER in _roles(state, principal, coll.host_collection_id))
            sides.append((side, bool(coll and coll.is_guest and not via_host)))
    return sides


Managed = list[tuple[Any, list[tuple[str, bool]]]]
"""Task rows with the (side, share) ends the caller manages."""


def _managed_tasks(state: SandboxState, principal: Principal, ids: list[str]) -> Managed:
    _require_some_role(state, principal)
    found = []
    for task_id in ids:
        row = tasks_store.get_task(state.db, task_id)
        if row is None:
            raise ApiError(404, "TaskNotFound", f"Task '{task_id}' not found")
        sides = _managed_sides(state, principal, row)
        if not sides:
            raise ApiError(403, "PermissionDenied", f"You do not have the activity_manager role on an endpoint"
                                                    f" of task '{task_id}'")
        found.append((row, sides))
    return found


def admin_pause(state: SandboxState, principal: Principal, request: Request, body: Any) -> dict[str, Any]:
    ids, message = _task_id_list(body, with_message=True)
    for row, sides in _managed_tasks(state, principal, ids):
        if row["status"] not in LIVE:
            continue
        for side, share in sides:
            mstore.add_admin_pause(state.db, row["task_id"], side, share, message, principal.identity_id)
        pauses.hold_now(state, row["task_id"])
        tasks_store.add_event(state.db, row["task_id"], "PAUSED", "paused by an administrator",
                              {"message": message, "paused_by": principal.username})
    return result_doc(request, "result", "PauseAccepted", "The tasks have been paused.", task_id_list=ids)


def admin_resume(state: SandboxState, principal: Principal, request: Request, body: Any) -> dict[str, Any]:
    ids, _ = _task_id_list(body, with_message=False)
    for row, _sides in _managed_tasks(state, principal, ids):
        if not mstore.admin_pauses(state.db, row["task_id"]):
            continue
        mstore.clear_admin_pauses(state.db, row["task_id"])
        tasks_store.add_event(state.db, row["task_id"], "RESUMED", "resumed by an administrator",
                              {"resumed_by": principal.username})
    pauses.resume_unpaused(state, ids)
    return result_doc(request, "result", "ResumeAccepted", "The tasks have been resumed.", task_id_list=ids)


def _cancel_doc(state: SandboxState, row: Any) -> dict[str, Any]:
    ids = json.loads(row["task_ids"])
    done = all((t := tasks_store.get_task(state.db, i)) is None or t["status"] not in LIVE for i in ids)
    return {"DATA_TYPE": "admin_cancel", "id": row["id"], "message": row["message"], "task_id_list": ids,
            "done": done}


def admin_cancel(state: SandboxState, principal: Principal, request: Request, body: Any) -> dict[str, Any]:
    ids, message = _task_id_list(body, with_message=True)
    targets = _managed_tasks(state, principal, ids)
    cancel_id = mstore.record_cancel(state.db, message, ids, principal.identity_id)
    for row, sides in targets:
        if row["status"] not in LIVE:
            continue
        names = {side for side, _share in sides}
        mstore.mark_canceled_by_admin(state.db, row["task_id"], "BOTH" if len(names) == 2 else names.pop().upper(),
                                      message)
        tasks_store.add_event(state.db, row["task_id"], "CANCELED_BY_ADMIN", "canceled by an administrator",
                              {"message": message, "canceled_by": principal.username})
        mstore.clear_admin_pauses(state.db, row["task_id"])
        pauses.wake_for_cancel(state, row["task_id"])
        if state.engine is not None:
            state.engine.cancel(row["task_id"], f"Canceled by an administrator: {message}")
        tasks_store.update_task_fields(state.db, row["task_id"], cancel_requested=1)  # survives a restart
    until = time.monotonic() + CANCEL_WAIT_SECONDS
    record = mstore.get_cancel(state.db, cancel_id)
    assert record is not None
    doc = _cancel_doc(state, record)
    while not doc["done"] and time.monotonic() < until:
        time.sleep(0.02)
        doc = _cancel_doc(state, record)
    return doc


def cancel_status(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    raw = request.path_params["cancel_id"]
    record = mstore.get_cancel(state.db, int(raw)) if raw.isascii() and raw.isdigit() else None
    if record is None or record["requested_by_id"] != principal.identity_id:
        raise ApiError(404, "NotFound", f"Admin cancel '{raw}' not found")
    return _cancel_doc(state, record)


# --------------------------------------------------------------------------- pause rules


def _editable(state: SandboxState, principal: Principal, rule: mstore.PauseRule) -> bool:
    if MANAGER not in _roles(state, principal, rule.endpoint_id):
        return False
    if rule.created_by_host_manager:
        coll = find_collection(state, rule.endpoint_id)
        return bool(coll and coll.host_collection_id and MANAGER in _roles(state, principal, coll.host_collection_id))
    return True


def _rule(state: SandboxState, principal: Principal, rule_id: str, role: str) -> mstore.PauseRule:
    _require_some_role(state, principal)
    rule = mstore.get_rule(state.db, rule_id)
    if rule is None:
        raise ApiError(404, "NotFound", f"Pause rule '{rule_id}' not found")
    if role not in _roles(state, principal, rule.endpoint_id):
        raise ApiError(403, "EndpointPermissionDenied", f"You do not have the {role} role on the rule's endpoint")
    return rule


def _rule_fields(body: Any, current: mstore.PauseRule | None) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, BAD, "Request body must be a JSON object")
    if body.get("DATA_TYPE", "pause_rule") != "pause_rule":
        raise ApiError(400, BAD, "DATA_TYPE must be 'pause_rule'")
    message = body.get("message", current.message if current else None)
    if not isinstance(message, str) or not message.strip() or len(message) > 2048:
        raise ApiError(400, BAD, "message is required (at most 2048 characters)")
    identity = body.get("identity_id", current.identity_id if current else None)
    if identity is not None:
        try:
            identity = str(uuid.UUID(str(identity)))
        except ValueError:
            raise ApiError(400, BAD, "identity_id must be an identity id or null") from None
    if "start_time" in body:
        try:
            start = tasks_store.parse_time(body["start_time"])
        except ValueError:
            raise ApiError(400, BAD, f"Invalid start_time '{body['start_time']}'") from None
    else:
        start = current.start_time if current else None
    flags = {}
    for flag in mstore.PAUSE_FLAGS:
        # A new rule pauses everything it does not say otherwise (the SDK's example sends no flags).
        value = body.get(flag, current.flags[flag] if current else True)
        if not isinstance(value, bool):
            raise ApiError(400, BAD, f"{flag} must be true or false")
        flags[flag] = value
    return {"message": message, "identity_id": identity, "start_time": start, "flags": flags}


def pause_rule_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    watched = _require_some_role(state, principal)
    endpoint_id = request.query_params.get("filter_endpoint")
    if endpoint_id:
        endpoint = _endpoint(state, principal, endpoint_id)
        ids = [endpoint.id, *below(state, endpoint.id)]
    else:
        ids = [c.id for c in watched]
    docs = [pauses.rule_doc(state, r, editable=_editable(state, principal, r)) for r in mstore.rules_on(state.db, ids)]
    return {"DATA_TYPE": "pause_rule_list", "DATA": docs}


def create_pause_rule(state: SandboxState, principal: Principal, request: Request, body: Any) -> Any:
    endpoint_id = body.get("endpoint_id") if isinstance(body, dict) else None
    if not isinstance(endpoint_id, str):
        raise ApiError(400, BAD, "endpoint_id is required")
    endpoint = _endpoint(state, principal, endpoint_id, MANAGER)
    fields = _rule_fields(body, None)
    by_host = bool(endpoint.host_collection_id and MANAGER in _roles(state, principal, endpoint.host_collection_id))
    rule_id = mstore.insert_rule(state.db, endpoint_id=endpoint.id, modified_by_id=principal.identity_id,
                                 created_by_host_manager=by_host, **fields)
    rule = mstore.get_rule(state.db, rule_id)
    assert rule is not None
    pauses.hold_running(state)
    return pauses.rule_doc(state, rule, editable=True), 201


def get_pause_rule(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    rule = _rule(state, principal, request.path_params["rule_id"], MONITOR)
    return pauses.rule_doc(state, rule, editable=_editable(state, principal, rule))


def update_pause_rule(state: SandboxState, principal: Principal, request: Request, body: Any) -> dict[str, Any]:
    rule = _rule(state, principal, request.path_params["rule_id"], MANAGER)
    if not _editable(state, principal, rule):
        raise ApiError(403, "PermissionDenied", "This pause rule was set by a host endpoint manager")
    fields = _rule_fields(body, rule)
    mstore.update_rule(state.db, rule.id, modified_by_id=principal.identity_id, **fields)
    pauses.hold_running(state)
    pauses.resume_unpaused(state)
    updated = mstore.get_rule(state.db, rule.id)
    assert updated is not None
    return pauses.rule_doc(state, updated, editable=True)


def delete_pause_rule(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    rule = _rule(state, principal, request.path_params["rule_id"], MANAGER)
    if not _editable(state, principal, rule):
        raise ApiError(403, "PermissionDenied", "This pause rule was set by a host endpoint manager")
    mstore.delete_rule(state.db, rule.id)
    pauses.resume_unpaused(state)
    return result_doc(request, "result", "Deleted", f"Pause rule '{rule.id}' deleted successfully")


def my_effective_pause_rule_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    """GET /endpoint/{id}/my_effective_pause_rule_list: the rules in force that apply to me there."""
    from gterm.sandbox.transfer_http import visible_collection

    coll = visible_collection(state, principal, request.path_params["endpoint_id"])
    now = time.time()
    rules = [r for r in mstore.rules_on(state.db, pauses.lineage(state, coll.id))
             if r.in_force(now) and r.applies_to(principal.identity_id)]
    return {"DATA_TYPE": "pause_rule_limited_list",
            "DATA": [pauses.rule_doc(state, r, editable=False, limited=True) for r in rules]}


# --------------------------------------------------------------------------- endpoints


def monitored_endpoints(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    watched = _require_some_role(state, principal)
    in_use = collections_in_use(state, principal)
    return {"DATA_TYPE": "endpoint_list", "DATA": [endpoint_doc(state, c, principal, in_use) for c in watched]}


def hosted_endpoint_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    host = _endpoint(state, principal, request.path_params["endpoint_id"])
    in_use = collections_in_use(state, principal)
    hosted = [c for c in (find_collection(state, cid) for cid in below(state, host.id)) if c is not None]
    return {"DATA_TYPE": "endpoint_list", "DATA": [endpoint_doc(state, c, principal, in_use) for c in hosted]}


def get_endpoint(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    return endpoint_doc(state, _endpoint(state, principal, request.path_params["endpoint_id"]), principal)


def acl_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    coll = _endpoint(state, principal, request.path_params["endpoint_id"])
    if not coll.is_guest:
        raise ApiError(400, BAD, f"'{coll.display_name}' is not a guest collection; it has no access rules")
    return access_list_doc(state, coll)


M = "/endpoint_manager"
ROUTES: list[RouteSpec] = [
    (M + "/task_list", "GET", task_list, False),
    (M + "/task/{task_id}", "GET", get_task, False),
    (M + "/task/{task_id}/event_list", "GET", event_list, False),
    (M + "/task/{task_id}/successful_transfers", "GET", successful_transfers, False),
    (M + "/task/{task_id}/skipped_errors", "GET", skipped_errors, False),
    (M + "/task/{task_id}/pause_info", "GET", pause_info, False),
    (M + "/admin_cancel", "POST", admin_cancel, True),
    (M + "/admin_cancel/{cancel_id}", "GET", cancel_status, False),
    (M + "/admin_pause", "POST", admin_pause, True),
    (M + "/admin_resume", "POST", admin_resume, True),
    (M + "/pause_rule_list", "GET", pause_rule_list, False),
    (M + "/pause_rule", "POST", create_pause_rule, True),
    (M + "/pause_rule/{rule_id}", "GET", get_pause_rule, False),
    (M + "/pause_rule/{rule_id}", "PUT", update_pause_rule, True),
    (M + "/pause_rule/{rule_id}", "DELETE", delete_pause_rule, False),
    (M + "/monitored_endpoints", "GET", monitored_endpoints, False),
    (M + "/endpoint/{endpoint_id}/hosted_endpoint_list", "GET", hosted_endpoint_list, False),
    (M + "/endpoint/{endpoint_id}", "GET", get_endpoint, False),
    (M + "/endpoint/{endpoint_id}/access_list", "GET", acl_list, False),
]
