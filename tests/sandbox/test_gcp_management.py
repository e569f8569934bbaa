"""Globus Connect Personal managed through Transfer, with the real SDK: Alice's laptop.

Update with every field `globus endpoint update` sends, guest collections of a
folder, shared lists (paged), servers, roles and delete, and who may do each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import globus_sdk
import pytest
from globus_sdk.testing import get_response_set

from gterm.sandbox import collection_store
from gterm.sandbox.collections import GCP_MAPPED
from gterm.sandbox.seed_ids import ALICE_ID, ALICE_USERNAME, ALICES_LAPTOP_ID, BOB_ID
from tests.support.transfer_helpers import api_error, collection_root, names, unique

LAPTOP = ALICES_LAPTOP_ID


def _role(principal: str, role: str) -> dict[str, str]:
    return {"DATA_TYPE": "role", "principal_type": "identity", "principal": principal, "role": role}


@pytest.fixture
def laptop_settings(alice_tc: Any) -> Iterator[dict[str, Any]]:
    """The laptop's document before the test; its settings are put back afterwards."""
    before = alice_tc.get_endpoint(LAPTOP).data
    yield before
    restore = {key: before[key] for key in (
        "display_name", "description", "organization", "department", "keywords", "contact_email",
        "contact_info", "info_link", "user_message", "user_message_link", "default_directory",
        "force_encryption", "disable_verify", "force_verify", "public", "subscription_id",
    )}
    alice_tc.update_endpoint(LAPTOP, restore)


@pytest.fixture
def alice_guest(alice_tc: Any) -> Iterator[str]:
    created = alice_tc.create_shared_endpoint({
        "DATA_TYPE": "shared_endpoint", "host_endpoint": LAPTOP, "host_path": "/Documents/",
        "display_name": f"Alice documents {unique('g')}", "description": "Thesis material",
        "keywords": "thesis, drafts", "contact_email": "alice@example.org", "force_encryption": True,
        "guest_collection_activity_notification_policy": {"status": ["FAILED"], "transfer_use": ["destination"]},
    })
    yield created["id"]
    alice_tc.delete_endpoint(created["id"])


# --------------------------------------------------------------------------- the seeded machine


def test_alices_laptop_is_a_private_gcp_collection_of_hers(alice_tc: Any, bob_tc: Any) -> None:
    doc = alice_tc.get_endpoint(LAPTOP)
    assert doc["entity_type"] == "GCP_mapped_collection"
    assert (doc["owner_id"], doc["owner_string"]) == (ALICE_ID, ALICE_USERNAME)
    assert doc["is_globus_connect"] is True and doc["gcp_connected"] is True and doc["gcp_paused"] is False
    assert doc["public"] is False and doc["gcs_manager_url"] is None
    assert doc["my_effective_roles"] == ["administrator", "activity_manager", "activity_monitor"]
    (server,) = doc["DATA"]
    assert server["DATA_TYPE"] == "server" and isinstance(server["id"], int) and server["hostname"] is None
    assert api_error(lambda: bob_tc.get_endpoint(LAPTOP)).http_status == 403
    assert LAPTOP in [d["id"] for d in alice_tc.endpoint_search(filter_scope="my-gcp-endpoints")]
    assert LAPTOP not in [d["id"] for d in bob_tc.endpoint_search(filter_scope="my-gcp-endpoints")]


def test_only_the_owner_reaches_the_laptops_files(alice_tc: Any, bob_tc: Any) -> None:
    assert {"README.txt", "Documents", "Pictures", "projects"} <= set(names(alice_tc.operation_ls(LAPTOP, path="/")))
    assert alice_tc.operation_ls(LAPTOP, path="~")["path"] == "/"
    assert api_error(lambda: bob_tc.operation_ls(LAPTOP, path="/")).http_status == 403


def test_server_list_and_one_server(alice_tc: Any, bob_tc: Any) -> None:
    servers = alice_tc.endpoint_server_list(LAPTOP)
    assert servers["DATA_TYPE"] == "endpoint_server_list"
    (server,) = servers["DATA"]
    assert alice_tc.get_endpoint_server(LAPTOP, server["id"]).data == server
    assert api_error(lambda: alice_tc.get_endpoint_server(LAPTOP, 1)).http_status == 404
    assert api_error(lambda: bob_tc.endpoint_server_list(LAPTOP)).http_status == 403


# --------------------------------------------------------------------------- update


