"""Directory names of recently listed directories, for Tab completion (the path bar, F5's "to" field; no Textual)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

from gterm.globus.models import Entry, Listing

COMPLETION_CACHE = 32


def dir_names(listing: Listing) -> list[str]:
    """The directory names of ``listing``, sorted (path completion's candidates)."""
    return entry_dir_names(listing.entries)


def entry_dir_names(entries: Iterable[Entry]) -> list[str]:
    """The names of the directories (and links, which may lead to one) among ``entries``, sorted."""
    return sorted([e.name for e in entries if e.type == "dir" or e.type == "link"])


class DirectoryNames:
    """The sorted directory names of the last :data:`COMPLETION_CACHE` directories listed, by path."""

    def __init__(self, capacity: int = COMPLETION_CACHE) -> None:
        self._capacity = capacity
        self._names: OrderedDict[str, list[str]] = OrderedDict()

    def get(self, key: str) -> list[str] | None:
        names = self._names.get(key)
        if names is not None:
            self._names.move_to_end(key)
        return names

    def remember(self, listing: Listing, names: list[str] | None = None) -> None:
        """Keep ``listing``'s directory names (``names``: already computed by a worker)."""
        self._names[listing.path] = dir_names(listing) if names is None else names
        self._names.move_to_end(listing.path)
        while len(self._names) > self._capacity:
            self._names.popitem(last=False)

    def alias(self, spelling: str, path: str) -> None:
        """Also answer for ``spelling`` (a typed "~/..." that the service resolved to ``path``)."""
        if path in self._names:
            self._names[spelling] = self._names[path]
