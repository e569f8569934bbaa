"""The GCS Manager API of the seeded GCSv5 endpoints, driven by the real SDK's GCSClient over HTTPS.

Tokens come from real native-app logins for ``urn:globus:auth:scope:<ENDPOINT_ID>:manage_collections``
(with data_access dependencies where guest creation needs them). Nothing is mocked.
"""

from __future__ import annotations

from typing import Any

import globus_sdk
import pytest
import requests

from gterm.sandbox import roles_store
from gterm.sandbox.seed_ids import (
    ALICE_ID,
    ALICE_SHARED_ID,
    BOB_ID,
    BOB_SHARED_ID,
    HPC_ENDPOINT_ID,
    HPC_GATEWAY_ID,
    HPC_SCRATCH_ID,
    LAB_ENDPOINT_ID,
    LAB_GATEWAY_ID,
    LAB_STORAGE_ID,
    data_access_scope,
    manage_collections_scope,
)
from gterm.sandbox.server import SandboxHandle
from tests.support.gcs_helpers import gcs_client_for, gcs_error, manager_url
from tests.support.sandbox_login import new_native_client, transfer_client_for
from tests.support.transfer_helpers import api_error, collection_root, unique


@pytest.fixture(scope="module")
def alice_lab(sandbox: SandboxHandle) -> globus_sdk.GCSClient:
    """Alice on the Lab endpoint, with Lab Storage's data_access consented under manage_collections."""
    return gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])


@pytest.fixture(scope="module")
def bob_lab(sandbox: SandboxHandle) -> globus_sdk.GCSClient:
    return gcs_client_for(sandbox, LAB_ENDPOINT_ID, "bob", data_access=[LAB_STORAGE_ID])


def _guest_dir(sandbox: SandboxHandle, user: str = "alice") -> str:
    """A fresh directory in the user's Lab Storage home, for a guest collection to share."""
    name = unique("guest")
    (collection_root(sandbox, LAB_STORAGE_ID) / "home" / user / name).mkdir(parents=True)
    return f"/home/{user}/{name}/"


def _new_guest(gcs: globus_sdk.GCSClient, base_path: str, **fields: Any) -> dict[str, Any]:
    doc = globus_sdk.GuestCollectionDocument(
        display_name=fields.pop("display_name", "Alice's test guest"),
        mapped_collection_id=LAB_STORAGE_ID,
        collection_base_path=base_path,
        **fields,
    )
    return dict(gcs.create_collection(doc).data)


# --------------------------------------------------------------------------- info, endpoint, gateways


def test_info_answers_without_a_token_and_names_the_endpoint_client(sandbox: SandboxHandle) -> None:
    anonymous = globus_sdk.GCSClient(manager_url(sandbox, LAB_ENDPOINT_ID))
    info = anonymous.get_gcs_info()
    assert info["client_id"] == info["endpoint_id"] == LAB_ENDPOINT_ID
    assert anonymous.endpoint_client_id == LAB_ENDPOINT_ID
    assert [scope for scope in anonymous.default_scope_requirements] == [
        globus_sdk.Scope(manage_collections_scope(LAB_ENDPOINT_ID))
    ]


def test_manager_url_is_https_and_listed_in_sandbox_json(sandbox: SandboxHandle) -> None:
    endpoints = {e["id"]: e for e in sandbox.info["gcs_endpoints"]}
    assert set(endpoints) == {LAB_ENDPOINT_ID, HPC_ENDPOINT_ID}
    assert endpoints[LAB_ENDPOINT_ID]["gcs_manager_url"].startswith("https://127.0.0.1:")
    assert LAB_STORAGE_ID in endpoints[LAB_ENDPOINT_ID]["collections"]
    assert BOB_SHARED_ID in endpoints[LAB_ENDPOINT_ID]["collections"]
    assert endpoints[HPC_ENDPOINT_ID]["collections"] == [HPC_SCRATCH_ID]


