"""Effective roles: what a caller may do on an endpoint or collection, as Transfer computes it.

- The owner of an entity holds ``administrator`` implicitly.
- Explicit assignments (``roles_store``) count for the caller's identity and
  for every group it is an active member of.
- Roles flow down: a role on a GCSv5 endpoint holds on its collections, and a
  role on a mapped (host) collection holds on the guest collections it hosts,
  except that ``administrator`` becomes ``restricted_administrator`` on a child
  (Transfer's Roles documentation: "only available as an effective role on
  children of entities that the principal has the administrator role on").
- Implied roles: administrator includes activity_manager and activity_monitor
  (and access_manager where access rules exist, on guest collections);
  activity_manager includes activity_monitor.

The list order follows the documentation and the recorded endpoint documents
(``["administrator", "activity_manager", "activity_monitor"]``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from gterm.sandbox import roles_store
from gterm.sandbox.state import SandboxState

if TYPE_CHECKING:
    from gterm.sandbox.collections import CollectionRecord

ROLE_ORDER: tuple[str, ...] = (
    "administrator",
    "restricted_administrator",
    "access_manager",
    "activity_manager",
    "activity_monitor",
)
ACTIVITY_ROLES = frozenset({"administrator", "activity_manager", "activity_monitor"})


def _expand(roles: set[str], *, has_access_rules: bool) -> set[str]:
    found = set(roles)
    if "administrator" in found:
        found |= {"activity_manager", "activity_monitor"}
        if has_access_rules:
            found.add("access_manager")
    if "activity_manager" in found:
        found.add("activity_monitor")
    return found


def _inherited(parent_roles: set[str], *, from_endpoint: bool = False) -> set[str]:
    """What a child entity inherits from the caller's effective roles on its parent.

    A GCSv5 endpoint's administrator administers its mapped collections in full
    (GCS: "the administrator role on the Transfer API for the endpoint's ...
    collections"); a host collection's administrator is a restricted
    administrator of the guest collections on it.
    """
    inherited = parent_roles & {"activity_manager", "activity_monitor"}
    if "administrator" in parent_roles:
        inherited.add("administrator" if from_endpoint else "restricted_administrator")
    return inherited


def ordered(roles: Iterable[str]) -> list[str]:
    present = set(roles)
    return [name for name in ROLE_ORDER if name in present]


def effective_roles_on(
    state: SandboxState,
    identity_id: str,
    target_id: str,
    *,
    owner_id: str | None = None,
    parent_roles: set[str] | None = None,
    parent_is_endpoint: bool = False,
    has_access_rules: bool = False,
) -> set[str]:
    """Effective roles on one entity, given the caller's effective roles on its parent (if any).

    This is the building block for any entity (a GCSv5 endpoint, a collection);
    ``effective_roles`` below walks a collection's parents.
    """
    roles = roles_store.held_roles(state, target_id, identity_id)
    if owner_id is not None and owner_id == identity_id:
        roles.add("administrator")
    if parent_roles:
        roles |= _inherited(parent_roles, from_endpoint=parent_is_endpoint)
    roles = _expand(roles, has_access_rules=has_access_rules)
    if "administrator" in roles:
        roles.discard("restricted_administrator")  # the full role covers the restricted one
    return roles


def _endpoint_roles(state: SandboxState, coll: CollectionRecord, identity_id: str) -> set[str] | None:
    """Roles on the GCSv5 endpoint a collection belongs to, when the GCS half says which one.

    The GCS half registers ``state.gcs_endpoint_of`` (collection id -> endpoint
    id or None) and ``state.gcs_endpoint_owner`` (endpoint id -> owner identity
    id or None).
    """
    endpoint_of = state.gcs_endpoint_of
    if endpoint_of is None:
        return None
    endpoint_id = endpoint_of(coll.id)
    if not endpoint_id:
        return None
    owner_of = state.gcs_endpoint_owner
    owner = owner_of(endpoint_id) if owner_of is not None else None
    return effective_roles_on(state, identity_id, str(endpoint_id), owner_id=owner)


def effective_role_set(state: SandboxState, coll: CollectionRecord, identity_id: str) -> set[str]:
    """Effective roles of an identity on a collection, parents included."""
    from gterm.sandbox.collections import find_collection  # collections imports collection_store; keep cycles out

    parent_roles: set[str] | None = None
    if coll.host_collection_id:
        host = find_collection(state, coll.host_collection_id)
        if host is not None:
            parent_roles = effective_role_set(state, host, identity_id)
    else:
        parent_roles = _endpoint_roles(state, coll, identity_id)
    return effective_roles_on(
        state,
        identity_id,
        coll.id,
        owner_id=coll.owner_id,
        parent_roles=parent_roles,
        parent_is_endpoint=not coll.host_collection_id,
        has_access_rules=coll.is_guest,
    )


def effective_roles(state: SandboxState, coll: CollectionRecord, identity_id: str) -> list[str]:
    """``my_effective_roles`` of an endpoint document."""
    return ordered(effective_role_set(state, coll, identity_id))


def is_administrator(state: SandboxState, coll: CollectionRecord, identity_id: str) -> bool:
    return "administrator" in effective_role_set(state, coll, identity_id)


def is_access_manager(state: SandboxState, coll: CollectionRecord, identity_id: str) -> bool:
    """May manage a guest collection's access rules (an administrator there is one too: _expand)."""
    return "access_manager" in effective_role_set(state, coll, identity_id)
