"""TransferService file and collection operations against the live sandbox (real HTTP, real SDK)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import globus_sdk
import pytest

from gterm.globus import paths
from gterm.globus.errors import (
    AlreadyExists,
    ConsentNeeded,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from gterm.globus.models import Listing
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import ALICE_ID, BOB_SHARED_ID, HPC_SCRATCH_ID, LAB_STORAGE_ID, data_access_scope
from tests.support.sandbox_login import transfer_client_for

SEED_TIME = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
ESCAPE_NAME = "esc-\x1b[31m-red.txt"


def collection_root(sandbox: Any, collection_id: str) -> Path:
    for entry in sandbox.info["collections"]:
        if entry["id"] == collection_id:
            return Path(entry["root"])
    raise KeyError(collection_id)


@pytest.fixture(scope="module")
def alice(sandbox: Any) -> TransferService:
    return TransferService(lambda: transfer_client_for(sandbox, "alice"))


@pytest.fixture(scope="module")
def bob(sandbox: Any) -> TransferService:
    return TransferService(lambda: transfer_client_for(sandbox, "bob"))


@pytest.fixture
def workdir(alice: TransferService) -> Iterator[str]:
    """A fresh directory in Alice's home on Lab Storage, made through the service itself."""
    path = f"/home/alice/svc-files-{uuid.uuid4().hex[:8]}/"
    alice.mkdir(LAB_STORAGE_ID, path)
    yield path


# -- ls ---------------------------------------------------------------------------------------


def test_ls_seeded_home(alice: TransferService) -> None:
    listing = alice.ls(LAB_STORAGE_ID, "/home/alice/")
    assert listing.collection_id == LAB_STORAGE_ID
    assert listing.path == "/home/alice/"
    assert not listing.truncated
    by_name = {entry.name: entry for entry in listing.entries}
    for name in (".bashrc", ".profile", ".config", "README.md", "notes with spaces.txt", "Résumé 2026.pdf",
                 "数据.csv", "large-dataset.bin", "experiments", "many-files", "odd-names"):
        assert name in by_name, name
    assert by_name["experiments"].is_dir and by_name["many-files"].is_dir
    assert by_name["large-dataset.bin"].type == "file"
    assert by_name["large-dataset.bin"].size == 3 * 1024 * 1024
    assert by_name["README.md"].last_modified == SEED_TIME
    assert by_name["README.md"].permissions


def test_ls_hidden_filtered(alice: TransferService) -> None:
    shown = {entry.name for entry in alice.ls(LAB_STORAGE_ID, "/home/alice/", show_hidden=True).entries}
    hidden = {entry.name for entry in alice.ls(LAB_STORAGE_ID, "/home/alice/", show_hidden=False).entries}
    assert {".bashrc", ".profile", ".config"} <= shown
    assert not any(name.startswith(".") for name in hidden)
    assert hidden == {name for name in shown if not name.startswith(".")}


@pytest.mark.parametrize("spelling", ["~", "~/", "/~/", ""])
def test_ls_home_resolves(alice: TransferService, spelling: str) -> None:
    listing = alice.ls(LAB_STORAGE_ID, spelling)
    assert listing.path == "/home/alice/"
    assert "README.md" in {entry.name for entry in listing.entries}


def test_where_home_is_is_known_once_a_listing_of_home_has_said_it(sandbox: Any) -> None:
    service = TransferService(lambda: transfer_client_for(sandbox, "alice"))  # fresh: nothing listed yet
    service.ls(LAB_STORAGE_ID, "/home/alice/experiments/")
    service.ls(LAB_STORAGE_ID, "~/experiments")  # below ~, not ~ itself: not taken apart to guess where ~ is
    assert service.home_directory(LAB_STORAGE_ID) is None
    service.ls_page(LAB_STORAGE_ID, "/~/", limit=10)
    assert service.home_directory(LAB_STORAGE_ID) == "/home/alice/"
    assert service.home_directory(BOB_SHARED_ID) is None  # per collection