def test_endpoint_document(alice_lab: globus_sdk.GCSClient, sandbox: SandboxHandle) -> None:
    endpoint = alice_lab.get_endpoint()
    assert endpoint["id"] == LAB_ENDPOINT_ID
    assert endpoint["DATA_TYPE"].startswith("endpoint#")
    assert endpoint["gcs_manager_url"] == manager_url(sandbox, LAB_ENDPOINT_ID)


def test_endpoint_update_needs_the_endpoint_administrator(
    sandbox: SandboxHandle, alice_lab: globus_sdk.GCSClient
) -> None:
    # Alice administers Lab Storage (a collection), not the endpoint.
    assert gcs_error(lambda: alice_lab.update_endpoint({"description": "x"})).http_status == 403
    role_id = roles_store.add_role(sandbox.state.db, LAB_ENDPOINT_ID, "identity", ALICE_ID, "administrator")
    try:
        updated = alice_lab.update_endpoint(
            {"DATA_TYPE": "endpoint#1.2.0", "description": "The lab's GCS", "keywords": ["lab", "gcs"]},
            include=["endpoint"],
        )
        assert updated["description"] == "The lab's GCS"
        assert alice_lab.get_endpoint()["keywords"] == ["lab", "gcs"]
        assert gcs_error(lambda: alice_lab.update_endpoint({"network_use": "turbo"})).http_status == 400
        assert gcs_error(lambda: alice_lab.update_endpoint({"gridftp_control_channel_port": 2811})).http_status == 400
    finally:
        roles_store.delete_role(sandbox.state.db, LAB_ENDPOINT_ID, role_id)


def test_storage_gateways(alice_lab: globus_sdk.GCSClient) -> None:
    listed = list(alice_lab.get_storage_gateway_list())
    assert [gw["id"] for gw in listed] == [LAB_GATEWAY_ID]
    gateway = alice_lab.get_storage_gateway(LAB_GATEWAY_ID)
    assert gateway["connector_id"] == listed[0]["connector_id"]
    assert gcs_error(lambda: alice_lab.get_storage_gateway(HPC_GATEWAY_ID)).http_status == 404


# --------------------------------------------------------------------------- tokens


def test_a_token_for_another_endpoint_or_service_is_refused(sandbox: SandboxHandle) -> None:
    hpc = gcs_client_for(sandbox, HPC_ENDPOINT_ID, "alice")
    wrong = globus_sdk.GCSClient(manager_url(sandbox, LAB_ENDPOINT_ID), authorizer=hpc.authorizer)
    assert gcs_error(wrong.get_endpoint).http_status == 401
    transfer = transfer_client_for(sandbox, "alice")
    with_transfer_token = globus_sdk.GCSClient(manager_url(sandbox, LAB_ENDPOINT_ID), authorizer=transfer.authorizer)
    assert gcs_error(lambda: list(with_transfer_token.get_collection_list())).http_status == 401
    no_token = requests.get(manager_url(sandbox, LAB_ENDPOINT_ID) + "/api/collections", timeout=30)
    assert no_token.status_code == 401 and no_token.json()["code"] == "unauthorized"


# --------------------------------------------------------------------------- user credentials


def test_user_credentials_are_the_callers_own(alice_lab: globus_sdk.GCSClient, bob_lab: globus_sdk.GCSClient) -> None:
    created = alice_lab.create_user_credential(
        globus_sdk.UserCredentialDocument(storage_gateway_id=LAB_GATEWAY_ID, identity_id=ALICE_ID, username="alice")
    )
    assert (created["username"], created["identity_id"]) == ("alice", ALICE_ID)
    assert created["id"] in [c["id"] for c in alice_lab.get_user_credential_list(storage_gateway=LAB_GATEWAY_ID)]
    assert alice_lab.get_user_credential(created["id"])["storage_gateway_id"] == LAB_GATEWAY_ID
    renamed = alice_lab.update_user_credential(created["id"], {"display_name": "alice on the lab"})
    assert renamed["display_name"] == "alice on the lab"
    # Bob neither sees Alice's credential nor gets one mapped to her account.
    assert created["id"] not in [c["id"] for c in bob_lab.get_user_credential_list()]
    assert gcs_error(lambda: bob_lab.get_user_credential(created["id"])).http_status == 404
    as_alice = globus_sdk.UserCredentialDocument(storage_gateway_id=LAB_GATEWAY_ID, username="alice")
    assert gcs_error(lambda: bob_lab.create_user_credential(as_alice)).http_status == 403
    alice_lab.delete_user_credential(created["id"])
    assert gcs_error(lambda: alice_lab.get_user_credential(created["id"])).http_status == 404


