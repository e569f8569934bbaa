"""The batch membership actions of Groups v2 (``POST /v2/groups/{id}``) and the rules Groups enforces.

Each entry of each action either changes one membership (and is echoed back as
the membership document) or fails on its own with ``{identity_id, code, detail}``
under ``errors.<action>``; the request as a whole still answers 200, as Groups
does. ``ALREADY_ACTIVE`` and ``NO_MEMBERSHIP`` are the codes Globus' own
fixtures show; the other codes name the rule that refused the entry.

Who may do what (an identity's role counts only while its membership is active):
- admins and managers: add, invite, remove, approve, reject, change_role; only an
  admin may grant the admin role or act on an admin's membership;
- the identity itself (one of the caller's identity set): accept, decline (an
  invitation), join (on an invitation), request_join (when the group's policy
  allows join requests), leave (an active membership);
- a group always keeps one active admin: the last one may neither leave, be
  removed nor be demoted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gterm.sandbox import groups_store
from gterm.sandbox.db import Database
from gterm.sandbox.groups_store import Membership

ACTIONS = (
    "add",
    "remove",
    "invite",
    "accept",
    "decline",
    "approve",
    "reject",
    "join",
    "request_join",
    "leave",
    "change_role",
)
MANAGER_ACTIONS = frozenset({"add", "invite", "remove", "approve", "reject", "change_role"})
SELF_ACTIONS = frozenset({"accept", "decline", "join", "request_join", "leave"})
ACTIONS_WITH_ROLE = frozenset({"add", "invite", "change_role"})
_RANK = {"member": 1, "manager": 2, "admin": 3}


class ValidationProblem(ValueError):
    """The request body does not fit the action schema (Groups answers 422 for the whole request)."""

    def __init__(self, loc: list[Any], msg: str, kind: str) -> None:
        super().__init__(msg)
        self.loc = loc
        self.msg = msg
        self.kind = kind


class EntryRefused(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Entry:
    identity_id: str
    role: str | None
    membership_fields: dict[str, Any]


@dataclass
class Caller:
    identity_ids: frozenset[str]

    def role_in(self, db: Database, group_id: str) -> str | None:
        """The caller's highest role among its ACTIVE memberships in this group."""
        best: str | None = None
        for identity_id in self.identity_ids:
            entry = groups_store.membership(db, group_id, identity_id)
            if entry is None or entry.status != "active":
                continue
            if best is None or _RANK[entry.role] > _RANK[best]:
                best = entry.role
        return best


@dataclass
class BatchResult:
    done: dict[str, list[Membership]] = field(default_factory=dict)
    errors: dict[str, list[dict[str, str]]] = field(default_factory=dict)


def parse_actions(body: Any) -> dict[str, list[Entry]]:
    """Validate the whole body first: one malformed entry rejects the request (422), as Groups does."""
    if not isinstance(body, dict):
        raise ValidationProblem(["body"], "value is not a valid dict", "type_error.dict")
    parsed: dict[str, list[Entry]] = {}
    for action, entries in body.items():
        if action not in ACTIONS:
            raise ValidationProblem(["body", action], "extra fields not permitted", "value_error.extra")
        if not isinstance(entries, list):
            raise ValidationProblem(["body", action], "value is not a valid list", "type_error.list")
        parsed[action] = [_parse_entry(action, index, item) for index, item in enumerate(entries)]
    return parsed


def _parse_entry(action: str, index: int, item: Any) -> Entry:
    loc: list[Any] = ["body", action, index]
    if not isinstance(item, dict):
        raise ValidationProblem(loc, "value is not a valid dict", "type_error.dict")
    raw_id = item.get("identity_id")
    try:
        identity_id = str(uuid.UUID(str(raw_id)))
    except ValueError:
        raise ValidationProblem([*loc, "identity_id"], "value is not a valid uuid", "type_error.uuid") from None
    role: str | None = None
    if action in ACTIONS_WITH_ROLE:
        role = item.get("role", "member" if action != "change_role" else None)
        if role not in groups_store.ROLES:
            raise ValidationProblem(
                [*loc, "role"], "value is not a valid enumeration member; permitted: 'member', 'manager', 'admin'",
                "type_error.enum",
            )
    fields = item.get("membership_fields") or {}
    if not isinstance(fields, dict):
        raise ValidationProblem([*loc, "membership_fields"], "value is not a valid dict", "type_error.dict")
    return Entry(identity_id=identity_id, role=role, membership_fields=fields)


def apply_actions(
    db: Database,
    group: Any,
    caller: Caller,
    actions: dict[str, list[Entry]],
    identity_exists: Callable[[str], bool],
) -> BatchResult:
    """Apply each entry in request order; refusals are collected, never raised."""
    result = BatchResult()
    for action, entries in actions.items():
        done = result.done.setdefault(action, [])
        for entry in entries:
            try:
                done.append(_apply_one(db, group, caller, action, entry, identity_exists))
            except EntryRefused as refusal:
                result.errors.setdefault(action, []).append(
                    {"identity_id": entry.identity_id, "code": refusal.code, "detail": refusal.detail}
                )
    return result


