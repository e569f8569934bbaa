"""Scope string parsing of the sandbox (pure)."""

from __future__ import annotations

import pytest

from gterm.sandbox.scopes import (
    Scope,
    ScopeError,
    data_access_collection,
    parse_scopes,
    resource_server_of,
)
from gterm.sandbox.seed_ids import HPC_SCRATCH_ID, LAB_STORAGE_ID, TRANSFER_SCOPE, data_access_scope


def test_plain_scopes_split_on_whitespace() -> None:
    assert [s.scope_string for s in parse_scopes("openid  profile\temail")] == ["openid", "profile", "email"]


def test_dependent_optional_scopes_nest() -> None:
    text = f"openid {TRANSFER_SCOPE}[*{data_access_scope(HPC_SCRATCH_ID)} *{data_access_scope(LAB_STORAGE_ID)}]"
    openid, transfer = parse_scopes(text)
    assert openid == Scope("openid")
    assert transfer.scope_string == TRANSFER_SCOPE
    assert [d.scope_string for d in transfer.dependencies] == [
        data_access_scope(HPC_SCRATCH_ID),
        data_access_scope(LAB_STORAGE_ID),
    ]
    assert all(d.optional for d in transfer.dependencies)
    assert (
        str(transfer) == f"{TRANSFER_SCOPE}[*{data_access_scope(HPC_SCRATCH_ID)} *{data_access_scope(LAB_STORAGE_ID)}]"
    )


def test_repeated_roots_merge_their_dependencies() -> None:
    text = f"{TRANSFER_SCOPE}[*{data_access_scope(HPC_SCRATCH_ID)}] {TRANSFER_SCOPE}"
    (transfer,) = parse_scopes(text)
    assert [d.scope_string for d in transfer.dependencies] == [data_access_scope(HPC_SCRATCH_ID)]


@pytest.mark.parametrize("text", ["a[b", "a]b", "[a]", "a[*]", "*", "a[b[c]"])
def test_malformed_scope_strings_raise(text: str) -> None:
    with pytest.raises(ScopeError):
        parse_scopes(text)


@pytest.mark.parametrize(
    ("scope", "resource_server"),
    [
        ("openid", "auth.globus.org"),
        ("email", "auth.globus.org"),
        ("urn:globus:auth:scope:auth.globus.org:view_identity_set", "auth.globus.org"),
        (TRANSFER_SCOPE, "transfer.api.globus.org"),
        (data_access_scope(HPC_SCRATCH_ID), HPC_SCRATCH_ID),
    ],
)
def test_resource_server_of(scope: str, resource_server: str) -> None:
    assert resource_server_of(scope) == resource_server


def test_unknown_scope_has_no_resource_server() -> None:
    with pytest.raises(ScopeError):
        resource_server_of("write-everything")


def test_data_access_collection() -> None:
    assert data_access_collection(data_access_scope(HPC_SCRATCH_ID)) == HPC_SCRATCH_ID
    assert data_access_collection(TRANSFER_SCOPE) is None