# --------------------------------------------------------------------------- collections


def test_collection_list_and_mapped_collection_as_gcs_reports_it(alice_lab: globus_sdk.GCSClient) -> None:
    listed = {c["id"]: c for c in alice_lab.get_collection_list()}
    assert LAB_STORAGE_ID in listed and BOB_SHARED_ID in listed  # Bob shares with Alice
    assert HPC_SCRATCH_ID not in listed  # another endpoint
    mapped = alice_lab.get_collection(LAB_STORAGE_ID)
    assert mapped["collection_type"] == "mapped"
    assert mapped["storage_gateway_id"] == LAB_GATEWAY_ID
    assert mapped["identity_id"] == LAB_ENDPOINT_ID  # the endpoint's client identity runs it
    assert mapped["https_url"].endswith(f"/https/{LAB_STORAGE_ID}")
    guests = list(alice_lab.get_collection_list(filter="guest_collections"))
    assert [c["id"] for c in guests if c["id"] == BOB_SHARED_ID] == [BOB_SHARED_ID]
    assert all(c["collection_type"] == "guest" for c in guests)
    bob_shared = alice_lab.get_collection(BOB_SHARED_ID)
    assert (bob_shared["mapped_collection_id"], bob_shared["identity_id"]) == (LAB_STORAGE_ID, BOB_ID)
    assert gcs_error(lambda: alice_lab.get_collection(HPC_SCRATCH_ID)).http_status == 404


def test_mapped_collection_update_shows_in_transfer(
    sandbox: SandboxHandle, alice_lab: globus_sdk.GCSClient, bob_lab: globus_sdk.GCSClient
) -> None:
    before = alice_lab.get_collection(LAB_STORAGE_ID)
    change = globus_sdk.MappedCollectionDocument(
        description="Lab storage, managed through GCS", keywords=["lab", "gcs"], force_verify=True
    )
    try:
        updated = alice_lab.update_collection(LAB_STORAGE_ID, change)
        assert updated["description"] == "Lab storage, managed through GCS"
        assert updated["keywords"] == ["lab", "gcs"] and updated["force_verify"] is True
        seen = transfer_client_for(sandbox, "bob").get_endpoint(LAB_STORAGE_ID)
        assert (seen["description"], seen["keywords"], seen["force_verify"]) == (
            "Lab storage, managed through GCS",
            "lab,gcs",
            True,
        )
        assert gcs_error(lambda: bob_lab.update_collection(LAB_STORAGE_ID, {"description": "mine"})).http_status == 403
        assert (
            gcs_error(
                lambda: alice_lab.update_collection(LAB_STORAGE_ID, {"storage_gateway_id": HPC_GATEWAY_ID})
            ).http_status
            == 400
        )
        assert (
            gcs_error(
                lambda: alice_lab.update_collection(LAB_STORAGE_ID, {"skip_auto_delete": True})  # a guest field
            ).http_status
            == 400
        )
    finally:
        alice_lab.update_collection(
            LAB_STORAGE_ID,
            {"description": before["description"], "keywords": before["keywords"], "force_verify": False},
        )


def test_guest_creation_needs_data_access_under_manage_collections(sandbox: SandboxHandle) -> None:
    client_id = new_native_client(sandbox)
    without = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", client_id=client_id)  # manage_collections alone
    base = _guest_dir(sandbox)
    error = gcs_error(lambda: _new_guest(without, base))
    assert error.http_status == 403 and error.code == "ConsentRequired"
    required = manage_collections_scope(LAB_ENDPOINT_ID) + f"[*{data_access_scope(LAB_STORAGE_ID)}]"
    assert error.detail_data_type == "consent_required#1.0.0"
    assert isinstance(error.detail, dict) and error.detail["required_scope"] == required
    assert error.info.consent_required and error.info.consent_required.required_scopes == [required]
    # The same client logs in again with the scope it was told to request: consents accumulate.
    with_consent = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID], client_id=client_id)
    created = _new_guest(with_consent, base, display_name="Consented guest")
    assert created["collection_type"] == "guest" and created["identity_id"] == ALICE_ID
    with_consent.delete_collection(created["id"])


