"""Transfer endpoint role routes: role_list, role (create), role/{id} (get, delete).

As at Globus, roles are managed here for Globus Connect Personal collections
(and guest collections on them); GCSv5 roles are read only through Transfer and
are managed through the endpoint's GCS Manager API. Only an administrator of the
entity may see or change its roles.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from gterm.sandbox import auth_store, roles, roles_store
from gterm.sandbox.collections import CollectionRecord
from gterm.sandbox.errors import ApiError
from gterm.sandbox.state import SandboxState
from gterm.sandbox.transfer_http import result_doc, visible_collection

if TYPE_CHECKING:
    from gterm.sandbox.auth import Principal

BAD = "ClientError.BadRequest"


def role_doc(row: Any) -> dict[str, Any]:
    return {
        "DATA_TYPE": "role",
        "id": row["id"],
        "principal_type": row["principal_type"],
        "principal": row["principal"],
        "role": row["role"],
    }


def _administered(state: SandboxState, principal: Principal, collection_id: str,
                  *, read: bool) -> CollectionRecord:
    """The collection, if the caller administers it (restricted administrators may read)."""
    coll = visible_collection(state, principal, collection_id)
    held = roles.effective_role_set(state, coll, principal.identity_id)
    if "administrator" in held or (read and "restricted_administrator" in held):
        return coll
    raise ApiError(
        403, "PermissionDenied",
        f"You do not have the administrator role on '{coll.display_name}' ({coll.id})",
    )


def _writable_here(coll: CollectionRecord) -> None:
    if coll.entity_type.startswith("GCSv5_"):
        raise ApiError(
            403, "PermissionDenied",
            "Roles of Globus Connect Server endpoints and collections are read only in Transfer;"
            " manage them through the endpoint's GCS Manager API",
        )


def _role_row(state: SandboxState, coll: CollectionRecord, role_id: str) -> Any:
    row = roles_store.find_role(state.db, coll.id, role_id)
    if row is None:
        raise ApiError(404, "RoleNotFound", f"Role '{role_id}' not found on '{coll.display_name}'")
    return row


def role_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    coll = _administered(state, principal, request.path_params["endpoint_id"], read=True)
    return {"DATA_TYPE": "role_list", "DATA": [role_doc(r) for r in roles_store.list_roles(state.db, coll.id)]}


def get_role(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    coll = _administered(state, principal, request.path_params["endpoint_id"], read=True)
    return role_doc(_role_row(state, coll, request.path_params["role_id"]))


def _principal_value(state: SandboxState, principal_type: str, value: Any) -> str:
    try:
        normalized = str(uuid.UUID(str(value)))
    except ValueError:
        raise ApiError(400, BAD, f"principal must be an {principal_type} id") from None
    if principal_type == "identity" and auth_store.get_identity(state.db, normalized) is None:
        raise ApiError(400, BAD, f"No identity with id '{normalized}'")
    return normalized


def add_role(state: SandboxState, principal: Principal, request: Request, body: Any) -> Any:
    coll = _administered(state, principal, request.path_params["endpoint_id"], read=False)
    _writable_here(coll)
    if not isinstance(body, dict):
        raise ApiError(400, BAD, "Request body must be a JSON object")
    if body.get("DATA_TYPE", "role") != "role":
        raise ApiError(400, BAD, "DATA_TYPE must be 'role'")
    unknown = set(body) - {"DATA_TYPE", "principal_type", "principal", "role", "id"}
    if unknown:
        raise ApiError(400, BAD, f"Unknown field(s) in role document: {', '.join(sorted(unknown))}")
    principal_type = body.get("principal_type")
    if principal_type not in roles_store.PRINCIPAL_TYPES:
        raise ApiError(400, BAD, "principal_type must be 'identity' or 'group'")
    role = body.get("role")
    if role not in roles_store.ROLE_NAMES:
        raise ApiError(400, BAD, f"role must be one of {', '.join(roles_store.ROLE_NAMES)}")
    if role == "access_manager" and not coll.is_guest:
        raise ApiError(400, BAD, "The access_manager role applies only to guest collections")
    who = _principal_value(state, principal_type, body.get("principal"))
    try:
        role_id = roles_store.add_role(state.db, coll.id, principal_type, who, role)
    except roles_store.DuplicateRole as dup:
        raise ApiError(409, "Exists", f"This principal already has the {role} role ({dup.existing_id})") from None
    row = roles_store.find_role(state.db, coll.id, role_id)
    return role_doc(row), 201


def delete_role(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    coll = _administered(state, principal, request.path_params["endpoint_id"], read=False)
    _writable_here(coll)
    row = _role_row(state, coll, request.path_params["role_id"])
    roles_store.delete_role(state.db, coll.id, row["id"])
    return result_doc(request, "result", "Deleted", f"Role '{row['id']}' deleted successfully")
