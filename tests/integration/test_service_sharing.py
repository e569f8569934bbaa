"""SharingService against the live sandbox: access rules on GCSv5 and Globus Connect Personal guests, names.

Alice's guests are made the way Globus makes them (GCS Manager for GCSv5, Transfer's shared_endpoint for
Globus Connect Personal); Bob's side is his own native-app login and TransferClient.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import globus_sdk
import pytest

from gterm.globus.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from gterm.globus.sharing import GroupRef, SharingService, path_in_guest
from gterm.globus.sharing_input import parse_expiry
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import (
    ALICE_ID,
    ALICES_LAPTOP_ID,
    BOB_ID,
    BOB_SHARED_ID,
    HPC_SCRATCH_ID,
    LAB_ENDPOINT_ID,
    LAB_GROUP_ID,
    LAB_GROUP_NAME,
    LAB_STORAGE_ID,
)
from tests.support.gcs_helpers import create_guest, gcs_client_for
from tests.support.groups_helpers import auth_client_for
from tests.support.sandbox_login import transfer_client_for
from tests.support.sharing_helpers import own_rules
from tests.support.transfer_helpers import api_error, unique

LAB = [GroupRef(LAB_GROUP_ID, LAB_GROUP_NAME)]


def sharing_as(sandbox: Any, identity: str) -> SharingService:
    def gcs(endpoint_id: str, manager_url: str, mapped_id: str) -> globus_sdk.GCSClient:
        client = gcs_client_for(sandbox, endpoint_id, identity, data_access=[mapped_id])
        assert client.base_url.startswith(manager_url.rstrip("/"))  # the URL Transfer reports is the one used
        return client

    return SharingService(lambda: transfer_client_for(sandbox, identity), lambda: auth_client_for(sandbox, identity),
                          gcs)


@pytest.fixture(scope="module")
def alice(sandbox: Any) -> SharingService:
    return sharing_as(sandbox, "alice")


@pytest.fixture(scope="module")
def alice_gcs(sandbox: Any) -> globus_sdk.GCSClient:
    return gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])


@pytest.fixture
def alice_guest(alice_tc: Any, alice_gcs: globus_sdk.GCSClient) -> Iterator[str]:
    """A fresh GCSv5 guest of Alice's rooted at /home/alice/<unique>/results/ (with a file in it)."""
    root = f"/home/alice/{unique('share')}/results/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, root.rsplit("/", 2)[0] + "/")
    alice_tc.operation_mkdir(LAB_STORAGE_ID, root)
    alice_tc.operation_mkdir(LAB_STORAGE_ID, root + "run1/")
    guest_id = create_guest(alice_gcs, LAB_STORAGE_ID, root, "Alice results", public=False)
    yield guest_id
    alice_gcs.delete_collection(guest_id)


def test_alice_shares_with_bob_read_only_then_rw_then_revokes(alice: SharingService, bob_tc: Any,
                                                                alice_guest: str) -> None:
    assert api_error(lambda: bob_tc.operation_ls(alice_guest, path="/")).http_status == 403

    bob = alice.resolve_grantee("bob@example.org", LAB)
    assert (bob.principal_type, bob.principal, bob.label) == ("identity", BOB_ID,
                                                              "Bob Collaborator (bob@example.org)")
    rule_id = alice.add_rule(alice_guest, bob, "/", "r")
    assert [r["name"] for r in bob_tc.operation_ls(alice_guest, path="/")["DATA"]] == ["run1"]
    assert api_error(lambda: bob_tc.operation_mkdir(alice_guest, "/bob-was-here/")).http_status == 403

    alice.update_rule(alice_guest, rule_id, permissions="rw", expires=None)
    bob_tc.operation_mkdir(alice_guest, "/bob-was-here/")

    (rule,) = own_rules(alice.rules(alice_guest))
    assert (rule.principal, rule.permissions, rule.path) == (BOB_ID, "rw", "/")
    assert alice.principal_labels([rule]) == {rule_id: "Bob Collaborator (bob@example.org)"}

    alice.delete_rule(alice_guest, rule_id)
    assert own_rules(alice.rules(alice_guest)) == []
    assert api_error(lambda: bob_tc.operation_ls(alice_guest, path="/")).http_status == 403


