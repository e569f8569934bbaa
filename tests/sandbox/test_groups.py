"""Groups API v2 with the real SDK (GroupsClient, GroupsManager) over loopback HTTP."""

from __future__ import annotations

from typing import Any

import globus_sdk
import pytest
import requests

from gterm.sandbox.seed_ids import (
    ALICE_ID,
    BOB_ID,
    GROUPS_VIEW_SCOPE,
    LAB_GROUP_ID,
    LAB_GROUP_NAME,
)
from gterm.sandbox.server import SandboxHandle
from tests.support.groups_helpers import groups_client_for
from tests.support.transfer_helpers import unique


@pytest.fixture(scope="module")
def alice_gc(sandbox: SandboxHandle) -> globus_sdk.GroupsClient:
    return groups_client_for(sandbox, "alice")


@pytest.fixture(scope="module")
def bob_gc(sandbox: SandboxHandle) -> globus_sdk.GroupsClient:
    return groups_client_for(sandbox, "bob")


def _new_group(gc: globus_sdk.GroupsClient, **policies: Any) -> str:
    manager = globus_sdk.GroupsManager(gc)
    group_id = str(manager.create_group(unique("group"), "made by a test")["id"])
    if policies:
        current = gc.get_group_policies(group_id).data
        gc.set_group_policies(group_id, {**current, **policies})
    return group_id


def _roles(gc: globus_sdk.GroupsClient, group_id: str) -> dict[str, tuple[str, str]]:
    doc = gc.get_group(group_id, include="memberships")
    return {m["identity_id"]: (m["role"], m["status"]) for m in doc["memberships"]}


def test_the_seeded_lab_group_has_alice_as_admin_and_bob_as_member(
    alice_gc: globus_sdk.GroupsClient, bob_gc: globus_sdk.GroupsClient
) -> None:
    alice_groups = {g["id"]: g for g in alice_gc.get_my_groups()}
    assert alice_groups[LAB_GROUP_ID]["name"] == LAB_GROUP_NAME
    assert [m["role"] for m in alice_groups[LAB_GROUP_ID]["my_memberships"]] == ["admin"]
    bob_groups = {g["id"]: g for g in bob_gc.get_my_groups()}
    assert [m["role"] for m in bob_groups[LAB_GROUP_ID]["my_memberships"]] == ["member"]
    assert _roles(alice_gc, LAB_GROUP_ID) == {ALICE_ID: ("admin", "active"), BOB_ID: ("member", "active")}
    # member names are visible to managers only (the default policy): Bob sees himself
    assert _roles(bob_gc, LAB_GROUP_ID) == {BOB_ID: ("member", "active")}


def test_create_update_policies_and_delete(alice_gc: globus_sdk.GroupsClient, bob_gc: globus_sdk.GroupsClient) -> None:
    created = alice_gc.create_group({"name": unique("lab"), "description": "first"})
    assert created.http_status == 201
    group_id = created["id"]
    assert created["my_memberships"][0]["role"] == "admin"
    updated = alice_gc.update_group(
        group_id, {"name": "Renamed", "description": "second", "terms_and_conditions": "be nice"}
    )
    assert (updated["name"], updated["description"], updated["terms_and_conditions"]) == (
        "Renamed",
        "second",
        "be nice",
    )
    policies = globus_sdk.GroupsManager(alice_gc).set_group_policies(
        group_id,
        is_high_assurance=False,
        group_visibility="authenticated",
        group_members_visibility="members",
        join_requests=True,
        signup_fields=["institution"],
    )
    assert policies.data == alice_gc.get_group_policies(group_id).data
    assert policies["signup_fields"] == ["institution"] and policies["authentication_assurance_timeout"] == 28800
    # visible to everyone once "authenticated"; changes still need the admin
    assert bob_gc.get_group(group_id)["name"] == "Renamed"
    with pytest.raises(globus_sdk.GroupsAPIError) as refused:
        bob_gc.update_group(group_id, {"name": "mine now"})
    assert (refused.value.http_status, refused.value.code) == (403, "FORBIDDEN")
    deleted = alice_gc.delete_group(group_id)
    assert deleted["id"] == group_id
    with pytest.raises(globus_sdk.GroupsAPIError) as gone:
        alice_gc.get_group(group_id)
    assert gone.value.http_status == 404


