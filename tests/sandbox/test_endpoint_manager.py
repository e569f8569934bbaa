"""The management API and pauses that take effect, through the real SDK's TransferClient.

A throttled sandbox of its own keeps Bob's tasks running long enough for Alice,
who administers Lab Storage, to see, pause, resume and cancel them; pause rules
stop Bob's listings and tasks until they are deleted.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import globus_sdk
import pytest
from globus_sdk.testing import get_response_set

from gterm.sandbox import roles_store
from gterm.sandbox.seed_ids import (
    ALICE_ID,
    BOB_ID,
    BOB_SHARED_ID,
    BOB_USERNAME,
    HPC_SCRATCH_ID,
    LAB_ENDPOINT_ID,
    LAB_STORAGE_ID,
)
from gterm.sandbox.server import SandboxHandle
from tests.support.sandbox_login import own_sandbox, robot_transfer_client, transfer_client_for
from tests.support.tasks_helpers import collection_root, poll_doc, write
from tests.support.transfer_helpers import api_error

LAB = LAB_STORAGE_ID
SLOW = 8192  # bytes per second per task


@pytest.fixture(scope="module")
def mgmt_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    with own_sandbox(tmp_path_factory.mktemp("mgmt"), slow=SLOW) as handle:
        yield handle


@pytest.fixture(scope="module")
def alice(mgmt_sandbox: SandboxHandle) -> globus_sdk.TransferClient:
    return transfer_client_for(mgmt_sandbox, "alice")


@pytest.fixture(scope="module")
def bob(mgmt_sandbox: SandboxHandle) -> globus_sdk.TransferClient:
    return transfer_client_for(mgmt_sandbox, "bob", data_access=[HPC_SCRATCH_ID])


def _bob_copy(sandbox: SandboxHandle, bob: globus_sdk.TransferClient, *, files: int = 40, size: int = 4096,
              collection: str = LAB) -> str:
    """Bob copies a directory of ``files`` files inside his home (slow: ~files*size/SLOW seconds)."""
    name = f"mgmt-{uuid.uuid4().hex[:8]}"
    disk = collection_root(sandbox, collection) / "home" / "bob" / name
    for n in range(files):
        write(disk / "src" / f"f{n:03}.bin", bytes([n % 256]) * size)
    data = globus_sdk.TransferData(collection, collection, label=name)
    data.add_item(f"/home/bob/{name}/src/", f"/home/bob/{name}/dst/", recursive=True)
    return str(bob.submit_transfer(data)["task_id"])


def _alice_copy(sandbox: SandboxHandle, alice: globus_sdk.TransferClient) -> str:
    """A one-file task of Alice's inside her home."""
    name = f"mine-{uuid.uuid4().hex[:8]}.txt"
    write(collection_root(sandbox, LAB) / "home" / "alice" / name, "alice's\n")
    data = globus_sdk.TransferData(LAB, LAB)
    data.add_item(f"/home/alice/{name}", f"/home/alice/{name}.copy")
    return str(alice.submit_transfer(data)["task_id"])


def _events(tc: globus_sdk.TransferClient, task_id: str) -> list[str]:
    return [e["code"] for e in tc.task_event_list(task_id, limit=100)["DATA"]]


def _same_json_types(expected: dict[str, Any], actual: dict[str, Any], name: str) -> None:
    """Every fixture key is present, and where both are non-null they have the same JSON type."""
    missing = set(expected) - set(actual)
    assert not missing, f"{name}: lacks {sorted(missing)}"
    for key, value in expected.items():
        if value is not None and actual[key] is not None:
            assert type(actual[key]) is type(value), f"{name}.{key}: {actual[key]!r} vs fixture {value!r}"


# --------------------------------------------------------------------------- seeing tasks


