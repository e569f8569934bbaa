"""Collection routes of the sandbox over real HTTP with the real SDK: search, get, update,
guest collection lifecycle, shared endpoint lists."""

from __future__ import annotations

from typing import Any

import globus_sdk
import pytest

from gterm.sandbox.seed_ids import (
    ALICE_ID,
    ALICE_SHARED_ID,
    BOB_SHARED_ID,
    HPC_ENDPOINT_ID,
    HPC_SCRATCH_ID,
    LAB_ENDPOINT_ID,
    LAB_STORAGE_ID,
)
from tests.support.gcs_helpers import gcs_client_for, gcs_error
from tests.support.sandbox_login import robot_transfer_client
from tests.support.transfer_helpers import api_error, names, unique


@pytest.fixture(scope="module")
def robot_tc(sandbox: Any) -> globus_sdk.TransferClient:
    return robot_transfer_client(sandbox)


def _ids(response: Any) -> list[str]:
    return [doc["id"] for doc in response["DATA"]]


# --------------------------------------------------------------------------- endpoint_search


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lab storage", LAB_STORAGE_ID),  # display_name
        (f"{HPC_ENDPOINT_ID}@clients", HPC_SCRATCH_ID),  # owner_string (the GCSv5 endpoint's client identity)
        ("purged", HPC_SCRATCH_ID),  # description
        ("cluster", HPC_SCRATCH_ID),  # keywords
        ("Research Computing", HPC_SCRATCH_ID),  # organization
        ("LAB STORAGE", LAB_STORAGE_ID),  # case-insensitive
    ],
)
def test_fulltext_search_covers_the_documented_fields(alice_tc: Any, text: str, expected: str) -> None:
    result = alice_tc.endpoint_search(text)
    assert result["DATA_TYPE"] == "endpoint_list"
    assert expected in _ids(result)
    assert all(doc["DATA_TYPE"] == "endpoint" for doc in result["DATA"])


def test_a_name_match_ranks_before_a_match_elsewhere(alice_tc: Any) -> None:
    """"lab storage" found Alice's shared experiments first (its description mentions Lab Storage), so
    ctrl+o lab storage Enter opened that one."""
    ids = _ids(alice_tc.endpoint_search("lab storage"))
    assert ids[0] == LAB_STORAGE_ID and len(ids) > 1


def test_fulltext_search_without_match_is_empty(alice_tc: Any) -> None:
    result = alice_tc.endpoint_search("no-such-collection-anywhere")
    assert result["DATA"] == []
    assert result["has_next_page"] is False


def test_scope_all_requires_fulltext_like_production(alice_tc: Any) -> None:
    err = api_error(lambda: alice_tc.endpoint_search())
    assert err.http_status == 400


def test_unknown_scope_is_rejected(alice_tc: Any) -> None:
    err = api_error(lambda: alice_tc.endpoint_search("lab", filter_scope="everything"))
    assert err.http_status == 400


def test_shared_with_me_lists_bobs_guest_collection_for_alice_only(alice_tc: Any, bob_tc: Any) -> None:
    assert _ids(alice_tc.endpoint_search(filter_scope="shared-with-me")) == [BOB_SHARED_ID]
    assert BOB_SHARED_ID not in _ids(bob_tc.endpoint_search(filter_scope="shared-with-me"))


def test_filter_owner_id_agrees_with_the_owner_id_the_results_show(alice_tc: Any) -> None:
    """A GCSv5 guest shows its endpoint's client identity as owner_id: a search by Alice's id found her
    guest (showing the endpoint as its owner) and a search by the endpoint's id did not."""
    def search(owner: str) -> list[dict[str, Any]]:
        return list(alice_tc.endpoint_search("shared experiments", filter_owner_id=owner)["DATA"])

    by_endpoint = search(LAB_ENDPOINT_ID)
    assert ALICE_SHARED_ID in [doc["id"] for doc in by_endpoint]
    assert {doc["owner_id"] for doc in by_endpoint} == {LAB_ENDPOINT_ID}
    assert ALICE_SHARED_ID not in [doc["id"] for doc in search(ALICE_ID)]
    assert all(doc["owner_id"] == ALICE_ID for doc in search(ALICE_ID))


@pytest.mark.parametrize("scope", ["my-endpoints", "shared-by-me", "administered-by-me"])
def test_owner_scopes_list_bobs_guest_collection_for_bob(alice_tc: Any, bob_tc: Any, scope: str) -> None:
    assert BOB_SHARED_ID in _ids(bob_tc.endpoint_search(filter_scope=scope))
    assert BOB_SHARED_ID not in _ids(alice_tc.endpoint_search(filter_scope=scope))


def test_private_guest_collection_is_invisible_without_access(robot_tc: Any) -> None:
    assert BOB_SHARED_ID not in _ids(robot_tc.endpoint_search("bob"))
    err = api_error(lambda: robot_tc.get_endpoint(BOB_SHARED_ID))
    assert err.http_status == 403


