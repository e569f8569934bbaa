"""The unmodified globus-cli 3.44: `endpoint search` in every scope and `endpoint permission *` for every
kind of principal, against the sandbox over TLS; rules checked in the sandbox through the SDK as well.
"""

from __future__ import annotations

import pytest

from gterm.sandbox.seed_ids import (
    ALICE_ID,
    ALICE_USERNAME,
    ALICES_LAPTOP_ID,
    BOB_SHARED_ID,
    HPC_SCRATCH_ID,
    LAB_GROUP_ID,
    LAB_STORAGE_ID,
    ROBOT_CLIENT_ID,
)
from gterm.sandbox.server import SandboxHandle
from tests.support.globus_cli import GlobusCLI, as_client, logged_in
from tests.support.sandbox_login import transfer_client_for


@pytest.fixture(scope="module")
def alice_cli(sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> GlobusCLI:
    return logged_in(sandbox, tmp_path_factory, "alice")


@pytest.fixture(scope="module")
def bob_cli(sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> GlobusCLI:
    return logged_in(sandbox, tmp_path_factory, "bob")


def _found(cli: GlobusCLI, *args: str) -> set[str]:
    return {e["id"] for e in cli.json("endpoint", "search", *args)["DATA"]}


def test_endpoint_search_in_every_scope(alice_cli: GlobusCLI, bob_cli: GlobusCLI) -> None:
    assert LAB_STORAGE_ID in _found(alice_cli, "Lab", "--filter-scope", "all")
    assert ALICES_LAPTOP_ID in _found(alice_cli, "--filter-scope", "my-endpoints")
    assert BOB_SHARED_ID in _found(alice_cli, "--filter-scope", "shared-with-me")
    assert BOB_SHARED_ID in _found(bob_cli, "--filter-scope", "shared-by-me")
    assert BOB_SHARED_ID not in _found(alice_cli, "--filter-scope", "shared-by-me")
    assert LAB_STORAGE_ID in _found(alice_cli, "--filter-scope", "administered-by-me")
    for scope in ("recently-used", "in-use"):
        alice_cli.json("endpoint", "search", "--filter-scope", scope)
    text = alice_cli.run("endpoint", "search", "Lab Storage").stdout
    assert LAB_STORAGE_ID in text and "Lab Storage" in text
    by_alice = _found(alice_cli, "--filter-owner-id", ALICE_USERNAME, "--filter-scope", "my-endpoints")
    assert ALICES_LAPTOP_ID in by_alice and BOB_SHARED_ID not in by_alice
    # A GCSv5 collection is not an endpoint to `endpoint show`; the CLI points at the right command.
    wrong = alice_cli.run("endpoint", "show", HPC_SCRATCH_ID, expect=3)
    assert f"globus gcs collection show {HPC_SCRATCH_ID}" in wrong.stdout + wrong.stderr


@pytest.mark.parametrize(
    ("principal_args", "principal_type", "principal"),
    [
        (("--identity", ALICE_USERNAME), "identity", ALICE_ID),
        (("--group", LAB_GROUP_ID), "group", LAB_GROUP_ID),
        (("--all-authenticated",), "all_authenticated_users", ""),
        (("--anonymous",), "anonymous", ""),
    ],
)
def test_permission_life_cycle_for_each_principal(
    bob_cli: GlobusCLI, sandbox: SandboxHandle, principal_args: tuple[str, ...], principal_type: str, principal: str
) -> None:
    path = f"/cli-perm-{principal_type}/"
    made = bob_cli.json(
        "endpoint", "permission", "create", f"{BOB_SHARED_ID}:{path}", *principal_args, "--permissions", "r",
    )
    rule_id = made["access_id"]
    try:
        listed = {r["id"]: r for r in bob_cli.json("endpoint", "permission", "list", BOB_SHARED_ID)["DATA"]}
        assert (listed[rule_id]["principal_type"], listed[rule_id]["principal"], listed[rule_id]["path"]) == (
            principal_type, principal, path)
        shown = bob_cli.json("endpoint", "permission", "show", BOB_SHARED_ID, rule_id)
        assert shown["permissions"] == "r"
        assert principal_type in bob_cli.run("endpoint", "permission", "show", BOB_SHARED_ID, rule_id).stdout
        if principal_type != "anonymous":  # Globus allows anonymous read only
            bob_cli.run("endpoint", "permission", "update", BOB_SHARED_ID, rule_id, "--permissions", "rw")
            assert transfer_client_for(sandbox, "bob").get_endpoint_acl_rule(BOB_SHARED_ID, rule_id)[
                "permissions"] == "rw"
    finally:
        deleted = bob_cli.run("endpoint", "permission", "delete", BOB_SHARED_ID, rule_id).stdout
        assert "deleted" in deleted.lower()
    assert rule_id not in {r["id"] for r in bob_cli.json("endpoint", "permission", "list", BOB_SHARED_ID)["DATA"]}


def test_anonymous_write_is_refused(bob_cli: GlobusCLI) -> None:
    refused = bob_cli.run(
        "endpoint", "permission", "create", f"{BOB_SHARED_ID}:/cli-anon-rw/", "--anonymous", "--permissions", "rw",
        expect=1,
    )
    assert "anonymous" in (refused.stdout + refused.stderr).lower()


def test_someone_else_cannot_manage_bobs_rules(alice_cli: GlobusCLI) -> None:
    refused = alice_cli.run("endpoint", "permission", "list", BOB_SHARED_ID, expect=1)
    assert "PermissionDenied" in refused.stdout + refused.stderr


def test_client_mode_search(sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> None:
    robot = as_client(sandbox, tmp_path_factory, ROBOT_CLIENT_ID)
    assert LAB_STORAGE_ID in _found(robot, "Lab", "--filter-scope", "all")
    assert _found(robot, "--filter-scope", "my-endpoints") == set()
