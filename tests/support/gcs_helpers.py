"""GCS Manager clients for tests: the real SDK's GCSClient with tokens from a real native-app login."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import globus_sdk
import pytest

from gterm.sandbox.seed_ids import data_access_scope, manage_collections_scope
from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import login_tokens, new_native_client


def manager_url(sandbox: SandboxHandle, endpoint_id: str) -> str:
    """The endpoint's gcs_manager_url, as sandbox.json lists it."""
    for endpoint in sandbox.info["gcs_endpoints"]:
        if endpoint["id"] == endpoint_id:
            return str(endpoint["gcs_manager_url"])
    raise KeyError(endpoint_id)


def manage_scope(endpoint_id: str, data_access: Iterable[str] = ()) -> str:
    """manage_collections, with dependent data_access scopes for mapped collections (guest creation)."""
    deps = " ".join("*" + data_access_scope(cid) for cid in data_access)
    scope = manage_collections_scope(endpoint_id)
    return f"{scope}[{deps}]" if deps else scope


def gcs_client_for(
    sandbox: SandboxHandle,
    endpoint_id: str,
    identity: str = "alice",
    *,
    data_access: Iterable[str] = (),
    client_id: str | None = None,
) -> globus_sdk.GCSClient:
    """A GCSClient for the endpoint acting as ``identity`` (a fresh native client unless one is given)."""
    client_id = client_id or new_native_client(sandbox)
    tokens = login_tokens(sandbox, f"openid {manage_scope(endpoint_id, data_access)}", client_id, identity=identity)
    token = tokens.by_resource_server[endpoint_id]["access_token"]
    return globus_sdk.GCSClient(manager_url(sandbox, endpoint_id), authorizer=globus_sdk.AccessTokenAuthorizer(token))


def gcs_error(call: Callable[[], Any]) -> globus_sdk.GCSAPIError:
    """The GCS Manager's error answer to ``call`` (which must fail)."""
    with pytest.raises(globus_sdk.GCSAPIError) as info:
        call()
    return info.value


def create_guest(gcs: globus_sdk.GCSClient, mapped_id: str, base_path: str, display_name: str, **fields: Any) -> str:
    """A GCSv5 guest collection made the way Globus makes them (through the GCS Manager); its id."""
    document = globus_sdk.GuestCollectionDocument(
        mapped_collection_id=mapped_id, collection_base_path=base_path, display_name=display_name, **fields
    )
    return str(gcs.create_collection(document)["id"])


class LoginGcsTokens:
    """GCS Manager tokens for Pilot tests: one real native-app login per endpoint (manage_collections).

    Implements gterm.globus.collection_settings.GcsTokens, as GtermSession does for the app.
    """

    def __init__(self, sandbox: SandboxHandle, identity: str = "alice") -> None:
        self.sandbox = sandbox
        self.identity = identity
        self._cache: dict[str, globus_sdk.AccessTokenAuthorizer] = {}

    def gcs_authorizer(self, endpoint_id: str) -> globus_sdk.AccessTokenAuthorizer:
        if endpoint_id not in self._cache:
            tokens = login_tokens(
                self.sandbox, manage_scope(endpoint_id), new_native_client(self.sandbox), identity=self.identity
            )
            self._cache[endpoint_id] = globus_sdk.AccessTokenAuthorizer(
                tokens.by_resource_server[endpoint_id]["access_token"]
            )
        return self._cache[endpoint_id]