EVERY_FIELD: dict[str, Any] = {
    "DATA_TYPE": "endpoint",
    "display_name": "Alice's laptop (travel)",
    "description": "Travel machine",
    "organization": "Example University",
    "department": "Physics",
    "keywords": "laptop, travel",
    "contact_email": "alice@example.org",
    "contact_info": "Room 101",
    "info_link": "https://example.org/alice",
    "user_message": "Back on Monday",
    "user_message_link": "https://example.org/alice/away",
    "default_directory": "/Documents/",
    "force_encryption": True,
    "disable_verify": False,
    "force_verify": True,
    "public": True,
    "subscription_id": "DEFAULT",
}


def test_update_sets_every_field_the_cli_sends(alice_tc: Any, laptop_settings: dict[str, Any]) -> None:
    result = alice_tc.update_endpoint(LAPTOP, EVERY_FIELD)
    assert (result["DATA_TYPE"], result["code"], result["message"]) == (
        "result", "Updated", "Endpoint updated successfully",
    )
    doc = alice_tc.get_endpoint(LAPTOP)
    for key, value in EVERY_FIELD.items():
        if key not in ("DATA_TYPE", "keywords", "subscription_id"):
            assert doc[key] == value, key
    assert doc["keywords"] == "laptop,travel"
    assert doc["subscription_id"] == collection_store.SANDBOX_SUBSCRIPTION_ID
    # null clears (`--no-default-directory` sends an explicit null)
    alice_tc.update_endpoint(LAPTOP, {"default_directory": None, "user_message": None})
    cleared = alice_tc.get_endpoint(LAPTOP)
    assert cleared["user_message"] is None and cleared["default_directory"] == "/~/"


@pytest.mark.parametrize(
    "change",
    [
        {"contact_email": "not-an-address"},
        {"info_link": "ftp://example.org"},
        {"display_name": "x" * 129},
        {"display_name": "  "},
        {"public": "yes"},
        {"network_use": "custom", "max_concurrency": 4},
        {"myproxy_server": "myproxy.example.org"},
        {"force_verify": True, "disable_verify": True},
        {"colour": "blue"},
        {"DATA_TYPE": "shared_endpoint"},
        {"keywords": "a,,b"},
        {"subscription_id": "not-a-subscription"},
        {"guest_collection_activity_notification_policy": {"status": ["SUCCEEDED"]}},
    ],
)
def test_update_refuses_bad_values_and_changes_nothing(alice_tc: Any, change: dict[str, Any]) -> None:
    before = alice_tc.get_endpoint(LAPTOP).data
    err = api_error(lambda: alice_tc.update_endpoint(LAPTOP, {"description": "should not stick", **change}))
    assert err.http_status == 400 and err.message
    assert alice_tc.get_endpoint(LAPTOP).data == before


def test_administrators_update_others_are_refused(alice_tc: Any, bob_tc: Any, laptop_settings: dict[str, Any]) -> None:
    assert api_error(lambda: bob_tc.update_endpoint(LAPTOP, {"description": "Bob was here"})).http_status == 403
    role = alice_tc.add_endpoint_role(LAPTOP, _role(BOB_ID, "administrator"))
    try:
        bob_tc.update_endpoint(LAPTOP, {"description": "Bob was here"})
        assert alice_tc.get_endpoint(LAPTOP)["description"] == "Bob was here"
        assert "README.txt" in names(bob_tc.operation_ls(LAPTOP, path="/"))  # administrators reach the files
    finally:
        alice_tc.delete_endpoint_role(LAPTOP, role["id"])
    assert api_error(lambda: bob_tc.update_endpoint(LAPTOP, {"description": "again"})).http_status == 403


# --------------------------------------------------------------------------- roles on a GCP collection


def test_role_lifecycle_on_the_laptop(alice_tc: Any, bob_tc: Any) -> None:
    created = alice_tc.add_endpoint_role(LAPTOP, _role(BOB_ID, "activity_monitor"))
    assert set(created.data) == {"DATA_TYPE", "id", "principal_type", "principal", "role"}
    assert created["DATA_TYPE"] == "role" and created.http_status == 201
    try:
        assert bob_tc.get_endpoint(LAPTOP)["my_effective_roles"] == ["activity_monitor"]
        assert alice_tc.get_endpoint_role(LAPTOP, created["id"]).data == created.data
        assert created["id"] in [r["id"] for r in alice_tc.endpoint_role_list(LAPTOP)]
        dup = api_error(lambda: alice_tc.add_endpoint_role(LAPTOP, _role(BOB_ID, "activity_monitor")))
        assert (dup.http_status, dup.code) == (409, "Exists")
        # a monitor is no administrator: no role list, no file access
        assert api_error(lambda: bob_tc.endpoint_role_list(LAPTOP)).http_status == 403
        assert api_error(lambda: bob_tc.operation_ls(LAPTOP, path="/")).http_status == 403
    finally:
        deleted = alice_tc.delete_endpoint_role(LAPTOP, created["id"])
    assert (deleted["code"], deleted["DATA_TYPE"]) == ("Deleted", "result")
    assert api_error(lambda: bob_tc.get_endpoint(LAPTOP)).http_status == 403
    assert api_error(lambda: alice_tc.get_endpoint_role(LAPTOP, created["id"])).http_status == 404


