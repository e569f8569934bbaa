"""gterm's scope constants are Globus' own strings (written out so that naming them loads no SDK)."""

from __future__ import annotations

from globus_sdk.scopes import AuthScopes, GroupsScopes, TransferScopes

from gterm.globus.scope_strings import (
    AUTH_RS,
    AUTH_SCOPES,
    GROUPS_RS,
    GROUPS_SCOPE,
    TRANSFER_RS,
    TRANSFER_SCOPE,
    merge_scopes,
    resource_server_of,
)


def test_the_constants_are_the_sdks_strings() -> None:
    assert str(TransferScopes.all) == TRANSFER_SCOPE
    assert str(GroupsScopes.all) == GROUPS_SCOPE
    assert (str(AuthScopes.openid), str(AuthScopes.profile), str(AuthScopes.email)) == AUTH_SCOPES
    assert (
        TransferScopes.resource_server, GroupsScopes.resource_server, AuthScopes.resource_server,
    ) == (TRANSFER_RS, GROUPS_RS, AUTH_RS)


def test_resource_servers_of_scopes() -> None:
    assert resource_server_of(TRANSFER_SCOPE) == TRANSFER_RS
    assert resource_server_of(GROUPS_SCOPE) == GROUPS_RS
    collection = "0d8a4a8e-0000-4000-8000-000000000001"
    assert resource_server_of(f"https://auth.globus.org/scopes/{collection}/https") == collection
    assert resource_server_of("openid") is None


def test_merging_keeps_each_scope_once_and_merges_dependent_scopes() -> None:
    data_access = "https://auth.globus.org/scopes/abc/data_access"
    merged = merge_scopes([TRANSFER_SCOPE], [f"{TRANSFER_SCOPE}[*{data_access}]", TRANSFER_SCOPE])
    assert merged == [f"{TRANSFER_SCOPE}[*{data_access}]"]