def test_admin_sees_bobs_task_with_the_admin_fields(mgmt_sandbox: SandboxHandle, alice: Any, bob: Any) -> None:
    task_id = _bob_copy(mgmt_sandbox, bob)
    try:
        listing = alice.endpoint_manager_task_list(filter_status="ACTIVE", filter_endpoint=LAB)
        assert listing["DATA_TYPE"] == "task_list" and "has_next_page" in listing.data and "last_key" in listing.data
        doc = next(t for t in listing["DATA"] if t["task_id"] == task_id)
        assert doc["owner_id"] == BOB_ID and doc["owner_string"] == BOB_USERNAME
        assert doc["source_local_user"] == "bob" and doc["source_local_user_status"] == "OK"
        fixture = get_response_set("transfer.endpoint_manager_task_list").lookup("default").json
        _same_json_types(fixture["DATA"][0], doc, "task_list DATA[0]")
        one = alice.endpoint_manager_get_task(task_id)
        _same_json_types(fixture["DATA"][0], one.data, "get_task")
        assert one["is_paused"] is False and one["canceled_by_admin"] is None
        assert alice.endpoint_manager_task_event_list(task_id)["DATA_TYPE"] == "event_list"
        info = alice.endpoint_manager_task_pause_info(task_id)
        assert info["pause_rules"] == [] and info["source_pause_message"] is None
    finally:
        alice.endpoint_manager_cancel_tasks([task_id], "test over")


def test_pause_resume_and_cancel_with_messages(mgmt_sandbox: SandboxHandle, alice: Any, bob: Any) -> None:
    task_id = _bob_copy(mgmt_sandbox, bob)
    paused = alice.endpoint_manager_pause_tasks([task_id], "Disk maintenance until noon")
    assert paused["code"] == "PauseAccepted"
    # Bob, with his own client, sees his task paused and why.
    mine = bob.get_task(task_id)
    assert (mine["status"], mine["is_paused"]) == ("INACTIVE", True)
    info = bob.task_pause_info(task_id)
    assert info["DATA_TYPE"] == "pause_info_limited"
    assert info["source_pause_message"] == "Disk maintenance until noon"
    assert info["destination_pause_message"] == "Disk maintenance until noon"
    assert info["message"] == "Disk maintenance until noon"
    assert [t["task_id"] for t in bob.task_list(filter={"is_paused": "true"})["DATA"]] == [task_id]
    assert alice.endpoint_manager_get_task(task_id)["is_paused"] is True
    assert task_id in [t["task_id"] for t in alice.endpoint_manager_task_list(
        filter_status="INACTIVE", filter_is_paused=True)["DATA"]]
    # The engine stops between files: the count stops moving.
    settled = poll_doc(lambda: bob.get_task(task_id).data,
                    lambda t: t["files_transferred"] == bob.get_task(task_id)["files_transferred"])
    assert settled["files_transferred"] < 40

    alice.endpoint_manager_resume_tasks([task_id])
    resumed = bob.get_task(task_id)
    assert resumed["is_paused"] is False and resumed["status"] == "ACTIVE"
    assert bob.task_pause_info(task_id)["source_pause_message"] is None

    cancel = alice.endpoint_manager_cancel_tasks([task_id], "Out of quota")
    assert cancel["DATA_TYPE"] == "admin_cancel" and isinstance(cancel["id"], int)
    assert cancel["task_id_list"] == [task_id] and cancel["message"] == "Out of quota"
    status = poll_doc(lambda: alice.endpoint_manager_cancel_status(cancel["id"]).data, lambda d: d["done"])
    assert status["DATA_TYPE"] == "admin_cancel"
    final = bob.get_task(task_id)
    assert final["status"] == "FAILED"
    assert (final["canceled_by_admin"], final["canceled_by_admin_message"]) == ("BOTH", "Out of quota")
    codes = _events(bob, task_id)
    assert {"PAUSED", "RESUMED", "CANCELED_BY_ADMIN", "CANCELED"} <= set(codes)
    canceled = next(e for e in bob.task_event_list(task_id, limit=100)["DATA"] if e["code"] == "CANCELED")
    assert canceled["details"] == "Canceled by an administrator: Out of quota"