def test_a_listing_of_home_that_kept_the_tilde_does_not_say_where_home_is() -> None:
    service = TransferService(lambda: None)  # type: ignore[arg-type, return-value]  # no call is made
    service._learn_home("~", Listing(LAB_STORAGE_ID, "/~/", ()))
    assert service.home_directory(LAB_STORAGE_ID) is None


def test_ls_names_are_literal(alice: TransferService, sandbox: Any) -> None:
    listed = {entry.name for entry in alice.ls(LAB_STORAGE_ID, "/~/odd-names/").entries}
    on_disk = {p.name for p in (collection_root(sandbox, LAB_STORAGE_ID) / "home/alice/odd-names").iterdir()}
    assert listed == on_disk
    assert ESCAPE_NAME in listed
    assert any("[bold]" in name for name in listed)


def test_ls_thousands_in_one_call(alice: TransferService) -> None:
    listing = alice.ls(LAB_STORAGE_ID, "/home/alice/many-files/")
    assert len(listing.entries) == 3000
    assert listing.entries and all(not entry.is_dir for entry in listing.entries)
    assert not listing.truncated


def test_ls_parent_of_home_via_paths(alice: TransferService) -> None:
    listing = alice.ls(LAB_STORAGE_ID, paths.parent("~"))
    assert listing.path == "/home/"
    assert "alice" in {entry.name for entry in listing.entries}


def test_ls_guest_collection_shared_with_alice(alice: TransferService) -> None:
    listing = alice.ls(BOB_SHARED_ID, "/")
    names = {entry.name for entry in listing.entries}
    assert {"README.txt", "results"} <= names


# -- mkdir / rename / stat ----------------------------------------------------------------------


def test_mkdir_rename_stat(alice: TransferService, workdir: str, sandbox: Any) -> None:
    odd = "new dir ünï [bold red]x"
    created = paths.child(workdir, odd, is_dir=True)
    alice.mkdir(LAB_STORAGE_ID, created)
    entry = alice.stat(LAB_STORAGE_ID, created)
    assert entry.is_dir and entry.name == odd

    renamed = paths.child(workdir, "renamed", is_dir=True)
    alice.rename(LAB_STORAGE_ID, created, renamed)
    names = {e.name for e in alice.ls(LAB_STORAGE_ID, workdir).entries}
    assert names == {"renamed"}
    on_disk = collection_root(sandbox, LAB_STORAGE_ID) / workdir.strip("/") / "renamed"
    assert on_disk.is_dir()
    with pytest.raises(NotFound):
        alice.stat(LAB_STORAGE_ID, created)


def test_stat_file(alice: TransferService, sandbox: Any) -> None:
    entry = alice.stat(LAB_STORAGE_ID, "/home/alice/notes with spaces.txt")
    on_disk = collection_root(sandbox, LAB_STORAGE_ID) / "home/alice/notes with spaces.txt"
    assert entry.type == "file"
    assert entry.name == "notes with spaces.txt"
    assert entry.size == on_disk.stat().st_size
    assert entry.last_modified == SEED_TIME


def test_mkdir_existing_is_already_exists(alice: TransferService, workdir: str) -> None:
    with pytest.raises(AlreadyExists) as info:
        alice.mkdir(LAB_STORAGE_ID, workdir)
    assert str(info.value)


def test_rename_onto_existing_is_already_exists(alice: TransferService, workdir: str) -> None:
    alice.mkdir(LAB_STORAGE_ID, workdir + "a/")
    alice.mkdir(LAB_STORAGE_ID, workdir + "b/")
    with pytest.raises(AlreadyExists):
        alice.rename(LAB_STORAGE_ID, workdir + "a/", workdir + "b/")


# -- errors -------------------------------------------------------------------------------------


