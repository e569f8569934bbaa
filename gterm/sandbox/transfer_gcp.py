"""Endpoint management through Transfer: update, guest collections, shared lists, servers, delete.

At Globus these writes are how Globus Connect Personal collections are managed
("Globus Connect Personal Management" in the Transfer docs): the owner or an
administrator updates the collection, makes guest collections of its folders
and deletes it. GCSv5 entities are managed through their GCS Manager instead;
``_check_managed_here`` is the one place that decides which entities Transfer
writes, so the GCS half can close it for GCSv5.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from gterm.sandbox import collection_store as store
from gterm.sandbox import collections as colls
from gterm.sandbox import endpoint_fields, gcp, gcs_transfer, roles
from gterm.sandbox.collections import CollectionRecord, get_collection, resolve
from gterm.sandbox.errors import ApiError
from gterm.sandbox.request_parsing import body_object
from gterm.sandbox.state import SandboxState
from gterm.sandbox.transfer_endpoints import collections_in_use, endpoint_doc
from gterm.sandbox.transfer_http import int_param, result_doc, visible_collection

if TYPE_CHECKING:
    from gterm.sandbox.auth import Principal

BAD = "ClientError.BadRequest"

#: Document fields a client may echo back in an update; they are read only and dropped.
READ_ONLY_FIELDS = frozenset({
    "DATA_TYPE", "id", "DATA", "canonical_name", "name", "username", "owner_id", "owner_string",
    "entity_type", "host_endpoint", "host_endpoint_id", "host_endpoint_display_name", "host_path",
    "in_use", "activated", "my_effective_roles", "gcs_version", "gcp_connected", "gcp_paused",
})


def _check_managed_here(state: SandboxState, principal: Principal, coll: CollectionRecord,
                        *, deleting: bool = False) -> None:
    """Refuse a write unless the caller may manage this entity through Transfer.

    GCP: the owner or an administrator (and, to delete a guest collection, an
    administrator of its host: Transfer's restricted_administrator). Other
    entities keep the sandbox's older owner-only rule until the GCS half makes
    GCSv5 read only through Transfer.
    """
    gcs_transfer.refuse_write(state, coll)  # GCSv5: read only through Transfer, whoever asks
    if coll.is_gcp:
        held = roles.effective_role_set(state, coll, principal.identity_id)
        allowed = "administrator" in held or (deleting and "restricted_administrator" in held)
    else:
        allowed = coll.owner_id is not None and coll.owner_id == principal.identity_id
    if not allowed:
        raise ApiError(
            403, "PermissionDenied",
            f"You are not an administrator of collection '{coll.display_name}' ({coll.id})",
        )


# --------------------------------------------------------------------------- update


def _apply(meta: dict[str, Any], changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        if name in ("display_name", "public"):
            continue  # columns of their own
        if value is None:
            meta.pop(name, None)  # null clears (default_directory, contact fields, ...)
        else:
            meta[name] = value


def update_endpoint(state: SandboxState, principal: Principal, request: Request, body: Any) -> dict[str, Any]:
    gcs_transfer.refuse_endpoint_write(state, request.path_params["endpoint_id"])
    coll = visible_collection(state, principal, request.path_params["endpoint_id"])
    _check_managed_here(state, principal, coll)
    changes = endpoint_fields.validate(
        body_object(body, "endpoint"),
        allowed=endpoint_fields.UPDATE_FIELDS,
        ignored=READ_ONLY_FIELDS,
        is_guest=coll.is_guest,
        default_subscription=store.SANDBOX_SUBSCRIPTION_ID,
    )
    meta = dict(coll.meta)
    _apply(meta, changes)
    state.db.execute(
        "UPDATE collections SET display_name = ?, public = ?, meta = ? WHERE id = ?",
        (changes.get("display_name", coll.display_name), int(changes.get("public", coll.public)),
         json.dumps(meta), coll.id),
    )
    return result_doc(request, "result", "Updated", "Endpoint updated successfully")


# --------------------------------------------------------------------------- guest collections


def create_shared_endpoint(state: SandboxState, principal: Principal, request: Request, body: Any) -> Any:
    body = body_object(body, "shared_endpoint")
    host_id, host_path = body.get("host_endpoint"), body.get("host_path")
    if not isinstance(host_id, str) or not isinstance(host_path, str) or not host_path:
        raise ApiError(400, BAD, "'host_endpoint' and 'host_path' are required strings")
    if "display_name" not in body:
        raise ApiError(400, BAD, "'display_name' is required")
    fields = {k: v for k, v in body.items() if k not in ("DATA_TYPE", "host_endpoint", "host_path")}
    changes = endpoint_fields.validate(
        fields, allowed=endpoint_fields.GUEST_CREATE_FIELDS, is_guest=True,
        default_subscription=store.SANDBOX_SUBSCRIPTION_ID,
    )
    host = get_collection(state, host_id)
    gcs_transfer.refuse_write(state, host)  # GCSv5 guest collections are made through the GCS Manager
    if host.is_guest:
        raise ApiError(400, BAD, "A guest collection cannot host another one")
    # How Transfer answers a host_path climbing above "/" is not known: refused, as before.
    where = resolve(state, principal, host.id, host_path, "rw", refuse_above_root=True)
    if not where.path.endswith("/"):  # resolve marks directories (links followed inside the root only)
        raise ApiError(404, "ClientError.NotFound", f"Host path '{where.path}' is not a directory")
    meta: dict[str, Any] = {"default_directory": "/"}
    if host.is_gcp:
        meta["guest_collection_activity_notification_policy"] = gcp.DEFAULT_NOTIFICATION_POLICY
    _apply(meta, changes)
    new_id = str(uuid.uuid4())
    store.insert_collection(
        state.db,
        collection_id=new_id,
        display_name=changes["display_name"],
        entity_type=colls.GCP_GUEST if host.is_gcp else colls.GUEST,
        owner_id=principal.identity_id,
        owner_string=principal.username,
        host_collection_id=host.id,
        host_path=where.path,
        public=bool(changes.get("public", False)),
        meta=meta,
    )
    return result_doc(request, "endpoint_create_result", "Created", "Shared endpoint created", id=new_id), 201


def my_shared_endpoint_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    host = visible_collection(state, principal, request.path_params["endpoint_id"])
    rows = state.db.query(
        "SELECT id FROM collections WHERE host_collection_id = ? AND owner_id = ? ORDER BY display_name, id",
        (host.id, principal.identity_id),
    )
    in_use = collections_in_use(state, principal)
    docs = [endpoint_doc(state, get_collection(state, r["id"]), principal, in_use) for r in rows]
    return {"DATA_TYPE": "endpoint_list", "DATA": docs}


def _token_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        value = int(base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii"))
    except (ValueError, binascii.Error, UnicodeError):
        raise ApiError(400, BAD, "Invalid next_token") from None
    if value < 0:
        raise ApiError(400, BAD, "Invalid next_token")
    return value


def _offset_token(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode("ascii")).decode("ascii")


def shared_endpoint_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    """Every guest collection on a host, for its administrators; paged with next_token/max_results."""
    host = visible_collection(state, principal, request.path_params["endpoint_id"])
    held = roles.effective_role_set(state, host, principal.identity_id)
    if not held & {"administrator", "activity_manager", "activity_monitor"}:
        raise ApiError(403, "PermissionDenied",
                       f"You do not have a role on '{host.display_name}' that lists its guest collections")
    max_results = int_param(request, "max_results", 100, 1, 1000)
    offset = _token_offset(request.query_params.get("next_token"))
    rows = state.db.query(
        "SELECT id FROM collections WHERE host_collection_id = ? ORDER BY display_name, id LIMIT ? OFFSET ?",
        (host.id, max_results + 1, offset),
    )
    in_use = collections_in_use(state, principal)
    docs = [endpoint_doc(state, get_collection(state, r["id"]), principal, in_use) for r in rows[:max_results]]
    more = len(rows) > max_results
    return {"shared_endpoints": docs, "next_token": _offset_token(offset + max_results) if more else None}


# --------------------------------------------------------------------------- servers


def server_list(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    coll = visible_collection(state, principal, request.path_params["endpoint_id"])
    return {"DATA_TYPE": "endpoint_server_list", "DATA": endpoint_doc(state, coll, principal)["DATA"]}


def get_server(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    coll = visible_collection(state, principal, request.path_params["endpoint_id"])
    wanted = request.path_params["server_id"]
    for server in endpoint_doc(state, coll, principal)["DATA"]:
        if str(server["id"]) == wanted:
            return dict(server)
    raise ApiError(404, "NotFound", f"No server '{wanted}' on '{coll.display_name}'")


# --------------------------------------------------------------------------- delete


def delete_endpoint(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    """Delete a GCP collection (and the guest collections it hosts); files on disk are never touched."""
    gcs_transfer.refuse_endpoint_write(state, request.path_params["endpoint_id"])
    coll = visible_collection(state, principal, request.path_params["endpoint_id"])
    _check_managed_here(state, principal, coll, deleting=True)
    hosted = [r["id"] for r in state.db.query("SELECT id FROM collections WHERE host_collection_id = ?", (coll.id,))]
    with state.db.transaction() as conn:
        for target in [*hosted, coll.id]:
            conn.execute("DELETE FROM acl_rules WHERE collection_id = ?", (target,))
            conn.execute("DELETE FROM collection_use WHERE collection_id = ?", (target,))
            conn.execute("DELETE FROM roles WHERE target_id = ?", (target,))
            conn.execute("DELETE FROM collections WHERE id = ?", (target,))
    return result_doc(request, "result", "Deleted", "Endpoint deleted successfully")