def test_duplicate_rule_says_to_change_the_existing_one(alice: SharingService, alice_guest: str) -> None:
    bob = alice.resolve_grantee("bob@example.org")
    alice.add_rule(alice_guest, bob, "run1", "r")
    with pytest.raises(AlreadyExists) as info:
        alice.add_rule(alice_guest, bob, "/run1/", "rw")
    assert "already has a rule for /run1/" in str(info.value) and "(e)" in str(info.value)


def test_group_public_all_users_and_expiry_rules(alice: SharingService, alice_guest: str) -> None:
    alice.remember_groups(LAB)
    group = alice.resolve_grantee(LAB_GROUP_NAME, LAB)
    everyone = alice.resolve_grantee("all users")
    public = alice.resolve_grantee("Public")
    soon = datetime.now(UTC) + timedelta(days=30)
    alice.add_rule(alice_guest, group, "/", "rw", expires=soon)
    alice.add_rule(alice_guest, everyone, "/run1/", "r")
    with pytest.raises(InvalidInput, match="read-only"):
        alice.add_rule(alice_guest, public, "/", "rw")
    alice.add_rule(alice_guest, public, "/", "r")

    rules = own_rules(alice.rules(alice_guest))
    labels = alice.principal_labels(rules)
    assert sorted(labels.values()) == ["all signed-in users", "anyone (public)", f"group {LAB_GROUP_NAME}"]
    (group_rule,) = [r for r in rules if r.principal_type == "group"]
    assert group_rule.expiration_date is not None
    assert abs(datetime.fromisoformat(group_rule.expiration_date) - soon) < timedelta(seconds=2)

    alice.update_rule(alice_guest, group_rule.id, permissions="r", expires=None)
    (changed,) = [r for r in alice.rules(alice_guest) if r.id == group_rule.id]
    assert (changed.permissions, changed.expiration_date) == ("r", None)


def test_a_share_of_a_consent_requiring_collection_opens_with_the_hosts_consent_alone(
    sandbox: Any, alice: SharingService
) -> None:
    """p, s on HPC Scratch (which requires data_access), then open the new guest: gterm sees a guest that
    needs no data_access consent and lists it with the host's consent alone (before, Transfer asked for a
    data_access scope named after the guest, which Auth refuses, and the login looped)."""
    folder = f"/home/alice/{unique('scratch-share')}/"
    consented = TransferService(lambda: transfer_client_for(sandbox, "alice", data_access=[HPC_SCRATCH_ID]))
    consented.mkdir(HPC_SCRATCH_ID, folder)
    guest_id = alice.share_folder(HPC_SCRATCH_ID, folder, "alice (shared by gterm)")
    try:
        guest = consented.get_collection(guest_id)
        assert guest.entity_type == "GCSv5_guest_collection" and not guest.needs_data_access
        assert list(consented.ls(guest_id, "/").entries) == []
    finally:
        alice.delete_guest(guest_id)


def test_a_guest_name_over_128_characters_is_refused_before_anything_is_created(
    sandbox: Any, alice: SharingService, alice_tc: Any
) -> None:
    """The settings form's check (Transfer's limit) holds for a new guest's name too, whichever API creates it."""
    folder = f"/home/alice/{unique('named')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder)
    before = {c.id for c in alice.shared_by_me()}
    for host, path in ((LAB_STORAGE_ID, folder), (ALICES_LAPTOP_ID, "/Documents/")):
        with pytest.raises(InvalidInput) as info:
            alice.share_folder(host, path, "n" * 140)
        assert str(info.value) == "Display name: at most 128 characters (this is 140)."
    assert {c.id for c in alice.shared_by_me()} == before