def test_a_cancel_id_that_is_not_ascii_digits_is_not_found(mgmt_sandbox: SandboxHandle, alice: Any) -> None:
    """"²" is a digit to str.isdigit but not to int(): the lookup answered 500 instead of 404."""
    for cancel_id in ("²", "٣", "x1"):
        assert api_error(lambda c=cancel_id: alice.endpoint_manager_cancel_status(c)).http_status == 404


def test_cancel_a_paused_task(mgmt_sandbox: SandboxHandle, alice: Any, bob: Any) -> None:
    task_id = _bob_copy(mgmt_sandbox, bob)
    alice.endpoint_manager_pause_tasks([task_id], "hold")
    done = alice.endpoint_manager_cancel_tasks([task_id], "never mind")
    assert poll_doc(lambda: alice.endpoint_manager_cancel_status(done["id"]).data, lambda d: d["done"])["done"]
    final = bob.get_task(task_id)
    assert (final["status"], final["is_paused"], final["nice_status_details"]) == (
        "FAILED", False, "Canceled by an administrator: never mind")
    # A task the owner paused-and-cancels works the same way through the owner's own cancel.
    own = _bob_copy(mgmt_sandbox, bob)
    alice.endpoint_manager_pause_tasks([own], "hold")
    assert bob.cancel_task(own)["code"] == "Canceled"
    assert bob.get_task(own)["nice_status_details"] == "Canceled by the task owner"


def test_monitor_sees_but_only_a_manager_acts(mgmt_sandbox: SandboxHandle, alice: Any, bob: Any) -> None:
    # HPC Scratch: Alice is activity_monitor only; Bob is its activity_manager.
    task_id = _bob_copy(mgmt_sandbox, bob, collection=HPC_SCRATCH_ID, files=20)
    try:
        assert alice.endpoint_manager_get_task(task_id)["owner_string"] == BOB_USERNAME
        err = api_error(lambda: alice.endpoint_manager_pause_tasks([task_id], "no"))
        assert (err.http_status, err.code) == (403, "PermissionDenied")
        rule = {"DATA_TYPE": "pause_rule", "endpoint_id": HPC_SCRATCH_ID, "message": "no"}
        err = api_error(lambda: alice.endpoint_manager_create_pause_rule(rule))
        assert (err.http_status, err.code) == (403, "EndpointPermissionDenied")
    finally:
        bob.cancel_task(task_id)


def test_without_a_role_every_route_refuses(mgmt_sandbox: SandboxHandle, alice: Any, bob: Any) -> None:
    robot = robot_transfer_client(mgmt_sandbox)
    for call in (
        lambda: robot.endpoint_manager_task_list(filter_status="ACTIVE"),
        lambda: robot.endpoint_manager_monitored_endpoints(),
        lambda: robot.endpoint_manager_pause_rule_list(),
        lambda: robot.endpoint_manager_get_endpoint(LAB),
    ):
        err = api_error(call)
        assert (err.http_status, err.code) == (403, "PermissionDenied")
    # Bob watches his own guest collection and HPC Scratch, not Lab Storage.
    err = api_error(lambda: bob.endpoint_manager_get_endpoint(LAB))
    assert (err.http_status, err.code) == (403, "EndpointPermissionDenied")
    err = api_error(lambda: bob.endpoint_manager_task_list(filter_status="ACTIVE", filter_endpoint=LAB))
    assert err.http_status == 403
    task_id = _bob_copy(mgmt_sandbox, bob, files=1, size=1)
    alice_task = _alice_copy(mgmt_sandbox, alice)
    assert api_error(lambda: bob.endpoint_manager_cancel_tasks([alice_task], "no")).http_status == 403
    assert bob.get_task(task_id)["owner_id"] == BOB_ID


# --------------------------------------------------------------------------- pause rules


