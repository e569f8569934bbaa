"""Roles on endpoints and collections: the store, effective roles in endpoint documents, Transfer role routes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gterm.sandbox import roles, roles_store
from gterm.sandbox.collections import get_collection
from gterm.sandbox.db import Database
from gterm.sandbox.seed_ids import (
    ALICE_ID,
    ALICE_SHARED_ID,
    ALICES_LAPTOP_ID,
    BOB_ID,
    BOB_SHARED_ID,
    HPC_SCRATCH_ID,
    LAB_ENDPOINT_ID,
    LAB_STORAGE_ID,
)
from gterm.sandbox.server import running_sandbox
from gterm.sandbox.state import SandboxConfig, SandboxState
from tests.support.transfer_helpers import api_error

# --------------------------------------------------------------------------- the store


@pytest.fixture
def state(tmp_path: Path) -> Iterator[SandboxState]:
    db = Database(tmp_path / "roles.db")
    roles_store.init_schema(db)
    yield SandboxState(config=SandboxConfig(data_dir=tmp_path), db=db)
    db.close()


def test_store_adds_finds_and_deletes_assignments(state: SandboxState) -> None:
    target = "5a1d41d5-0000-4000-8000-000000000001"
    role_id = roles_store.add_role(state.db, target, "identity", BOB_ID, "activity_monitor")
    row = roles_store.find_role(state.db, target, role_id)
    assert row is not None and (row["principal"], row["role"]) == (BOB_ID, "activity_monitor")
    assert roles_store.held_roles(state, target, BOB_ID) == {"activity_monitor"}
    assert roles_store.held_roles(state, target, ALICE_ID) == set()
    with pytest.raises(roles_store.DuplicateRole) as dup:
        roles_store.add_role(state.db, target, "identity", BOB_ID, "activity_monitor")
    assert dup.value.existing_id == role_id
    assert roles_store.find_role(state.db, "another-target", role_id) is None
    assert roles_store.delete_role(state.db, target, role_id) is True
    assert roles_store.held_roles(state, target, BOB_ID) == set()


def test_group_roles_follow_the_registered_membership_at_each_call(state: SandboxState) -> None:
    target = "5a1d41d5-0000-4000-8000-000000000002"
    group = "9a1d41d5-0000-4000-8000-00000000000a"
    roles_store.add_role(state.db, target, "group", group, "activity_manager")
    members: dict[str, set[str]] = {group: {BOB_ID}}
    state.active_group_ids = lambda identity: [g for g, m in members.items() if identity in m]
    assert roles_store.held_roles(state, target, BOB_ID) == {"activity_manager"}
    members[group].clear()  # Bob leaves the group: the role goes with it, no cache
    assert roles_store.held_roles(state, target, BOB_ID) == set()


def test_seed_runs_once_and_deletions_stay_deleted(state: SandboxState) -> None:
    roles_store.seed(state)
    assert roles_store.held_roles(state, LAB_STORAGE_ID, ALICE_ID) == {"administrator"}
    (row,) = roles_store.list_roles(state.db, LAB_STORAGE_ID)
    roles_store.delete_role(state.db, LAB_STORAGE_ID, row["id"])
    roles_store.seed(state)
    assert roles_store.list_roles(state.db, LAB_STORAGE_ID) == []


def test_seeded_guests_get_their_creators_role_once_older_data_dirs_too(tmp_path: Path) -> None:
    def guest_roles(data_dir: Path) -> set[tuple[str, str, str]]:
        with running_sandbox(SandboxConfig(data_dir=data_dir, tls=False)) as sandbox:
            return {
                (str(row["target_id"]), str(row["principal"]), str(row["role"]))
                for guest in (ALICE_SHARED_ID, BOB_SHARED_ID)
                for row in roles_store.list_roles(sandbox.state.db, guest)
            }

    creators = {(ALICE_SHARED_ID, ALICE_ID, "administrator"), (BOB_SHARED_ID, BOB_ID, "administrator")}
    assert guest_roles(tmp_path) == creators
    # A data dir from before these roles were seeded (its other seeds done): it gets them at its next start.
    db = Database(tmp_path / "sandbox.db")
    db.execute("DELETE FROM roles WHERE target_id IN (?, ?)", (ALICE_SHARED_ID, BOB_SHARED_ID))
    db.execute("DELETE FROM seed_marks WHERE name = 'guest-creator-roles'")
    db.close()
    assert guest_roles(tmp_path) == creators
    # Once only: a creator's role its owner removed stays removed.
    db = Database(tmp_path / "sandbox.db")
    db.execute("DELETE FROM roles WHERE target_id = ?", (BOB_SHARED_ID,))
    db.close()
    assert guest_roles(tmp_path) == {(ALICE_SHARED_ID, ALICE_ID, "administrator")}


def test_implied_and_inherited_roles() -> None:
    assert roles.ordered(roles._expand({"administrator"}, has_access_rules=False)) == [
        "administrator", "activity_manager", "activity_monitor",
    ]
    assert roles.ordered(roles._expand({"activity_manager"}, has_access_rules=True)) == [
        "activity_manager", "activity_monitor",
    ]
    assert roles._inherited({"administrator", "activity_manager", "activity_monitor"}) == {
        "restricted_administrator", "activity_manager", "activity_monitor",
    }


# --------------------------------------------------------------------------- effective roles over HTTP


def test_my_effective_roles_come_from_the_seeded_roles(alice_tc: Any, bob_tc: Any) -> None:
    assert alice_tc.get_endpoint(LAB_STORAGE_ID)["my_effective_roles"] == [
        "administrator", "activity_manager", "activity_monitor",
    ]
    assert bob_tc.get_endpoint(LAB_STORAGE_ID)["my_effective_roles"] == []
    assert alice_tc.get_endpoint(HPC_SCRATCH_ID)["my_effective_roles"] == ["activity_monitor"]
    assert bob_tc.get_endpoint(HPC_SCRATCH_ID)["my_effective_roles"] == ["activity_manager", "activity_monitor"]


def test_guest_collection_roles_owner_and_host_administrator(alice_tc: Any, bob_tc: Any) -> None:
    bob_doc = bob_tc.get_endpoint(BOB_SHARED_ID)
    assert bob_doc["my_effective_roles"] == ["administrator", "access_manager", "activity_manager", "activity_monitor"]
    assert bob_doc["acl_editable"] is True
    # Alice administers the host: a restricted administrator of the guest, not its access manager.
    alice_doc = alice_tc.get_endpoint(BOB_SHARED_ID)
    assert alice_doc["my_effective_roles"] == ["restricted_administrator", "activity_manager", "activity_monitor"]
    assert alice_doc["acl_editable"] is False


def test_effective_roles_function_matches_documents(sandbox: Any) -> None:
    coll = get_collection(sandbox.state, LAB_STORAGE_ID)
    assert roles.is_administrator(sandbox.state, coll, ALICE_ID)
    assert not roles.is_administrator(sandbox.state, coll, BOB_ID)


# --------------------------------------------------------------------------- Transfer role routes


def test_administrator_lists_and_reads_roles(alice_tc: Any) -> None:
    listing = alice_tc.endpoint_role_list(LAB_STORAGE_ID)
    assert listing["DATA_TYPE"] == "role_list"
    docs = listing["DATA"]
    assert [(d["principal_type"], d["principal"], d["role"]) for d in docs] == [
        ("identity", ALICE_ID, "administrator")
    ]
    assert set(docs[0]) == {"DATA_TYPE", "id", "principal_type", "principal", "role"}
    one = alice_tc.get_endpoint_role(LAB_STORAGE_ID, docs[0]["id"])
    assert one.data == docs[0]
    assert api_error(lambda: alice_tc.get_endpoint_role(LAB_STORAGE_ID, "no-such-role")).http_status == 404


def test_non_administrators_see_no_roles(alice_tc: Any, bob_tc: Any) -> None:
    err = api_error(lambda: bob_tc.endpoint_role_list(LAB_STORAGE_ID))
    assert (err.http_status, err.code) == (403, "PermissionDenied")
    # An activity monitor is not an administrator either.
    assert api_error(lambda: alice_tc.endpoint_role_list(HPC_SCRATCH_ID)).http_status == 403


def test_gcs_roles_are_read_only_through_transfer(alice_tc: Any) -> None:
    err = api_error(lambda: alice_tc.add_endpoint_role(
        LAB_STORAGE_ID, {"DATA_TYPE": "role", "principal_type": "identity", "principal": BOB_ID,
                         "role": "activity_monitor"},
    ))
    assert (err.http_status, err.code) == (403, "PermissionDenied")
    assert "GCS Manager" in err.message
    (seeded,) = alice_tc.endpoint_role_list(LAB_STORAGE_ID)["DATA"]
    assert api_error(lambda: alice_tc.delete_endpoint_role(LAB_STORAGE_ID, seeded["id"])).http_status == 403
    assert len(alice_tc.endpoint_role_list(LAB_STORAGE_ID)["DATA"]) == 1


def test_a_gcs_endpoint_administrator_administers_its_mapped_collections(sandbox: Any, bob_tc: Any) -> None:
    role_id = roles_store.add_role(sandbox.state.db, LAB_ENDPOINT_ID, "identity", BOB_ID, "administrator")
    try:
        assert bob_tc.get_endpoint(LAB_STORAGE_ID)["my_effective_roles"] == [
            "administrator", "activity_manager", "activity_monitor",
        ]
        assert bob_tc.get_endpoint(HPC_SCRATCH_ID)["my_effective_roles"] == ["activity_manager", "activity_monitor"]
    finally:
        roles_store.delete_role(sandbox.state.db, LAB_ENDPOINT_ID, role_id)
    assert bob_tc.get_endpoint(LAB_STORAGE_ID)["my_effective_roles"] == []


def test_administered_by_me_follows_the_administrator_role(alice_tc: Any, bob_tc: Any) -> None:
    def ids(tc: Any) -> set[str]:
        return {doc["id"] for doc in tc.endpoint_search(filter_scope="administered-by-me", limit=100)["DATA"]}

    assert {LAB_STORAGE_ID, ALICES_LAPTOP_ID} <= ids(alice_tc)
    assert BOB_SHARED_ID not in ids(alice_tc)  # a restricted administrator only
    assert LAB_STORAGE_ID not in ids(bob_tc) and BOB_SHARED_ID in ids(bob_tc)
