"""ACL rule routes on guest collections and per-identity bookmarks, with enforcement."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import globus_sdk
import pytest

from gterm.sandbox.seed_ids import (
    ALICE_ID,
    BOB_ID,
    BOB_SHARED_ID,
    HPC_SCRATCH_ID,
    LAB_ENDPOINT_ID,
    LAB_STORAGE_ID,
    ROBOT_CLIENT_ID,
)
from tests.support.gcs_helpers import create_guest, gcs_client_for
from tests.support.sandbox_login import robot_transfer_client
from tests.support.transfer_helpers import api_error, names, unique


@pytest.fixture(scope="module")
def robot_tc(sandbox: Any) -> globus_sdk.TransferClient:
    return robot_transfer_client(sandbox)


@pytest.fixture(scope="module")
def bob_gcs(sandbox: Any) -> globus_sdk.GCSClient:
    """Bob on the Lab endpoint's GCS Manager (GCSv5 guest collections are made there, not in Transfer)."""
    return gcs_client_for(sandbox, LAB_ENDPOINT_ID, "bob", data_access=[LAB_STORAGE_ID])


@pytest.fixture
def bob_guest(bob_tc: Any, bob_gcs: globus_sdk.GCSClient) -> Iterator[str]:
    """A fresh guest collection of Bob's (on Lab Storage /shared/bob/...), so rule tests never race."""
    host_path = f"/shared/bob/{unique('acl')}/"
    bob_tc.operation_mkdir(LAB_STORAGE_ID, host_path)
    bob_tc.operation_mkdir(LAB_STORAGE_ID, host_path + "public/")
    guest_id = create_guest(bob_gcs, LAB_STORAGE_ID, host_path, "Bob ACL test", public=False)
    yield guest_id
    bob_gcs.delete_collection(guest_id)


def _rule(ptype: str, principal: str, path: str, perms: str) -> dict[str, str]:
    return {"DATA_TYPE": "access", "principal_type": ptype, "principal": principal, "path": path,
            "permissions": perms}


# --------------------------------------------------------------------------- ACL routes


def test_seeded_rule_shares_bobs_collection_with_alice(bob_tc: Any) -> None:
    rules = bob_tc.endpoint_acl_list(BOB_SHARED_ID)
    assert rules["DATA_TYPE"] == "access_list"
    # Bob's administrator role (he made the guest) comes first as its implicit rule, then the seeded one.
    assert [(r["principal_type"], r["principal"], r["path"], r["permissions"], r["role_type"])
            for r in rules["DATA"]] == [
        ("identity", BOB_ID, "/", "rw", "administrator"),
        ("identity", ALICE_ID, "/", "rw", None),
    ]
    assert all(r["DATA_TYPE"] == "access" for r in rules["DATA"])


def test_access_roles_list_their_implicit_rw_rule_on_root(
    bob_tc: Any, bob_gcs: globus_sdk.GCSClient, robot_tc: Any, bob_guest: str
) -> None:
    """Transfer: administrators and access managers of a guest collection "also have an implicit rw
    permission on /", visible in the permission list with role_id set instead of id."""
    assert api_error(lambda: robot_tc.operation_ls(bob_guest, path="/")).http_status == 403
    role = bob_gcs.create_role({"DATA_TYPE": "role#1.0.0", "collection": bob_guest, "principal":
                                f"urn:globus:auth:identity:{ROBOT_CLIENT_ID}", "role": "access_manager"})
    roles_by_id = {r["id"]: r for r in bob_tc.endpoint_role_list(bob_guest)["DATA"]}
    implied = [r for r in bob_tc.endpoint_acl_list(bob_guest)["DATA"] if r["role_id"]]
    assert {r["role_id"] for r in implied} == set(roles_by_id)
    assert {(r["principal"], r["role_type"]) for r in implied} == {
        (BOB_ID, "administrator"), (ROBOT_CLIENT_ID, "access_manager")}
    for rule in implied:
        assert (rule["id"], rule["path"], rule["permissions"], rule["principal_type"]) == (
            None, "/", "rw", "identity")
        assert rule["role_type"] == roles_by_id[rule["role_id"]]["role"]
    assert robot_tc.operation_ls(bob_guest, path="/")["DATA_TYPE"] == "file_list"  # the rule grants what it says
    bob_gcs.delete_role(role["id"])
    assert [r["role_type"] for r in bob_tc.endpoint_acl_list(bob_guest)["DATA"] if r["role_id"]] == [
        "administrator"]  # gone with the role