def _rule(**fields: Any) -> dict[str, Any]:
    flags = {f: False for f in ("pause_ls", "pause_mkdir", "pause_symlink", "pause_rename", "pause_task_delete",
                                "pause_task_transfer_write", "pause_task_transfer_read")}
    return {"DATA_TYPE": "pause_rule", "endpoint_id": LAB, "identity_id": None, "start_time": None,
            **flags, **fields}


def test_a_pause_rule_on_ls_refuses_bobs_listing_until_deleted(alice: Any, bob: Any) -> None:
    rule = alice.endpoint_manager_create_pause_rule(
        _rule(pause_ls=True, identity_id=BOB_ID, message="Listing paused for the storage upgrade"))
    try:
        err = api_error(lambda: bob.operation_ls(LAB, path="/home/bob/"))
        assert err.http_status == 409 and err.code == "EndpointPaused"
        assert "Listing paused for the storage upgrade" in err.message
        # Only ls, only Bob:
        bob.operation_mkdir(LAB, f"/home/bob/still-allowed-{uuid.uuid4().hex[:6]}/")
        alice.operation_ls(LAB, path="/home/alice/")
        mine = bob.my_effective_pause_rule_list(LAB)
        assert mine["DATA_TYPE"] == "pause_rule_limited_list"
        assert [r["message"] for r in mine["DATA"]] == ["Listing paused for the storage upgrade"]
        # ... and the guest collection Lab Storage hosts is paused with it.
        assert api_error(lambda: bob.operation_ls(BOB_SHARED_ID, path="/")).code == "EndpointPaused"
    finally:
        alice.endpoint_manager_delete_pause_rule(rule["id"])
    assert bob.operation_ls(LAB, path="/home/bob/")["DATA_TYPE"] == "file_list"
    assert bob.my_effective_pause_rule_list(LAB)["DATA"] == []


def test_mkdir_and_rename_rules(alice: Any, bob: Any) -> None:
    base = f"/home/bob/rules-{uuid.uuid4().hex[:6]}/"
    bob.operation_mkdir(LAB, base)
    rule = alice.endpoint_manager_create_pause_rule(_rule(pause_mkdir=True, pause_rename=True, message="frozen"))
    try:
        assert api_error(lambda: bob.operation_mkdir(LAB, base + "x/")).code == "EndpointPaused"
        assert api_error(lambda: bob.operation_rename(LAB, base, base.rstrip("/") + "-2/")).code == "EndpointPaused"
        assert api_error(lambda: alice.operation_mkdir(LAB, "/home/alice/frozen/")).code == "EndpointPaused"
    finally:
        alice.endpoint_manager_delete_pause_rule(rule["id"])
    bob.operation_mkdir(LAB, base + "x/")


def test_a_rule_pauses_a_task_and_deleting_it_resumes(mgmt_sandbox: SandboxHandle, alice: Any, bob: Any) -> None:
    rule = alice.endpoint_manager_create_pause_rule(
        _rule(pause_task_transfer_write=True, identity_id=BOB_ID, message="Writes paused: migrating disks"))
    task_id = _bob_copy(mgmt_sandbox, bob, files=6, size=512)
    try:
        paused = poll_doc(lambda: bob.get_task(task_id).data, lambda t: t["status"] == "INACTIVE")
        assert paused["is_paused"] is True and paused["files_transferred"] == 0
        info = bob.task_pause_info(task_id)
        assert [r["message"] for r in info["pause_rules"]] == ["Writes paused: migrating disks"]
        assert info["pause_rules"][0]["DATA_TYPE"] == "pause_rule_limited"
        assert info["pause_rules"][0]["pause_task_transfer_write"] is True
        admin_info = alice.endpoint_manager_task_pause_info(task_id)
        assert admin_info["pause_rules"][0]["id"] == rule["id"]
    finally:
        alice.endpoint_manager_delete_pause_rule(rule["id"])
    done = poll_doc(lambda: bob.get_task(task_id).data, lambda t: t["status"] not in ("ACTIVE", "INACTIVE"))
    assert done["status"] == "SUCCEEDED" and done["files_transferred"] == 6 and done["is_paused"] is False


