"""The GCS Manager API of each GCSv5 endpoint, at its ``gcs_manager_url`` (``/gcs/<ENDPOINT_ID>/api/...``).

globus-sdk's ``GCSClient`` works against it unmodified: /info, /endpoint,
/storage_gateways, /user_credentials, /collections (guest creation included)
and /roles, with the GCS Manager's result envelope and error documents.

Authorisation is Globus': a bearer token whose resource server is the endpoint
(its client id) carrying ``urn:globus:auth:scope:<ENDPOINT_ID>:manage_collections``;
creating a guest collection on a mapped collection that is not high assurance
also needs the mapped collection's ``data_access`` consented *under* that scope
(answered otherwise with 403 ConsentRequired naming the scope to request).
Roles come from the shared roles store (``roles_store``): endpoint roles on the
endpoint id, collection roles on the collection id, so Transfer and the GCS
Manager see the same assignments.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gterm.sandbox import auth_store, collection_store, gcs_store, roles, roles_store
from gterm.sandbox import collections as colls
from gterm.sandbox.auth import Principal
from gterm.sandbox.collections import CollectionRecord
from gterm.sandbox.errors import ApiError
from gterm.sandbox.gcs_documents import (
    GUEST_FIELDS,
    MAPPED_FIELDS,
    TEXT_FIELDS,
    FieldError,
    collection_doc,
    credential_doc,
    display_name_field,
    endpoint_doc,
    error_body,
    gateway_doc,
    info_docs,
    result,
    split_changes,
)
from gterm.sandbox.gcs_store import CollectionHome, GcsEndpoint
from gterm.sandbox.https_data import https_server_url
from gterm.sandbox.request_parsing import parse_json
from gterm.sandbox.scopes import ScopeError, parse_scopes
from gterm.sandbox.seed_ids import data_access_scope, manage_collections_scope
from gterm.sandbox.state import SandboxState

PREFIX = "/gcs/{endpoint_id}/api"
ROLE_DATA_TYPE = "role#1.0.0"
_IDENTITY_URN = "urn:globus:auth:identity:"
_GROUP_URNS = ("urn:globus:groups:id:", "urn:globus:auth:group:")  # the first is what GCS writes


class GcsError(Exception):
    """An error answer of the GCS Manager API."""

    def __init__(self, status: int, code: str, message: str, detail: Any = None, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail, self.extra = status, code, message, detail, extra

    def response(self) -> JSONResponse:
        body = error_body(self.status, self.code, self.message, self.detail)
        body.update(self.extra)
        return JSONResponse(body, status_code=self.status)


_TRANSFER_TO_GCS_CODES = {400: "bad_request", 401: "unauthorized", 403: "permission_denied", 404: "not_found"}


@dataclass(frozen=True)
class Caller:
    principal: Principal
    endpoint: GcsEndpoint
    #: collections whose data_access the identity consented to under this client's manage_collections consent
    data_access: frozenset[str]


# --------------------------------------------------------------------------- plumbing


def _endpoint(state: SandboxState, request: Request) -> GcsEndpoint:
    endpoint = gcs_store.find_endpoint(state.db, request.path_params["endpoint_id"])
    if endpoint is None:
        raise GcsError(404, "not_found", "No GCS Manager at this address")
    return endpoint


def _caller(state: SandboxState, request: Request, endpoint: GcsEndpoint) -> Caller:
    scheme, _, raw = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise GcsError(401, "unauthorized", "Missing bearer token")
    record = auth_store.lookup_token(state.db, raw.strip())
    if record is None or record.kind != "access" or not record.is_active() or record.resource_server != endpoint.id:
        raise GcsError(401, "unauthorized", f"Token is not valid for endpoint {endpoint.id}")
    try:
        granted = {scope.scope_string for scope in parse_scopes(record.scope)}
    except ScopeError:
        granted = set()
    if manage_collections_scope(endpoint.id) not in granted:
        raise GcsError(403, "permission_denied", "Token lacks the endpoint's manage_collections scope")
    identity = auth_store.get_identity(state.db, record.identity_id)
    if identity is None:
        raise GcsError(401, "unauthorized", "Token is not active")
    request.state.principal_id = record.identity_id
    # As at Globus, dependent data_access follows the identity's consents for this client now.
    data_access = auth_store.data_access_for(
        state.db, record.identity_id, record.client_id, manage_collections_scope(endpoint.id)
    )
    principal = Principal(record.identity_id, identity["username"], record.client_id, data_access)
    return Caller(principal, endpoint, data_access)


Handler = Callable[[SandboxState, Request, Caller, Any], "dict[str, Any] | tuple[dict[str, Any], int]"]


def _route(state: SandboxState, path: str, method: str, handler: Handler, *, authenticated: bool = True) -> Route:
    async def endpoint(request: Request) -> Response:
        body: Any = None
        if method in ("POST", "PUT", "PATCH"):
            try:  # the sandbox's one JSON reader: depth, text and number limits
                body = parse_json(await request.body())
            except ApiError as exc:
                return GcsError(400, "bad_request", exc.message).response()
            if not isinstance(body, dict):
                return GcsError(400, "bad_request", "Request body must be a JSON object").response()
        try:
            answer = await run_in_threadpool(_call, state, request, handler, body, authenticated)
        except GcsError as exc:
            return exc.response()
        except ApiError as exc:  # from the shared collection checks (paths, rights)
            code = _TRANSFER_TO_GCS_CODES.get(exc.status, "error")
            return GcsError(exc.status, code, exc.message).response()
        except FieldError as exc:
            return GcsError(400, "bad_request", str(exc)).response()
        doc, status = answer if isinstance(answer, tuple) else (answer, 200)
        return JSONResponse(doc, status_code=status)

    endpoint.__name__ = f"gcs_{handler.__name__}"
    return Route(PREFIX + path, endpoint, methods=[method])


def _call(
    state: SandboxState, request: Request, handler: Handler, body: Any, authenticated: bool
) -> dict[str, Any] | tuple[dict[str, Any], int]:
    endpoint = _endpoint(state, request)
    if authenticated:
        caller = _caller(state, request, endpoint)
    else:
        caller = Caller(Principal("", "", "", frozenset()), endpoint, frozenset())
    return handler(state, request, caller, body)


# --------------------------------------------------------------------------- roles helpers


def _endpoint_roles(state: SandboxState, caller: Caller) -> set[str]:
    return roles.effective_roles_on(
        state, caller.principal.identity_id, caller.endpoint.id, owner_id=caller.endpoint.id
    )


def _collection_roles(state: SandboxState, caller: Caller, coll: CollectionRecord) -> set[str]:
    return roles.effective_role_set(state, coll, caller.principal.identity_id)


def _may_administer(state: SandboxState, caller: Caller, coll: CollectionRecord) -> bool:
    """Full administration: the collection's administrators; for mapped ones also the endpoint's."""
    if "administrator" in _collection_roles(state, caller, coll):
        return True
    return not coll.is_guest and "administrator" in _endpoint_roles(state, caller)


def _may_remove(state: SandboxState, caller: Caller, coll: CollectionRecord) -> bool:
    """Deletion is also open to restricted administrators (the host's or the endpoint's administrators)."""
    held = _collection_roles(state, caller, coll)
    return bool(held & {"administrator", "restricted_administrator"}) or "administrator" in _endpoint_roles(
        state, caller
    )


def _require_endpoint_admin(state: SandboxState, caller: Caller) -> None:
    if "administrator" not in _endpoint_roles(state, caller):
        raise GcsError(403, "permission_denied", "You do not have the administrator role on this endpoint")


# --------------------------------------------------------------------------- info and endpoint


def get_info(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    return result(info_docs(caller.endpoint), DATA_TYPE="result#1.1.0")


def get_endpoint(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    return result([endpoint_doc(state, caller.endpoint)])


def update_endpoint(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    _require_endpoint_admin(state, caller)
    endpoint = caller.endpoint
    meta = dict(endpoint.meta)
    display_name = endpoint.display_name
    for key, value in body.items():
        if key == "DATA_TYPE" or (key == "id" and value == endpoint.id):
            continue
        if key == "display_name":
            display_name = display_name_field(key, value)
        elif key in TEXT_FIELDS:
            if value is not None and not isinstance(value, str):
                raise FieldError(f"'{key}' must be a string or null")
            meta[key] = value
        elif key in ("public", "allow_udt"):
            if not isinstance(value, bool):
                raise FieldError(f"'{key}' must be true or false")
            meta[key] = value
        elif key == "keywords":
            if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
                raise FieldError("'keywords' must be a list of strings")
            meta[key] = value or []
        elif key == "network_use":
            if value not in ("normal", "minimal", "aggressive"):
                raise FieldError("'network_use' must be normal, minimal or aggressive")
            meta[key] = value
        else:
            raise FieldError(f"'{key}' cannot be updated on an endpoint")
    updated = replace(endpoint, display_name=display_name, meta=meta)
    gcs_store.set_endpoint(state.db, updated)
    include = request.query_params.get("include", "")
    data = [endpoint_doc(state, updated)] if "endpoint" in include.split(",") else []
    return result(data, message=f"Updated endpoint {endpoint.id}")


# --------------------------------------------------------------------------- storage gateways


def list_gateways(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    return result([gateway_doc(row) for row in gcs_store.gateways(state.db, caller.endpoint.id)])


def get_gateway(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    row = gcs_store.find_gateway(state.db, caller.endpoint.id, request.path_params["gateway_id"])
    if row is None:
        raise GcsError(404, "not_found", f"Storage gateway {request.path_params['gateway_id']} not found")
    return result([gateway_doc(row)])


# --------------------------------------------------------------------------- user credentials


def list_credentials(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    rows = gcs_store.credentials(state.db, caller.endpoint.id, caller.principal.identity_id)
    gateway = request.query_params.get("storage_gateway")
    return result([credential_doc(row) for row in rows if not gateway or row["storage_gateway_id"] == gateway])


def _own_credential(state: SandboxState, caller: Caller, credential_id: str) -> Any:
    row = gcs_store.find_credential(state.db, caller.endpoint.id, credential_id)
    if row is None or row["identity_id"] != caller.principal.identity_id:
        raise GcsError(404, "not_found", f"User credential {credential_id} not found")
    return row


def create_credential(state: SandboxState, request: Request, caller: Caller, body: Any) -> tuple[dict[str, Any], int]:
    gateway_id = body.get("storage_gateway_id")
    if not isinstance(gateway_id, str) or gcs_store.find_gateway(state.db, caller.endpoint.id, gateway_id) is None:
        raise GcsError(400, "bad_request", "'storage_gateway_id' must name a storage gateway of this endpoint")
    identity_id = body.get("identity_id") or caller.principal.identity_id
    if identity_id != caller.principal.identity_id:
        raise GcsError(403, "permission_denied", "User credentials can only be created for your own identity")
    # POSIX gateway mapping "username_without_domain": the account is the username's local part.
    mapped_user = colls.local_user(caller.principal)
    username = body.get("username") or mapped_user
    if username != mapped_user:
        raise GcsError(
            403, "permission_denied", f"Identity {caller.principal.username} is not mapped to local user '{username}'"
        )
    display_name = body.get("display_name") or f"{mapped_user} on {caller.endpoint.display_name}"
    if not isinstance(display_name, str):
        raise FieldError("'display_name' must be a string")
    credential_id = gcs_store.add_credential(
        state.db, caller.endpoint.id, gateway_id, identity_id, username, display_name
    )
    row = gcs_store.find_credential(state.db, caller.endpoint.id, credential_id)
    return result(
        [credential_doc(row)], status=201, detail="created", message=f"Created User Credential {credential_id}"
    ), 201


def get_credential(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    return result([credential_doc(_own_credential(state, caller, request.path_params["credential_id"]))])


def update_credential(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    row = _own_credential(state, caller, request.path_params["credential_id"])
    for key, value in body.items():
        if key in ("DATA_TYPE", "id", "identity_id", "storage_gateway_id", "username", "connector_id", "policies"):
            if key in ("id", "identity_id", "storage_gateway_id", "username") and value not in (None, row[key]):
                raise FieldError(f"'{key}' cannot be changed")
            continue
        if key != "display_name" or not isinstance(value, str):
            raise FieldError(f"'{key}' cannot be updated on a user credential")
        gcs_store.update_credential(state.db, row["id"], value)
    updated = gcs_store.find_credential(state.db, caller.endpoint.id, row["id"])
    return result([credential_doc(updated)], message=f"Updated User Credential {row['id']}")


def delete_credential(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    row = _own_credential(state, caller, request.path_params["credential_id"])
    gcs_store.delete_credential(state.db, row["id"])
    return result([], message=f"Deleted User Credential {row['id']}")


# --------------------------------------------------------------------------- collections


def _collection(state: SandboxState, caller: Caller, collection_id: str) -> tuple[CollectionRecord, CollectionHome]:
    home = gcs_store.home_of(state.db, collection_id)
    coll = colls.find_collection(state, collection_id)
    if home is None or home.endpoint_id != caller.endpoint.id or coll is None:
        raise GcsError(404, "not_found", f"Collection {collection_id} not found")
    return coll, home


def _visible(state: SandboxState, caller: Caller, coll: CollectionRecord) -> bool:
    return colls.can_see(state, coll, caller.principal) or bool(_endpoint_roles(state, caller))


def _doc(state: SandboxState, coll: CollectionRecord, home: CollectionHome) -> dict[str, Any]:
    return collection_doc(state, coll, home, https_url=https_server_url(state, coll.id))


def list_collections(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    filters = set(filter(None, request.query_params.get("filter", "").split(",")))
    mapped_id = request.query_params.get("mapped_collection_id")
    me = caller.principal.identity_id
    docs = []
    for collection_id in gcs_store.collection_ids(state.db, caller.endpoint.id):
        coll, home = _collection(state, caller, collection_id)
        if not _visible(state, caller, coll):
            continue
        if "mapped_collections" in filters and coll.is_guest:
            continue
        if "guest_collections" in filters and not coll.is_guest:
            continue
        if "created_by_me" in filters and coll.owner_id != me:
            continue
        if "managed_by_me" in filters and not _may_administer(state, caller, coll):
            continue
        if mapped_id and coll.host_collection_id != mapped_id:
            continue
        docs.append(_doc(state, coll, home))
    return result(docs)


def get_collection(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    coll, home = _collection(state, caller, request.path_params["collection_id"])
    if not _visible(state, caller, coll):
        raise GcsError(403, "permission_denied", f"You do not have access to collection {coll.id}")
    return result([_doc(state, coll, home)])


def update_collection(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    coll, home = _collection(state, caller, request.path_params["collection_id"])
    if not _may_administer(state, caller, coll):
        raise GcsError(403, "permission_denied", f"You do not have the administrator role on collection {coll.id}")
    current = _doc(state, coll, home)
    changes = split_changes(body, GUEST_FIELDS if coll.is_guest else MAPPED_FIELDS, current)
    row = changes["row"]
    meta = {**coll.meta, **changes["meta"]}
    settings = {**home.settings, **changes["settings"]}
    with state.db.transaction() as conn:
        conn.execute(
            "UPDATE collections SET display_name = ?, public = ?, meta = ? WHERE id = ?",
            (
                row.get("display_name", coll.display_name),
                int(row.get("public", coll.public)),
                json.dumps(meta),
                coll.id,
            ),
        )
        conn.execute(
            "UPDATE gcs_collection_homes SET settings = ? WHERE collection_id = ?", (json.dumps(settings), coll.id)
        )
    coll, home = _collection(state, caller, coll.id)
    return result([_doc(state, coll, home)], message=f"Updated collection {coll.id}")


def delete_collection(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    coll, home = _collection(state, caller, request.path_params["collection_id"])
    if not _may_remove(state, caller, coll):
        raise GcsError(403, "permission_denied", f"You do not have the administrator role on collection {coll.id}")
    if not coll.is_guest:
        if {**home.settings}.get("delete_protected"):
            raise GcsError(409, "delete_protected", f"Collection {coll.id} is delete protected")
        if state.db.query_one("SELECT 1 FROM collections WHERE host_collection_id = ?", (coll.id,)) is not None:
            raise GcsError(409, "conflict", f"Collection {coll.id} still hosts guest collections")
    with state.db.transaction() as conn:
        conn.execute("DELETE FROM acl_rules WHERE collection_id = ?", (coll.id,))
        conn.execute("DELETE FROM collection_use WHERE collection_id = ?", (coll.id,))
        conn.execute("DELETE FROM gcs_collection_homes WHERE collection_id = ?", (coll.id,))
        conn.execute("DELETE FROM collections WHERE id = ?", (coll.id,))
    roles_store.delete_roles_of(state.db, coll.id)
    return result([], message=f"Deleted collection {coll.id}")


def _consent_required(caller: Caller, mapped: CollectionRecord) -> GcsError:
    scope = f"{manage_collections_scope(caller.endpoint.id)}[*{data_access_scope(mapped.id)}]"
    message = f"Missing required data_access consent for collection '{mapped.display_name}' ({mapped.id})"
    return GcsError(
        403,
        "ConsentRequired",
        message,
        detail={"DATA_TYPE": "consent_required#1.0.0", "required_scope": scope},
        required_scopes=[scope],
        authorization_parameters={"session_message": message, "required_scopes": [scope]},
    )


def _guest_credential(state: SandboxState, caller: Caller, body: dict[str, Any], gateway_id: str) -> str:
    """The caller's credential the guest collection acts with (provisioned on first use, as POSIX gateways do)."""
    credential_id = body.get("user_credential_id")
    if credential_id is not None:
        row = gcs_store.find_credential(state.db, caller.endpoint.id, str(credential_id))
        if row is None or row["identity_id"] != caller.principal.identity_id or row["storage_gateway_id"] != gateway_id:
            raise GcsError(400, "bad_request", "'user_credential_id' is not one of your credentials on this gateway")
        return str(row["id"])
    for row in gcs_store.credentials(state.db, caller.endpoint.id, caller.principal.identity_id):
        if row["storage_gateway_id"] == gateway_id:
            return str(row["id"])
    user = colls.local_user(caller.principal)
    return gcs_store.add_credential(
        state.db, caller.endpoint.id, gateway_id, caller.principal.identity_id, user, f"{user} (provisioned)"
    )


