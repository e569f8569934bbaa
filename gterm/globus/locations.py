"""Parse and format the locations a user types: ``COLLECTION_ID[:PATH]``, ``NAME:PATH``, ``bookmark:NAME``,
``local:PATH``.

``COLLECTION_ID[:PATH]`` is globus-cli's syntax (``globus ls ID:/path``): the
text before the first ``:`` must be a collection UUID and everything after it
is the path, verbatim (paths may hold ``:``, spaces and any unicode). Without
a path the collection's default directory is meant. ``bookmark:NAME`` names
one of the user's Transfer bookmarks; resolving it needs the bookmark list,
which :func:`resolve_bookmark` takes as an argument so this module stays pure.
``NAME:PATH`` names a collection by its display name (``Lab Storage:/data``);
:func:`resolve_collection_name` picks it from search results when exactly one
collection has that name. ``local:PATH`` (``local`` alone: the home directory)
is this computer's file system: a :class:`CollectionLocation` whose id is
``local`` (``~`` in PATH is expanded when it is listed).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from gterm.globus.errors import InvalidInput, NotFound
from gterm.globus.local_files import LOCAL_ID
from gterm.globus.models import Bookmark, Collection

BOOKMARK_PREFIX = "bookmark:"
LOCAL_PREFIX = LOCAL_ID + ":"


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


@dataclass(frozen=True, slots=True)
class NamedLocation:
    """A collection named by its display name, and optionally a path in it."""

    name: str
    path: str | None = None

    def __str__(self) -> str:
        return format_location(self)


Location = CollectionLocation | BookmarkLocation | NamedLocation


def parse_collection_id(text: str) -> str:
    """Return ``text`` as a canonical (lower-case, hyphenated) UUID or raise InvalidInput."""
    candidate = text.strip()
    try:
        return str(uuid.UUID(candidate))
    except ValueError:
        shown = candidate if len(candidate) <= 60 else candidate[:57] + "..."
        raise InvalidInput(f"{shown!r} is not a collection ID (expected a UUID)") from None


def parse_location(text: str) -> Location:
    """Parse ``COLLECTION_ID[:PATH]``, ``NAME:PATH``, ``bookmark:NAME`` or ``local[:PATH]``.

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
    if stripped.lower() == LOCAL_ID or stripped.lower().startswith(LOCAL_PREFIX):
        return CollectionLocation(collection_id=LOCAL_ID, path=stripped[len(LOCAL_PREFIX):] or None)
    collection_part, sep, path = stripped.partition(":")
    if sep and collection_part.strip() and not _looks_like_id(collection_part):
        return NamedLocation(name=collection_part.strip(), path=path or None)
    collection_id = parse_collection_id(collection_part)
    if not sep or path == "":
        return CollectionLocation(collection_id=collection_id, path=None)
    return CollectionLocation(collection_id=collection_id, path=path)


def written_out(text: str | None) -> CollectionLocation | None:
    """``text`` as a location that needs no lookup (``COLLECTION_ID[:PATH]``, ``local[:PATH]``), or None:
    a name or a bookmark (looked up by whoever needs it), nothing, or a mistake (reported by that lookup)."""
    if not text:
        return None
    try:
        location = parse_location(text)
    except InvalidInput:
        return None
    return location if isinstance(location, CollectionLocation) else None


def _looks_like_id(text: str) -> bool:
    """Hex digits and hyphens only: a (perhaps mistyped) collection ID, never a display name."""
    candidate = text.strip()
    return bool(candidate) and all(c in "0123456789abcdefABCDEF-" for c in candidate)


def format_location(location: Location) -> str:
    """The inverse of :func:`parse_location`."""
    if isinstance(location, BookmarkLocation):
        return BOOKMARK_PREFIX + location.name
    if isinstance(location, NamedLocation):
        return f"{location.name}:{location.path or ''}"
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


def resolve_collection_name(location: NamedLocation, candidates: Iterable[Collection]) -> CollectionLocation:
    """The one collection among ``candidates`` (search results) whose display name is ``location.name``.

    An exact match wins, else a case-insensitive one. Raises NotFound when no
    collection has the name and InvalidInput listing the matches when several do.
    """
    found = list(candidates)
    exact = [c for c in found if c.display_name == location.name]
    matches = exact or [c for c in found if c.display_name.casefold() == location.name.casefold()]
    unique = {c.id: c for c in matches}
    if len(unique) == 1:
        return CollectionLocation(next(iter(unique)), location.path)
    if not unique:
        raise NotFound(f"No collection named {location.name!r}")
    listed = "; ".join(f"{c.display_name} ({c.id})" for c in list(unique.values())[:10])
    raise InvalidInput(f"{location.name!r} names {len(unique)} collections: {listed}. Use the collection ID.")