@pytest.mark.parametrize(
    "doc",
    [
        _role(BOB_ID, "superuser"),
        _role("not-a-uuid", "activity_monitor"),
        _role("00000000-0000-4000-8000-000000000000", "activity_monitor"),  # no such identity
        _role(BOB_ID, "access_manager"),  # only guest collections have access rules
        {"DATA_TYPE": "role", "principal_type": "all_authenticated_users", "principal": "", "role": "activity_monitor"},
        {**_role(BOB_ID, "activity_monitor"), "extra": 1},
    ],
)
def test_bad_role_documents_are_refused(alice_tc: Any, doc: dict[str, Any]) -> None:
    before = alice_tc.endpoint_role_list(LAPTOP)["DATA"]
    assert api_error(lambda: alice_tc.add_endpoint_role(LAPTOP, doc)).http_status == 400
    assert alice_tc.endpoint_role_list(LAPTOP)["DATA"] == before


# --------------------------------------------------------------------------- guest collections


def test_guest_collection_of_a_laptop_folder(alice_tc: Any, bob_tc: Any, alice_guest: str) -> None:
    doc = alice_tc.get_endpoint(alice_guest)
    assert doc["entity_type"] == "GCP_guest_collection"
    assert (doc["host_endpoint_id"], doc["host_path"]) == (LAPTOP, "/Documents/")
    assert doc["keywords"] == "thesis,drafts" and doc["force_encryption"] is True
    policy = doc["guest_collection_activity_notification_policy"]
    assert policy == {"status": ["FAILED"], "transfer_use": ["destination"]}
    assert doc["my_effective_roles"] == ["administrator", "access_manager", "activity_manager", "activity_monitor"]
    assert names(alice_tc.operation_ls(alice_guest, path="/")) == ["budget.csv", "thesis-draft.md"]
    # Bob needs an access rule, then reads but cannot write.
    assert api_error(lambda: bob_tc.operation_ls(alice_guest, path="/")).http_status == 403
    alice_tc.add_endpoint_acl_rule(alice_guest, {
        "DATA_TYPE": "access", "principal_type": "identity", "principal": BOB_ID, "path": "/", "permissions": "r",
    })
    assert "thesis-draft.md" in names(bob_tc.operation_ls(alice_guest, path="/"))
    assert api_error(lambda: bob_tc.operation_mkdir(alice_guest, "/bob-was-here/")).http_status == 403
    alice_tc.update_endpoint(alice_guest, {"guest_collection_activity_notification_policy": {
        "status": ["SUCCEEDED", "FAILED"], "transfer_use": ["source", "destination"]}})
    assert alice_tc.get_endpoint(alice_guest)["guest_collection_activity_notification_policy"] == {
        "status": ["SUCCEEDED", "FAILED"], "transfer_use": ["source", "destination"]}
    assert alice_guest in [d["id"] for d in alice_tc.my_shared_endpoint_list(LAPTOP)]
    # the host stays private: a user of the guest collection cannot list on it
    assert api_error(lambda: bob_tc.my_shared_endpoint_list(LAPTOP)).http_status == 403


def test_create_result_shape_and_refusals(alice_tc: Any, bob_tc: Any) -> None:
    def create(tc: Any, **fields: Any) -> Any:
        return tc.create_shared_endpoint({"DATA_TYPE": "shared_endpoint", "host_endpoint": LAPTOP, **fields})

    assert api_error(lambda: create(bob_tc, host_path="/Documents/", display_name="x")).http_status == 403
    assert api_error(lambda: create(alice_tc, host_path="/Documents/")).http_status == 400  # no display_name
    assert api_error(lambda: create(alice_tc, host_path="/nope/", display_name="x")).http_status == 404
    assert api_error(lambda: create(alice_tc, host_path="/Documents/", display_name="x",
                                    contact_email="nope")).http_status == 400
    result = create(alice_tc, host_path="/Pictures/", display_name="Pictures")
    try:
        assert result.http_status == 201
        assert {"DATA_TYPE", "code", "message", "id", "request_id"} <= set(result.data)
        assert (result["DATA_TYPE"], result["code"], result["message"]) == (
            "endpoint_create_result", "Created", "Shared endpoint created",
        )
    finally:
        alice_tc.delete_endpoint(result["id"])