def test_only_the_owner_manages_rules(alice_tc: Any) -> None:
    assert api_error(lambda: alice_tc.endpoint_acl_list(BOB_SHARED_ID)).http_status == 403
    err = api_error(lambda: alice_tc.add_endpoint_acl_rule(BOB_SHARED_ID, _rule("anonymous", "", "/", "r")))
    assert err.http_status == 403


def test_mapped_collections_have_no_rules(alice_tc: Any) -> None:
    assert api_error(lambda: alice_tc.endpoint_acl_list(LAB_STORAGE_ID)).http_status == 400


def test_rule_lifecycle_is_enforced_on_every_operation(bob_tc: Any, robot_tc: Any, bob_guest: str) -> None:
    assert api_error(lambda: robot_tc.operation_ls(bob_guest, path="/public/")).http_status == 403

    created = bob_tc.add_endpoint_acl_rule(bob_guest, _rule("identity", ROBOT_CLIENT_ID, "/public/", "r"))
    assert (created["DATA_TYPE"], created["code"]) == ("access_create_result", "Created")
    rule_id = created["access_id"]
    rule = bob_tc.get_endpoint_acl_rule(bob_guest, rule_id)
    assert (rule["path"], rule["permissions"], rule["principal"]) == ("/public/", "r", ROBOT_CLIENT_ID)

    # read-only: ls works below the rule path, not above it; writes are refused
    assert robot_tc.operation_ls(bob_guest, path="/public/")["DATA"] == []
    assert api_error(lambda: robot_tc.operation_ls(bob_guest, path="/")).http_status == 403
    assert api_error(lambda: robot_tc.operation_mkdir(bob_guest, "/public/new/")).http_status == 403

    updated = bob_tc.update_endpoint_acl_rule(bob_guest, rule_id, {"DATA_TYPE": "access", "permissions": "rw"})
    assert updated["code"] == "Updated"
    robot_tc.operation_mkdir(bob_guest, "/public/new/")
    assert names(bob_tc.operation_ls(bob_guest, path="/public/")) == ["new"]

    deleted = bob_tc.delete_endpoint_acl_rule(bob_guest, rule_id)
    assert deleted["code"] == "Deleted"
    assert api_error(lambda: robot_tc.operation_ls(bob_guest, path="/public/")).http_status == 403
    assert api_error(lambda: bob_tc.get_endpoint_acl_rule(bob_guest, rule_id)).http_status == 404