def test_guest_collection_lifecycle_through_gcs_and_transfer(
    sandbox: SandboxHandle, alice_lab: globus_sdk.GCSClient, bob_lab: globus_sdk.GCSClient
) -> None:
    base = _guest_dir(sandbox)
    (collection_root(sandbox, LAB_STORAGE_ID) / base.strip("/") / "shared.txt").write_text("hello\n")
    created = _new_guest(alice_lab, base.rstrip("/"), display_name="Alice's results", public=False)
    guest_id = created["id"]
    assert created["collection_base_path"] == base
    assert created["mapped_collection_id"] == LAB_STORAGE_ID
    credential = alice_lab.get_user_credential(created["user_credential_id"])
    assert credential["username"] == "alice"  # provisioned for Alice on first use
    # Transfer sees a GCSv5 guest collection owned by Alice and lists its files.
    alice_tc = transfer_client_for(sandbox, "alice")
    doc = alice_tc.get_endpoint(guest_id)
    assert (doc["entity_type"], doc["owner_id"], doc["host_endpoint_id"]) == (
        "GCSv5_guest_collection",
        LAB_ENDPOINT_ID,  # Transfer names the endpoint as the owner of its guests too
        LAB_STORAGE_ID,
    )
    assert doc["gcs_manager_url"] == manager_url(sandbox, LAB_ENDPOINT_ID)
    assert [e["name"] for e in alice_tc.operation_ls(guest_id, path="/")] == ["shared.txt"]
    # Bob cannot see, update or delete it (private, no access rule, no role).
    assert gcs_error(lambda: bob_lab.get_collection(guest_id)).http_status == 403
    assert gcs_error(lambda: bob_lab.update_collection(guest_id, {"display_name": "Bob's"})).http_status == 403
    assert gcs_error(lambda: bob_lab.delete_collection(guest_id)).http_status == 403
    alice_lab.delete_collection(guest_id)
    assert api_error(lambda: alice_tc.get_endpoint(guest_id)).http_status == 404
    assert gcs_error(lambda: alice_lab.get_collection(guest_id)).http_status == 404


def test_a_guest_of_a_consent_requiring_collection_needs_no_data_access_consent(sandbox: SandboxHandle) -> None:
    """As at Globus: only a (non-high-assurance) GCSv5 mapped collection has a data_access scope. A guest on HPC
    Scratch, which requires that consent, is used with the owner's credential stored at creation: Transfer
    asks nobody for a data_access consent on it (before, it asked for one named after the guest, which
    Auth does not know, so the guest could never be opened)."""
    name = unique("guest")
    (collection_root(sandbox, HPC_SCRATCH_ID) / "home" / "alice" / name).mkdir(parents=True)
    (collection_root(sandbox, HPC_SCRATCH_ID) / "home" / "alice" / name / "result.txt").write_text("42\n")
    gcs = gcs_client_for(sandbox, HPC_ENDPOINT_ID, "alice", data_access=[HPC_SCRATCH_ID])
    guest_id = str(gcs.create_collection(globus_sdk.GuestCollectionDocument(
        mapped_collection_id=HPC_SCRATCH_ID, collection_base_path=f"/home/alice/{name}/", display_name="Scratch share",
    ))["id"])
    try:
        with_host_consent = transfer_client_for(sandbox, "alice", data_access=[HPC_SCRATCH_ID])
        assert [e["name"] for e in with_host_consent.operation_ls(guest_id, path="/")] == ["result.txt"]
        with_host_consent.operation_mkdir(guest_id, "/out/")
        assert with_host_consent.get_endpoint(guest_id)["requires_data_access_consent"] is False
        # No data_access consent at all: the guest still opens; its host still asks for its own consent.
        plain = transfer_client_for(sandbox, "alice")
        assert sorted(e["name"] for e in plain.operation_ls(guest_id, path="/")) == ["out", "result.txt"]
        assert api_error(lambda: plain.operation_ls(HPC_SCRATCH_ID, path="~")).code == "ConsentRequired"
    finally:
        gcs.delete_collection(guest_id)


