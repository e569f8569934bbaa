"""Groups and Auth API clients acting as sandbox identities (real logins, real SDK)."""

from __future__ import annotations

import globus_sdk

from gterm.sandbox.seed_ids import GROUPS_ALL_SCOPE
from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import login_tokens, new_native_client


def groups_client_for(
    sandbox: SandboxHandle, identity: str = "alice", *, scope: str = GROUPS_ALL_SCOPE
) -> globus_sdk.GroupsClient:
    """A GroupsClient as ``identity`` (fresh native client, native-app login for ``scope``)."""
    tokens = login_tokens(sandbox, f"openid {scope}", new_native_client(sandbox), identity=identity)
    token = tokens.by_resource_server["groups.api.globus.org"]["access_token"]
    return globus_sdk.GroupsClient(authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=sandbox.groups_url)


def auth_client_for(sandbox: SandboxHandle, identity: str = "alice") -> globus_sdk.AuthClient:
    """An AuthClient with an Auth token of ``identity`` (openid profile email view_identity_set)."""
    scopes = "openid profile email urn:globus:auth:scope:auth.globus.org:view_identity_set"
    tokens = login_tokens(sandbox, scopes, new_native_client(sandbox), identity=identity)
    token = tokens.by_resource_server["auth.globus.org"]["access_token"]
    return globus_sdk.AuthClient(authorizer=globus_sdk.AccessTokenAuthorizer(token), base_url=sandbox.auth_url)