def test_recently_used_follows_file_operations(alice_tc: Any) -> None:
    alice_tc.operation_ls(BOB_SHARED_ID, path="/")
    alice_tc.operation_ls(LAB_STORAGE_ID, path="/~/")
    recent = _ids(alice_tc.endpoint_search(filter_scope="recently-used"))
    assert recent[:2] == [LAB_STORAGE_ID, BOB_SHARED_ID]


def test_in_use_scope_answers_an_endpoint_list(alice_tc: Any) -> None:
    result = alice_tc.endpoint_search(filter_scope="in-use")
    assert result["DATA_TYPE"] == "endpoint_list"
    assert isinstance(result["DATA"], list)


def test_search_pages_with_limit_offset_and_the_sdk_paginator(alice_tc: Any) -> None:
    first = alice_tc.endpoint_search("example", limit=1)
    assert len(first["DATA"]) == 1 and first["has_next_page"] is True
    second = alice_tc.endpoint_search("example", limit=1, offset=1)
    assert _ids(second) != _ids(first)
    everything = [doc["id"] for doc in alice_tc.paginated.endpoint_search("example", limit=1).items()]
    assert set(everything) >= {LAB_STORAGE_ID, HPC_SCRATCH_ID, BOB_SHARED_ID}
    assert len(everything) == len(set(everything))


def test_search_pages_within_transfers_documented_bounds(alice_tc: Any) -> None:
    assert alice_tc.endpoint_search("example", limit=100)["limit"] == 100  # the largest page
    assert alice_tc.endpoint_search("example")["limit"] == 25  # the default
    for bad in ({"limit": 101}, {"limit": 0}, {"offset": 1000}, {"limit": 100, "offset": 901}):
        assert api_error(lambda bad=bad: alice_tc.endpoint_search("example", **bad)).http_status == 400


def test_search_filters_by_entity_type_and_host(alice_tc: Any) -> None:
    guests = _ids(alice_tc.endpoint_search("example", filter_entity_type="GCSv5_guest_collection"))
    assert BOB_SHARED_ID in guests and LAB_STORAGE_ID not in guests
    hosted = _ids(alice_tc.endpoint_search("example", filter_host_endpoint=LAB_STORAGE_ID))
    assert BOB_SHARED_ID in hosted and HPC_SCRATCH_ID not in hosted


# --------------------------------------------------------------------------- get / update


def test_get_endpoint_documents(alice_tc: Any) -> None:
    lab = alice_tc.get_endpoint(LAB_STORAGE_ID)
    assert lab["DATA_TYPE"] == "endpoint"
    assert lab["display_name"] == "Lab Storage"
    assert lab["entity_type"] == "GCSv5_mapped_collection"
    assert lab["default_directory"] == "/~/"
    # A GCSv5 mapped collection is run by its endpoint's client identity.
    assert (lab["owner_id"], lab["owner_string"]) == (LAB_ENDPOINT_ID, f"{LAB_ENDPOINT_ID}@clients.auth.globus.org")
    assert lab["non_functional_endpoint_id"] == LAB_ENDPOINT_ID
    assert lab["gcs_manager_url"].startswith("https://") and lab["https_server"].startswith("https://")
    guest = alice_tc.get_endpoint(BOB_SHARED_ID)
    assert guest["entity_type"] == "GCSv5_guest_collection"
    assert guest["host_endpoint_id"] == LAB_STORAGE_ID
    assert guest["host_path"] == "/shared/bob/"
    # Transfer names a GCSv5 guest's endpoint as its owner (globus-cli's fixtures), not its creator
    assert (guest["owner_id"], guest["owner_string"]) == (LAB_ENDPOINT_ID, f"{LAB_ENDPOINT_ID}@clients.auth.globus.org")
    assert guest["acl_available"] is True and guest["acl_editable"] is False


def test_get_unknown_endpoint_is_endpoint_not_found(alice_tc: Any) -> None:
    err = api_error(lambda: alice_tc.get_endpoint("00000000-0000-0000-0000-000000000000"))
    assert (err.http_status, err.code) == (404, "EndpointNotFound")


