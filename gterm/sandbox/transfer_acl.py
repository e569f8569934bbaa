"""Access rule (ACL) routes of guest collections; only the owner manages them."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from gterm.sandbox import collection_store as store
from gterm.sandbox import collections as colls
from gterm.sandbox import roles, roles_store
from gterm.sandbox.collections import CollectionRecord
from gterm.sandbox.errors import ApiError
from gterm.sandbox.request_parsing import body_object, check_path, datetime_field, text_field
from gterm.sandbox.state import SandboxState
from gterm.sandbox.transfer_http import result_doc, visible_collection

if TYPE_CHECKING:
    from gterm.sandbox.auth import Principal


PRINCIPAL_TYPES = ("identity", "group", "all_authenticated_users", "anonymous")


def rule_doc(row: Any) -> dict[str, Any]:
    return {
        "DATA_TYPE": "access",
        "id": row["id"],
        "principal_type": row["principal_type"],
        "principal": row["principal"],
        "path": row["path"],
        "permissions": row["permissions"],
        "role_id": None,
        "role_type": None,
        "create_time": row["create_time"],
        "expiration_date": row["expiration_date"],
        # No notify_email: Transfer takes it on create (to send the invitation) and never shows it back.
    }


#: Roles on a guest collection that carry an implicit "rw" on "/" (Transfer's permissions documentation).
ACCESS_ROLES = ("administrator", "access_manager")


def role_rule_doc(role_row: Any) -> dict[str, Any]:
    """The implicit rule a role implies: listed with role_id/role_type and no id of its own, since
    it cannot be edited or deleted; it goes with the role."""
    return {
        "DATA_TYPE": "access",
        "id": None,
        "principal_type": role_row["principal_type"],
        "principal": role_row["principal"],
        "path": "/",
        "permissions": "rw",
        "role_id": role_row["id"],
        "role_type": role_row["role"],
        "create_time": role_row["create_time"],
        "expiration_date": None,
    }


def access_list_doc(state: SandboxState, coll: CollectionRecord) -> dict[str, Any]:
    """A guest collection's permission list as Transfer shows it: the roles' implicit rules, then the rules."""
    implied = [role_rule_doc(r) for r in roles_store.list_roles(state.db, coll.id) if r["role"] in ACCESS_ROLES]
    docs = implied + [rule_doc(r) for r in colls.rules_for(state, coll.id)]
    return {"DATA_TYPE": "access_list", "endpoint": coll.id, "length": len(docs), "DATA": docs}


def _acl_collection(state: SandboxState, principal: Principal, collection_id: str) -> CollectionRecord:
    coll = visible_collection(state, principal, collection_id)
    if not coll.is_guest:
        raise ApiError(
            400, "ClientError.BadRequest",
            f"Collection '{coll.display_name}' is not a guest collection; it has no access rules",
        )
    if not roles.is_access_manager(state, coll, principal.identity_id):
        raise ApiError(403, "PermissionDenied",
                       f"You may not manage access rules of collection '{coll.display_name}'")
    return coll


def _get_rule(state: SandboxState, coll: CollectionRecord, rule_id: str) -> Any:
    row = state.db.query_one(
        "SELECT * FROM acl_rules WHERE id = ? AND collection_id = ?", (rule_id, coll.id)
    )
    if row is None:
        raise ApiError(404, "AccessRuleNotFound", f"Access rule '{rule_id}' not found")
    return row


def _check_permissions(value: Any, principal_type: str) -> str:
    if value not in ("r", "rw"):
        raise ApiError(400, "ClientError.BadRequest", "permissions must be 'r' or 'rw'")
    if principal_type == "anonymous" and value != "r":
        raise ApiError(400, "ClientError.BadRequest", "Anonymous access can only be read-only")
    return str(value)


def endpoint_acl_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    return access_list_doc(state, _acl_collection(state, principal, request.path_params["endpoint_id"]))


def add_acl_rule(state: SandboxState, principal: Principal, request: Request, body: Any) -> Any:
    coll = _acl_collection(state, principal, request.path_params["endpoint_id"])
    ptype = text_field(body, "principal_type")
    assert ptype is not None
    if ptype not in PRINCIPAL_TYPES:
        raise ApiError(400, "ClientError.BadRequest", f"Invalid principal_type '{ptype}'")
    who = body.get("principal") or ""
    if ptype in ("identity", "group"):
        try:
            if not isinstance(who, str):
                raise ValueError(who)
            who = str(uuid.UUID(who))
        except ValueError:
            raise ApiError(400, "ClientError.BadRequest",
                           f"principal must be an {ptype} id for principal_type '{ptype}'") from None
    elif who:
        raise ApiError(400, "ClientError.BadRequest", f"principal must be empty for '{ptype}'")
    path = text_field(body, "path")
    assert path is not None
    check_path(path)
    if not path.startswith("/") or not path.endswith("/"):
        raise ApiError(400, "InvalidPath", f"Invalid path '{path}': it must be absolute and end with '/'")
    if "/../" in path or "/./" in path:
        raise ApiError(400, "InvalidPath", f"Invalid path '{path}': it must not hold '.' or '..' components")
    perms = _check_permissions(body.get("permissions"), ptype)
    expires = datetime_field(body, "expiration_date")
    clash = state.db.query_one(
        "SELECT id FROM acl_rules WHERE collection_id = ? AND principal_type = ? AND principal = ?"
        " AND path = ?", (coll.id, ptype, who, path),
    )
    if clash is not None:
        raise ApiError(409, "Exists", f"An access rule for this principal and path already exists ({clash['id']})")
    rule_id = store.insert_rule(state.db, coll.id, ptype, who, path, perms)
    if expires is not None:
        state.db.execute("UPDATE acl_rules SET expiration_date = ? WHERE id = ?", (expires, rule_id))
    return result_doc(request, "access_create_result", "Created", "Access rule created successfully.",
                   access_id=rule_id, id=rule_id), 201


def get_acl_rule(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    coll = _acl_collection(state, principal, request.path_params["endpoint_id"])
    return rule_doc(_get_rule(state, coll, request.path_params["rule_id"]))


def update_acl_rule(state: SandboxState, principal: Principal, request: Request, body: Any) -> dict[str, Any]:
    coll = _acl_collection(state, principal, request.path_params["endpoint_id"])
    row = _get_rule(state, coll, request.path_params["rule_id"])
    body = body_object(body, "access")
    perms = _check_permissions(body.get("permissions", row["permissions"]), row["principal_type"])
    expires = datetime_field(body, "expiration_date") if "expiration_date" in body else row["expiration_date"]
    for key in ("principal_type", "principal", "path"):
        if key in body and body[key] != row[key]:
            raise ApiError(400, "ClientError.BadRequest", f"'{key}' of an access rule cannot change")
    state.db.execute("UPDATE acl_rules SET permissions = ?, expiration_date = ? WHERE id = ?",
                     (perms, expires, row["id"]))
    return result_doc(request, "result", "Updated", "Access rule updated successfully")


def delete_acl_rule(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    coll = _acl_collection(state, principal, request.path_params["endpoint_id"])
    row = _get_rule(state, coll, request.path_params["rule_id"])
    state.db.execute("DELETE FROM acl_rules WHERE id = ?", (row["id"],))
    return result_doc(request, "result", "Deleted", f"Access rule '{row['id']}' deleted successfully")