EVERY_GUEST_FIELD: dict[str, Any] = {
    "display_name": "Every field",
    "description": "All of GuestCollectionDocument",
    "contact_email": "alice@example.org",
    "contact_info": "+1 555 0100",
    "department": "Physics",
    "organization": "Example University",
    "info_link": "https://example.org/alice",
    "user_message": "Be nice",
    "user_message_link": "https://example.org/rules",
    "keywords": ["alpha", "beta"],
    "default_directory": "/sub/",
    "disable_verify": False,
    "enable_https": True,
    "force_encryption": True,
    "force_verify": True,
    "public": True,
    "acl_expiration_mins": 60,
    "associated_flow_policy": {"DATA_TYPE": "associated_flow_policy#1.0.0"},
    "restrict_transfers_to_high_assurance": "inbound",
    "skip_auto_delete": True,
    "activity_notification_policy": {"status": ["SUCCEEDED", "FAILED"]},
}


def test_patch_sets_every_guest_collection_field(sandbox: SandboxHandle, alice_lab: globus_sdk.GCSClient) -> None:
    base = _guest_dir(sandbox)
    guest_id = _new_guest(alice_lab, base)["id"]
    try:
        updated = alice_lab.update_collection(guest_id, globus_sdk.GuestCollectionDocument(**EVERY_GUEST_FIELD))
        fetched = alice_lab.get_collection(guest_id)
        for key, value in EVERY_GUEST_FIELD.items():
            assert updated[key] == value, key
            assert fetched[key] == value, key
        seen = transfer_client_for(sandbox, "alice").get_endpoint(guest_id)
        assert (seen["display_name"], seen["keywords"], seen["force_encryption"]) == ("Every field", "alpha,beta", True)
        bad = {"acl_expiration_mins": "soon", "public": "yes", "keywords": "a,b", "no_such_field": 1}
        for key, value in bad.items():
            assert gcs_error(lambda k=key, v=value: alice_lab.update_collection(guest_id, {k: v})).http_status == 400
        assert (
            gcs_error(lambda: alice_lab.update_collection(guest_id, {"allow_guest_collections": True})).http_status
            == 400
        )
    finally:
        alice_lab.delete_collection(guest_id)


def test_guest_creation_refusals(sandbox: SandboxHandle, alice_lab: globus_sdk.GCSClient) -> None:
    others_home = _guest_dir(sandbox, "bob")
    assert gcs_error(lambda: _new_guest(alice_lab, others_home)).http_status == 403  # not Alice's directory
    assert gcs_error(lambda: _new_guest(alice_lab, "/home/alice/../../..")).http_status == 400
    mine = _guest_dir(sandbox)
    assert gcs_error(lambda: _new_guest(alice_lab, mine, identity_id=BOB_ID)).http_status == 403
    assert gcs_error(lambda: _new_guest(alice_lab, mine + "no-such-dir/")).http_status in (400, 404)
    mapped = globus_sdk.MappedCollectionDocument(
        storage_gateway_id=LAB_GATEWAY_ID, collection_base_path="/", display_name="x"
    )
    assert gcs_error(lambda: alice_lab.create_collection(mapped)).http_status == 403