def test_only_an_admin_updates_or_deletes_a_group(
    alice_gc: globus_sdk.GroupsClient, bob_gc: globus_sdk.GroupsClient
) -> None:
    """What gterm's e and d send (update_group with name and description, delete_group), as Groups
    answers them: a manager is refused 403 FORBIDDEN and nothing changes; the admin's delete returns
    the group's document and the group is gone from everyone's groups."""
    group_id = _new_group(alice_gc)
    alice_gc.batch_membership_action(
        group_id, globus_sdk.BatchMembershipActions().add_members([BOB_ID], role="manager"))
    before = alice_gc.get_group(group_id).data
    for refused in (lambda: bob_gc.update_group(group_id, {"name": "mine", "description": "mine"}),
                    lambda: bob_gc.delete_group(group_id)):
        with pytest.raises(globus_sdk.GroupsAPIError) as error:
            refused()
        assert (error.value.http_status, error.value.code) == (403, "FORBIDDEN")
    assert alice_gc.get_group(group_id).data == before
    updated = alice_gc.update_group(group_id, {"name": "Lab data", "description": ""})
    assert (updated["name"], updated["description"]) == ("Lab data", "")
    deleted = alice_gc.delete_group(group_id)
    assert (deleted["id"], deleted["name"]) == (group_id, "Lab data")
    assert group_id not in {g["id"] for g in bob_gc.get_my_groups()}


def test_private_groups_are_invisible_to_outsiders(
    alice_gc: globus_sdk.GroupsClient, bob_gc: globus_sdk.GroupsClient
) -> None:
    group_id = _new_group(alice_gc)
    with pytest.raises(globus_sdk.GroupsAPIError) as hidden:
        bob_gc.get_group(group_id)
    assert (hidden.value.http_status, hidden.value.code) == (404, "NOT_FOUND")
    assert group_id not in {g["id"] for g in bob_gc.get_my_groups(statuses=["active", "invited", "pending"])}


def test_membership_life_cycle_with_groups_manager(
    alice_gc: globus_sdk.GroupsClient, bob_gc: globus_sdk.GroupsClient
) -> None:
    alice, bob = globus_sdk.GroupsManager(alice_gc), globus_sdk.GroupsManager(bob_gc)
    group_id = _new_group(alice_gc)

    invited = alice.invite_member(group_id, BOB_ID, role="manager")
    assert [(m["identity_id"], m["status"], m["role"]) for m in invited["invite"]] == [(BOB_ID, "invited", "manager")]
    assert bob_gc.get_group(group_id)["my_memberships"][0]["status"] == "invited"  # invitees may see the group
    accepted = bob.accept_invite(group_id, BOB_ID)
    assert accepted["accept"][0]["status"] == "active"

    changed = alice.change_role(group_id, BOB_ID, "member")
    assert changed["change_role"][0]["role"] == "member"
    removed = alice.remove_member(group_id, BOB_ID)
    assert removed["remove"][0]["status"] == "removed"
    assert BOB_ID not in _roles(alice_gc, group_id)

    added = alice.add_member(group_id, BOB_ID, role="manager")
    assert added["add"][0]["status"] == "active"
    left = bob.leave(group_id, BOB_ID)
    assert left["leave"][0]["status"] == "left"
    assert group_id not in {g["id"] for g in bob_gc.get_my_groups()}


def test_refusals_are_per_entry_errors_with_http_200(
    alice_gc: globus_sdk.GroupsClient, bob_gc: globus_sdk.GroupsClient, sandbox: SandboxHandle
) -> None:
    alice, bob = globus_sdk.GroupsManager(alice_gc), globus_sdk.GroupsManager(bob_gc)
    group_id = _new_group(alice_gc)
    alice.add_member(group_id, BOB_ID)

    again = alice.add_member(group_id, BOB_ID)
    assert again.http_status == 200 and again["add"] == []
    assert again["errors"]["add"] == [
        {
            "identity_id": BOB_ID,
            "code": "ALREADY_ACTIVE",
            "detail": "The identity is already an active member of the group.",
        }
    ]
    stranger = "6f9a0d5e-0000-4000-8000-000000000001"
    absent = alice.remove_member(group_id, stranger)
    assert absent["errors"]["remove"][0]["code"] == "NO_MEMBERSHIP"

    # a plain member may not manage the group, nor make itself admin
    as_member = bob.add_member(group_id, ALICE_ID, role="member")
    assert as_member["errors"]["add"][0]["code"] == "FORBIDDEN"
    promote = bob.change_role(group_id, BOB_ID, "admin")
    assert promote["errors"]["change_role"][0]["code"] == "FORBIDDEN"
    # a manager may not grant admin nor touch the admin
    alice.change_role(group_id, BOB_ID, "manager")
    assert bob.change_role(group_id, BOB_ID, "admin")["errors"]["change_role"][0]["code"] == "FORBIDDEN"
    assert bob.remove_member(group_id, ALICE_ID)["errors"]["remove"][0]["code"] == "FORBIDDEN"
    # the last admin stays
    assert alice.leave(group_id, ALICE_ID)["errors"]["leave"][0]["code"] == "LAST_ADMIN"
    # one may only act for one's own identity
    assert bob.leave(group_id, ALICE_ID)["errors"]["leave"][0]["code"] == "FORBIDDEN"
    assert _roles(alice_gc, group_id) == {ALICE_ID: ("admin", "active"), BOB_ID: ("manager", "active")}

    # a mixed batch: what can happen happens, the rest is reported
    batch = globus_sdk.BatchMembershipActions().remove_members([BOB_ID, stranger])
    mixed = alice_gc.batch_membership_action(group_id, batch)
    assert [m["identity_id"] for m in mixed["remove"]] == [BOB_ID]
    assert [e["identity_id"] for e in mixed["errors"]["remove"]] == [stranger]


