"""Sorted directory listings kept briefly, so the pages after the first need no new directory read.

Transfer pages ``ls`` with ``limit``/``offset`` and documents the cost: GridFTP
cannot page, so the service reads the whole directory again for every page.
Done here that way, a 1,000,000-entry directory listed in pages of 100,000
costs ten full reads and sorts (measured: see ``tests/perf/ls_paging.py``).
The sandbox keeps the filtered, sorted listing that a first page produced
while the client is still paging through it:

* a listing sorted by file facts (size, time, permissions) serves only the
  pages after its first (``offset > 0``): a first page always reads the
  directory, so a client that lists again sees every change at once. A
  listing by names and types holds no file facts (they are read for each
  page as it is sent), so it serves first pages too: a second visit to a
  1,000,000-entry directory does not read it again;
* a kept listing is valid while the directory's own change stamp (inode and
  ``st_mtime_ns``: entries added, removed or renamed) is unchanged (a
  directory changed in the last two seconds is not kept: see
  :func:`directory_stamp`) and for
  :data:`TTL` seconds at most, so a file rewritten in place shows its new size
  on a later page after that long at worst (as a listing that was sent just
  before the rewrite would). A listing by names and types holds nothing that
  can change without the stamp changing, so it is kept for
  :data:`NAMES_TTL`: reading and sorting a 1,000,000-entry directory again
  costs about a second of CPU before its first page can be sent;
* a listing by file facts is dropped when its last page has been served,
  and at most :data:`MAX_LISTINGS` are kept (the oldest goes first).

Keys say everything that decides the result: collection, directory on disk,
``show_hidden``, the filter and the orderby exactly as sent.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")

TTL = 30.0
NAMES_TTL = 600.0
MAX_LISTINGS = 4


RACY_NS = 2_000_000_000
"""A directory changed this recently may change again within the same clock tick unseen."""


def directory_stamp(directory: int | str) -> tuple[int, int, int] | None:
    """What changes when a directory's entries change: its device, inode and mtime (ns).

    None when the directory changed within the last :data:`RACY_NS`: file
    systems stamp times from a coarse clock (a few milliseconds per tick on
    Linux), so a second change in the same tick would leave the stamp as it
    was. Such a listing is not kept (as git treats "racily clean" files).
    """
    st = os.stat(directory)  # an open descriptor, or a path
    if time.time_ns() - st.st_mtime_ns < RACY_NS:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns)


class SortedListings(Generic[V]):
    """Listings (of any kind ``V``) by key, each with the stamp of the directory it was read from; thread-safe."""

    def __init__(
        self, *, ttl: float = TTL, max_listings: int = MAX_LISTINGS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._max = max_listings
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (when it expires, the directory's stamp, the items)
        self._kept: OrderedDict[Hashable, tuple[float, Hashable, V]] = OrderedDict()

    def get(self, key: Hashable, stamp: Hashable | None) -> V | None:
        """The listing kept under ``key`` if it was read with ``stamp`` and is fresh enough."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is None or stamp is None:
                return None
            expires, kept_stamp, items = kept
            if kept_stamp != stamp or self._clock() > expires:
                del self._kept[key]
                return None
            return items

    def put(self, key: Hashable, stamp: Hashable | None, items: V, *, ttl: float | None = None) -> None:
        """Keep ``items`` (the caller no longer changes them) until their last page is served.

        A None ``stamp`` (see :func:`directory_stamp`) keeps nothing. ``ttl``
        overrides the store's own (a listing by names only: :data:`NAMES_TTL`).
        """
        with self._lock:
            self._kept.pop(key, None)
            if stamp is None:
                return
            self._kept[key] = (self._clock() + (self._ttl if ttl is None else ttl), stamp, items)
            while len(self._kept) > self._max:
                self._kept.popitem(last=False)

    def drop(self, key: Hashable) -> None:
        with self._lock:
            self._kept.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._kept)
