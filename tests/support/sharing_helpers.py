"""A SharingService acting as a sandbox identity (real logins, real SDK), for Pilot, snapshot and screenshot runs."""

from __future__ import annotations

import globus_sdk

from gterm.globus.groups import GroupsService
from gterm.globus.sharing import GroupRef, SharingService
from gterm.sandbox.server import SandboxHandle
from tests.support.gcs_helpers import gcs_client_for, manage_scope
from tests.support.groups_helpers import auth_client_for, groups_client_for
from tests.support.sandbox_login import login_tokens, new_native_client, transfer_client_for


def sharing_for(sandbox: SandboxHandle, identity: str = "alice", *, max_retries: int | None = None) -> SharingService:
    """One logged-in client of each kind shared by the worker threads (tests only, like service_for).

    ``max_retries`` bounds the SDK's retries of 5xx answers, as gterm's own clients do (``client_options``).
    """
    transfer = transfer_client_for(sandbox, identity)
    auth = auth_client_for(sandbox, identity)
    if max_retries is not None:
        transfer.retry_config.max_retries = auth.retry_config.max_retries = max_retries
    manage_tokens: dict[str, str] = {}  # endpoint id -> a manage_collections token (one login per endpoint)

    def gcs(endpoint_id: str, manager_url: str, mapped_id: str) -> globus_sdk.GCSClient:
        return gcs_client_for(sandbox, endpoint_id, identity, data_access=[mapped_id])

    def gcs_manager(endpoint_id: str, manager_url: str) -> globus_sdk.GCSClient:
        if endpoint_id not in manage_tokens:
            tokens = login_tokens(sandbox, f"openid {manage_scope(endpoint_id)}", new_native_client(sandbox),
                                  identity=identity)
            manage_tokens[endpoint_id] = tokens.by_resource_server[endpoint_id]["access_token"]
        authorizer = globus_sdk.AccessTokenAuthorizer(manage_tokens[endpoint_id])
        client = globus_sdk.GCSClient(manager_url, authorizer=authorizer)
        if max_retries is not None:
            client.retry_config.max_retries = max_retries
        return client

    groups_client: list[globus_sdk.GroupsClient] = []  # logged in when first asked, as the app's session does

    def my_groups() -> list[GroupRef]:
        if not groups_client:
            groups_client.append(groups_client_for(sandbox, identity))
        return [g.ref for g in GroupsService(lambda: groups_client[0]).my_groups()]

    return SharingService(lambda: transfer, lambda: auth, gcs, my_groups, gcs_manager=gcs_manager)