def test_join_requests_follow_the_group_policy(
    alice_gc: globus_sdk.GroupsClient, bob_gc: globus_sdk.GroupsClient
) -> None:
    alice, bob = globus_sdk.GroupsManager(alice_gc), globus_sdk.GroupsManager(bob_gc)
    closed = _new_group(alice_gc, group_visibility="authenticated")
    assert bob.request_join(closed, BOB_ID)["errors"]["request_join"][0]["code"] == "JOIN_REQUESTS_DISABLED"
    assert bob.join(closed, BOB_ID)["errors"]["join"][0]["code"] == "NOT_INVITED"

    open_group = _new_group(alice_gc, group_visibility="authenticated", join_requests=True)
    assert bob.request_join(open_group, BOB_ID)["request_join"][0]["status"] == "pending"
    allowed = bob_gc.get_group(open_group, include="allowed_actions")["allowed_actions"]
    assert allowed["request_join"] == [] and allowed["add"] == []
    assert alice.approve_pending(open_group, BOB_ID)["approve"][0]["status"] == "active"
    assert alice.reject_join_request(open_group, BOB_ID)["errors"]["reject"][0]["code"] == "NOT_PENDING"


def test_a_view_only_token_reads_but_cannot_change(sandbox: SandboxHandle) -> None:
    viewer = groups_client_for(sandbox, "alice", scope=GROUPS_VIEW_SCOPE)
    assert LAB_GROUP_ID in {g["id"] for g in viewer.get_my_groups()}
    with pytest.raises(globus_sdk.GroupsAPIError) as refused:
        viewer.create_group({"name": "nope"})
    assert (refused.value.http_status, refused.value.code) == (403, "FORBIDDEN")


def test_bad_requests_get_groups_own_errors(sandbox: SandboxHandle, alice_gc: globus_sdk.GroupsClient) -> None:
    url = sandbox.groups_url + "v2/groups/my_groups"
    missing = requests.get(url, timeout=30)
    assert (missing.status_code, missing.json()["code"]) == (401, "AUTHENTICATION_ERROR")
    wrong = requests.get(url, headers={"Authorization": "Bearer not-a-token"}, timeout=30)
    assert (wrong.status_code, wrong.json()["code"]) == (401, "INVALID_TOKEN")
    with pytest.raises(globus_sdk.GroupsAPIError) as unknown:
        alice_gc.batch_membership_action(LAB_GROUP_ID, {"promote": [{"identity_id": BOB_ID}]})
    assert unknown.value.http_status == 422
    assert unknown.value.raw_json is not None
    assert unknown.value.raw_json["detail"][0]["loc"] == ["body", "promote"]
    with pytest.raises(globus_sdk.GroupsAPIError) as bad_role:
        alice_gc.batch_membership_action(LAB_GROUP_ID, {"add": [{"identity_id": BOB_ID, "role": "owner"}]})
    assert bad_role.value.http_status == 422
    with pytest.raises(globus_sdk.GroupsAPIError) as bad_policy:
        alice_gc.set_group_policies(LAB_GROUP_ID, {"group_visibility": "everyone"})
    assert bad_policy.value.http_status == 422
    assert _roles(alice_gc, LAB_GROUP_ID)[BOB_ID] == ("member", "active")  # nothing was applied


def test_preferences_round_trip(bob_gc: globus_sdk.GroupsClient) -> None:
    assert bob_gc.get_identity_preferences()["allow_add"] is True
    assert bob_gc.set_identity_preferences({"allow_add": False})["allow_add"] is False
    assert bob_gc.get_identity_preferences()["allow_add"] is False
    bob_gc.set_identity_preferences({"allow_add": True})


def test_sandbox_json_lists_the_groups_service_and_the_lab_group(sandbox: SandboxHandle) -> None:
    assert sandbox.info["groups_url"] == sandbox.groups_url == sandbox.auth_url + "groups/"
    assert {"id": LAB_GROUP_ID, "name": LAB_GROUP_NAME} in sandbox.info["groups"]
    assert sandbox.client_env()["GLOBUS_SDK_SERVICE_URL_GROUPS"] == sandbox.groups_url