def create_collection(state: SandboxState, request: Request, caller: Caller, body: Any) -> tuple[dict[str, Any], int]:
    if body.get("collection_type") != "guest":
        raise GcsError(403, "permission_denied", "Only guest collections can be created in the sandbox")
    mapped_id = body.get("mapped_collection_id")
    if not isinstance(mapped_id, str):
        raise FieldError("'mapped_collection_id' is required")
    mapped, mapped_home = _collection(state, caller, mapped_id)
    if mapped.is_guest:
        raise FieldError("'mapped_collection_id' must name a mapped collection")
    if not {**mapped_home.settings}.get("allow_guest_collections", True):
        raise GcsError(403, "permission_denied", f"Collection {mapped.id} does not allow guest collections")
    identity_id = body.get("identity_id")
    if identity_id is not None and identity_id != caller.principal.identity_id:
        raise GcsError(403, "permission_denied", "A guest collection is created for your own identity")
    if mapped.id not in caller.data_access:  # every mapped collection here is not high assurance
        raise _consent_required(caller, mapped)
    base_path = body.get("collection_base_path")
    if not isinstance(base_path, str) or not base_path:
        raise FieldError("'collection_base_path' is required")
    principal = replace(caller.principal, data_access=caller.data_access)
    # How GCS answers a base path climbing above "/" is not known: refused, as before.
    where = colls.resolve(state, principal, mapped.id, base_path, "r", refuse_above_root=True)
    if not where.path.endswith("/"):  # resolve marks directories (links followed inside the root only)
        raise GcsError(400, "bad_request", f"collection_base_path '{where.path}' is not a directory")
    settable = {k: v for k, v in body.items() if k not in ("collection_type", "user_credential_id")}
    template = {
        "collection_type": "guest",
        "mapped_collection_id": mapped.id,
        "collection_base_path": where.path,
        "identity_id": caller.principal.identity_id,
        "storage_gateway_id": mapped_home.storage_gateway_id,
        "id": None,
    }
    settable["collection_base_path"] = where.path  # the normalised form of what was asked for
    changes = split_changes(settable, GUEST_FIELDS, template)
    display_name = changes["row"].get("display_name")
    if not display_name:
        raise FieldError("'display_name' is required")
    credential_id = _guest_credential(state, caller, body, mapped_home.storage_gateway_id)
    new_id = str(uuid.uuid4())
    meta = {"default_directory": "/", **changes["meta"]}
    collection_store.insert_collection(
        state.db,
        collection_id=new_id,
        display_name=display_name,
        entity_type=colls.GUEST,
        owner_id=caller.principal.identity_id,
        owner_string=caller.principal.username,
        host_collection_id=mapped.id,
        host_path=where.path,
        public=bool(changes["row"].get("public", True)),
        meta=meta,
    )
    gcs_store.add_home(
        state.db,
        new_id,
        caller.endpoint.id,
        mapped_home.storage_gateway_id,
        user_credential_id=credential_id,
        settings=changes["settings"],
    )
    # GCS grants whoever creates a guest collection the administrator role on it: a role document of
    # its own, listed and removable like any other (the web app's Roles tab shows the owner through it).
    roles_store.add_role(state.db, new_id, "identity", caller.principal.identity_id, "administrator")
    coll, home = _collection(state, caller, new_id)
    return result([_doc(state, coll, home)], status=201, detail="created", message=f"Created collection {new_id}"), 201


