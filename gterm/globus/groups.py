"""GroupsService: the groups I belong to, their members, and the membership actions of Groups v2.

Calls are the SDK's ``GroupsClient`` ones: ``get_my_groups``, ``get_group(include=["memberships",
"my_memberships"])``, ``create_group``, ``update_group`` (name, description), ``delete_group``, and
``batch_membership_action`` with a ``BatchMembershipActions`` document for add, invite, change role,
remove and leave. Groups answers a batch with HTTP 200 even when an entry is
refused (the refusal is listed under ``errors.<action>``); this service raises that refusal as a
gterm error so nothing is half-done silently.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from gterm.globus.error_mapping import brief, translate_errors
from gterm.globus.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied, ServiceError
from gterm.globus.sharing import GroupRef
from gterm.lazy_modules import LazyModule

if TYPE_CHECKING:
    import globus_sdk
else:
    # Loaded with the first call to Globus, not with the TUI (gterm.lazy_modules).
    globus_sdk = LazyModule("globus_sdk")

Role = Literal["member", "manager", "admin"]
ROLES: tuple[Role, ...] = ("member", "manager", "admin")


@dataclass(frozen=True, slots=True)
class Membership:
    identity_id: str
    username: str
    role: str
    status: str


@dataclass(frozen=True, slots=True)
class Group:
    id: str
    name: str
    description: str
    my_role: str  # my active role ("" when I only see the group)
    members: tuple[Membership, ...] = ()
    my_identity_ids: tuple[str, ...] = ()  # my identities that are active members (what "leave" names)

    @property
    def ref(self) -> GroupRef:
        return GroupRef(self.id, self.name)


def _membership(doc: dict[str, Any]) -> Membership:
    return Membership(
        identity_id=str(doc.get("identity_id") or ""),
        username=str(doc.get("username") or ""),
        role=str(doc.get("role") or ""),
        status=str(doc.get("status") or ""),
    )


def _group(doc: dict[str, Any], members: bool = False) -> Group:
    mine = [m for m in doc.get("my_memberships") or [] if m.get("status") == "active"]
    rank: dict[str, int] = {role: n for n, role in enumerate(ROLES)}
    my_role = max((str(m.get("role") or "") for m in mine), key=lambda r: rank.get(r, -1), default="")
    return Group(
        id=str(doc["id"]),
        name=str(doc.get("name") or doc["id"]),
        description=str(doc.get("description") or ""),
        my_role=my_role,
        members=tuple(_membership(m) for m in doc.get("memberships") or []) if members else (),
        my_identity_ids=tuple(str(m.get("identity_id") or "") for m in mine),
    )


_REFUSALS: dict[str, type[Exception]] = {
    "FORBIDDEN": PermissionDenied,
    "ALREADY_ACTIVE": AlreadyExists,
    "NO_MEMBERSHIP": NotFound,
    "LAST_ADMIN": InvalidInput,
}


class GroupsService:
    """Thread-safe: one GroupsClient per thread."""

    def __init__(self, client_factory: Callable[[], globus_sdk.GroupsClient]) -> None:
        self._client_factory = client_factory
        self._local = threading.local()

    def _client(self) -> globus_sdk.GroupsClient:
        client: globus_sdk.GroupsClient | None = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._client_factory()
        return client

    @translate_errors()
    def my_groups(self) -> list[Group]:
        """The groups I belong to (active memberships), by name."""
        groups = [_group(doc) for doc in self._client().get_my_groups()]
        return sorted((g for g in groups if g.my_role), key=lambda g: g.name.lower())

    @translate_errors()
    def group(self, group_id: str) -> Group:
        """One group with the memberships I may see, and mine (my role; what "leave" names)."""
        doc = self._client().get_group(group_id, include=["memberships", "my_memberships"]).data
        return _group(doc, members=True)

    @translate_errors()
    def named(self, group_id: str) -> Group:
        """One group, without its memberships (its name for a rule or role naming it); NotFound when Groups
        has no such group for me (deleted, or one I may not see: Groups answers both with 404)."""
        return _group(self._client().get_group(group_id).data)

    @translate_errors()
    def create_group(self, name: str, description: str = "") -> Group:
        if not name.strip():
            raise InvalidInput("A group needs a name.")
        doc = self._client().create_group({"name": name.strip(), "description": description.strip()})
        return _group(doc.data)

    @translate_errors()
    def update_group(self, group_id: str, name: str, description: str) -> Group:
        """A new name and description (Groups lets the group's admins alone change them)."""
        if not name.strip():
            raise InvalidInput("A group needs a name.")
        doc = self._client().update_group(group_id, {"name": name.strip(), "description": description.strip()})
        return _group(doc.data)

    @translate_errors()
    def delete_group(self, group_id: str) -> None:
        """The group is gone, with its memberships (Groups lets the group's admins alone delete it)."""
        self._client().delete_group(group_id)

    def add_member(self, group_id: str, identity_id: str, role: Role = "member") -> None:
        self._batch(group_id, "add", globus_sdk.BatchMembershipActions().add_members([identity_id], role=role))

    def invite_member(self, group_id: str, identity_id: str, role: Role = "member") -> None:
        self._batch(group_id, "invite", globus_sdk.BatchMembershipActions().invite_members([identity_id], role=role))

    def change_role(self, group_id: str, identity_id: str, role: Role) -> None:
        self._batch(group_id, "change_role", globus_sdk.BatchMembershipActions().change_roles(role, [identity_id]))

    def remove_member(self, group_id: str, identity_id: str) -> None:
        self._batch(group_id, "remove", globus_sdk.BatchMembershipActions().remove_members([identity_id]))

    def leave(self, group_id: str, my_identity_id: str) -> None:
        self._batch(group_id, "leave", globus_sdk.BatchMembershipActions().leave([my_identity_id]))

    @translate_errors()
    def _batch(self, group_id: str, action: str, actions: globus_sdk.BatchMembershipActions) -> None:
        response = self._client().batch_membership_action(group_id, actions)
        errors = (response.get("errors") or {}).get(action) or []
        if errors:
            first = errors[0]
            code = str(first.get("code") or "")
            detail = brief(str(first.get("detail") or "Groups refused the change."))
            if code == "LAST_ADMIN":
                detail += " Make someone else an admin first."
            elif code == "FORBIDDEN":
                detail += " Only the group's admins and managers may do that."
            raise _REFUSALS.get(code, ServiceError)(detail)
