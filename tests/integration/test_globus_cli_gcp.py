"""The unmodified globus-cli 3.44 managing a Globus Connect Personal collection: update, roles, guests."""

from __future__ import annotations

import pytest

from gterm.sandbox.seed_ids import ALICES_LAPTOP_ID, BOB_ID, BOB_USERNAME
from gterm.sandbox.server import SandboxHandle
from tests.support.globus_cli import GlobusCLI, logged_in

LAPTOP = ALICES_LAPTOP_ID


@pytest.fixture(scope="module")
def alice_cli(sandbox: SandboxHandle, tmp_path_factory: pytest.TempPathFactory) -> GlobusCLI:
    return logged_in(sandbox, tmp_path_factory, "alice")


def test_endpoint_show_and_update(alice_cli: GlobusCLI) -> None:
    before = alice_cli.json("endpoint", "show", LAPTOP)
    assert before["entity_type"] == "GCP_mapped_collection"
    try:
        out = alice_cli.run(
            "endpoint", "update", LAPTOP, "--description", "Updated by globus-cli", "--keywords", "cli,laptop",
            "--contact-email", "alice@example.org", "--info-link", "https://example.org/laptop",
            "--organization", "Example University", "--department", "Physics", "--default-directory", "/Documents/",
            "--force-encryption", "--user-message", "Hello from the CLI",
        ).stdout
        assert "Endpoint updated successfully" in out
        after = alice_cli.json("endpoint", "show", LAPTOP)
        assert (after["description"], after["keywords"], after["default_directory"]) == (
            "Updated by globus-cli", "cli,laptop", "/Documents/")
        assert after["force_encryption"] is True and after["user_message"] == "Hello from the CLI"
        # (`--no-default-directory` fails inside globus-cli 3.44 before sending: its ExplicitNull is not
        # JSON serialisable. Clearing with null is checked through the SDK in test_gcp_management.)
        refused = alice_cli.run("endpoint", "update", LAPTOP, "--contact-email", "nope", expect=1)
        assert "contact_email" in refused.stderr + refused.stdout
    finally:
        alice_cli.run(
            "endpoint", "update", LAPTOP, "--description", before["description"], "--keywords", before["keywords"],
            "--no-force-encryption", "--default-directory", before["default_directory"],
        )


def test_endpoint_role_create_list_show_delete(alice_cli: GlobusCLI) -> None:
    created = alice_cli.run("endpoint", "role", "create", LAPTOP, "--identity", BOB_USERNAME,
                            "--role", "activity_monitor").stdout
    assert created.startswith("ID: ")
    role_id = created.split()[1]
    listed = alice_cli.json("endpoint", "role", "list", LAPTOP)
    assert {(r["principal"], r["role"]) for r in listed["DATA"]} >= {(BOB_ID, "activity_monitor")}
    shown = alice_cli.run("endpoint", "role", "show", LAPTOP, role_id).stdout
    assert "activity_monitor" in shown
    deleted = alice_cli.run("endpoint", "role", "delete", LAPTOP, role_id).stdout
    assert role_id in deleted
    assert role_id not in [r["id"] for r in alice_cli.json("endpoint", "role", "list", LAPTOP)["DATA"]]


def test_gcp_create_guest_and_delete(alice_cli: GlobusCLI) -> None:
    made = alice_cli.json("gcp", "create", "guest", "CLI pictures", f"{LAPTOP}:/Pictures/")
    guest_id = made["id"]
    try:
        shown = alice_cli.json("endpoint", "show", guest_id)
        assert (shown["entity_type"], shown["host_path"]) == ("GCP_guest_collection", "/Pictures/")
        mine = alice_cli.json("endpoint", "my-shared-endpoint-list", LAPTOP)
        assert guest_id in [d["id"] for d in mine["DATA"]]
    finally:
        assert "deleted" in alice_cli.run("endpoint", "delete", guest_id).stdout.lower()
