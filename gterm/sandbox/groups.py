"""Globus Groups API v2 routes of the sandbox, served under ``/groups`` (GLOBUS_SDK_SERVICE_URL_GROUPS).

Bearer tokens must be issued for ``groups.api.globus.org``. The
``view_my_groups_and_memberships`` scope reads; changes need ``:all``. Errors are
``{"code", "detail"}`` (401 AUTHENTICATION_ERROR / INVALID_TOKEN, 403 FORBIDDEN,
404 NOT_FOUND) and request-shape problems 422 ``{"detail": [{loc, msg, type}]}``,
the FastAPI shapes Groups answers with.

Visibility (Groups' documented rules): a group can be seen if its policy is
``authenticated`` or the caller has an active, invited or pending membership;
memberships are listed to active members, or only to admins and managers when
``group_members_visibility`` is ``managers`` (others then see their own only).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from gterm.sandbox import auth_store, groups_store
from gterm.sandbox.auth import bearer_token, token_for
from gterm.sandbox.errors import ApiError
from gterm.sandbox.groups_actions import (
    Caller,
    ValidationProblem,
    allowed_actions,
    apply_actions,
    parse_actions,
)
from gterm.sandbox.principals import identity_set
from gterm.sandbox.request_parsing import parse_json
from gterm.sandbox.seed_ids import GROUPS_ALL_SCOPE, GROUPS_RESOURCE_SERVER
from gterm.sandbox.state import SandboxState

PREFIX = "/groups"
INCLUDES = ("memberships", "my_memberships", "policies", "allowed_actions", "child_ids")
_CREATE_FIELDS = frozenset({"name", "description", "parent_id", "terms_and_conditions"})
_UPDATE_FIELDS = frozenset({"name", "description", "terms_and_conditions", "subscription_admin_verified_id"})


class GroupsError(Exception):
    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


class _Unprocessable(Exception):
    def __init__(self, loc: list[Any], msg: str, kind: str) -> None:
        super().__init__(msg)
        self.body = {"detail": [{"loc": loc, "msg": msg, "type": kind}]}


class GroupsCaller(Caller):
    """The caller of a Groups route: its identity set and whether its token may change things."""

    def __init__(self, identity_id: str, can_write: bool) -> None:
        super().__init__(identity_ids=identity_set(identity_id))
        self.identity_id = identity_id
        self.can_write = can_write


# --- plumbing -----------------------------------------------------------------------


def _state(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def _caller(state: SandboxState, request: Request) -> GroupsCaller:
    if bearer_token(request) is None:
        raise GroupsError(401, "AUTHENTICATION_ERROR", "Authorization header missing or malformed.")
    record = token_for(state, request, GROUPS_RESOURCE_SERVER)
    if record is None:
        raise GroupsError(401, "INVALID_TOKEN", "The token is not valid for the Groups service.")
    request.state.principal_id = record.identity_id
    return GroupsCaller(record.identity_id, can_write=GROUPS_ALL_SCOPE in record.scope.split())


def _require_write(caller: GroupsCaller) -> None:
    if not caller.can_write:
        raise GroupsError(403, "FORBIDDEN", f"This action needs the scope {GROUPS_ALL_SCOPE}.")


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return parse_json(raw) if raw.strip() else None  # the sandbox's one JSON parser (limits, text)
    except ApiError as exc:
        raise _Unprocessable(["body"], exc.message, "value_error.jsondecode") from None


Handler = Callable[[SandboxState, Request, GroupsCaller], Awaitable[Any]]


def _route(path: str, method: str, handler: Handler) -> Route:
    async def endpoint(request: Request) -> Response:
        state = _state(request)
        try:
            caller = _caller(state, request)
            result = await handler(state, request, caller)
        except GroupsError as exc:
            return JSONResponse({"code": exc.code, "detail": exc.detail}, status_code=exc.status)
        except _Unprocessable as exc:
            return JSONResponse(exc.body, status_code=422)
        except ValidationProblem as exc:
            return JSONResponse({"detail": [{"loc": exc.loc, "msg": exc.msg, "type": exc.kind}]}, status_code=422)
        status = 200
        if isinstance(result, tuple):
            result, status = result
        return JSONResponse(result, status_code=status)

    endpoint.__name__ = handler.__name__
    return Route(path, endpoint, methods=[method])


def _uuid_param(value: str, loc: list[Any]) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise _Unprocessable(loc, "value is not a valid uuid", "type_error.uuid") from None


def _username(state: SandboxState, identity_id: str) -> str | None:
    row = auth_store.get_identity(state.db, identity_id)
    return str(row["username"]) if row is not None else None


def _membership_docs(state: SandboxState, entries: list[groups_store.Membership]) -> list[dict[str, Any]]:
    return [groups_store.membership_doc(m, _username(state, m.identity_id)) for m in entries]


def _my_memberships(state: SandboxState, group_id: str, caller: Caller) -> list[groups_store.Membership]:
    return [
        m
        for m in groups_store.memberships(state.db, group_id, groups_store.LIVE_STATUSES)
        if m.identity_id in caller.identity_ids
    ]


def _visible_group(state: SandboxState, caller: Caller, group_id: str) -> Any:
    """The group, or 404 when it does not exist or this caller may not see it."""
    row = groups_store.get_group(state.db, group_id)
    if row is None or not (
        groups_store.policies(row)["group_visibility"] == "authenticated" or _my_memberships(state, row["id"], caller)
    ):
        raise GroupsError(404, "NOT_FOUND", f"Group {group_id} not found.")
    return row


def _administered_group(state: SandboxState, caller: GroupsCaller, group_id: str) -> Any:
    _require_write(caller)
    row = _visible_group(state, caller, group_id)
    if caller.role_in(state.db, row["id"]) != "admin":
        raise GroupsError(403, "FORBIDDEN", "Only an administrator of the group may do this.")
    return row


def _visible_memberships(state: SandboxState, row: Any, caller: Caller) -> list[groups_store.Membership]:
    role = caller.role_in(state.db, row["id"])
    if role is None:
        return []
    mine = _my_memberships(state, row["id"], caller)
    if groups_store.policies(row)["group_members_visibility"] == "managers" and role == "member":
        return [m for m in mine if m.status == "active"]
    return groups_store.memberships(state.db, row["id"], groups_store.LIVE_STATUSES)


def _full_doc(state: SandboxState, row: Any, caller: GroupsCaller, include: set[str]) -> dict[str, Any]:
    doc = groups_store.group_doc(row)
    doc["my_memberships"] = _membership_docs(state, _my_memberships(state, row["id"], caller))
    if "memberships" in include:
        doc["memberships"] = _membership_docs(state, _visible_memberships(state, row, caller))
    if "allowed_actions" in include and caller.can_write:
        doc["allowed_actions"] = allowed_actions(state.db, row, caller)
    if "child_ids" in include:
        doc["child_ids"] = groups_store.child_ids(state.db, row["id"])
    return doc


def _include(request: Request) -> set[str]:
    raw = request.query_params.get("include", "")
    wanted = {part.strip() for part in raw.split(",") if part.strip()}
    unknown = wanted - set(INCLUDES)
    if unknown:
        raise _Unprocessable(
            ["query", "include"], f"unknown include value(s) {sorted(unknown)}; permitted: {list(INCLUDES)}",
            "value_error",
        )
    return wanted


def _optional_text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise _Unprocessable(["body", key], "str type expected", "type_error.str")
    return value


def _object_body(body: Any, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _Unprocessable(["body"], "value is not a valid dict", "type_error.dict")
    for key in body:
        if key not in allowed:
            raise _Unprocessable(["body", key], "extra fields not permitted", "value_error.extra")
    return body


def _name(body: dict[str, Any], *, required: bool) -> str | None:
    if "name" not in body:
        if required:
            raise _Unprocessable(["body", "name"], "field required", "value_error.missing")
        return None
    name = body["name"]
    if not isinstance(name, str) or not name.strip():
        raise _Unprocessable(["body", "name"], "ensure this value has at least 1 characters", "value_error")
    return name


# --- routes -------------------------------------------------------------------------


async def my_groups(state: SandboxState, request: Request, caller: GroupsCaller) -> Any:
    raw = request.query_params.get("statuses", "") or "active"
    statuses = [s.strip() for s in raw.split(",") if s.strip()]
    for status in statuses:
        if status not in groups_store.STATUSES:
            raise _Unprocessable(["query", "statuses"], f"invalid status {status!r}", "type_error.enum")
    by_group: dict[str, list[groups_store.Membership]] = {}
    for entry in groups_store.memberships_of(state.db, caller.identity_ids, statuses):
        by_group.setdefault(entry.group_id, []).append(entry)
    docs = []
    for group_id, entries in by_group.items():
        row = groups_store.get_group(state.db, group_id)
        if row is None:
            continue
        doc = groups_store.group_doc(row)
        doc["my_memberships"] = _membership_docs(state, entries)
        docs.append(doc)
    return docs


async def get_group(state: SandboxState, request: Request, caller: GroupsCaller) -> Any:
    group_id = _uuid_param(request.path_params["group_id"], ["path", "group_id"])
    include = _include(request)
    return _full_doc(state, _visible_group(state, caller, group_id), caller, include)


async def create_group(state: SandboxState, request: Request, caller: GroupsCaller) -> Any:
    _require_write(caller)
    body = _object_body(await _json_body(request), _CREATE_FIELDS)
    name = _name(body, required=True)
    assert name is not None
    parent_id = body.get("parent_id")
    if parent_id is not None:
        parent_id = _uuid_param(str(parent_id), ["body", "parent_id"])
        parent = _visible_group(state, caller, parent_id)
        if caller.role_in(state.db, parent["id"]) != "admin":
            raise GroupsError(403, "FORBIDDEN", "Only an administrator of the parent group may create subgroups.")
    group_id = groups_store.create_group(
        state.db,
        name=name,
        description=_optional_text(body, "description"),
        parent_id=parent_id,
        terms_and_conditions=_optional_text(body, "terms_and_conditions"),
        admin_id=caller.identity_id,
    )
    row = groups_store.get_group(state.db, group_id)
    return _full_doc(state, row, caller, set()), 201


async def update_group(state: SandboxState, request: Request, caller: GroupsCaller) -> Any:
    group_id = _uuid_param(request.path_params["group_id"], ["path", "group_id"])
    row = _administered_group(state, caller, group_id)
    body = _object_body(await _json_body(request), _UPDATE_FIELDS)
    changes: dict[str, Any] = {}
    name = _name(body, required=False)
    if name is not None:
        changes["name"] = name
    for key in ("description", "terms_and_conditions"):
        if key in body:
            changes[key] = _optional_text(body, key)
    if "subscription_admin_verified_id" in body:
        value = body["subscription_admin_verified_id"]
        if value is not None and str(value) != row["subscription_admin_verified_id"]:
            raise GroupsError(
                403, "FORBIDDEN", "Set a new subscription_admin_verified_id through its own route."
            )
        changes["subscription_admin_verified_id"] = value
    groups_store.update_group(state.db, row["id"], changes)
    return _full_doc(state, groups_store.get_group(state.db, row["id"]), caller, set())


async def delete_group(state: SandboxState, request: Request, caller: GroupsCaller) -> Any:
    group_id = _uuid_param(request.path_params["group_id"], ["path", "group_id"])
    row = _administered_group(state, caller, group_id)
    doc = _full_doc(state, row, caller, set())
    groups_store.delete_group(state.db, row["id"])
    return doc


async def get_policies(state: SandboxState, request: Request, caller: GroupsCaller) -> Any:
    group_id = _uuid_param(request.path_params["group_id"], ["path", "group_id"])
    return groups_store.policies(_visible_group(state, caller, group_id))


def _validated_policies(body: Any, current: dict[str, Any]) -> dict[str, Any]:
    body = _object_body(body, frozenset(groups_store.DEFAULT_POLICIES))
    checks: dict[str, Callable[[Any], bool]] = {
        "is_high_assurance": lambda v: isinstance(v, bool),
        "authentication_assurance_timeout": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)),
        "group_visibility": lambda v: v in groups_store.VISIBILITIES,
        "group_members_visibility": lambda v: v in groups_store.MEMBER_VISIBILITIES,
        "join_requests": lambda v: isinstance(v, bool),
        "signup_fields": lambda v: isinstance(v, list) and all(f in groups_store.SIGNUP_FIELDS for f in v),
    }
    required = set(checks) - {"authentication_assurance_timeout"}
    for key in sorted(required - set(body)):
        raise _Unprocessable(["body", key], "field required", "value_error.missing")
    result = dict(current)
    for key, value in body.items():
        if not checks[key](value):
            raise _Unprocessable(["body", key], f"invalid value for {key}", "value_error")
        if value is not None:
            result[key] = value
    return result


async def set_policies(state: SandboxState, request: Request, caller: GroupsCaller) -> Any:
    group_id = _uuid_param(request.path_params["group_id"], ["path", "group_id"])
    row = _administered_group(state, caller, group_id)
    new = _validated_policies(await _json_body(request), groups_store.policies(row))
    groups_store.set_policies(state.db, row["id"], new)
    return new


async def membership_actions(state: SandboxState, request: Request, caller: GroupsCaller) -> Any:
    _require_write(caller)
    group_id = _uuid_param(request.path_params["group_id"], ["path", "group_id"])
    actions = parse_actions(await _json_body(request))
    row = _visible_group(state, caller, group_id)
    result = apply_actions(
        state.db, row, caller, actions, lambda identity_id: auth_store.get_identity(state.db, identity_id) is not None
    )
    body: dict[str, Any] = {action: _membership_docs(state, done) for action, done in result.done.items()}
    if result.errors:
        body["errors"] = result.errors
    return body


async def get_preferences(state: SandboxState, request: Request, caller: GroupsCaller) -> Any:
    return {"allow_add": groups_store.allow_add(state.db, caller.identity_id)}


async def set_preferences(state: SandboxState, request: Request, caller: GroupsCaller) -> Any:
    _require_write(caller)
    body = _object_body(await _json_body(request), frozenset({"allow_add"}))
    value = body.get("allow_add")
    if not isinstance(value, bool):
        raise _Unprocessable(["body", "allow_add"], "value could not be parsed to a boolean", "type_error.bool")
    groups_store.set_allow_add(state.db, caller.identity_id, value)
    return {"allow_add": value}


def routes(state: SandboxState) -> list[BaseRoute]:
    """The Groups API, mounted under PREFIX; handlers find the state on ``request.app.state.sandbox``."""
    del state  # symmetry with auth.routes / transfer.routes
    return [
        Mount(
            PREFIX,
            routes=[
                _route("/v2/groups/my_groups", "GET", my_groups),
                _route("/v2/groups", "POST", create_group),
                _route("/v2/groups/{group_id}", "GET", get_group),
                _route("/v2/groups/{group_id}", "PUT", update_group),
                _route("/v2/groups/{group_id}", "DELETE", delete_group),
                _route("/v2/groups/{group_id}", "POST", membership_actions),
                _route("/v2/groups/{group_id}/policies", "GET", get_policies),
                _route("/v2/groups/{group_id}/policies", "PUT", set_policies),
                _route("/v2/preferences", "GET", get_preferences),
                _route("/v2/preferences", "PUT", set_preferences),
            ],
        )
    ]
