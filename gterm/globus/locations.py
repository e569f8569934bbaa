"""Parse and format the locations a user types: ``COLLECTION_ID[:PATH]`` and ``bookmark:NAME``.

``COLLECTION_ID[:PATH]`` is globus-cli's syntax (``globus ls ID:/path``): the
text before the first ``:`` must be a collection UUID and everything after it
is the path, verbatim (paths may hold ``:``, spaces and any unicode). Without
a path the collection's default directory is meant. ``bookmark:NAME`` names
one of the user's Transfer bookmarks; resolving it needs the bookmark list,
which :func:`resolve_bookmark` takes as an argument so this module stays pure.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from gterm.globus.errors import InvalidInput, NotFound
from gterm.globus.models import Bookmark

BOOKMARK_PREFIX = "bookmark:"


@dataclass(frozen=True, slots=True)
class CollectionLocation:
    """A collection and, optionally, a path in it (``None``: the collection's default directory)."""

    collection_id: str
    path: str | None = None

    def __str__(self) -> str:
        return format_location(self)


@dataclass(frozen=True, slots=True)
class BookmarkLocation:
    """A reference to a Transfer bookmark by name."""

    name: str

    def __str__(self) -> str:
        return format_location(self)


Location = CollectionLocation | BookmarkLocation


def parse_collection_id(text: str) -> str:
    """Return ``text`` as a canonical (lower-case, hyphenated) UUID or raise InvalidInput."""
    candidate = text.strip()
    try:
        return str(uuid.UUID(candidate))
    except ValueError:
        shown = candidate if len(candidate) <= 60 else candidate[:57] + "..."
        raise InvalidInput(f"{shown!r} is not a collection ID (expected a UUID)") from None


def parse_location(text: str) -> Location:
    """Parse ``COLLECTION_ID[:PATH]`` or ``bookmark:NAME``.

    Raises InvalidInput (with a message fit for the user) when the text is
    neither form.
    """
    if not text or not text.strip():
        raise InvalidInput("Empty location: expected COLLECTION_ID[:PATH] or bookmark:NAME")
    stripped = text.lstrip()
    if stripped.lower().startswith(BOOKMARK_PREFIX):
        name = stripped[len(BOOKMARK_PREFIX):]
        if not name.strip():
            raise InvalidInput("Empty bookmark name: expected bookmark:NAME")
        return BookmarkLocation(name=name)
    collection_part, sep, path = stripped.partition(":")
    collection_id = parse_collection_id(collection_part)
    if not sep or path == "":
        return CollectionLocation(collection_id=collection_id, path=None)
    return CollectionLocation(collection_id=collection_id, path=path)


def format_location(location: Location) -> str:
    """The inverse of :func:`parse_location`."""
    if isinstance(location, BookmarkLocation):
        return BOOKMARK_PREFIX + location.name
    if location.path is None:
        return location.collection_id
    return f"{location.collection_id}:{location.path}"


def resolve_bookmark(location: Location, bookmarks: Iterable[Bookmark]) -> CollectionLocation:
    """Turn a location into a collection location, looking bookmark names up in ``bookmarks``.

    An exact name match wins; otherwise a unique case-insensitive match is used.
    Raises NotFound when no bookmark (or more than one, ignoring case) fits.
    """
    if isinstance(location, CollectionLocation):
        return location
    candidates = list(bookmarks)
    for bookmark in candidates:
        if bookmark.name == location.name:
            return CollectionLocation(bookmark.endpoint_id, bookmark.path)
    folded = [b for b in candidates if b.name.casefold() == location.name.casefold()]
    if len(folded) == 1:
        return CollectionLocation(folded[0].endpoint_id, folded[0].path)
    raise NotFound(f"No bookmark named {location.name!r}")