def test_pause_rule_crud_and_shape(alice: Any, bob: Any) -> None:
    created = alice.endpoint_manager_create_pause_rule(
        {"DATA_TYPE": "pause_rule", "message": "Everything paused", "endpoint_id": LAB, "identity_id": None,
         "start_time": "2099-01-01T00:00:00+00:00"})  # the SDK's example: no flags means every operation
    try:
        expected = {"DATA_TYPE", "id", "message", "start_time", "endpoint_id", "endpoint_display_name",
                    "identity_id", "modified_by_id", "created_by_host_manager", "editable", "pause_ls",
                    "pause_mkdir", "pause_rename", "pause_symlink", "pause_task_delete",
                    "pause_task_transfer_write", "pause_task_transfer_read"}
        assert expected <= set(created.data)
        assert created["pause_ls"] is True and created["editable"] is True
        assert created["modified_by_id"] == ALICE_ID and created["endpoint_display_name"] == "Lab Storage"
        # Not yet in force: Bob still lists.
        bob.operation_ls(LAB, path="/home/bob/")
        got = alice.endpoint_manager_get_pause_rule(created["id"])
        assert got.data == created.data
        updated = alice.endpoint_manager_update_pause_rule(created["id"], {"message": "Reads allowed",
                                                                           "pause_ls": False})
        assert (updated["message"], updated["pause_ls"], updated["pause_mkdir"]) == ("Reads allowed", False, True)
        listed = alice.endpoint_manager_pause_rule_list(filter_endpoint=LAB)
        assert listed["DATA_TYPE"] == "pause_rule_list"
        assert created["id"] in [r["id"] for r in listed["DATA"]]
        assert api_error(lambda: bob.endpoint_manager_get_pause_rule(created["id"])).http_status == 403
        bad = api_error(lambda: alice.endpoint_manager_update_pause_rule(created["id"], {"pause_ls": "yes"}))
        assert bad.http_status == 400
    finally:
        alice.endpoint_manager_delete_pause_rule(created["id"])
    assert api_error(lambda: alice.endpoint_manager_get_pause_rule(created["id"])).http_status == 404


# --------------------------------------------------------------------------- task_list filters and paging


def test_task_list_filters_and_last_key_paging(mgmt_sandbox: SandboxHandle, alice: Any, bob: Any) -> None:
    ids = [_bob_copy(mgmt_sandbox, bob, files=1, size=1) for _ in range(23)]
    for task_id in ids:
        poll_doc(lambda task_id=task_id: bob.get_task(task_id).data, lambda t: t["status"] == "SUCCEEDED")
    pages = list(alice.paginated.endpoint_manager_task_list(
        filter_endpoint=LAB, filter_owner_id=BOB_ID, filter_status="SUCCEEDED", query_params={"limit": 5}))
    assert len(pages) >= 5 and all(len(page["DATA"]) <= 5 for page in pages)
    seen = [t["task_id"] for page in pages for t in page["DATA"]]
    assert len(seen) == len(set(seen)) and set(ids) <= set(seen)
    times = [t["request_time"] for page in pages for t in page["DATA"]]
    assert times == sorted(times, reverse=True)
    assert pages[-1]["has_next_page"] is False

    by_id = alice.endpoint_manager_task_list(filter_task_id=ids[:3])
    assert {t["task_id"] for t in by_id["DATA"]} == set(ids[:3])
    as_source = alice.endpoint_manager_task_list(filter_endpoint=LAB, filter_endpoint_use="source",
                                                 filter_status="SUCCEEDED", query_params={"limit": 100})
    assert set(ids) <= {t["task_id"] for t in as_source["DATA"]}
    window = alice.endpoint_manager_task_list(filter_endpoint=LAB, filter_completion_time=("2000-01-01", "2001-01-01"))
    assert window["DATA"] == []
    assert alice.endpoint_manager_task_list(filter_endpoint=LAB, filter_min_faults=1)["DATA"] == []

    for bad in (
        {"filter_status": "SUCCEEDED"},  # needs filter_task_id or filter_endpoint
        {},  # likewise
        {"filter_task_id": ids[0], "filter_status": "ACTIVE"},  # task ids stand alone
        {"filter_task_id": [str(uuid.uuid4()) for _ in range(51)]},
        {"filter_endpoint": LAB, "filter_is_paused": True},  # needs a live status filter
        {"filter_status": "DONE", "filter_endpoint": LAB},
        {"filter_endpoint": LAB, "filter_completion_time": "yesterday,today"},
        {"filter_endpoint": LAB, "last_key": "not-a-key"},
    ):
        assert api_error(lambda bad=bad: alice.endpoint_manager_task_list(**bad)).http_status == 400, bad
    assert api_error(lambda: alice.endpoint_manager_task_list(
        filter_endpoint=LAB, filter_owner_id=str(uuid.uuid4()))).code == "UserNotFound"
    alice_own = _alice_copy(mgmt_sandbox, alice)
    assert api_error(lambda: bob.endpoint_manager_task_list(filter_task_id=[alice_own])).code == "PermissionDenied"

    transfers = alice.endpoint_manager_task_successful_transfers(ids[0])
    fixture = get_response_set("transfer.endpoint_manager_task_successful_transfers").lookup("default").json
    assert set(fixture) <= set(transfers.data) and transfers["DATA_TYPE"] == "successful_transfers"
    assert set(fixture["DATA"][0]) <= set(transfers["DATA"][0])
    assert alice.endpoint_manager_task_skipped_errors(ids[0])["DATA"] == []


