"""GCS Manager API documents: what /api/... answers carry, and how a collection PATCH/POST body is checked.

Shapes follow globus-sdk's recorded responses (``globus_sdk.testing`` data for
``globus_connect_server``) and the fields of the SDK's MappedCollectionDocument
and GuestCollectionDocument. Fields Transfer also shows (description, keywords,
...) live in the Transfer half's collection row, so both APIs agree; GCS-only
settings live in the collection's GCS home (``gcs_store``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gterm.sandbox import gcs_store
from gterm.sandbox.collections import CollectionRecord
from gterm.sandbox.gcs_store import CollectionHome, GcsEndpoint
from gterm.sandbox.request_parsing import FIELD_LIMITS
from gterm.sandbox.state import SandboxState

#: The GCS Manager API version the sandbox imitates (what /api/info reports).
API_VERSION = "1.29.0"
COLLECTION_DATA_TYPE = "collection#1.15.0"
AUTH_TIMEOUT_MINS = 15840  # the recorded non-high-assurance default


class FieldError(ValueError):
    """A request body field the GCS Manager would refuse (400)."""


def gcs_manager_url(state: SandboxState, endpoint_id: str) -> str:
    """The endpoint's ``gcs_manager_url``: its own path prefix on the sandbox (the SDK adds ``/api/``)."""
    return f"{state.base_url.rstrip('/')}/gcs/{endpoint_id}"


def result(
    data: list[dict[str, Any]],
    *,
    status: int = 200,
    detail: str = "success",
    message: str = "Operation successful",
    **extra: Any,
) -> dict[str, Any]:
    """The GCS Manager's result envelope."""
    return {
        "DATA_TYPE": "result#1.0.0",
        "code": "success",
        "data": data,
        "detail": detail,
        "has_next_page": False,
        "http_response_code": status,
        "message": message,
        **extra,
    }


def error_body(status: int, code: str, message: str, detail: Any = None) -> dict[str, Any]:
    """The GCS Manager's error envelope (the recorded ``forbidden`` collection list answer)."""
    return {
        "DATA_TYPE": "result#1.0.0",
        "code": code,
        "data": [],
        "detail": detail,
        "has_next_page": False,
        "http_response_code": status,
        "message": message,
    }


def endpoint_summaries(state: SandboxState) -> list[dict[str, Any]]:
    """For sandbox.json: each GCSv5 endpoint, its GCS Manager URL, gateways and collections."""
    return [
        {
            "id": endpoint.id,
            "display_name": endpoint.display_name,
            "gcs_manager_url": gcs_manager_url(state, endpoint.id),
            "storage_gateways": [row["id"] for row in gcs_store.gateways(state.db, endpoint.id)],
            "collections": gcs_store.collection_ids(state.db, endpoint.id),
        }
        for endpoint in gcs_store.all_endpoints(state.db)
    ]


# --------------------------------------------------------------------------- endpoint, gateways, credentials


def info_docs(endpoint: GcsEndpoint) -> list[dict[str, Any]]:
    return [
        {
            "DATA_TYPE": "info#1.0.0",
            "api_version": API_VERSION,
            "client_id": endpoint.id,
            "domain_name": "127.0.0.1",
            "endpoint_id": endpoint.id,
            "manager_version": gcs_store.GCS_VERSION,
        },
        {
            "DATA_TYPE": "connector#1.1.0",
            "display_name": "POSIX",
            "id": gcs_store.POSIX_CONNECTOR_ID,
            "is_baa": False,
            "is_ha": False,
        },
    ]


#: Free-text fields (string or null) of endpoint and collection documents alike.
TEXT_FIELDS = (
    "contact_email",
    "contact_info",
    "department",
    "description",
    "info_link",
    "organization",
    "user_message",
    "user_message_link",
)


def endpoint_doc(state: SandboxState, endpoint: GcsEndpoint) -> dict[str, Any]:
    meta = endpoint.meta
    doc: dict[str, Any] = {
        "DATA_TYPE": "endpoint#1.2.0",
        "id": endpoint.id,
        "display_name": endpoint.display_name,
        "allow_udt": bool(meta.get("allow_udt", False)),
        "gcs_manager_url": gcs_manager_url(state, endpoint.id),
        "gridftp_control_channel_port": 443,
        "keywords": list(meta.get("keywords") or []),
        "network_use": meta.get("network_use", "normal"),
        "public": bool(meta.get("public", True)),
        "subscription_id": None,
    }
    for key in TEXT_FIELDS:
        doc[key] = meta.get(key)
    return doc