def test_owner_updates_metadata_through_gcs_and_others_cannot(sandbox: Any, alice_tc: Any) -> None:
    # GCSv5 collections are read only in Transfer: their owner edits them through the GCS Manager.
    bob_gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "bob")
    original = bob_gcs.get_collection(BOB_SHARED_ID)
    try:
        bob_gcs.update_collection(
            BOB_SHARED_ID,
            {"description": "Updated by a test", "keywords": ["alpha", "beta"], "contact_email": "bob@example.org"},
        )
        doc = alice_tc.get_endpoint(BOB_SHARED_ID)
        assert doc["description"] == "Updated by a test"
        assert doc["keywords"] == "alpha,beta"
        assert doc["contact_email"] == "bob@example.org"
        assert BOB_SHARED_ID in _ids(alice_tc.endpoint_search("alpha"))
    finally:
        bob_gcs.update_collection(
            BOB_SHARED_ID,
            {"description": original["description"], "keywords": original["keywords"], "contact_email": None},
        )
    alice_gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice")
    assert gcs_error(lambda: alice_gcs.update_collection(BOB_SHARED_ID, {"description": "x"})).http_status == 403
    assert api_error(lambda: alice_tc.update_endpoint(LAB_STORAGE_ID, {"description": "x"})).http_status == 403


def test_update_rejects_unknown_fields_and_empty_names(sandbox: Any) -> None:
    bob_gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "bob")
    assert gcs_error(lambda: bob_gcs.update_collection(BOB_SHARED_ID, {"colour": "blue"})).http_status == 400
    assert gcs_error(lambda: bob_gcs.update_collection(BOB_SHARED_ID, {"display_name": " "})).http_status == 400


# --------------------------------------------------------------------------- guest lifecycle


def _create_guest(gcs: Any, mapped_id: str, base_path: str, display_name: str, **fields: Any) -> Any:
    return gcs.create_collection(
        globus_sdk.GuestCollectionDocument(
            mapped_collection_id=mapped_id, collection_base_path=base_path, display_name=display_name, **fields
        )
    )


def test_guest_collection_lifecycle(sandbox: Any, alice_tc: Any, bob_tc: Any) -> None:
    share_dir = f"/~/{unique('share')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, share_dir)
    alice_tc.operation_mkdir(LAB_STORAGE_ID, share_dir + "inside/")
    alice_gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
    created = _create_guest(
        alice_gcs, LAB_STORAGE_ID, share_dir.replace("/~/", "/home/alice/"), "Alice test share",
        description="made by a test", public=False,
    )
    guest_id = created["id"]
    try:
        doc = alice_tc.get_endpoint(guest_id)
        assert doc["owner_id"] == LAB_ENDPOINT_ID  # the endpoint, as for every GCSv5 collection
        assert doc["host_path"].startswith("/home/alice/") and doc["host_path"].endswith("/")
        assert doc["acl_editable"] is True
        assert names(alice_tc.operation_ls(guest_id, path="/")) == ["inside"]
        # Bob has no rule yet: the collection is invisible and unusable for him.
        assert api_error(lambda: bob_tc.operation_ls(guest_id, path="/")).http_status == 403
        mine = _ids(alice_tc.my_shared_endpoint_list(LAB_STORAGE_ID))
        assert guest_id in mine and BOB_SHARED_ID not in mine
        assert guest_id in _ids(alice_tc.endpoint_search(filter_scope="my-endpoints"))
        bob_gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "bob")
        assert gcs_error(lambda: bob_gcs.delete_collection(guest_id)).http_status == 403
        assert api_error(lambda: alice_tc.delete_endpoint(guest_id)).http_status == 403  # not through Transfer
    finally:
        alice_gcs.delete_collection(guest_id)
    assert api_error(lambda: alice_tc.get_endpoint(guest_id)).http_status == 404


def test_guest_collection_needs_access_to_an_existing_host_dir(sandbox: Any) -> None:
    alice_gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])

    def create(mapped_id: str, path: str) -> Any:
        return _create_guest(alice_gcs, mapped_id, path, "x")

    assert gcs_error(lambda: create(LAB_STORAGE_ID, "/home/bob/")).http_status == 403
    assert gcs_error(lambda: create(LAB_STORAGE_ID, f"/home/alice/{unique('missing')}/")).http_status == 400
    assert gcs_error(lambda: create(BOB_SHARED_ID, "/")).http_status == 400
    assert gcs_error(lambda: create("00000000-0000-0000-0000-000000000000", "/")).http_status == 404


def test_mapped_collections_cannot_be_deleted_by_users(alice_tc: Any) -> None:
    assert api_error(lambda: alice_tc.delete_endpoint(LAB_STORAGE_ID)).http_status == 403


def test_shared_endpoint_list_shows_visible_guests(alice_tc: Any) -> None:
    result = alice_tc.get_shared_endpoint_list(LAB_STORAGE_ID)
    assert BOB_SHARED_ID in [doc["id"] for doc in result["shared_endpoints"]]


def test_robot_client_can_use_mapped_collections(robot_tc: Any) -> None:
    listing = robot_tc.operation_ls(LAB_STORAGE_ID, path="/projects/")
    assert {"climate", "genomics"} <= set(names(listing))
    home = robot_tc.operation_ls(LAB_STORAGE_ID, path="~")
    assert home["path"].startswith("/home/") and home["DATA"] == []
