"""The unmodified globus-cli 3.44 against the sandbox: login, whoami, session, identities, groups."""

from __future__ import annotations

from pathlib import Path

import pytest

from gterm.sandbox import auth_store
from gterm.sandbox.seed_ids import (
    ALICE_ID,
    ALICE_USERNAME,
    BOB_ID,
    BOB_SHARED_ID,
    BOB_USERNAME,
    HPC_SCRATCH_ID,
    LAB_GROUP_ID,
    LAB_GROUP_NAME,
    ROBOT_CLIENT_ID,
    TRANSFER_SCOPE,
)
from gterm.sandbox.server import SandboxHandle
from tests.support.globus_cli import GlobusCLI, as_client, globus_or_skip, logged_in


@pytest.fixture(scope="module")
def globus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return globus_or_skip(tmp_path_factory)


@pytest.fixture(scope="module")
def alice_cli(sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> GlobusCLI:
    return logged_in(sandbox, tmp_path_factory, "alice")


@pytest.fixture(scope="module")
def bob_cli(sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> GlobusCLI:
    return logged_in(sandbox, tmp_path_factory, "bob")


def test_login_whoami_and_session(alice_cli: GlobusCLI) -> None:
    assert alice_cli.run("whoami").stdout.strip() == ALICE_USERNAME
    assert alice_cli.run("whoami", "--linked-identities").stdout.strip() == ALICE_USERNAME
    session = alice_cli.run("session", "show").stdout
    assert ALICE_USERNAME in session and ALICE_ID in session
    assert "You are already logged in" in alice_cli.run("login", "--no-local-server").stdout


def test_get_identities(alice_cli: GlobusCLI) -> None:
    out = alice_cli.run("get-identities", BOB_USERNAME, ALICE_ID, "nobody@example.org").stdout.split()
    assert out == [BOB_ID, ALICE_USERNAME, "NO_SUCH_IDENTITY"]
    verbose = alice_cli.run("get-identities", "-v", BOB_USERNAME).stdout
    assert "Bob Collaborator" in verbose


def test_group_list_show_and_members(alice_cli: GlobusCLI, bob_cli: GlobusCLI) -> None:
    listed = {g["id"]: g for g in alice_cli.json("group", "list")}
    assert listed[LAB_GROUP_ID]["name"] == LAB_GROUP_NAME
    shown = alice_cli.run("group", "show", LAB_GROUP_ID).stdout
    assert LAB_GROUP_NAME in shown and "admin" in shown
    members = alice_cli.run("group", "member", "list", LAB_GROUP_ID).stdout
    assert ALICE_USERNAME in members and BOB_USERNAME in members
    assert BOB_USERNAME in bob_cli.run("group", "member", "list", LAB_GROUP_ID).stdout


def test_group_life_cycle_through_the_cli(alice_cli: GlobusCLI, bob_cli: GlobusCLI) -> None:
    created = alice_cli.json("group", "create", "CLI Group", "--description", "made by globus-cli")
    group_id = created["id"]
    try:
        alice_cli.run("group", "update", group_id, "--name", "CLI Group renamed")
        assert "CLI Group renamed" in alice_cli.run("group", "show", group_id).stdout
        alice_cli.run("group", "set-policies", group_id, "--visibility", "authenticated", "--join-requests")
        assert alice_cli.json("group", "show", group_id)["policies"]["join_requests"] is True

        added = alice_cli.run("group", "member", "add", group_id, BOB_USERNAME, "--role", "manager").stdout
        assert BOB_ID in added
        again = alice_cli.run("group", "member", "add", group_id, BOB_USERNAME, expect=1)
        assert "already an active member" in again.stderr
        bob_cli.run("group", "leave", group_id)
        assert group_id not in {g["id"] for g in bob_cli.json("group", "list")}

        alice_cli.run("group", "member", "invite", group_id, BOB_USERNAME)
        assert "Accepted invitation" in bob_cli.run("group", "invite", "accept", group_id).stdout
        removed = alice_cli.run("group", "member", "remove", group_id, BOB_USERNAME).stdout
        assert BOB_ID in removed
        bob_cli.run("group", "join", group_id, "--request")
        alice_cli.run("group", "member", "approve", group_id, BOB_USERNAME)
        assert group_id in {g["id"] for g in bob_cli.json("group", "list")}
        refused = bob_cli.run("group", "member", "remove", group_id, ALICE_USERNAME, expect=1)
        assert "administrators" in refused.stderr
    finally:
        alice_cli.run("group", "delete", group_id)
    alice_cli.run("group", "show", group_id, expect=1)


def _cli_clients(sandbox: SandboxHandle) -> set[str]:
    """Confidential clients made from globus-cli's template (each login in a new HOME makes one)."""
    return {
        str(row["id"])
        for row in auth_store.list_clients(sandbox.state.db)
        if row["name"] == "Globus CLI" and row["type"] == "confidential"
    }


def test_logout_revokes_and_deletes_the_templated_client(
    globus: Path, sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory
) -> None:
    before = _cli_clients(sandbox)
    cli = GlobusCLI(globus, sandbox, tmp_path_factory.mktemp("logout-home"))
    cli.login("bob")
    (made,) = _cli_clients(sandbox) - before
    # --delete-client (hidden) also deletes the templated client: DELETE /v2/api/clients/{id} as itself
    assert "successfully logged out" in cli.run("logout", "--yes", "--delete-client").stdout
    assert made not in _cli_clients(sandbox)
    cli.run("whoami", expect=4)  # MissingLoginError: the tokens are gone


def test_permissions_for_a_group_and_a_provisioned_identity(bob_cli: GlobusCLI) -> None:
    """Bob shares his guest collection with the lab group and with someone who has never signed in."""
    newcomer = "carol.cli@globusid.org"
    assert bob_cli.run("get-identities", newcomer).stdout.strip() == "NO_SUCH_IDENTITY"
    group_rule = bob_cli.json(
        "endpoint", "permission", "create", f"{BOB_SHARED_ID}:/cli-group/", "--group", LAB_GROUP_ID,
        "--permissions", "r",
    )["access_id"]
    person_rule = bob_cli.json(
        "endpoint", "permission", "create", f"{BOB_SHARED_ID}:/cli-carol/", "--provision-identity", newcomer,
        "--permissions", "rw",
    )["access_id"]
    try:
        carol_id = bob_cli.run("get-identities", newcomer).stdout.strip()
        rules = {r["id"]: r for r in bob_cli.json("endpoint", "permission", "list", BOB_SHARED_ID)["DATA"]}
        assert (rules[group_rule]["principal_type"], rules[group_rule]["principal"]) == ("group", LAB_GROUP_ID)
        assert (rules[person_rule]["principal_type"], rules[person_rule]["principal"]) == ("identity", carol_id)
        assert "unused" in bob_cli.run("get-identities", "-v", "-F", "json", newcomer).stdout
    finally:
        bob_cli.run("endpoint", "permission", "delete", BOB_SHARED_ID, group_rule)
        bob_cli.run("endpoint", "permission", "delete", BOB_SHARED_ID, person_rule)


def test_client_mode_whoami_identities_and_groups(
    sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """GLOBUS_CLI_CLIENT_ID/SECRET: the robot client acts as its own identity, no login."""
    cli = as_client(sandbox, tmp_path_factory, ROBOT_CLIENT_ID)
    assert cli.run("whoami").stdout.strip() == f"{ROBOT_CLIENT_ID}@clients.auth.globus.org"
    assert cli.run("get-identities", ALICE_USERNAME).stdout.strip() == ALICE_ID
    group_id = cli.json("group", "create", "Robots")["id"]
    try:
        (mine,) = [g for g in cli.json("group", "list") if g["id"] == group_id]
        assert [m["role"] for m in mine["my_memberships"]] == ["admin"]
    finally:
        cli.run("group", "delete", group_id)


def test_session_update_and_consent(alice_cli: GlobusCLI) -> None:
    """Both run the link flow again: one for an identity in session, one for a dependent data_access scope."""
    assert "successfully" in alice_cli.link_flow("alice", "session", "update", ALICE_USERNAME, "--no-local-server")
    scope = f"{TRANSFER_SCOPE}[*https://auth.globus.org/scopes/{HPC_SCRATCH_ID}/data_access]"
    before = alice_cli.run("ls", f"{HPC_SCRATCH_ID}:/", expect=4)  # the CLI's consent hint, with the scope
    assert f"globus session consent '{scope}'" in before.stdout + before.stderr
    alice_cli.link_flow("alice", "session", "consent", scope, "--no-local-server")
    assert alice_cli.run("ls", f"{HPC_SCRATCH_ID}:/").returncode == 0  # the consent reaches Transfer