def gateway_doc(row: Any) -> dict[str, Any]:
    high_assurance = bool(row["high_assurance"])
    return {
        "DATA_TYPE": "storage_gateway#1.0.0",
        "id": row["id"],
        "display_name": row["display_name"],
        "connector_id": gcs_store.POSIX_CONNECTOR_ID,
        "high_assurance": high_assurance,
        "require_high_assurance": high_assurance,
        "authentication_assurance_timeout": AUTH_TIMEOUT_MINS,
        "authentication_timeout_mins": AUTH_TIMEOUT_MINS,
        "allowed_domains": ["example.org"],
        "identity_mappings": [],
        "mapping": "username_without_domain",
        "restrict_paths": None,
        "policies": {"DATA_TYPE": "posix_storage_gateway#1.0.0", "groups_allow": [], "groups_deny": []},
        "users_allow": [],
        "users_deny": [],
    }


def credential_doc(row: Any) -> dict[str, Any]:
    return {
        "DATA_TYPE": "user_credential#1.0.0",
        "connector_id": gcs_store.POSIX_CONNECTOR_ID,
        "display_name": row["display_name"],
        "id": row["id"],
        "identity_id": row["identity_id"],
        "invalid": False,
        "policies": {"DATA_TYPE": "posix_user_credential_policies#1.0.0"},
        "provisioned": False,
        "storage_gateway_id": row["storage_gateway_id"],
        "username": row["username"],
    }


# --------------------------------------------------------------------------- collections


def keywords_list(value: Any) -> list[str]:
    """Transfer keeps keywords as a comma string, GCS as a list."""
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str) and value.strip():
        return [part.strip() for part in value.split(",") if part.strip()]
    return []


#: Fields both APIs show are kept in the Transfer half's collection meta (keywords as a comma string
#: there): TEXT_FIELDS and these.
SHARED_BOOL_FIELDS = ("disable_verify", "force_encryption", "force_verify")

_MAPPED_DEFAULTS: dict[str, Any] = {
    "allow_guest_collections": True,
    "disable_anonymous_writes": False,
    "delete_protected": False,
    "auto_delete_timeout": None,
    "guest_auth_policy_id": None,
    "sharing_users_allow": None,
    "sharing_users_deny": None,
    "sharing_restrict_paths": None,
    "policies": {"DATA_TYPE": "posix_collection_policies#1.0.0", "sharing_groups_allow": [], "sharing_groups_deny": []},
}
_GUEST_DEFAULTS: dict[str, Any] = {
    "skip_auto_delete": False,
    "activity_notification_policy": {"DATA_TYPE": "activity_notification_policy#1.0.0", "status": []},
}
_COMMON_DEFAULTS: dict[str, Any] = {
    "enable_https": True,
    "acl_expiration_mins": None,
    "associated_flow_policy": None,
    "restrict_transfers_to_high_assurance": None,
}


def collection_doc(
    state: SandboxState, coll: CollectionRecord, home: CollectionHome, *, https_url: str | None
) -> dict[str, Any]:
    """A collection as GET /api/collections/{id} answers it."""
    meta = coll.meta
    settings = {**_COMMON_DEFAULTS, **(_GUEST_DEFAULTS if coll.is_guest else _MAPPED_DEFAULTS), **home.settings}
    doc: dict[str, Any] = {
        "DATA_TYPE": COLLECTION_DATA_TYPE,
        "id": coll.id,
        "display_name": coll.display_name,
        "collection_type": "guest" if coll.is_guest else "mapped",
        "identity_id": coll.owner_id,
        "storage_gateway_id": home.storage_gateway_id,
        "collection_base_path": coll.host_path if coll.is_guest else "/",
        "connector_id": gcs_store.POSIX_CONNECTOR_ID,
        "public": coll.public,
        "high_assurance": False,
        "require_high_assurance": False,
        "authentication_assurance_timeout": AUTH_TIMEOUT_MINS,
        "authentication_timeout_mins": AUTH_TIMEOUT_MINS,
        "default_directory": meta.get("default_directory") or ("/" if coll.is_guest else "/~/"),
        "keywords": keywords_list(meta.get("keywords")),
        "domain_name": "127.0.0.1",
        "https_url": https_url,
        "tlsftp_url": None,
        "manager_url": gcs_manager_url(state, home.endpoint_id),
        "created_at": coll.created,
        "last_access": None,
        "deleted": False,
    }
    for key in TEXT_FIELDS:
        doc[key] = meta.get(key)
    for key in SHARED_BOOL_FIELDS:
        doc[key] = bool(meta.get(key, False))
    doc.update(settings)
    if coll.is_guest:
        doc["mapped_collection_id"] = coll.host_collection_id
        doc["user_credential_id"] = home.user_credential_id
    return doc


# --------------------------------------------------------------------------- request bodies