# --------------------------------------------------------------------------- roles


def _principal_urn(row: Any) -> str:
    if row["principal_type"] == "group":
        return _GROUP_URNS[0] + str(row["principal"])
    return _IDENTITY_URN + str(row["principal"])


def _parse_principal(value: Any) -> tuple[str, str]:
    if isinstance(value, str):
        if value.startswith(_IDENTITY_URN):
            return "identity", value[len(_IDENTITY_URN) :]
        for prefix in _GROUP_URNS:
            if value.startswith(prefix):
                return "group", value[len(prefix) :]
    raise FieldError("'principal' must be urn:globus:auth:identity:<id> or urn:globus:groups:id:<id>")


def _role_doc(row: Any, endpoint_id: str) -> dict[str, Any]:
    target = row["target_id"]
    return {
        "DATA_TYPE": ROLE_DATA_TYPE,
        "id": row["id"],
        "collection": None if target == endpoint_id else target,
        "principal": _principal_urn(row),
        "role": row["role"],
    }


def _role_target(state: SandboxState, caller: Caller, collection_id: str | None) -> CollectionRecord | None:
    if collection_id is None:
        return None
    coll, _ = _collection(state, caller, collection_id)
    return coll


def _may_manage_roles_on(state: SandboxState, caller: Caller, coll: CollectionRecord | None) -> bool:
    if coll is None:
        return "administrator" in _endpoint_roles(state, caller)
    return _may_administer(state, caller, coll)