def test_an_expired_rule_grants_nothing(bob_tc: Any, robot_tc: Any, bob_guest: str) -> None:
    """A rule past its expiration_date stops granting access (it stays listed until deleted)."""
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    rule_id = bob_tc.add_endpoint_acl_rule(
        bob_guest, {**_rule("identity", ROBOT_CLIENT_ID, "/public/", "r"), "expiration_date": soon}
    )["access_id"]
    assert robot_tc.operation_ls(bob_guest, path="/public/")["DATA"] == []  # granted until then

    time.sleep(2.5)

    assert api_error(lambda: robot_tc.operation_ls(bob_guest, path="/public/")).http_status == 403
    assert bob_guest not in [d["id"] for d in robot_tc.endpoint_search(filter_scope="shared-with-me")["DATA"]]
    shown = datetime.fromisoformat(bob_tc.get_endpoint_acl_rule(bob_guest, rule_id)["expiration_date"])
    assert shown == datetime.fromisoformat(soon).replace(microsecond=0)  # Transfer keeps whole seconds
    past = {**_rule("identity", ROBOT_CLIENT_ID, "/", "r"), "expiration_date": "2001-01-01T00:00:00Z"}
    bob_tc.add_endpoint_acl_rule(bob_guest, past)
    assert api_error(lambda: robot_tc.operation_ls(bob_guest, path="/")).http_status == 403


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("2030-03-30", "2030-03-30T00:00:00+00:00"),
        ("2030-03-30T12:34:56Z", "2030-03-30T12:34:56+00:00"),
        ("2030-03-30T12:34:56.789+02:00", "2030-03-30T10:34:56+00:00"),
        ("2030-03-30T12:34:56", "2030-03-30T12:34:56+00:00"),
    ],
)
def test_expiration_date_reads_back_as_transfer_shows_times(
    bob_tc: Any, bob_guest: str, sent: str, shown: str
) -> None:
    """Transfer shows an access rule's expiration_date as its create_time: UTC, whole seconds, "+00:00"
    (globus-cli's recorded rule, tests/files/api_fixtures/endpoint_acl_operations.yaml), not the text sent."""
    rule = {**_rule("identity", ROBOT_CLIENT_ID, "/public/", "r"), "expiration_date": sent}
    rule_id = bob_tc.add_endpoint_acl_rule(bob_guest, rule)["access_id"]
    assert bob_tc.get_endpoint_acl_rule(bob_guest, rule_id)["expiration_date"] == shown
    listed = {r["id"]: r for r in bob_tc.endpoint_acl_list(bob_guest)["DATA"]}
    assert listed[rule_id]["expiration_date"] == shown

    bob_tc.update_endpoint_acl_rule(bob_guest, rule_id, {"DATA_TYPE": "access", "expiration_date": sent})
    assert bob_tc.get_endpoint_acl_rule(bob_guest, rule_id)["expiration_date"] == shown


def test_all_authenticated_users_rule(bob_tc: Any, robot_tc: Any, bob_guest: str) -> None:
    bob_tc.add_endpoint_acl_rule(bob_guest, _rule("all_authenticated_users", "", "/", "r"))
    assert "public" in names(robot_tc.operation_ls(bob_guest, path="/"))
    assert bob_guest in [d["id"] for d in robot_tc.endpoint_search(filter_scope="shared-with-me")["DATA"]]


def test_rule_validation(bob_tc: Any, bob_guest: str) -> None:
    def add(rule: dict[str, str]) -> globus_sdk.TransferAPIError:
        return api_error(lambda: bob_tc.add_endpoint_acl_rule(bob_guest, rule))

    assert add(_rule("identity", ALICE_ID, "no-slash", "r")).code == "InvalidPath"
    assert add(_rule("identity", ALICE_ID, "/x", "r")).code == "InvalidPath"
    up = add(_rule("identity", ALICE_ID, "/../../etc/", "r"))  # absolute and ending in '/': say what is wrong
    assert up.code == "InvalidPath" and "'..'" in up.message and "absolute" not in up.message
    assert add(_rule("identity", ALICE_ID, "/", "w")).http_status == 400
    assert add(_rule("identity", "not-a-uuid", "/", "r")).http_status == 400
    assert add(_rule("anonymous", "", "/", "rw")).http_status == 400
    assert add(_rule("wizard", "", "/", "r")).http_status == 400
    bob_tc.add_endpoint_acl_rule(bob_guest, _rule("identity", ALICE_ID, "/public/", "r"))
    dup = add(_rule("identity", ALICE_ID, "/public/", "rw"))
    assert (dup.http_status, dup.code) == (409, "Exists")


def test_group_rule_is_stored_and_listed(bob_tc: Any, bob_guest: str) -> None:
    group = "6c1b2d5e-1111-4222-8333-944455556666"
    rule_id = bob_tc.add_endpoint_acl_rule(bob_guest, _rule("group", group, "/", "r"))["access_id"]
    assert rule_id in [r["id"] for r in bob_tc.endpoint_acl_list(bob_guest)["DATA"]]