def test_missing_path_is_not_found(alice: TransferService) -> None:
    with pytest.raises(NotFound) as info:
        alice.ls(LAB_STORAGE_ID, "/home/alice/does-not-exist/")
    assert "does-not-exist" in str(info.value)
    with pytest.raises(NotFound):
        alice.stat(LAB_STORAGE_ID, "/home/alice/nope.txt")


def test_listing_a_file_is_invalid_input(alice: TransferService) -> None:
    with pytest.raises(InvalidInput):
        alice.ls(LAB_STORAGE_ID, "/home/alice/README.md")


def test_unknown_collection_is_not_found(alice: TransferService) -> None:
    unknown = str(uuid.uuid4())
    with pytest.raises(NotFound):
        alice.ls(unknown, "/")
    with pytest.raises(NotFound):
        alice.get_collection(unknown)


def test_other_users_home_is_permission_denied(bob: TransferService) -> None:
    with pytest.raises(PermissionDenied) as info:
        bob.ls(LAB_STORAGE_ID, "/home/alice/")
    assert str(info.value)
    with pytest.raises(PermissionDenied):
        bob.mkdir(LAB_STORAGE_ID, "/home/alice/bob-was-here/")


def test_scratch_without_consent_needs_data_access(alice: TransferService) -> None:
    with pytest.raises(ConsentNeeded) as info:
        alice.ls(HPC_SCRATCH_ID, "~")
    assert any(data_access_scope(HPC_SCRATCH_ID) in scope for scope in info.value.required_scopes)
    assert str(info.value)


def test_scratch_with_consent_lists(sandbox: Any) -> None:
    consented = TransferService(lambda: transfer_client_for(sandbox, "alice", data_access=[HPC_SCRATCH_ID]))
    listing = consented.ls(HPC_SCRATCH_ID, "~")
    assert listing.path == "/home/alice/"
    assert {"job-1234", "job-1235"} <= {entry.name for entry in listing.entries}


# -- collections --------------------------------------------------------------------------------


def test_get_collection(alice: TransferService) -> None:
    collection = alice.get_collection(LAB_STORAGE_ID)
    assert collection.id == LAB_STORAGE_ID
    assert collection.display_name == "Lab Storage"
    assert collection.default_directory == "/~/"
    guest = alice.get_collection(BOB_SHARED_ID)
    assert guest.host_endpoint_id == LAB_STORAGE_ID


def test_search_collections(alice: TransferService) -> None:
    found = alice.search_collections("lab")
    assert LAB_STORAGE_ID in {c.id for c in found}
    assert alice.search_collections("   ") == []  # "all" needs text; no call is made
    shared = alice.search_collections("", scope="shared-with-me")
    assert BOB_SHARED_ID in {c.id for c in shared}
    with pytest.raises(InvalidInput):
        alice.search_collections("x", scope="everything")


# -- threads ------------------------------------------------------------------------------------


def test_each_thread_gets_its_own_client(sandbox: Any) -> None:
    built: list[globus_sdk.TransferClient] = []
    lock = threading.Lock()

    def factory() -> globus_sdk.TransferClient:
        client = transfer_client_for(sandbox, "alice")
        with lock:
            built.append(client)
        return client

    service = TransferService(factory)
    seen: dict[str, int] = {}
    errors: list[BaseException] = []

    def work(tag: str) -> None:
        try:
            first = service.client()
            for _ in range(3):
                service.ls(LAB_STORAGE_ID, "/home/alice/experiments/")
            assert service.client() is first
            seen[tag] = id(first)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(f"t{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert len(built) == 3
    assert len(set(seen.values())) == 3


# -- access rules -------------------------------------------------------------------------------


def test_acl_rules_of_a_guest_collection(alice: TransferService, bob: TransferService) -> None:
    rules = bob.acl_rules(BOB_SHARED_ID)
    assert any(r.principal_type == "identity" and r.principal == ALICE_ID and r.permissions == "rw" for r in rules)
    with pytest.raises(PermissionDenied):
        alice.acl_rules(BOB_SHARED_ID)  # only the owner or a manager may read them