def _string_or_none(key: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise FieldError(f"'{key}' must be a string or null")
    return value


def _nonempty_string(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldError(f"'{key}' must be a non-empty string")
    return value.strip()


def display_name_field(key: str, value: Any) -> str:
    """A collection's or endpoint's display name: the one Transfer also shows, so its length limit is
    Transfer's (a longer name is a 400 here, as it is there, never stored for Transfer to show)."""
    name = _nonempty_string(key, value)
    limit = FIELD_LIMITS["display_name"]
    if len(name) > limit:
        raise FieldError(f"'{key}' must be at most {limit} characters (this one has {len(name)})")
    return name


def _boolean(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError(f"'{key}' must be true or false")
    return value


def _int_or_none(key: str, value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise FieldError(f"'{key}' must be a non-negative integer or null")
    return value


def _strings_or_none(key: str, value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FieldError(f"'{key}' must be a list of strings")
    return list(value)


def _object_or_none(key: str, value: Any) -> dict[str, Any] | None:
    if value is not None and not isinstance(value, dict):
        raise FieldError(f"'{key}' must be an object or null")
    return value


def _high_assurance_direction(key: str, value: Any) -> str | None:
    if value not in (None, "inbound", "outbound", "all"):
        raise FieldError(f"'{key}' must be one of inbound, outbound, all or null")
    return value  # type: ignore[no-any-return]  # checked against the literals above


Checker = Callable[[str, Any], Any]

#: Collection fields a PATCH (or a guest POST) may set, with their checks. Where each one lives:
#: "row" (the Transfer half's columns), "meta" (the Transfer half's meta), "settings" (GCS only).
_COMMON_FIELDS: dict[str, tuple[Checker, str]] = {
    "display_name": (display_name_field, "row"),
    "public": (_boolean, "row"),
    "default_directory": (_nonempty_string, "meta"),
    "keywords": (_strings_or_none, "meta"),
    **{key: (_string_or_none, "meta") for key in TEXT_FIELDS},
    **{key: (_boolean, "meta") for key in SHARED_BOOL_FIELDS},
    "enable_https": (_boolean, "settings"),
    "acl_expiration_mins": (_int_or_none, "settings"),
    "associated_flow_policy": (_object_or_none, "settings"),
    "restrict_transfers_to_high_assurance": (_high_assurance_direction, "settings"),
}
MAPPED_FIELDS: dict[str, tuple[Checker, str]] = {
    **_COMMON_FIELDS,
    "allow_guest_collections": (_boolean, "settings"),
    "disable_anonymous_writes": (_boolean, "settings"),
    "delete_protected": (_boolean, "settings"),
    "auto_delete_timeout": (_int_or_none, "settings"),
    "guest_auth_policy_id": (_string_or_none, "settings"),
    "sharing_users_allow": (_strings_or_none, "settings"),
    "sharing_users_deny": (_strings_or_none, "settings"),
    "sharing_restrict_paths": (_object_or_none, "settings"),
    "policies": (_object_or_none, "settings"),
    "domain_name": (_string_or_none, "ignored"),  # one loopback host serves every collection here
}
GUEST_FIELDS: dict[str, tuple[Checker, str]] = {
    **_COMMON_FIELDS,
    "skip_auto_delete": (_boolean, "settings"),
    "activity_notification_policy": (_object_or_none, "settings"),
}
#: Fields a client may send back unchanged (they identify the collection) but never change.
IDENTIFYING_FIELDS = (
    "id",
    "collection_type",
    "storage_gateway_id",
    "mapped_collection_id",
    "collection_base_path",
    "identity_id",
    "user_credential_id",
)


def split_changes(
    body: dict[str, Any], fields: dict[str, tuple[Checker, str]], current: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Check a collection body; group its accepted changes by where they are stored.

    ``current`` is the collection's document: identifying fields may repeat it,
    never change it. Unknown fields and fields of the other collection type are
    refused, as the GCS Manager refuses them.
    """
    changes: dict[str, dict[str, Any]] = {"row": {}, "meta": {}, "settings": {}, "ignored": {}}
    for key, value in body.items():
        if key == "DATA_TYPE":
            if not isinstance(value, str) or not value.startswith("collection#"):
                raise FieldError("'DATA_TYPE' must be a collection document type (collection#X.Y.Z)")
            continue
        if key in IDENTIFYING_FIELDS:
            if value is not None and str(value) != str(current.get(key)):
                raise FieldError(f"'{key}' cannot be changed")
            continue
        if key not in fields:
            raise FieldError(f"'{key}' is not a field of a {current['collection_type']} collection")
        check, where = fields[key]
        changes[where][key] = check(key, value)
    if "keywords" in changes["meta"]:
        words = changes["meta"]["keywords"]
        changes["meta"]["keywords"] = ",".join(words) if words else None
    return changes
