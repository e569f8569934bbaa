"""Groups and Auth API clients acting as sandbox identities (real logins, real SDK)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

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


@contextmanager
def no_group_left_behind(sandbox: SandboxHandle, identity: str = "alice") -> Iterator[globus_sdk.GroupsClient]:
    """Check that a test which makes groups in the shared sandbox deletes them again.

    Yields a GroupsClient as ``identity`` for the test's own cleanup (``delete_made_group``).
    """
    client = groups_client_for(sandbox, identity)
    before = {group["id"] for group in client.get_my_groups()}
    yield client
    left = {group["name"] for group in client.get_my_groups() if group["id"] not in before}
    assert not left, f"left in the shared sandbox: {sorted(left)}"


def delete_made_group(client: globus_sdk.GroupsClient, name: str) -> None:
    """Delete the groups named ``name`` (a test's unique name) that the client's identity belongs to."""
    for group in client.get_my_groups():
        if group["name"] == name:
            client.delete_group(group["id"])
