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


def endpoint_fields(state: SandboxState, coll: CollectionRecord) -> dict[str, Any]:
    """The endpoint document keys that depend on the collection's GCSv5 endpoint and its GCS-side settings."""
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
