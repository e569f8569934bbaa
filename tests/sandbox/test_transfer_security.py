"""Security of the Transfer half: tokens, collection roots, symlinks, private homes, consent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import globus_sdk
import pytest
import requests
from globus_sdk.gare import to_gare

from gterm.sandbox.seed_ids import (
    BOB_SHARED_ID,
    HPC_SCRATCH_ID,
    LAB_STORAGE_ID,
    TRANSFER_SCOPE,
    data_access_scope,
)
from tests.support.sandbox_login import robot_transfer_client, transfer_client_for
from tests.support.tasks_helpers import wait_done
from tests.support.transfer_helpers import api_error, collection_root, names, unique

UNKNOWN = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def alice_dir(sandbox: Any, alice_tc: Any) -> Iterator[tuple[str, Any]]:
    """A fresh dir in Alice's home: (Globus path, on-disk path)."""
    path = f"/home/alice/{unique('sec')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, path)
    yield path, collection_root(sandbox, LAB_STORAGE_ID) / path.strip("/")


# --------------------------------------------------------------------------- tokens


def test_missing_token_is_401_json(sandbox: Any) -> None:
    response = requests.get(f"{sandbox.transfer_url}v0.10/endpoint_search?filter_fulltext=lab", timeout=10)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["code"] == "ClientError.AuthenticationFailed"


def test_bad_token_is_401(sandbox: Any) -> None:
    tc = globus_sdk.TransferClient(
        authorizer=globus_sdk.AccessTokenAuthorizer("not-a-real-token"), base_url=sandbox.transfer_url
    )
    for call in (
        lambda: tc.operation_ls(LAB_STORAGE_ID, path="/"),
        lambda: tc.get_endpoint(LAB_STORAGE_ID),
        lambda: tc.bookmark_list(),
        lambda: tc.operation_mkdir(LAB_STORAGE_ID, "/projects/x/"),
    ):
        err = api_error(call)
        assert (err.http_status, err.code) == (401, "ClientError.AuthenticationFailed")


def test_unknown_collection_is_endpoint_not_found(alice_tc: Any) -> None:
    for call in (
        lambda: alice_tc.operation_ls(UNKNOWN, path="/"),
        lambda: alice_tc.operation_stat(UNKNOWN, "/"),
        lambda: alice_tc.operation_mkdir(UNKNOWN, "/x/"),
    ):
        err = api_error(call)
        assert (err.http_status, err.code) == (404, "EndpointNotFound")


# --------------------------------------------------------------------------- private homes


def test_bob_cannot_touch_alices_home(bob_tc: Any) -> None:
    for call in (
        lambda: bob_tc.operation_ls(LAB_STORAGE_ID, path="/home/alice/"),
        lambda: bob_tc.operation_stat(LAB_STORAGE_ID, "/home/alice/README.md"),
        lambda: bob_tc.operation_mkdir(LAB_STORAGE_ID, "/home/alice/from-bob/"),
        lambda: bob_tc.operation_rename(LAB_STORAGE_ID, "/home/alice/README.md", "/home/bob/stolen.md"),
    ):
        err = api_error(call)
        assert (err.http_status, err.code) == (403, "PermissionDenied")


def test_shared_areas_are_open_and_home_list_is_read_only(bob_tc: Any) -> None:
    assert {"alice", "bob"} <= set(names(bob_tc.operation_ls(LAB_STORAGE_ID, path="/home/")))
    assert "climate" in names(bob_tc.operation_ls(LAB_STORAGE_ID, path="/projects/"))
    assert api_error(lambda: bob_tc.operation_mkdir(LAB_STORAGE_ID, "/home/mallory/")).http_status == 403
    assert api_error(lambda: bob_tc.operation_mkdir(LAB_STORAGE_ID, "/toplevel/")).http_status == 403


# --------------------------------------------------------------------------- traversal


# The Globus data server resolves "." and ".." on a path's text, and the parent of "/" is "/"
# (globus_l_gfs_normalize_path, globus-toolkit gridftp/server/src/globus_i_gfs_data.c), before it
# roots the path at the collection (a guest's share path): ".." names nothing above the root.


@pytest.mark.parametrize(
    ("path", "same_as"),
    [("/..", "/"), ("/../", "/"), ("/home/alice/../../..", "/"), ("/projects/../../", "/"),
     ("../../../", "/"), ("/../projects/", "/projects/")],
)
def test_dotdot_at_the_root_stays_at_the_root(alice_tc: Any, path: str, same_as: str) -> None:
    listed = alice_tc.operation_ls(LAB_STORAGE_ID, path=path)
    assert names(listed) == names(alice_tc.operation_ls(LAB_STORAGE_ID, path=same_as))