# --------------------------------------------------------------------------- bookmarks


def _bookmark(tc: Any, name: str, path: str = "/~/experiments/", collection: str = LAB_STORAGE_ID) -> Any:
    return tc.create_bookmark({"name": name, "endpoint_id": collection, "path": path})


def test_bookmark_lifecycle(alice_tc: Any) -> None:
    name = unique("Experiments")
    created = _bookmark(alice_tc, name)
    assert created["DATA_TYPE"] == "bookmark"
    assert (created["name"], created["endpoint_id"], created["path"]) == (name, LAB_STORAGE_ID, "/~/experiments/")
    bookmark_id = created["id"]
    listed = alice_tc.bookmark_list()
    assert listed["DATA_TYPE"] == "bookmark_list"
    assert bookmark_id in [b["id"] for b in listed]
    assert alice_tc.get_bookmark(bookmark_id)["name"] == name

    renamed = alice_tc.update_bookmark(bookmark_id, {"name": name + " (renamed)"})
    assert renamed["name"] == name + " (renamed)"
    assert alice_tc.get_bookmark(bookmark_id)["name"] == name + " (renamed)"

    deleted = alice_tc.delete_bookmark(bookmark_id)
    assert deleted["code"] == "Deleted"
    assert api_error(lambda: alice_tc.get_bookmark(bookmark_id)).http_status == 404
    assert bookmark_id not in [b["id"] for b in alice_tc.bookmark_list()]


def test_bookmark_names_are_unique_per_identity(alice_tc: Any, bob_tc: Any) -> None:
    name = unique("dup")
    first = _bookmark(alice_tc, name)
    err = api_error(lambda: _bookmark(alice_tc, name, path="/projects/"))
    assert err.http_status == 409
    other = _bookmark(alice_tc, name + "-2")
    assert api_error(lambda: alice_tc.update_bookmark(other["id"], {"name": name})).http_status == 409
    # Another identity may use the same name.
    bobs = _bookmark(bob_tc, name, path="/projects/")
    for tc, bid in ((alice_tc, first["id"]), (alice_tc, other["id"]), (bob_tc, bobs["id"])):
        tc.delete_bookmark(bid)


def test_bookmarks_are_private(alice_tc: Any, bob_tc: Any) -> None:
    mine = _bookmark(alice_tc, unique("private"))
    try:
        assert mine["id"] not in [b["id"] for b in bob_tc.bookmark_list()]
        for call in (
            lambda: bob_tc.get_bookmark(mine["id"]),
            lambda: bob_tc.update_bookmark(mine["id"], {"name": "hijacked"}),
            lambda: bob_tc.delete_bookmark(mine["id"]),
        ):
            assert api_error(call).http_status == 404
    finally:
        alice_tc.delete_bookmark(mine["id"])


def test_bookmark_validation(alice_tc: Any) -> None:
    assert api_error(lambda: _bookmark(alice_tc, unique("x"), path="/~/experiments")).http_status == 400
    assert api_error(lambda: _bookmark(alice_tc, "")).http_status == 400
    assert api_error(lambda: _bookmark(alice_tc, "n" * 129)).http_status == 400
    err = api_error(lambda: _bookmark(alice_tc, unique("x"), collection="00000000-0000-0000-0000-000000000000"))
    assert err.http_status == 404
    created = _bookmark(alice_tc, unique("fixed"))
    try:
        err = api_error(lambda: alice_tc.update_bookmark(created["id"], {"path": "/elsewhere/"}))
        assert err.http_status == 400
    finally:
        alice_tc.delete_bookmark(created["id"])


def test_bookmark_on_a_consent_collection_needs_no_consent(alice_tc: Any) -> None:
    # Bookmarks only name a location; using it is what asks for consent.
    created = _bookmark(alice_tc, unique("scratch"), path="/~/", collection=HPC_SCRATCH_ID)
    alice_tc.delete_bookmark(created["id"])