def _apply_one(
    db: Database,
    group: Any,
    caller: Caller,
    action: str,
    entry: Entry,
    identity_exists: Callable[[str], bool],
) -> Membership:
    group_id = str(group["id"])
    if action in ("add", "invite") and not identity_exists(entry.identity_id):
        raise EntryRefused("IDENTITY_NOT_FOUND", f"No Globus Auth identity has the id {entry.identity_id}.")
    current = groups_store.membership(db, group_id, entry.identity_id)
    if action in MANAGER_ACTIONS:
        _check_manager(db, group_id, caller, action, entry, current)
    else:
        if entry.identity_id not in caller.identity_ids:
            raise EntryRefused("FORBIDDEN", f"Only the identity itself may {action.replace('_', ' ')}.")
    new_role, new_status = _transition(db, group, action, entry, current)
    groups_store.put_membership(db, group_id, entry.identity_id, new_role, new_status)
    updated = groups_store.membership(db, group_id, entry.identity_id)
    assert updated is not None
    return updated


def _check_manager(
    db: Database, group_id: str, caller: Caller, action: str, entry: Entry, current: Membership | None
) -> None:
    role = caller.role_in(db, group_id)
    if role not in ("admin", "manager"):
        raise EntryRefused("FORBIDDEN", f"Only group administrators and managers may {action.replace('_', ' ')}.")
    if role == "manager":
        if entry.role == "admin":
            raise EntryRefused("FORBIDDEN", "Only group administrators may grant the admin role.")
        if current is not None and current.role == "admin" and current.status == "active":
            raise EntryRefused("FORBIDDEN", "Only group administrators may change an administrator's membership.")


def _is_last_admin(db: Database, group_id: str, current: Membership) -> bool:
    return (
        current.role == "admin"
        and current.status == "active"
        and groups_store.active_admin_count(db, group_id) <= 1
    )


def _transition(
    db: Database, group: Any, action: str, entry: Entry, current: Membership | None
) -> tuple[str, str]:
    """(role, status) after the action, or EntryRefused with the rule that forbids it."""
    group_id = str(group["id"])
    status = current.status if current is not None else None
    role = current.role if current is not None else "member"
    if action in ("add", "invite"):
        if status == "active":
            raise EntryRefused("ALREADY_ACTIVE", "The identity is already an active member of the group.")
        assert entry.role is not None
        return entry.role, "active" if action == "add" else "invited"
    if current is None and action not in ("join", "request_join"):
        raise EntryRefused("NO_MEMBERSHIP", "Identity has no membership in group.")
    assert action in ("join", "request_join") or current is not None
    if action == "remove":
        assert current is not None
        if status not in groups_store.LIVE_STATUSES:
            raise EntryRefused("NO_MEMBERSHIP", "Identity has no membership in group.")
        if _is_last_admin(db, group_id, current):
            raise EntryRefused("LAST_ADMIN", "The last administrator of a group cannot be removed.")
        return role, "removed"
    if action in ("approve", "reject"):
        if status != "pending":
            raise EntryRefused("NOT_PENDING", "The identity has no pending request to join the group.")
        return role, "active" if action == "approve" else "rejected"
    if action == "change_role":
        assert current is not None and entry.role is not None
        if status != "active":
            raise EntryRefused("NOT_ACTIVE", "Only an active membership's role can change.")
        if entry.role != "admin" and _is_last_admin(db, group_id, current):
            raise EntryRefused("LAST_ADMIN", "The last administrator of a group cannot be demoted.")
        return entry.role, "active"
    if action in ("accept", "decline"):
        if status == "active":
            raise EntryRefused("ALREADY_ACTIVE", "The identity is already an active member of the group.")
        if status != "invited":
            raise EntryRefused("NOT_INVITED", "The identity has no invitation to this group.")
        return role, "active" if action == "accept" else "declined"
    if action == "join":
        if status == "active":
            raise EntryRefused("ALREADY_ACTIVE", "The identity is already an active member of the group.")
        if status != "invited":
            raise EntryRefused(
                "NOT_INVITED", "Joining this group needs an invitation or an approved join request (request_join)."
            )
        return role, "active"
    if action == "request_join":
        if status == "active":
            raise EntryRefused("ALREADY_ACTIVE", "The identity is already an active member of the group.")
        if status == "pending":
            raise EntryRefused("ALREADY_PENDING", "The identity already has a pending request to join.")
        if not groups_store.policies(group)["join_requests"]:
            raise EntryRefused("JOIN_REQUESTS_DISABLED", "This group does not accept requests to join.")
        return "member", "pending"
    if action == "leave":
        assert current is not None
        if status != "active":
            raise EntryRefused("NO_MEMBERSHIP", "Identity has no active membership in group.")
        if _is_last_admin(db, group_id, current):
            raise EntryRefused("LAST_ADMIN", "The last administrator of a group cannot leave it.")
        return role, "left"
    raise AssertionError(f"unhandled action {action}")


def allowed_actions(db: Database, group: Any, caller: Caller) -> dict[str, list[str]]:
    """Which actions each identity of the caller's set may perform (the ``allowed_actions`` include)."""
    group_id = str(group["id"])
    allowed: dict[str, list[str]] = {action: [] for action in ACTIONS}
    join_requests = bool(groups_store.policies(group)["join_requests"])
    for identity_id in sorted(caller.identity_ids):
        current = groups_store.membership(db, group_id, identity_id)
        status = current.status if current is not None else None
        if current is not None and status == "active" and current.role in ("admin", "manager"):
            for action in sorted(MANAGER_ACTIONS):
                allowed[action].append(identity_id)
        if status == "invited":
            for action in ("accept", "decline", "join"):
                allowed[action].append(identity_id)
        if status == "active" and current is not None and not _is_last_admin(db, group_id, current):
            allowed["leave"].append(identity_id)
        if status not in ("active", "pending") and join_requests:
            allowed["request_join"].append(identity_id)
    return allowed