def test_dotdot_at_the_root_names_nothing_outside(sandbox: Any, alice_tc: Any) -> None:
    # "~/../../../etc/" is the collection's /etc/, which it does not have: never the host's /etc.
    assert api_error(lambda: alice_tc.operation_ls(LAB_STORAGE_ID, path="~/../../../etc/")).http_status == 404
    outside = collection_root(sandbox, LAB_STORAGE_ID).parent.name
    err = api_error(lambda: alice_tc.operation_ls(LAB_STORAGE_ID, path=f"/../{outside}/"))
    assert err.http_status == 404


def test_dotdot_at_the_root_writes_at_the_root(alice_tc: Any) -> None:
    # "/../escape/" is "/escape/": the same answer as asking for that (Alice may not write at the top).
    def answer(call: Any) -> tuple[int, str]:
        err = api_error(call)
        return err.http_status, err.code

    assert answer(lambda: alice_tc.operation_mkdir(LAB_STORAGE_ID, "/../escape/")) == answer(
        lambda: alice_tc.operation_mkdir(LAB_STORAGE_ID, "/escape/"))
    assert answer(lambda: alice_tc.operation_rename(LAB_STORAGE_ID, "/~/README.md", "/../../README.md")) == answer(
        lambda: alice_tc.operation_rename(LAB_STORAGE_ID, "/~/README.md", "/README.md"))


def test_absolute_host_paths_stay_inside_the_collection(sandbox: Any, alice_tc: Any) -> None:
    # Globus paths are absolute *within* the collection: /etc/passwd is <root>/etc/passwd.
    err = api_error(lambda: alice_tc.operation_stat(LAB_STORAGE_ID, "/etc/passwd"))
    assert err.http_status == 404
    host_root = str(collection_root(sandbox, LAB_STORAGE_ID))
    err = api_error(lambda: alice_tc.operation_ls(LAB_STORAGE_ID, path=host_root + "/home/alice/"))
    assert err.http_status == 404


def test_guest_collection_root_is_its_host_path(alice_tc: Any) -> None:
    # Bob's guest root is Lab Storage /shared/bob/: ".." at it is that root again, never the host.
    root = names(alice_tc.operation_ls(BOB_SHARED_ID, path="/"))
    assert set(root) >= {"README.txt", "results"}
    for path in ("/../", "/..", "/results/../..", "/../../../"):
        assert names(alice_tc.operation_ls(BOB_SHARED_ID, path=path)) == root
    for path in ("/home/alice/", "/../bob/", "/../../shared/bob/", "/../../home/alice/"):  # host names
        assert api_error(lambda p=path: alice_tc.operation_ls(BOB_SHARED_ID, path=p)).http_status == 404


def test_task_items_with_dotdot_stay_in_the_guest_root(sandbox: Any, bob_tc: Any) -> None:
    """Transfer and delete items resolve ".." as ls does: at a guest's root it is that root."""
    name = unique("dotdot")
    on_disk = collection_root(sandbox, LAB_STORAGE_ID) / "shared" / "bob" / name  # Bob's guest root is /shared/bob/
    on_disk.mkdir()
    (on_disk / "f.txt").write_text("guest data")

    copy = globus_sdk.TransferData(BOB_SHARED_ID, BOB_SHARED_ID)
    copy.add_item(f"/../{name}/f.txt", f"/x/../../{name}/g.txt")
    done = wait_done(bob_tc, bob_tc.submit_transfer(copy)["task_id"])
    assert done["status"] == "SUCCEEDED"
    assert (on_disk / "g.txt").read_text() == "guest data"

    root_again = globus_sdk.DeleteData(BOB_SHARED_ID, recursive=True)
    root_again.add_item("/x/../..")
    err = api_error(lambda: bob_tc.submit_delete(root_again))
    assert err.http_status == 400  # "/x/../.." is the guest's root, which is never deleted

    remove = globus_sdk.DeleteData(BOB_SHARED_ID)
    remove.add_item(f"/../../{name}/g.txt")
    assert wait_done(bob_tc, bob_tc.submit_delete(remove)["task_id"])["status"] == "SUCCEEDED"
    assert sorted(p.name for p in on_disk.iterdir()) == ["f.txt"]


# --------------------------------------------------------------------------- symlinks


def test_symlink_pointing_outside_is_refused(sandbox: Any, alice_tc: Any, alice_dir: tuple[str, Any]) -> None:
    path, on_disk = alice_dir
    os.symlink("/etc", on_disk / "etc-link")
    os.symlink(str(sandbox.data_dir), on_disk / "data-link")
    listing = alice_tc.operation_ls(LAB_STORAGE_ID, path=path)
    by_name = {e["name"]: e for e in listing["DATA"]}
    for name in ("etc-link", "data-link"):
        assert by_name[name]["type"] == "invalid_symlink"
        assert by_name[name]["link_target"] is None  # never reveals host paths
        link = path + name
        for call in (
            lambda link=link: alice_tc.operation_ls(LAB_STORAGE_ID, path=link + "/"),
            lambda link=link: alice_tc.operation_stat(LAB_STORAGE_ID, link + "/passwd"),
            lambda link=link: alice_tc.operation_mkdir(LAB_STORAGE_ID, link + "/new/"),
            lambda link=link: alice_tc.operation_rename(LAB_STORAGE_ID, "/~/README.md", link + "/README.md"),
        ):
            assert api_error(call).http_status == 400


