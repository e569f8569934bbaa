"""Collection (endpoint) routes: endpoint documents and search (writes live in ``transfer_gcp``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from gterm.sandbox import collection_store as store
from gterm.sandbox import collections as colls
from gterm.sandbox import gcp, gcs_transfer, roles, tasks_store
from gterm.sandbox.collections import CollectionRecord
from gterm.sandbox.errors import ApiError
from gterm.sandbox.https_data import https_server_url
from gterm.sandbox.request_parsing import int_param
from gterm.sandbox.state import SandboxState
from gterm.sandbox.transfer_http import visible_collection

if TYPE_CHECKING:
    from gterm.sandbox.auth import Principal


def collections_in_use(state: SandboxState, principal: Principal) -> set[str]:
    """Collections in this identity's ACTIVE tasks."""
    return tasks_store.collections_in_use(state.db, principal.identity_id)


def server_doc(server_id: int, hostname: str | None, subject: str | None) -> dict[str, Any]:
    """One server of an endpoint document (and of server_list): every key of the recorded fixture."""
    return {
        "DATA_TYPE": "server",
        "id": server_id,
        "hostname": hostname,
        "uri": None,
        "port": None,
        "scheme": None,
        "subject": subject,
        "is_connected": True,
        "is_paused": False,
        "incoming_data_port_start": None,
        "incoming_data_port_end": None,
        "outgoing_data_port_start": None,
        "outgoing_data_port_end": None,
    }


def reported_owner(coll: CollectionRecord, host: CollectionRecord | None) -> tuple[str | None, str]:
    """The owner_id and owner_string Transfer reports (and filters a search by).

    Transfer reports every GCSv5 collection, guests too, as owned by its endpoint's client
    identity (globus-cli finds the endpoint, and its GCS Manager, through owner_id). The
    creator of a guest stays the sandbox's owner for access; Transfer only does not say it.
    ``host``: the guest's host collection (None for any other collection, or one not found).
    """
    if coll.entity_type == colls.GUEST and host is not None:
        return host.owner_id, host.owner_string
    return coll.owner_id, coll.owner_string