def test_not_an_access_manager_is_told_so(sandbox: Any, alice_guest: str) -> None:
    bob = sharing_as(sandbox, "bob")
    with pytest.raises(PermissionDenied, match="access manager"):
        bob.rules(alice_guest)
    assert [r.permissions for r in own_rules(bob.rules(BOB_SHARED_ID))] == ["rw"]  # his own guest: fine


def test_unknown_people_and_names(alice: SharingService) -> None:
    with pytest.raises(NotFound, match="No Globus user"):
        alice.resolve_grantee("nobody@nowhere.invalid")
    alice.resolve_grantee("bob@example.org")
    with pytest.raises(NotFound, match=r"bob@example\.org"):  # near matches come from the names gterm knows
        alice.resolve_grantee("bob")
    assert "bob@example.org" in alice.matches("Collab")
    assert alice.matches("members", LAB) == [LAB_GROUP_NAME]
    assert alice.matches("pub") == ["public"]


def test_identity_ids_name_people_and_an_unknown_id_is_said(alice: SharingService) -> None:
    bob = alice.resolve_grantee(BOB_ID.upper())  # as globus-cli's --identity takes an id
    assert (bob.principal_type, bob.principal, bob.label) == ("identity", BOB_ID, "Bob Collaborator (bob@example.org)")
    assert alice.resolve_grantee(LAB_GROUP_ID, LAB).principal_type == "group"
    nobody = str(uuid.uuid4())
    with pytest.raises(NotFound, match=f"has the id {nobody}"):
        alice.resolve_grantee(nobody, LAB)


def test_guest_collections_i_manage_are_listed_past_transfers_first_page(alice: SharingService,
                                                                         alice_tc: Any) -> None:
    made = [alice.create_personal_share(ALICES_LAPTOP_ID, "/Documents", f"Many {unique('p')}") for _ in range(27)]
    try:
        one_call = alice_tc.endpoint_search(filter_scope="shared-by-me")
        assert len(one_call["DATA"]) == 25 and one_call["has_next_page"] is True  # Transfer's default page
        assert set(made) <= {c.id for c in alice.shared_by_me(ALICES_LAPTOP_ID)}
    finally:
        for guest_id in made:
            alice_tc.delete_endpoint(guest_id)


def test_personal_share_and_its_rules(alice: SharingService, alice_tc: Any, bob_tc: Any) -> None:
    guest_id = alice.create_personal_share(ALICES_LAPTOP_ID, "/Documents", f"Docs {unique('gcp')}")
    try:
        assert guest_id in [c.id for c in alice.shared_by_me(ALICES_LAPTOP_ID)]
        rule_id = alice.add_rule(guest_id, alice.resolve_grantee("bob@example.org"), "/", "r")
        bob_tc.operation_ls(guest_id, path="/")
        alice.delete_rule(guest_id, rule_id)
        assert api_error(lambda: bob_tc.operation_ls(guest_id, path="/")).http_status == 403
    finally:
        alice_tc.delete_endpoint(guest_id)


def test_expiry_and_paths() -> None:
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert parse_expiry("", now=now) is None
    assert parse_expiry("+30d", now=now) == now + timedelta(days=30)
    assert parse_expiry("2027-01-31", now=now) == datetime(2027, 1, 31, 23, 59, 59, tzinfo=UTC)
    for bad in ("tomorrow", "+0d", "2020-01-01"):
        with pytest.raises(InvalidInput):
            parse_expiry(bad, now=now)
    assert path_in_guest("/home/alice/results/sub", "/home/alice/results/") == "/sub/"
    assert path_in_guest("/home/alice/results/", "/home/alice/results") == "/"
    assert path_in_guest("/elsewhere/", "/home/alice/results/") == "/"


