"""What Transfer says about GCSv5 collections: their endpoint's fields, and that it may not change them.

At Globus, Transfer reports a GCSv5 collection's ``gcs_manager_url`` and its
endpoint (``non_functional_endpoint_id``), but it does not edit GCSv5
endpoints or collections: their settings, guest collections and roles go
through the endpoint's GCS Manager API. Writes through Transfer are refused
with the message the issue quotes from Globus.
"""

from __future__ import annotations

from typing import Any

from gterm.sandbox import gcs_store
from gterm.sandbox.collections import CollectionRecord
from gterm.sandbox.confined import RootSpec
from gterm.sandbox.errors import ApiError
from gterm.sandbox.gcs_documents import gcs_manager_url
from gterm.sandbox.state import SandboxState

READ_ONLY_MESSAGE = (
    "Globus Connect Server endpoints and collections are read only in Transfer;"
    " manage them through the endpoint's GCS Manager API ({url})"
)


def is_gcsv5(coll: CollectionRecord) -> bool:
    return coll.entity_type.startswith("GCSv5_")


def refuse_write(state: SandboxState, coll: CollectionRecord) -> None:
    """403 when a Transfer write targets a GCSv5 endpoint or collection."""
    if is_gcsv5(coll):
        home = gcs_store.home_of(state.db, coll.id)
        url = gcs_manager_url(state, home.endpoint_id) if home is not None else "its gcs_manager_url"
        raise ApiError(403, "PermissionDenied", READ_ONLY_MESSAGE.format(url=url))


ENDPOINT_ENTITY = "GCSv5_endpoint"


def endpoint_record(state: SandboxState, endpoint_id: str) -> CollectionRecord | None:
    """A GCSv5 endpoint as Transfer lists it (entity_type GCSv5_endpoint), or None.

    Transfer shows GCSv5 endpoints beside collections, as non-functional
    entities: no files, never a transfer source or destination. The record only
    feeds the endpoint document; its root is never opened (file routes do not
    find endpoints, which are not in the collections table).
    """
    endpoint = gcs_store.find_endpoint(state.db, endpoint_id)
    if endpoint is None:
        return None
    nowhere = state.config.data_dir / "gcs-endpoints" / endpoint.id
    meta = {key: value for key, value in endpoint.meta.items() if key not in ("keywords", "public")}
    meta["keywords"] = ",".join(endpoint.meta.get("keywords") or []) or None
    return CollectionRecord(
        id=endpoint.id,
        display_name=endpoint.display_name,
        entity_type=ENDPOINT_ENTITY,
        root=nowhere,
        root_spec=RootSpec(str(nowhere)),
        requires_consent=False,
        owner_id=endpoint.id,
        owner_string=endpoint.client_identity,
        host_collection_id=None,
        host_path=None,
        public=bool(endpoint.meta.get("public", True)),
        meta=meta,
        created=endpoint.created,
    )


def endpoint_records(state: SandboxState) -> list[CollectionRecord]:
    records = (endpoint_record(state, endpoint.id) for endpoint in gcs_store.all_endpoints(state.db))
    return [record for record in records if record is not None]


def refuse_endpoint_write(state: SandboxState, entity_id: str) -> None:
    """403 when a Transfer write names a GCSv5 endpoint itself (not in the collections table)."""
    if gcs_store.find_endpoint(state.db, entity_id) is not None:
        raise ApiError(403, "PermissionDenied", READ_ONLY_MESSAGE.format(url=gcs_manager_url(state, entity_id)))


def endpoint_fields(state: SandboxState, coll: CollectionRecord) -> dict[str, Any]:
    """The endpoint document keys that depend on the collection's GCSv5 endpoint and its GCS-side settings."""
    if coll.entity_type == ENDPOINT_ENTITY:
        return {
            "gcs_manager_url": gcs_manager_url(state, coll.id),
            "gcs_version": gcs_store.GCS_VERSION,
            "https_server": None,
            "non_functional": True,
            "shareable": False,
            "acl_available": False,
            "acl_editable": False,
            "default_directory": None,
            "local_user_info_available": None,
            "requires_data_access_consent": False,
        }
    home = gcs_store.home_of(state.db, coll.id)
    if home is None:
        return {}
    fields: dict[str, Any] = {}
    endpoint = gcs_store.find_endpoint(state.db, home.endpoint_id)
    fields["gcs_manager_url"] = gcs_manager_url(state, home.endpoint_id)
    fields["gcs_version"] = gcs_store.GCS_VERSION
    fields["non_functional_endpoint_id"] = home.endpoint_id
    fields["non_functional_endpoint_display_name"] = endpoint.display_name if endpoint else None
    fields["disable_anonymous_writes"] = bool(home.settings.get("disable_anonymous_writes", False))
    return fields