def test_a_display_name_over_128_characters_is_refused(sandbox: SandboxHandle, alice_lab: globus_sdk.GCSClient) -> None:
    """Transfer shows the name and takes at most 128 characters: the GCS Manager refused nothing before (a
    guest named with 140 characters was created), now a longer name is a 400 on create and on update."""
    base = _guest_dir(sandbox)
    error = gcs_error(lambda: _new_guest(alice_lab, base, display_name="x" * 129))
    assert (error.http_status, error.code) == (400, "bad_request") and "at most 128" in error.message
    guest_id = _new_guest(alice_lab, base, display_name="x" * 128)["id"]
    try:
        error = gcs_error(lambda: alice_lab.update_collection(guest_id, {"display_name": "y" * 140}))
        assert error.http_status == 400 and "at most 128" in error.message
        assert alice_lab.get_collection(guest_id)["display_name"] == "x" * 128
    finally:
        alice_lab.delete_collection(guest_id)
    too_long = {"display_name": "z" * 129}
    assert gcs_error(lambda: alice_lab.update_collection(LAB_STORAGE_ID, too_long)).http_status == 400


def test_mapped_collections_are_delete_protected(alice_lab: globus_sdk.GCSClient) -> None:
    assert gcs_error(lambda: alice_lab.delete_collection(LAB_STORAGE_ID)).http_status == 409
    assert alice_lab.get_collection(LAB_STORAGE_ID)["id"] == LAB_STORAGE_ID


# --------------------------------------------------------------------------- roles


def _urn(identity_id: str) -> str:
    return f"urn:globus:auth:identity:{identity_id}"


def test_collection_roles_shared_with_transfer(
    sandbox: SandboxHandle, alice_lab: globus_sdk.GCSClient, bob_lab: globus_sdk.GCSClient
) -> None:
    seeded = [r for r in alice_lab.get_role_list(collection_id=LAB_STORAGE_ID)]
    assert {"principal": _urn(ALICE_ID), "role": "administrator"} in [
        {"principal": r["principal"], "role": r["role"]} for r in seeded
    ]
    created = alice_lab.create_role(
        globus_sdk.GCSRoleDocument(collection=LAB_STORAGE_ID, principal=_urn(BOB_ID), role="activity_monitor")
    )
    assert (created["collection"], created["role"]) == (LAB_STORAGE_ID, "activity_monitor")
    assert alice_lab.get_role(created["id"])["principal"] == _urn(BOB_ID)
    # One store: Transfer's role list and Bob's effective roles show it at once.
    transfer_roles = transfer_client_for(sandbox, "alice").endpoint_role_list(LAB_STORAGE_ID)
    assert created["id"] in [r["id"] for r in transfer_roles]
    assert "activity_monitor" in transfer_client_for(sandbox, "bob").get_endpoint(LAB_STORAGE_ID)["my_effective_roles"]
    # Bob sees his own role, not Alice's; he may not assign or remove roles.
    assert [r["id"] for r in bob_lab.get_role_list(collection_id=LAB_STORAGE_ID)] == [created["id"]]
    bob_as_admin = globus_sdk.GCSRoleDocument(collection=LAB_STORAGE_ID, principal=_urn(BOB_ID), role="administrator")
    assert gcs_error(lambda: bob_lab.create_role(bob_as_admin)).http_status == 403
    assert gcs_error(lambda: bob_lab.delete_role(created["id"])).http_status == 403
    alice_lab.delete_role(created["id"])
    assert gcs_error(lambda: alice_lab.get_role(created["id"])).http_status == 404
    bad = globus_sdk.GCSRoleDocument(collection=LAB_STORAGE_ID, principal=_urn(BOB_ID), role="owner")
    assert gcs_error(lambda: alice_lab.create_role(bad)).http_status == 400


def test_a_seeded_guest_lists_its_creators_administrator_role(
    alice_lab: globus_sdk.GCSClient, bob_lab: globus_sdk.GCSClient
) -> None:
    # As for a guest made through the GCS Manager (the test above): the creator's role is a document.
    for client, guest, creator in ((alice_lab, ALICE_SHARED_ID, ALICE_ID), (bob_lab, BOB_SHARED_ID, BOB_ID)):
        listed = [(r["principal"], r["role"]) for r in client.get_role_list(collection_id=guest)]
        assert (_urn(creator), "administrator") in listed


