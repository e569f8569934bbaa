"""Bookmarks through TransferService against the live sandbox, plus bookmark:NAME locations."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from gterm.globus.errors import AlreadyExists, InvalidInput, NotFound
from gterm.globus.locations import CollectionLocation
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.sandbox_login import transfer_client_for


@pytest.fixture(scope="module")
def alice(sandbox: Any) -> TransferService:
    return TransferService(lambda: transfer_client_for(sandbox, "alice"))


@pytest.fixture(scope="module")
def bob(sandbox: Any) -> TransferService:
    return TransferService(lambda: transfer_client_for(sandbox, "bob"))


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:6]}"


def test_bookmark_crud(alice: TransferService) -> None:
    name = unique("Experiments ünï")
    created = alice.create_bookmark(name, LAB_STORAGE_ID, "/home/alice/experiments")
    assert created.name == name
    assert created.endpoint_id == LAB_STORAGE_ID
    assert created.path == "/home/alice/experiments/"  # directories end with "/"
    assert created in alice.bookmarks()

    new_name = unique("Runs")
    renamed = alice.rename_bookmark(created.id, new_name)
    assert (renamed.id, renamed.name, renamed.path) == (created.id, new_name, created.path)
    names = {b.name for b in alice.bookmarks()}
    assert new_name in names and name not in names

    alice.delete_bookmark(created.id)
    assert created.id not in {b.id for b in alice.bookmarks()}
    with pytest.raises(NotFound):
        alice.delete_bookmark(created.id)
    with pytest.raises(NotFound):
        alice.rename_bookmark(created.id, unique("gone"))


def test_bookmark_name_taken(alice: TransferService) -> None:
    name = unique("Taken")
    first = alice.create_bookmark(name, LAB_STORAGE_ID, "/home/alice/")
    try:
        with pytest.raises(AlreadyExists):
            alice.create_bookmark(name, LAB_STORAGE_ID, "/home/alice/experiments/")
        other = alice.create_bookmark(unique("Other"), LAB_STORAGE_ID, "/home/alice/")
        with pytest.raises(AlreadyExists):
            alice.rename_bookmark(other.id, name)
        alice.delete_bookmark(other.id)
    finally:
        alice.delete_bookmark(first.id)


def test_empty_bookmark_name_is_rejected_locally(alice: TransferService) -> None:
    with pytest.raises(InvalidInput):
        alice.create_bookmark("  ", LAB_STORAGE_ID, "/home/alice/")


def test_bookmarks_are_per_identity(alice: TransferService, bob: TransferService) -> None:
    mark = alice.create_bookmark(unique("Private"), LAB_STORAGE_ID, "/home/alice/")
    try:
        assert mark.id not in {b.id for b in bob.bookmarks()}
        with pytest.raises(NotFound):
            bob.delete_bookmark(mark.id)
    finally:
        alice.delete_bookmark(mark.id)


def test_resolve_location(alice: TransferService) -> None:
    name = unique("Results")
    mark = alice.create_bookmark(name, LAB_STORAGE_ID, "/home/alice/experiments/run-001/")
    try:
        resolved = alice.resolve_location(f"bookmark:{name}")
        assert resolved == CollectionLocation(LAB_STORAGE_ID, "/home/alice/experiments/run-001/")
        listing = alice.ls(resolved.collection_id, resolved.path or "")
        assert "params.json" in {e.name for e in listing.entries}
        with pytest.raises(NotFound):
            alice.resolve_location("bookmark:" + unique("missing"))
        plain = alice.resolve_location(f"{LAB_STORAGE_ID}:/home/alice/")
        assert plain == CollectionLocation(LAB_STORAGE_ID, "/home/alice/")
        with pytest.raises(InvalidInput):
            alice.resolve_location("not a location")
    finally:
        alice.delete_bookmark(mark.id)