def test_shared_endpoint_list_pages_with_next_token(alice_tc: Any, bob_tc: Any) -> None:
    made = [
        alice_tc.create_shared_endpoint({"DATA_TYPE": "shared_endpoint", "host_endpoint": LAPTOP,
                                         "host_path": "/projects/", "display_name": f"page {n}"})["id"]
        for n in range(3)
    ]
    try:
        first = alice_tc.get_shared_endpoint_list(LAPTOP, max_results=2)
        assert len(first["shared_endpoints"]) == 2 and first["next_token"]
        paged = [d["id"] for page in alice_tc.paginated.get_shared_endpoint_list(LAPTOP, max_results=2)
                 for d in page["shared_endpoints"]]
        assert set(made) <= set(paged) and len(paged) == len(set(paged))
        assert api_error(lambda: bob_tc.get_shared_endpoint_list(LAPTOP)).http_status == 403
        assert api_error(lambda: alice_tc.get_shared_endpoint_list(LAPTOP, next_token="%%%")).http_status == 400
    finally:
        for guest_id in made:
            alice_tc.delete_endpoint(guest_id)


# --------------------------------------------------------------------------- delete


def test_delete_a_gcp_collection_and_its_guests_keeping_the_files(sandbox: Any, alice_tc: Any, bob_tc: Any) -> None:
    machine_id = "6d0b7e8e-0c2a-4f55-9a51-7b1e2c9d3f10"
    slug = unique("old-laptop")
    root = collection_root(sandbox, ALICES_LAPTOP_ID).parent / slug
    (root / "keep").mkdir(parents=True)
    (root / "keep" / "file.txt").write_text("still here\n")
    collection_store.insert_collection(
        sandbox.state.db, collection_id=machine_id, display_name="Alice's old laptop", entity_type=GCP_MAPPED,
        owner_id=ALICE_ID, owner_string=ALICE_USERNAME, slug=slug, public=False,
    )
    guest = alice_tc.create_shared_endpoint({"DATA_TYPE": "shared_endpoint", "host_endpoint": machine_id,
                                             "host_path": "/keep/", "display_name": "old share"})["id"]
    assert api_error(lambda: bob_tc.delete_endpoint(machine_id)).http_status == 403
    result = alice_tc.delete_endpoint(machine_id)
    assert (result["code"], result["DATA_TYPE"]) == ("Deleted", "result")
    for gone in (machine_id, guest):
        err = api_error(lambda gone=gone: alice_tc.get_endpoint(gone))
        assert err.http_status == 404
    assert (root / "keep" / "file.txt").read_text() == "still here\n"


def test_sdk_update_error_is_a_transfer_api_error(alice_tc: Any) -> None:
    with pytest.raises(globus_sdk.TransferAPIError) as info:
        alice_tc.update_endpoint(LAPTOP, {"info_link": "javascript:alert(1)"})
    assert info.value.code == "ClientError.BadRequest"


def test_gcp_documents_match_the_recorded_shapes(alice_tc: Any, alice_guest: str) -> None:
    """Every key of the SDK's recorded get_endpoint/update_endpoint answers, with the same JSON types."""

    def same_shape(expected: dict[str, Any], actual: dict[str, Any], name: str) -> None:
        assert set(expected) <= set(actual), f"{name} lacks {sorted(set(expected) - set(actual))}"
        for key, value in expected.items():
            if value is not None and actual[key] is not None and key != "DATA":
                assert type(actual[key]) is type(value), f"{name}.{key}: {actual[key]!r} vs {value!r}"

    recorded = get_response_set("transfer.get_endpoint").lookup("default").json
    for entity in (LAPTOP, alice_guest):
        doc = alice_tc.get_endpoint(entity).data
        same_shape(recorded, doc, entity)
        same_shape(recorded["DATA"][0], doc["DATA"][0], f"{entity} server")
    update = get_response_set("transfer.update_endpoint").lookup("default").json
    same_shape(update, alice_tc.update_endpoint(alice_guest, {"description": "same shape"}).data, "update")
