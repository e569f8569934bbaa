"""gterm.globus.locations: globus-cli's COLLECTION_ID[:PATH] and bookmark:NAME."""

from __future__ import annotations

import pytest

from gterm.globus.errors import InvalidInput, NotFound
from gterm.globus.locations import (
    BookmarkLocation,
    CollectionLocation,
    NamedLocation,
    format_location,
    parse_collection_id,
    parse_location,
    resolve_bookmark,
)
from gterm.globus.models import Bookmark

CID = "8f3caffd-c450-42a7-b874-98ce4d4f88b2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (CID, CollectionLocation(CID, None)),
        (CID + ":", CollectionLocation(CID, None)),
        (CID + ":/home/alice/", CollectionLocation(CID, "/home/alice/")),
        (CID + ":~/data", CollectionLocation(CID, "~/data")),
        (CID.upper() + ":/x", CollectionLocation(CID, "/x")),
        (CID.replace("-", "") + ":/x", CollectionLocation(CID, "/x")),
        # everything after the first ":" is the path, verbatim
        (CID + ":/a:b/c d /", CollectionLocation(CID, "/a:b/c d /")),
        (CID + ":/ünï/[bold]x[/bold]", CollectionLocation(CID, "/ünï/[bold]x[/bold]")),
        ("  " + CID + ":/x", CollectionLocation(CID, "/x")),
        ("bookmark:My data", BookmarkLocation("My data")),
        ("bookmark:a:b", BookmarkLocation("a:b")),
        ("Bookmark:x", BookmarkLocation("x")),
        # a display name before the ":" names a collection (resolved by search); hex-and-hyphens is a bad ID
        ("Lab Storage:/data", NamedLocation("Lab Storage", "/data")),
        ("not-a-uuid:/x", NamedLocation("not-a-uuid", "/x")),
        ("Lab Storage:", NamedLocation("Lab Storage", None)),
    ],
)
def test_parse_location(text: str, expected: object) -> None:
    assert parse_location(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "/home/alice", "bookmark:", "bookmark:  ", CID[:-1], CID[:-1] + ":/x"])
def test_parse_location_rejects(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_location(text)
    assert str(info.value)  # a message for the user


def test_bad_collection_message_is_short_and_literal() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_collection_id("x" * 500)
    assert len(str(info.value)) < 120


@pytest.mark.parametrize(
    "location",
    [
        CollectionLocation(CID),
        CollectionLocation(CID, "/"),
        CollectionLocation(CID, "/a:b/c d/"),
        BookmarkLocation("Project: results"),
    ],
)
def test_format_round_trips(location: CollectionLocation | BookmarkLocation) -> None:
    text = format_location(location)
    assert parse_location(text) == location
    assert str(location) == text


def test_format_examples() -> None:
    assert format_location(CollectionLocation(CID, "/x/")) == f"{CID}:/x/"
    assert format_location(CollectionLocation(CID)) == CID
    assert format_location(BookmarkLocation("b")) == "bookmark:b"


def test_resolve_bookmark() -> None:
    marks = [
        Bookmark(id="1", name="Results", endpoint_id=CID, path="/home/alice/results/"),
        Bookmark(id="2", name="results", endpoint_id="other", path="/other/"),
        Bookmark(id="3", name="Scratch", endpoint_id=CID, path="/scratch/"),
    ]
    assert resolve_bookmark(BookmarkLocation("Results"), marks) == CollectionLocation(CID, "/home/alice/results/")
    assert resolve_bookmark(BookmarkLocation("results"), marks) == CollectionLocation("other", "/other/")
    assert resolve_bookmark(BookmarkLocation("scratch"), marks) == CollectionLocation(CID, "/scratch/")
    with pytest.raises(NotFound):
        resolve_bookmark(BookmarkLocation("RESULTS"), marks)  # ambiguous ignoring case
    with pytest.raises(NotFound):
        resolve_bookmark(BookmarkLocation("nope"), marks)
    plain = CollectionLocation(CID, "/x")
    assert resolve_bookmark(plain, []) is plain


def test_local_locations_name_this_computer() -> None:
    assert parse_location("local:~/data") == CollectionLocation("local", "~/data")
    assert parse_location("local:/tmp/a:b") == CollectionLocation("local", "/tmp/a:b")  # the path is verbatim
    assert parse_location("local") == CollectionLocation("local", None)
    assert parse_location("LOCAL:") == CollectionLocation("local", None)
    assert format_location(CollectionLocation("local", "/srv/x/")) == "local:/srv/x/"
    assert parse_location(format_location(CollectionLocation("local", "/srv/x/"))) == CollectionLocation(
        "local", "/srv/x/"
    )