def endpoint_doc(state: SandboxState, coll: CollectionRecord, principal: Principal,
                 in_use: set[str] | None = None) -> dict[str, Any]:
    """The full endpoint document (keys of the SDK's get_endpoint fixture plus GCSv5 ones)."""
    meta = coll.meta
    host = colls.find_collection(state, coll.host_collection_id) if coll.host_collection_id else None
    default_dir = meta.get("default_directory") or ("/" if coll.is_guest else "/~/")
    my_roles = roles.effective_roles(state, coll, principal.identity_id)
    owner_id, owner_string = reported_owner(coll, host)
    doc: dict[str, Any] = {
        "DATA_TYPE": "endpoint",
        "id": coll.id,
        "display_name": coll.display_name,
        "canonical_name": f"{owner_string}#{coll.id}",
        "name": coll.id,
        "username": owner_string.split("@", 1)[0],
        "owner_id": owner_id,
        "owner_string": owner_string,
        "organization": meta.get("organization"),
        "department": meta.get("department"),
        "description": meta.get("description"),
        "keywords": meta.get("keywords"),
        "contact_email": meta.get("contact_email"),
        "contact_info": meta.get("contact_info"),
        "info_link": meta.get("info_link"),
        "user_message": meta.get("user_message"),
        "user_message_link": meta.get("user_message_link"),
        "entity_type": coll.entity_type,
        "public": coll.public,
        "french_english_bilingual": False,
        "is_globus_connect": False,
        "globus_connect_setup_key": None,
        "gcp_connected": None,
        "gcp_paused": None,
        "gcs_version": "5.4.80",
        "gcs_manager_url": None,
        # GCSv5 collections serve their files over HTTPS; Globus Connect Personal has no such server.
        "https_server": https_server_url(state, coll.id) if coll.entity_type.startswith("GCSv5_") else None,
        "tlsftp_server": None,
        "s3_url": None,
        "s3_owner_activated": False,
        "storage_type": "posix",
        "host_endpoint": host.owner_string + "#" + host.id if host else None,
        "host_endpoint_id": coll.host_collection_id,
        "host_endpoint_display_name": host.display_name if host else None,
        "host_path": coll.host_path,
        "mapped_collection_id": coll.host_collection_id,
        "mapped_collection_display_name": host.display_name if host else None,
        "sharing_target_endpoint": None,
        "sharing_target_root_path": None,
        "disable_verify": bool(meta.get("disable_verify", False)),
        "disable_anonymous_writes": False,
        "force_verify": bool(meta.get("force_verify", False)),
        "force_encryption": bool(meta.get("force_encryption", False)),
        "mfa_required": False,
        "high_assurance": False,
        "authentication_assurance_timeout": None,
        "authentication_timeout_mins": None,
        "authentication_policy_id": None,
        "requires_data_access_consent": coll.requires_consent,
        "myproxy_server": None,
        "myproxy_dn": None,
        "non_functional": False,
        "non_functional_endpoint_display_name": None,
        "non_functional_endpoint_id": None,
        "oauth_server": None,
        "default_directory": default_dir,
        "local_user_info_available": not coll.is_guest,
        "activated": True,
        "expires_in": -1,
        "expire_time": None,
        "shareable": not coll.is_guest,
        "acl_available": coll.is_guest,
        "acl_editable": coll.is_guest and "access_manager" in my_roles,
        "in_use": coll.id in (in_use if in_use is not None else collections_in_use(state, principal)),
        "my_effective_roles": my_roles,
        "subscription_id": meta.get("subscription_id", store.SANDBOX_SUBSCRIPTION_ID),
        "location": None,
        "network_use": "normal",
        "max_concurrency": None,
        "preferred_concurrency": None,
        "max_parallelism": None,
        "preferred_parallelism": None,
        "last_accessed_time": None,
        "acl_max_expiration_period_mins": None,
        "requester_pays": False,
        "is_go_storage": False,
        "DATA": [server_doc(1, "127.0.0.1", None)],
    }
    if coll.is_gcp:
        doc.update(gcp.document_fields(state, coll))
    doc.update(gcs_transfer.endpoint_fields(state, coll))  # manager URL, its GCSv5 endpoint
    return doc


# --------------------------------------------------------------------------- search

SEARCH_SCOPES = (
    "all", "my-endpoints", "my-gcp-endpoints", "recently-used", "in-use", "shared-by-me",
    "shared-with-me", "administered-by-me", "hide-deleted",
)


def _fulltext_matches(coll: CollectionRecord, words: list[str]) -> bool:
    meta = coll.meta
    haystack = " ".join(
        str(x or "") for x in (
            coll.display_name, coll.owner_string, meta.get("description"), meta.get("keywords"),
            meta.get("organization"), meta.get("department"), coll.id,
        )
    ).lower()
    return all(w in haystack for w in words)


def _relevance(coll: CollectionRecord, words: list[str]) -> int:
    """Best first, as Globus' relevance ranks a search: the name begins with the text, then the name holds
    every word, then a match elsewhere (a description that mentions another collection's name)."""
    name = coll.display_name.lower()
    if name.startswith(" ".join(words)):
        return 0
    return 1 if all(w in name for w in words) else 2


def _scope_filter(state: SandboxState, principal: Principal, scope: str,
                  in_use: set[str]) -> Callable[[CollectionRecord], bool]:
    me = principal.identity_id
    if scope == "administered-by-me":  # owners and everyone holding the administrator role
        return lambda c: "administrator" in roles.effective_role_set(state, c, me)
    if scope in ("my-endpoints", "shared-by-me"):
        return lambda c: c.owner_id == me and (scope != "shared-by-me" or c.is_guest)
    if scope == "my-gcp-endpoints":
        return lambda c: c.owner_id == me and c.entity_type == colls.GCP_MAPPED
    if scope == "shared-with-me":
        return lambda c: c.is_guest and c.owner_id != me and colls.can_see(state, c, principal)
    if scope == "in-use":
        return lambda c: c.id in in_use
    return lambda c: True