# --------------------------------------------------------------------------- endpoints


def test_monitored_hosted_endpoint_and_acl_list(alice: Any, bob: Any) -> None:
    monitored = [d["id"] for d in alice.endpoint_manager_monitored_endpoints()["DATA"]]
    assert {LAB, HPC_SCRATCH_ID, BOB_SHARED_ID} <= set(monitored)
    hosted = alice.endpoint_manager_hosted_endpoint_list(LAB)
    assert hosted["DATA_TYPE"] == "endpoint_list" and BOB_SHARED_ID in [d["id"] for d in hosted["DATA"]]
    assert alice.endpoint_manager_get_endpoint(BOB_SHARED_ID)["id"] == BOB_SHARED_ID
    acl = alice.endpoint_manager_acl_list(BOB_SHARED_ID)
    assert acl["DATA_TYPE"] == "access_list"
    # Bob's administrator role (he made the guest) implies read-write on /; then his rule for Alice.
    assert [(r["principal"], r["permissions"], r["role_type"]) for r in acl["DATA"]] == [
        (BOB_ID, "rw", "administrator"), (ALICE_ID, "rw", None)]
    assert api_error(lambda: alice.endpoint_manager_acl_list(LAB)).http_status == 400


def test_a_paused_task_stays_paused_across_a_restart(tmp_path_factory: pytest.TempPathFactory) -> None:
    data_dir = tmp_path_factory.mktemp("mgmt-restart")
    with own_sandbox(data_dir, slow=SLOW) as first:
        alice, bob = transfer_client_for(first, "alice"), transfer_client_for(first, "bob")
        rule = alice.endpoint_manager_create_pause_rule(_rule(pause_task_transfer_read=True, message="Hold reads"))
        task_id = _bob_copy(first, bob, files=3, size=256)
        poll_doc(lambda: bob.get_task(task_id).data, lambda t: t["status"] == "INACTIVE")
    with own_sandbox(data_dir, slow=SLOW) as second:
        alice, bob = transfer_client_for(second, "alice"), transfer_client_for(second, "bob")
        again = bob.get_task(task_id)
        assert (again["status"], again["is_paused"]) == ("INACTIVE", True)
        assert bob.task_pause_info(task_id)["pause_rules"][0]["message"] == "Hold reads"
        alice.endpoint_manager_delete_pause_rule(rule["id"])
        done = poll_doc(lambda: bob.get_task(task_id).data, lambda t: t["status"] not in ("ACTIVE", "INACTIVE"))
        assert done["status"] == "SUCCEEDED" and done["files_transferred"] == 3


