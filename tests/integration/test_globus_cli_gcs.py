"""The unmodified globus-cli 3.44 managing GCSv5 collections through their GCS Manager, over the sandbox's TLS.

`globus collection show/update/list/create guest/delete`, `globus endpoint show` of a GCSv5
endpoint, `globus endpoint user-credential create posix` and `globus gcs collection role list`;
the CLI's own consent hints (`globus login --gcs ENDPOINT[:COLLECTION]`) are followed as a user would.
"""

from __future__ import annotations

import globus_sdk
import pytest

from gterm.sandbox.seed_ids import (
    ALICE_ID,
    BOB_ID,
    BOB_USERNAME,
    LAB_ENDPOINT_ID,
    LAB_GATEWAY_ID,
    LAB_STORAGE_ID,
)
from gterm.sandbox.server import SandboxHandle
from tests.support.gcs_helpers import gcs_client_for
from tests.support.globus_cli import GlobusCLI, logged_in
from tests.support.sandbox_login import transfer_client_for
from tests.support.transfer_helpers import collection_root, unique


@pytest.fixture(scope="module")
def alice_cli(sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> GlobusCLI:
    """Alice logged in to the CLI, then (following the CLI's own hint) to the Lab endpoint's GCS Manager."""
    cli = logged_in(sandbox, tmp_path_factory, "alice")
    hint = cli.run("collection", "show", LAB_STORAGE_ID, expect=4)
    assert f"globus login --gcs {LAB_ENDPOINT_ID}" in hint.stdout + hint.stderr
    cli.link_flow("alice", "login", "--gcs", f"{LAB_ENDPOINT_ID}:{LAB_STORAGE_ID}", "--no-local-server")
    return cli


def test_collection_show(alice_cli: GlobusCLI) -> None:
    shown = alice_cli.json("collection", "show", LAB_STORAGE_ID)
    assert (shown["collection_type"], shown["storage_gateway_id"]) == ("mapped", LAB_GATEWAY_ID)


def test_endpoint_show_of_the_gcsv5_endpoint(alice_cli: GlobusCLI) -> None:
    shown = alice_cli.json("endpoint", "show", LAB_ENDPOINT_ID)
    assert (shown["entity_type"], shown["gcs_manager_url"].split("/")[-1]) == ("GCSv5_endpoint", LAB_ENDPOINT_ID)


def test_collection_update_list_and_roles(alice_cli: GlobusCLI, sandbox: SandboxHandle) -> None:
    before = alice_cli.json("collection", "show", LAB_STORAGE_ID)
    try:
        alice_cli.run("collection", "update", LAB_STORAGE_ID, "--description", "Updated by globus-cli")
        assert alice_cli.json("collection", "show", LAB_STORAGE_ID)["description"] == "Updated by globus-cli"
        # Transfer shows the same collection, changed.
        transfer = transfer_client_for(sandbox, "alice")
        assert transfer.get_endpoint(LAB_STORAGE_ID)["description"] == "Updated by globus-cli"
    finally:
        alice_cli.run("collection", "update", LAB_STORAGE_ID, "--description", before["description"])
    listed = alice_cli.json("collection", "list", LAB_ENDPOINT_ID)
    assert LAB_STORAGE_ID in [c["id"] for c in listed["DATA"]]
    roles = alice_cli.json("gcs", "collection", "role", "list", LAB_STORAGE_ID)
    assert {"role": "administrator", "principal": f"urn:globus:auth:identity:{ALICE_ID}"} in [
        {"role": r["role"], "principal": r["principal"]} for r in roles["data"]
    ]


def _cli_guest(alice_cli: GlobusCLI, sandbox: SandboxHandle) -> str:
    name = unique("cli-guest")
    (collection_root(sandbox, LAB_STORAGE_ID) / "home" / "alice" / name).mkdir(parents=True)
    # The CLI wants the caller's user credential on the mapped collection's gateway first
    # (each call makes one more, so the guest names the one made here).
    credential = alice_cli.json(
        "endpoint", "user-credential", "create", "posix", LAB_ENDPOINT_ID, LAB_GATEWAY_ID, ALICE_ID, "alice"
    )
    created = alice_cli.json(
        "collection", "create", "guest", "--user-credential-id", str(credential["id"]),
        LAB_STORAGE_ID, f"/home/alice/{name}/", name,
    )
    assert (created["collection_type"], created["mapped_collection_id"]) == ("guest", LAB_STORAGE_ID)
    return str(created["id"])


def test_guest_collection_create(alice_cli: GlobusCLI, sandbox: SandboxHandle) -> None:
    guest_id = _cli_guest(alice_cli, sandbox)
    assert transfer_client_for(sandbox, "alice").get_endpoint(guest_id)["entity_type"] == "GCSv5_guest_collection"
    gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice").delete_collection(guest_id)


def test_guest_collection_show_and_delete_through_the_cli(alice_cli: GlobusCLI, sandbox: SandboxHandle) -> None:
    guest_id = _cli_guest(alice_cli, sandbox)
    try:
        assert alice_cli.json("collection", "show", guest_id)["id"] == guest_id
        alice_cli.run("collection", "delete", guest_id)
    finally:
        gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice")
        if guest_id in {c["id"] for c in gcs.get_collection_list()}:
            gcs.delete_collection(guest_id)


def test_gcs_endpoint_roles_need_the_endpoint_administrator(alice_cli: GlobusCLI) -> None:
    """Alice administers Lab Storage, not its endpoint: `gcs endpoint role create` is refused as GCS does."""
    refused = alice_cli.run(
        "gcs", "endpoint", "role", "create", LAB_ENDPOINT_ID, "activity_monitor", BOB_USERNAME, expect=1
    )
    assert "permission_denied" in refused.stdout + refused.stderr
    listed = alice_cli.json("gcs", "endpoint", "role", "list", LAB_ENDPOINT_ID)["DATA"]
    assert f"urn:globus:auth:identity:{BOB_ID}" not in [r["principal"] for r in listed]


def test_gcs_collection_role_show_and_delete(alice_cli: GlobusCLI, sandbox: SandboxHandle) -> None:
    """3.44 has `gcs collection role list/show/delete` (no create): the role is made through the SDK."""
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice")
    role = gcs.create_role(globus_sdk.GCSRoleDocument(
        collection=LAB_STORAGE_ID, principal=f"urn:globus:auth:identity:{BOB_ID}", role="activity_monitor"))
    try:
        shown = alice_cli.json("gcs", "collection", "role", "show", LAB_STORAGE_ID, role["id"])
        assert (shown["role"], shown["collection"]) == ("activity_monitor", LAB_STORAGE_ID)
        alice_cli.run("gcs", "collection", "role", "delete", LAB_STORAGE_ID, role["id"])
        assert role["id"] not in {r["id"] for r in gcs.get_role_list(LAB_STORAGE_ID)}
    finally:  # Bob keeps no role on Lab Storage in the shared sandbox, whatever failed above
        if role["id"] in {r["id"] for r in gcs.get_role_list(LAB_STORAGE_ID)}:
            gcs.delete_role(role["id"])
