"""Access rules whose principal is a group apply to its ACTIVE members, checked at every request."""

from __future__ import annotations

import globus_sdk
import pytest

from gterm.sandbox import principals
from gterm.sandbox.seed_ids import (
    ALICE_ID,
    ALICES_LAPTOP_ID,
    BOB_ID,
    BOB_SHARED_ID,
    GROUPS_ALL_SCOPE,
    LAB_GROUP_ID,
)
from gterm.sandbox.server import SandboxHandle
from tests.support.groups_helpers import groups_client_for
from tests.support.sandbox_login import new_confidential_client, transfer_scope
from tests.support.transfer_helpers import unique


def test_effective_principals_are_the_identity_and_its_active_groups(sandbox: SandboxHandle) -> None:
    alice = principals.effective_principals(sandbox.state.db, ALICE_ID)
    assert alice.identities == frozenset({ALICE_ID})
    assert LAB_GROUP_ID in alice.groups
    assert alice.matches("group", LAB_GROUP_ID.upper()) and alice.matches("identity", ALICE_ID)
    assert not alice.matches("identity", BOB_ID)


def test_a_group_rule_follows_membership_at_each_request(
    sandbox: SandboxHandle, bob_tc: globus_sdk.TransferClient
) -> None:
    """Bob shares his guest collection with a group; a client identity in it may list, until removed."""
    robot_id, secret = new_confidential_client(sandbox, unique("group-member"))
    robot_auth = globus_sdk.ConfidentialAppAuthClient(robot_id, secret, base_url=sandbox.auth_url)
    robot_tc = globus_sdk.TransferClient(
        authorizer=globus_sdk.ClientCredentialsAuthorizer(robot_auth, transfer_scope()), base_url=sandbox.transfer_url
    )
    bob_groups = globus_sdk.GroupsManager(groups_client_for(sandbox, "bob", scope=GROUPS_ALL_SCOPE))
    group_id = bob_groups.create_group(unique("bob's readers"), "read Bob's share")["id"]

    with pytest.raises(globus_sdk.TransferAPIError) as before:
        robot_tc.operation_ls(BOB_SHARED_ID, path="/")
    assert before.value.http_status == 403

    def shared_with_robot() -> set[str]:
        return {e["id"] for e in robot_tc.endpoint_search(filter_scope="shared-with-me")}

    rule = bob_tc.add_endpoint_acl_rule(
        BOB_SHARED_ID,
        {"DATA_TYPE": "access", "principal_type": "group", "principal": group_id, "path": "/", "permissions": "r"},
    )
    try:
        with pytest.raises(globus_sdk.TransferAPIError):
            robot_tc.operation_ls(BOB_SHARED_ID, path="/")  # the rule alone gives a non-member nothing

        bob_groups.invite_member(group_id, robot_id)
        with pytest.raises(globus_sdk.TransferAPIError):
            robot_tc.operation_ls(BOB_SHARED_ID, path="/")  # invited is not active

        assert BOB_SHARED_ID not in shared_with_robot()
        bob_groups.add_member(group_id, robot_id)
        assert robot_tc.operation_ls(BOB_SHARED_ID, path="/")["DATA_TYPE"] == "file_list"
        assert BOB_SHARED_ID in shared_with_robot()
        with pytest.raises(globus_sdk.TransferAPIError) as read_only:
            robot_tc.operation_mkdir(BOB_SHARED_ID, f"/{unique('nope')}/")
        assert read_only.value.http_status == 403

        bob_groups.remove_member(group_id, robot_id)
        with pytest.raises(globus_sdk.TransferAPIError) as after:
            robot_tc.operation_ls(BOB_SHARED_ID, path="/")  # same token, next request: no access
        assert after.value.http_status == 403
        assert BOB_SHARED_ID not in shared_with_robot()
    finally:
        bob_tc.delete_endpoint_acl_rule(BOB_SHARED_ID, rule["access_id"])


def test_a_group_role_follows_membership_at_each_request(
    sandbox: SandboxHandle, alice_tc: globus_sdk.TransferClient, bob_tc: globus_sdk.TransferClient
) -> None:
    """Alice makes a group activity monitor of her laptop; Bob holds the role exactly while a member."""
    alice_groups = globus_sdk.GroupsManager(groups_client_for(sandbox, "alice"))
    group_id = alice_groups.create_group(unique("laptop monitors"), "watch Alice's laptop")["id"]
    role = alice_tc.add_endpoint_role(
        ALICES_LAPTOP_ID,
        {"DATA_TYPE": "role", "principal_type": "group", "principal": group_id, "role": "activity_monitor"},
    )
    try:
        with pytest.raises(globus_sdk.TransferAPIError):
            bob_tc.get_endpoint(ALICES_LAPTOP_ID)  # private, and Bob holds no role yet
        alice_groups.add_member(group_id, BOB_ID)
        assert bob_tc.get_endpoint(ALICES_LAPTOP_ID)["my_effective_roles"] == ["activity_monitor"]
        alice_groups.remove_member(group_id, BOB_ID)
        with pytest.raises(globus_sdk.TransferAPIError):
            bob_tc.get_endpoint(ALICES_LAPTOP_ID)
    finally:
        alice_tc.delete_endpoint_role(ALICES_LAPTOP_ID, role["id"])