def test_a_paused_task_still_expires_at_its_deadline(mgmt_sandbox: SandboxHandle, alice: Any, bob: Any) -> None:
    name = f"deadline-{uuid.uuid4().hex[:8]}"
    disk = collection_root(mgmt_sandbox, LAB) / "home" / "bob" / name
    for n in range(20):
        write(disk / "src" / f"f{n}.bin", b"x" * 4096)
    deadline = datetime.now(UTC) + timedelta(seconds=3)
    data = globus_sdk.TransferData(LAB, LAB, deadline=deadline.isoformat())
    data.add_item(f"/home/bob/{name}/src/", f"/home/bob/{name}/dst/", recursive=True)
    task_id = str(bob.submit_transfer(data)["task_id"])
    alice.endpoint_manager_pause_tasks([task_id], "held past its deadline")
    done = poll_doc(lambda: bob.get_task(task_id).data, lambda t: t["status"] not in ("ACTIVE", "INACTIVE"))
    assert done["status"] == "FAILED" and done["fatal_error"]["code"] == "DEADLINE_EXCEEDED"
    assert done["is_paused"] is False


def test_roles_on_a_gcs_endpoint_reach_its_collections(mgmt_sandbox: SandboxHandle, alice: Any, bob: Any) -> None:
    db = mgmt_sandbox.state.db
    monitor = roles_store.add_role(db, LAB_ENDPOINT_ID, "identity", BOB_ID, "activity_monitor")
    manager = roles_store.add_role(db, LAB_ENDPOINT_ID, "identity", ALICE_ID, "activity_manager")
    try:
        watched = [d["id"] for d in bob.endpoint_manager_monitored_endpoints()["DATA"]]
        assert {LAB_ENDPOINT_ID, LAB} <= set(watched)
        assert bob.endpoint_manager_get_endpoint(LAB_ENDPOINT_ID)["entity_type"] == "GCSv5_endpoint"
        hosted = [d["id"] for d in bob.endpoint_manager_hosted_endpoint_list(LAB_ENDPOINT_ID)["DATA"]]
        assert {LAB, BOB_SHARED_ID} <= set(hosted)
        task_id = _alice_copy(mgmt_sandbox, alice)
        by_endpoint = bob.endpoint_manager_task_list(filter_endpoint=LAB_ENDPOINT_ID, query_params={"limit": 1000})
        assert task_id in [t["task_id"] for t in by_endpoint["DATA"]]
        assert api_error(lambda: bob.endpoint_manager_pause_tasks([task_id], "no")).http_status == 403
        rule = alice.endpoint_manager_create_pause_rule(
            _rule(endpoint_id=LAB_ENDPOINT_ID, pause_ls=True, message="The whole endpoint is paused"))
        try:
            assert rule["endpoint_display_name"] and rule["endpoint_id"] == LAB_ENDPOINT_ID
            for where in (LAB, BOB_SHARED_ID):
                err = api_error(lambda where=where: bob.operation_ls(where, path="/home/bob/" if where == LAB else "/"))
                assert err.code == "EndpointPaused" and "The whole endpoint is paused" in err.message
            assert rule["id"] in [r["id"] for r in bob.endpoint_manager_pause_rule_list(
                filter_endpoint=LAB_ENDPOINT_ID)["DATA"]]
        finally:
            alice.endpoint_manager_delete_pause_rule(rule["id"])
        bob.operation_ls(LAB, path="/home/bob/")
    finally:
        roles_store.delete_role(db, LAB_ENDPOINT_ID, monitor)
        roles_store.delete_role(db, LAB_ENDPOINT_ID, manager)
    assert api_error(lambda: bob.endpoint_manager_get_endpoint(LAB_ENDPOINT_ID)).code == "EndpointPermissionDenied"