def _visible_roles(state: SandboxState, caller: Caller, coll: CollectionRecord | None) -> list[Any]:
    target = coll.id if coll is not None else caller.endpoint.id
    rows = roles_store.list_roles(state.db, target)
    if _may_manage_roles_on(state, caller, coll):
        return rows
    mine = roles_store.principal_keys(state, caller.principal.identity_id)
    return [row for row in rows if (row["principal_type"], row["principal"]) in mine]


def list_roles(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    collection_id = request.query_params.get("collection_id")
    targets: list[CollectionRecord | None]
    if collection_id:
        targets = [_role_target(state, caller, collection_id)]
    elif "all_roles" in request.query_params.get("include", "").split(","):
        targets = [None] + [
            _collection(state, caller, cid)[0] for cid in gcs_store.collection_ids(state.db, caller.endpoint.id)
        ]
    else:
        targets = [None]
    docs = [_role_doc(row, caller.endpoint.id) for target in targets for row in _visible_roles(state, caller, target)]
    return result(docs)


def _find_role(state: SandboxState, caller: Caller, role_id: str) -> tuple[Any, CollectionRecord | None]:
    row = roles_store.find_role_by_id(state.db, role_id)
    if row is not None:
        if row["target_id"] == caller.endpoint.id:
            return row, None
        home = gcs_store.home_of(state.db, row["target_id"])
        if home is not None and home.endpoint_id == caller.endpoint.id:
            return row, _role_target(state, caller, row["target_id"])
    raise GcsError(404, "not_found", f"Role {role_id} not found")


def get_role(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    row, coll = _find_role(state, caller, request.path_params["role_id"])
    if row["id"] not in {r["id"] for r in _visible_roles(state, caller, coll)}:
        raise GcsError(403, "permission_denied", "You may not view this role")
    return result([_role_doc(row, caller.endpoint.id)])


def create_role(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    collection_id = body.get("collection")
    coll = _role_target(state, caller, str(collection_id) if collection_id else None)
    role = body.get("role")
    if role not in roles_store.ROLE_NAMES:
        raise FieldError(f"'role' must be one of {', '.join(roles_store.ROLE_NAMES)}")
    if role == "access_manager" and coll is not None and not coll.is_guest:
        raise FieldError("access_manager applies to guest collections and endpoints only")
    principal_type, principal = _parse_principal(body.get("principal"))
    if not _may_manage_roles_on(state, caller, coll):
        raise GcsError(403, "permission_denied", "You do not have the administrator role here")
    target = coll.id if coll is not None else caller.endpoint.id
    try:
        role_id = roles_store.add_role(state.db, target, principal_type, principal, str(role))
    except roles_store.DuplicateRole as exc:
        role_id = exc.existing_id  # GCS answers an existing assignment with that assignment
    row = roles_store.find_role(state.db, target, role_id)
    return result([_role_doc(row, caller.endpoint.id)], message=f"Created role {role_id}")


def delete_role(state: SandboxState, request: Request, caller: Caller, body: Any) -> dict[str, Any]:
    row, coll = _find_role(state, caller, request.path_params["role_id"])
    if not _may_manage_roles_on(state, caller, coll):
        raise GcsError(403, "permission_denied", "You do not have the administrator role here")
    roles_store.delete_role(state.db, row["target_id"], row["id"])
    return result([], message=f"Deleted role {row['id']}")


# --------------------------------------------------------------------------- wiring


def register(state: SandboxState) -> None:
    """Tell the roles half which endpoint a collection belongs to (roles flow endpoint -> collections)."""

    def endpoint_of(collection_id: str) -> str | None:
        home = gcs_store.home_of(state.db, collection_id)
        return home.endpoint_id if home is not None else None

    state.gcs_endpoint_of = endpoint_of
    state.gcs_endpoint_owner = lambda endpoint_id: endpoint_id  # an endpoint acts as its own client identity


def routes(state: SandboxState) -> list[Route]:
    register(state)
    table: list[tuple[str, str, Handler, bool]] = [
        ("/info", "GET", get_info, False),
        ("/endpoint", "GET", get_endpoint, True),
        ("/endpoint", "PATCH", update_endpoint, True),
        ("/storage_gateways", "GET", list_gateways, True),
        ("/storage_gateways/{gateway_id}", "GET", get_gateway, True),
        ("/user_credentials", "GET", list_credentials, True),
        ("/user_credentials", "POST", create_credential, True),
        ("/user_credentials/{credential_id}", "GET", get_credential, True),
        ("/user_credentials/{credential_id}", "PATCH", update_credential, True),
        ("/user_credentials/{credential_id}", "DELETE", delete_credential, True),
        ("/collections", "GET", list_collections, True),
        ("/collections", "POST", create_collection, True),
        ("/collections/{collection_id}", "GET", get_collection, True),
        ("/collections/{collection_id}", "PATCH", update_collection, True),
        ("/collections/{collection_id}", "DELETE", delete_collection, True),
        ("/roles", "GET", list_roles, True),
        ("/roles", "POST", create_role, True),
        ("/roles/{role_id}", "GET", get_role, True),
        ("/roles/{role_id}", "DELETE", delete_role, True),
    ]
    return [_route(state, path, method, handler, authenticated=auth) for path, method, handler, auth in table]