def test_endpoint_roles_need_the_endpoint_administrator(
    sandbox: SandboxHandle, alice_lab: globus_sdk.GCSClient
) -> None:
    monitor = globus_sdk.GCSRoleDocument(principal=_urn(BOB_ID), role="activity_monitor")
    assert gcs_error(lambda: alice_lab.create_role(monitor)).http_status == 403
    admin_id = roles_store.add_role(sandbox.state.db, LAB_ENDPOINT_ID, "identity", ALICE_ID, "administrator")
    try:
        created = alice_lab.create_role(monitor)
        assert created["collection"] is None
        listed = [r["id"] for r in alice_lab.get_role_list()]
        assert set(listed) == {admin_id, created["id"]}
        everything = [r["id"] for r in alice_lab.get_role_list(include="all_roles")]
        assert set(listed) < set(everything)
        # Roles flow from the endpoint to its collections (Transfer's effective roles).
        bob_doc = transfer_client_for(sandbox, "bob").get_endpoint(LAB_STORAGE_ID)
        assert "activity_monitor" in bob_doc["my_effective_roles"]
        alice_lab.delete_role(created["id"])
    finally:
        roles_store.delete_role(sandbox.state.db, LAB_ENDPOINT_ID, admin_id)


# --------------------------------------------------------------------------- Transfer refuses GCSv5 writes


def test_transfer_refuses_writes_to_gcsv5_endpoints_and_collections(sandbox: SandboxHandle) -> None:
    alice_tc = transfer_client_for(sandbox, "alice")
    bob_tc = transfer_client_for(sandbox, "bob")
    refusals = [
        lambda: alice_tc.update_endpoint(LAB_STORAGE_ID, {"description": "x"}),  # Alice administers it
        lambda: bob_tc.update_endpoint(BOB_SHARED_ID, {"description": "x"}),  # Bob owns it
        lambda: bob_tc.delete_endpoint(BOB_SHARED_ID),
        lambda: alice_tc.create_shared_endpoint(
            {"DATA_TYPE": "shared_endpoint", "host_endpoint": LAB_STORAGE_ID, "host_path": "/~/", "display_name": "x"}
        ),
    ]
    for call in refusals:
        error = api_error(call)
        assert error.http_status == 403
        assert "Globus Connect Server endpoints and collections are read only in Transfer" in error.message
    assert bob_tc.get_endpoint(BOB_SHARED_ID)["description"] != "x"


# --------------------------------------------------------------------------- the endpoints in Transfer


def test_transfer_shows_gcsv5_endpoints_as_non_functional_entities(sandbox: SandboxHandle) -> None:
    alice_tc = transfer_client_for(sandbox, "alice")
    doc = alice_tc.get_endpoint(LAB_ENDPOINT_ID)
    assert (doc["entity_type"], doc["non_functional"]) == ("GCSv5_endpoint", True)
    assert doc["gcs_manager_url"] == manager_url(sandbox, LAB_ENDPOINT_ID)
    assert (doc["owner_id"], doc["owner_string"]) == (LAB_ENDPOINT_ID, f"{LAB_ENDPOINT_ID}@clients.auth.globus.org")
    found = alice_tc.endpoint_search(filter_scope="all", filter_fulltext="GCS", filter_entity_type="GCSv5_endpoint")
    assert {d["id"] for d in found} == {LAB_ENDPOINT_ID, HPC_ENDPOINT_ID}
    non_functional = alice_tc.endpoint_search(filter_fulltext="Example", filter_non_functional=True)
    assert {d["entity_type"] for d in non_functional} == {"GCSv5_endpoint"}
    functional = {d["id"] for d in alice_tc.endpoint_search(filter_fulltext="lab", filter_non_functional=False)}
    assert LAB_STORAGE_ID in functional and LAB_ENDPOINT_ID not in functional
    # An endpoint has no files and is no collection: Transfer's file routes do not find it.
    assert api_error(lambda: alice_tc.operation_ls(LAB_ENDPOINT_ID, path="/")).http_status == 404
    # And it is read only through Transfer like its collections.
    for write in (
        lambda: alice_tc.update_endpoint(LAB_ENDPOINT_ID, {"description": "x"}),
        lambda: alice_tc.delete_endpoint(LAB_ENDPOINT_ID),
    ):
        error = api_error(write)
        assert error.http_status == 403 and "read only in Transfer" in error.message