def test_share_this_folder_on_gcsv5_and_personal(alice: SharingService, alice_tc: Any,
                                                 alice_gcs: globus_sdk.GCSClient) -> None:
    folder = f"/home/alice/{unique('folder')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder)
    guest_id = alice.share_folder(LAB_STORAGE_ID, folder, "Folder share", "for Bob")
    try:
        made = alice_tc.get_endpoint(guest_id)
        assert (made["entity_type"], made["host_path"], made["display_name"]) == (
            "GCSv5_guest_collection", folder, "Folder share")
        assert guest_id in [c.id for c in alice.shared_by_me(LAB_STORAGE_ID)]
        with pytest.raises(InvalidInput, match="guest collection already"):
            alice.share_folder(guest_id, "/", "nested")
    finally:
        alice_gcs.delete_collection(guest_id)
    personal = alice.share_folder(ALICES_LAPTOP_ID, "/Documents/", "Laptop docs")
    assert alice_tc.get_endpoint(personal)["entity_type"] == "GCP_guest_collection"
    alice.delete_guest(personal)  # Transfer's delete_endpoint for a Personal share
    assert api_error(lambda: alice_tc.get_endpoint(personal)).http_status == 404


def test_groups_service_membership_and_group_rules(sandbox: Any, alice_guest: str, bob_tc: Any) -> None:
    """A rule for a group: members get access, and a member removed in gterm loses it at once."""
    from gterm.globus.groups import GroupsService
    from tests.support.groups_helpers import delete_made_group, groups_client_for, no_group_left_behind

    groups = GroupsService(lambda: groups_client_for(sandbox, "alice"))
    bob_groups = GroupsService(lambda: groups_client_for(sandbox, "bob"))
    assert [(g.name, g.my_role) for g in groups.my_groups() if g.id == LAB_GROUP_ID] == [(LAB_GROUP_NAME, "admin")]
    name = f"Sharing test {unique('g')}"  # unique: deleted by name at the end, even when the test fails
    with no_group_left_behind(sandbox) as client:
        try:
            made = groups.create_group(name, "made by the sharing tests")
            assert made.my_role == "admin"
            sharing = SharingService(lambda: transfer_client_for(sandbox, "alice"),
                                     lambda: auth_client_for(sandbox, "alice"),
                                     groups_source=lambda: [g.ref for g in groups.my_groups()])
            assert sharing.matches("sharing test") == []  # matches never call out: my groups are not loaded yet
            assert made.ref in sharing.my_groups()
            assert made.name in sharing.matches("sharing test")

            grantee = sharing.resolve_grantee(made.name)
            assert (grantee.principal_type, grantee.principal) == ("group", made.id)
            rule_id = sharing.add_rule(alice_guest, grantee, "/", "r")
            assert sharing.principal_labels(sharing.rules(alice_guest))[rule_id] == f"group {made.name}"
            assert api_error(lambda: bob_tc.operation_ls(alice_guest, path="/")).http_status == 403  # not a member yet

            groups.add_member(made.id, BOB_ID, "member")
            members = {(m.identity_id, m.role, m.status) for m in groups.group(made.id).members}
            assert members >= {(BOB_ID, "member", "active")}
            bob_tc.operation_ls(alice_guest, path="/")
            groups.change_role(made.id, BOB_ID, "manager")
            with pytest.raises(PermissionDenied, match="admins and managers"):
                bob_groups.change_role(made.id, BOB_ID, "admin")
            groups.remove_member(made.id, BOB_ID)
            assert api_error(lambda: bob_tc.operation_ls(alice_guest, path="/")).http_status == 403  # at once
            with pytest.raises(NotFound):
                groups.remove_member(made.id, BOB_ID)
            with pytest.raises(InvalidInput, match="someone else an admin"):
                groups.leave(made.id, ALICE_ID)
        finally:
            delete_made_group(client, name)


def test_shared_by_me_says_what_each_guest_shares(sandbox: Any) -> None:
    from gterm.globus.transfer import TransferService
    from gterm.tui.screens.collection_picker import collection_prompt

    bob = TransferService(lambda: transfer_client_for(sandbox, "bob"))
    (bobs,) = [c for c in bob.search_collections("", scope="shared-by-me") if c.id == BOB_SHARED_ID]
    assert bobs.host_display_name == "Lab Storage"
    assert "guest collection · share of Lab Storage" in collection_prompt(bobs).plain
