"""Roles on a collection: who administers it or manages its access, through the API Globus uses for its kind.

- A Globus Connect Server v5 collection (mapped or guest): its endpoint's GCS
  Manager ``/api/roles`` (``get_role_list(collection_id)``, ``create_role`` with
  a ``GCSRoleDocument`` whose principal is a URN, ``delete_role``), with the
  endpoint's ``manage_collections`` scope. Transfer only reads GCSv5 roles.
- Globus Connect Personal (and older) endpoints and their shares: Transfer's
  endpoint roles (``endpoint_role_list``, ``add_endpoint_role``,
  ``delete_endpoint_role``) with ``transfer:all``.

Which one applies, and what I may do, comes from Transfer's endpoint document
(``entity_type``, ``non_functional_endpoint_id``, ``gcs_manager_url``,
``my_effective_roles``). Only an administrator changes roles at Globus; a
refusal is said in those words.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from gterm.globus.error_mapping import explained, translate_errors
from gterm.globus.errors import GtermError, InvalidInput
from gterm.lazy_modules import LazyModule

if TYPE_CHECKING:
    import globus_sdk
else:
    # Loaded with the first call to Globus, not with the TUI (gterm.lazy_modules).
    globus_sdk = LazyModule("globus_sdk")

#: (endpoint_id, gcs_manager_url) -> a GCSClient with the endpoint's manage_collections scope.
GcsManagerFactory = Callable[[str, str], "globus_sdk.GCSClient"]

RolesApi = Literal["gcs", "transfer"]
PrincipalKind = Literal["identity", "group"]

IDENTITY_URN = "urn:globus:auth:identity:"
#: GCS writes group principals as ``urn:globus:groups:id:``; the SDK's docstring spells ``urn:globus:auth:group:``.
GROUP_URNS = ("urn:globus:groups:id:", "urn:globus:auth:group:")

#: The roles that can be given, in the order Globus documents them, with what each lets its holder do.
ROLE_HELP: dict[str, str] = {
    "administrator": "everything, roles included",
    "access_manager": "access rules (guest collections)",
    "activity_manager": "see and control others' tasks",
    "activity_monitor": "see others' tasks",
}


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    """One role given to one person or group on a collection."""

    id: str
    role: str
    principal_type: PrincipalKind
    principal: str  # an identity or group id (never a URN)


@dataclass(frozen=True, slots=True)
class RolesPlace:
    """Where a collection's roles live and what I hold there (from Transfer's endpoint document)."""

    collection_id: str
    api: RolesApi
    is_guest: bool
    my_roles: tuple[str, ...]
    endpoint_id: str | None = None
    manager_url: str | None = None

    @property
    def may_change(self) -> bool:
        return "administrator" in self.my_roles

    @property
    def roles_offered(self) -> tuple[str, ...]:
        """access_manager applies to guest collections only."""
        return tuple(r for r in ROLE_HELP if self.is_guest or r != "access_manager")


def held_by_me(
    assignments: Iterable[RoleAssignment], identity_ids: Iterable[str], group_ids: Iterable[str]
) -> frozenset[str]:
    """The ids of the assignments that give a role to me: to one of my identities, or to a group I belong to."""
    mine = {("identity", i) for i in identity_ids} | {("group", g) for g in group_ids}
    return frozenset(a.id for a in assignments if (a.principal_type, a.principal) in mine)


def principal_from_urn(urn: str) -> tuple[PrincipalKind, str] | None:
    if urn.startswith(IDENTITY_URN):
        return "identity", urn[len(IDENTITY_URN):]
    for prefix in GROUP_URNS:
        if urn.startswith(prefix):
            return "group", urn[len(prefix):]
    return None


def principal_urn(kind: PrincipalKind, principal: str) -> str:
    return (IDENTITY_URN if kind == "identity" else GROUP_URNS[0]) + principal


class CollectionRoles:
    """List, give and take roles on collections. Thread-safe: one SDK client per thread (Transfer's)."""

    def __init__(
        self,
        transfer: Callable[[], globus_sdk.TransferClient],
        gcs_manager: GcsManagerFactory | None,
    ) -> None:
        """``transfer()`` returns this thread's TransferClient; ``gcs_manager`` builds GCS Manager clients."""
        self._transfer = transfer
        self._gcs_manager = gcs_manager
        self._lock = threading.Lock()

    @translate_errors()
    def place(self, collection_id: str) -> RolesPlace:
        """Where ``collection_id``'s roles are managed, and my effective roles on it."""
        doc = self._transfer().get_endpoint(collection_id).data
        entity = str(doc.get("entity_type") or "")
        mine = tuple(str(r) for r in doc.get("my_effective_roles") or ())
        is_guest = entity.endswith("guest_collection") or bool(doc.get("host_endpoint_id"))
        if entity.startswith("GCSv5_"):
            endpoint_id = doc.get("non_functional_endpoint_id")
            manager_url = doc.get("gcs_manager_url")
            if not endpoint_id or not manager_url:
                raise InvalidInput("Transfer does not say which GCS Manager serves this collection's roles.")
            return RolesPlace(collection_id, "gcs", is_guest, mine, str(endpoint_id), str(manager_url))
        return RolesPlace(collection_id, "transfer", is_guest, mine)

    @translate_errors()
    def owner(self, collection_id: str) -> str | None:
        """The identity id a guest collection belongs to (None when no one says).

        Transfer names a Globus Connect Personal share's creator as its owner, but reports a GCSv5 guest as
        owned by its endpoint's client identity; the GCS Manager's collection document names the identity
        the guest acts as on its host (``identity_id``), its creator.
        """
        doc = self._transfer().get_endpoint(collection_id).data
        if str(doc.get("entity_type") or "") != "GCSv5_guest_collection":
            return str(doc.get("owner_id") or "") or None
        endpoint_id, manager_url = doc.get("non_functional_endpoint_id"), doc.get("gcs_manager_url")
        if self._gcs_manager is None or not endpoint_id or not manager_url:
            return None
        gcs = self._gcs_manager(str(endpoint_id), str(manager_url))
        try:
            return str(gcs.get_collection(collection_id).get("identity_id") or "") or None
        finally:
            gcs.close()

    def _gcs(self, place: RolesPlace) -> globus_sdk.GCSClient:
        if self._gcs_manager is None or place.endpoint_id is None or place.manager_url is None:
            raise InvalidInput("gterm cannot reach this collection's GCS Manager for its roles.")
        return self._gcs_manager(place.endpoint_id, place.manager_url)

    def roles(self, place: RolesPlace) -> list[RoleAssignment]:
        """Every role given on the collection (what the API shows me: administrators see them all)."""
        with _explained(place, "see"):
            if place.api == "transfer":
                docs = self._transfer().endpoint_role_list(place.collection_id)
                return [
                    RoleAssignment(str(d["id"]), str(d["role"]), "group" if d.get("principal_type") == "group"
                                   else "identity", str(d.get("principal") or ""))
                    for d in docs
                ]
            gcs = self._gcs(place)
            try:
                found: list[RoleAssignment] = []
                for doc in gcs.get_role_list(place.collection_id, include="all_roles"):
                    parsed = principal_from_urn(str(doc.get("principal") or ""))
                    if parsed is not None:
                        found.append(RoleAssignment(str(doc["id"]), str(doc["role"]), parsed[0], parsed[1]))
                return found
            finally:
                gcs.close()

    def add(self, place: RolesPlace, kind: PrincipalKind, principal: str, role: str, *, label: str = "") -> str:
        """Give ``role`` to a person or group; the new assignment's id."""
        if role not in place.roles_offered:
            raise InvalidInput(f"{role} cannot be given here; choose one of {', '.join(place.roles_offered)}.")
        with _explained(place, "change", who=label or principal, role=role):
            if place.api == "transfer":
                document = {"DATA_TYPE": "role", "principal_type": kind, "principal": principal, "role": role}
                return str(self._transfer().add_endpoint_role(place.collection_id, document)["id"])
            gcs = self._gcs(place)
            try:
                created = gcs.create_role(
                    globus_sdk.GCSRoleDocument(
                        collection=place.collection_id, principal=principal_urn(kind, principal), role=role
                    )
                )
                return str(created["id"])
            finally:
                gcs.close()

    def remove(self, place: RolesPlace, role_id: str) -> None:
        with _explained(place, "change"):
            if place.api == "transfer":
                self._transfer().delete_endpoint_role(place.collection_id, role_id)
                return
            gcs = self._gcs(place)
            try:
                gcs.delete_role(role_id)
            finally:
                gcs.close()


def _explained(
    place: RolesPlace, doing: Literal["see", "change"], *, who: str = "", role: str = ""
) -> AbstractContextManager[None]:
    """A role call's translator: a refusal names the administrator role (and mine), a duplicate says who has it."""

    def denied(error: GtermError) -> str:
        if doing == "change" and place.may_change:
            # I am an administrator, so this is no lack of rights: a rule of the service's (removing the
            # last administrator, say), which only its own words explain.
            return f"Globus refused the change: {error.message}"
        mine = ", ".join(place.my_roles) or "none"
        verb = "see all of" if doing == "see" else "change"
        return f"Only an administrator of this collection may {verb} its roles (your roles here: {mine})."

    def exists(error: GtermError) -> str:
        return f"{who} already has the {role} role here." if who else error.message

    return explained(denied=denied, exists=exists)