def test_symlink_cannot_open_a_private_home(sandbox: Any, bob_tc: Any) -> None:
    shared = f"/projects/{unique('links')}/"
    bob_tc.operation_mkdir(LAB_STORAGE_ID, shared)
    on_disk = collection_root(sandbox, LAB_STORAGE_ID) / shared.strip("/")
    os.symlink("../../home/alice", on_disk / "alice-home")
    err = api_error(lambda: bob_tc.operation_ls(LAB_STORAGE_ID, path=shared + "alice-home/"))
    assert err.http_status == 403


def test_symlink_out_of_a_guest_root_is_refused(sandbox: Any, alice_tc: Any, bob_tc: Any) -> None:
    guest_root = collection_root(sandbox, BOB_SHARED_ID)
    name = unique("escape")
    os.symlink("../../home/alice", guest_root / name)  # inside the host, outside the guest root
    try:
        assert api_error(lambda: alice_tc.operation_ls(BOB_SHARED_ID, path=f"/{name}/")).http_status == 400
        assert api_error(lambda: bob_tc.operation_ls(BOB_SHARED_ID, path=f"/{name}/")).http_status == 400
    finally:
        os.unlink(guest_root / name)


# --------------------------------------------------------------------------- guest ACLs


def test_acl_grants_alice_write_on_bobs_collection_and_nobody_else(sandbox: Any, alice_tc: Any) -> None:
    path = f"/{unique('from-alice')}/"
    alice_tc.operation_mkdir(BOB_SHARED_ID, path)
    assert (collection_root(sandbox, BOB_SHARED_ID) / path.strip("/")).is_dir()
    robot = robot_transfer_client(sandbox)
    for call in (
        lambda: robot.operation_ls(BOB_SHARED_ID, path="/"),
        lambda: robot.operation_mkdir(BOB_SHARED_ID, "/robot/"),
        # ...nor around the ACL through the host collection: /shared/bob/ is Bob's alone.
        lambda: robot.operation_ls(LAB_STORAGE_ID, path="/shared/bob/"),
        lambda: alice_tc.operation_ls(LAB_STORAGE_ID, path="/shared/bob/"),
        lambda: alice_tc.operation_rename(LAB_STORAGE_ID, "/shared/bob/", "/shared/alice/"),
    ):
        assert api_error(call).http_status == 403


# --------------------------------------------------------------------------- consent


def test_scratch_requires_data_access_consent(alice_tc: Any) -> None:
    err = api_error(lambda: alice_tc.operation_ls(HPC_SCRATCH_ID, path="~"))
    assert (err.http_status, err.code) == (403, "ConsentRequired")
    expected = f"{TRANSFER_SCOPE}[*{data_access_scope(HPC_SCRATCH_ID)}]"
    assert err.info.consent_required.required_scopes == [expected]
    gare = to_gare(err)
    assert gare is not None
    assert gare.authorization_parameters.required_scopes == [expected]
    # Every file operation is gated, not just ls.
    assert api_error(lambda: alice_tc.operation_mkdir(HPC_SCRATCH_ID, "/~/x/")).code == "ConsentRequired"
    assert api_error(lambda: alice_tc.operation_stat(HPC_SCRATCH_ID, "/README.txt")).code == "ConsentRequired"
    # Metadata stays readable without consent, as in production.
    assert alice_tc.get_endpoint(HPC_SCRATCH_ID)["display_name"] == "HPC Scratch"


def test_scratch_works_with_a_consented_token(sandbox: Any) -> None:
    tc = transfer_client_for(sandbox, "alice", data_access=[HPC_SCRATCH_ID])
    listing = tc.operation_ls(HPC_SCRATCH_ID, path="~")
    assert listing["path"] == "/home/alice/"
    assert {"job-1234", "job-1235", "tmp"} <= set(names(listing))
    assert "README.txt" in names(tc.operation_ls(HPC_SCRATCH_ID, path="/"))


def test_robot_with_consent_uses_scratch(sandbox: Any) -> None:
    robot = robot_transfer_client(sandbox, data_access=[HPC_SCRATCH_ID])
    assert "README.txt" in names(robot.operation_ls(HPC_SCRATCH_ID, path="/"))