def endpoint_search(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    q = request.query_params
    scope = q.get("filter_scope") or "all"
    if scope not in SEARCH_SCOPES:
        raise ApiError(400, "ClientError.BadRequest", f"Invalid filter_scope '{scope}'")
    text = (q.get("filter_fulltext") or "").strip()
    if scope in ("all", "hide-deleted") and not text:
        raise ApiError(400, "ClientError.BadRequest",
                       "filter_fulltext is required when filter_scope is 'all'")
    limit = int_param(request, "limit", 25, 1, 100)
    offset = int_param(request, "offset", 0, 0, 999)
    if offset + limit > 1000:
        raise ApiError(400, "ClientError.BadRequest", "offset + limit may not exceed 1000")

    in_use = collections_in_use(state, principal)
    matches_scope = _scope_filter(state, principal, scope, in_use)
    words = text.lower().split()
    owner = q.get("filter_owner_id")
    host = q.get("filter_host_endpoint")
    etype = q.get("filter_entity_type")
    nonfunc = q.get("filter_non_functional")

    nonfunctional = None if nonfunc in (None, "") else nonfunc not in ("0", "false", "False")
    candidates = colls.all_collections(state)
    if etype == gcs_transfer.ENDPOINT_ENTITY or nonfunctional:
        # GCSv5 endpoints are listed when asked for (a file manager's searches want collections).
        candidates += gcs_transfer.endpoint_records(state)
    if scope == "recently-used":
        rank = {cid: n for n, cid in enumerate(colls.recently_used(state, principal.identity_id))}
        candidates = sorted((c for c in candidates if c.id in rank), key=lambda c: rank[c.id])

    by_id = {c.id: c for c in candidates}  # a guest's host, for the owner it is reported with

    def shown_owner(c: CollectionRecord) -> str | None:
        host_of = by_id.get(c.host_collection_id) if c.host_collection_id else None
        if host_of is None and c.host_collection_id:
            host_of = colls.find_collection(state, c.host_collection_id)
        return reported_owner(c, host_of)[0]

    found = [
        c for c in candidates
        if colls.can_see(state, c, principal)
        and matches_scope(c)
        and (not words or _fulltext_matches(c, words))
        and (not owner or shown_owner(c) == owner)  # the owner_id the result shows
        and (not host or c.host_collection_id == host)
        and (not etype or c.entity_type == etype)
        and (nonfunctional is None or (c.entity_type == gcs_transfer.ENDPOINT_ENTITY) == nonfunctional)
    ]
    if words and scope != "recently-used":  # that one is in the order of use
        found.sort(key=lambda c: _relevance(c, words))  # stable: equal ranks keep their order
    page = found[offset: offset + limit]
    return {
        "DATA_TYPE": "endpoint_list",
        "offset": offset,
        "limit": limit,
        "has_next_page": offset + limit < len(found),
        # _rank: Globus' relevance score, best first (here the order of the page).
        "DATA": [
            dict(endpoint_doc(state, c, principal, in_use), _rank=float(len(page) - i)) for i, c in enumerate(page)
        ],
    }


# --------------------------------------------------------------------------- endpoints


def get_endpoint(state: SandboxState, principal: Principal, request: Request) -> dict[str, Any]:
    gcs_endpoint = gcs_transfer.endpoint_record(state, request.path_params["endpoint_id"])
    if gcs_endpoint is not None:
        return endpoint_doc(state, gcs_endpoint, principal)
    coll = visible_collection(state, principal, request.path_params["endpoint_id"])
    return endpoint_doc(state, coll, principal)

