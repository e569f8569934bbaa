"""The session's sharing clients: a GCSv5 guest is created after an in-app consent for manage_collections."""

from __future__ import annotations

from typing import Any

import pytest

from gterm.globus.errors import ConsentNeeded
from gterm.globus.session import GtermSession
from gterm.sandbox.seed_ids import ALICE_ID, BOB_ID, LAB_ENDPOINT_ID, LAB_GROUP_ID, LAB_GROUP_NAME, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import authorize_code
from tests.support.sharing_helpers import own_rules
from tests.support.transfer_helpers import unique


def test_share_folder_asks_for_manage_collections_then_succeeds(
    sandbox: SandboxHandle, logged_in: GtermSession, alice_tc: Any
) -> None:
    folder = f"/home/alice/{unique('consent')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder)
    sharing = logged_in.sharing_service()
    with pytest.raises(ConsentNeeded) as caught:
        sharing.share_folder(LAB_STORAGE_ID, folder, "Consent share")
    wanted = f"urn:globus:auth:scope:{LAB_ENDPOINT_ID}:manage_collections"
    assert any(scope.startswith(wanted) and "data_access" in scope for scope in caught.value.required_scopes)

    challenge = logged_in.handle_consent(caught.value)
    challenge.complete_with_code(authorize_code(sandbox, challenge.url))
    guest_id = sharing.share_folder(LAB_STORAGE_ID, folder, "Consent share")
    try:
        rule_id = sharing.add_rule(guest_id, sharing.resolve_grantee("bob@example.org"), "/", "r")
        (rule,) = own_rules(sharing.rules(guest_id))  # Alice's administrator role lists its own read-write
        assert (rule.id, rule.principal) == (rule_id, BOB_ID)
        assert sharing.principal_labels([rule])[rule_id] == "Bob Collaborator (bob@example.org)"
    finally:
        # GCSv5 guests are deleted at the GCS Manager, with the token just consented to.
        logged_in.gcs_client(LAB_ENDPOINT_ID, alice_tc.get_endpoint(guest_id)["gcs_manager_url"],
                             LAB_STORAGE_ID).delete_collection(guest_id)


def test_groups_need_a_consent_then_name_the_lab(sandbox: SandboxHandle, logged_in: GtermSession) -> None:
    sharing = logged_in.sharing_service()
    with pytest.raises(ConsentNeeded) as caught:
        sharing.load_my_groups()
    assert "urn:globus:auth:scope:groups.api.globus.org:all" in caught.value.required_scopes
    assert sharing.my_groups() == []  # the quiet variant: matches simply lack groups until consent
    assert sharing.groups_need_consent  # what the sharing screen says beside group rules shown by id
    assert sharing.principal_names([("group", LAB_GROUP_ID)])[("group", LAB_GROUP_ID)] == f"group {LAB_GROUP_ID}"
    challenge = logged_in.handle_consent(caught.value)
    challenge.complete_with_code(authorize_code(sandbox, challenge.url))
    assert LAB_GROUP_NAME in [g.name for g in sharing.load_my_groups()]
    assert not sharing.groups_need_consent
    assert sharing.principal_names([("group", LAB_GROUP_ID)])[("group", LAB_GROUP_ID)] == f"group {LAB_GROUP_NAME}"
    assert sharing.resolve_grantee(LAB_GROUP_NAME).principal == LAB_GROUP_ID
    lab = [g for g in logged_in.groups_service().my_groups() if g.id == LAB_GROUP_ID]
    assert [g.my_role for g in lab] == ["admin"]


def test_roles_of_a_gcsv5_collection_ask_for_manage_collections_then_list(
    sandbox: SandboxHandle, logged_in: GtermSession
) -> None:
    sharing = logged_in.sharing_service()
    place = sharing.roles.place(LAB_STORAGE_ID)
    assert place.api == "gcs"
    with pytest.raises(ConsentNeeded) as caught:
        sharing.roles.roles(place)
    wanted = f"urn:globus:auth:scope:{LAB_ENDPOINT_ID}:manage_collections"
    assert wanted in caught.value.required_scopes  # the GCS Manager's own scope, no data_access needed for roles
    challenge = logged_in.handle_consent(caught.value)
    challenge.complete_with_code(authorize_code(sandbox, challenge.url))
    assert ("administrator", ALICE_ID) in {(a.role, a.principal) for a in sharing.roles.roles(place)}
