"""What a pane browses with: a collection through Transfer, or this computer's files.

A pane lists, creates and renames through :class:`PaneFiles`, the few
methods :class:`~gterm.globus.transfer.TransferService` offers for that;
:class:`LocalBrowsing` offers the same signatures over
:class:`~gterm.globus.local_files.LocalFiles`. :func:`files_for` picks one by
collection id (``local`` is this computer), so the pane, its keys, sort,
filter and selection need not know which it shows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Protocol

from gterm.globus.local_files import LOCAL_COLLECTION, LOCAL_ID, LocalFiles, is_local
from gterm.globus.ls_request import FIRST_PAGE
from gterm.globus.models import Collection, Entry, Listing

if TYPE_CHECKING:  # pragma: no cover
    from gterm.globus.transfer import TransferService

__all__ = ["LOCAL", "FirstListing", "LocalBrowsing", "PaneFiles", "files_for", "is_local"]

# Threads for the collection lookups that run alongside a listing: a small pool shared by the panes
# (no thread starts before the first lookup). Its threads live on, so each keeps its TransferClient
# (the service has one per thread) instead of building a new one -- and a new connection -- per lookup.
_LOOKUPS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="gterm-lookup")


class PaneFiles(Protocol):
    """The listing and changing a pane does (TransferService's signatures)."""

    def get_collection(self, collection_id: str) -> Collection: ...

    def ls(self, collection_id: str, path: str, *, show_hidden: bool = True) -> Listing: ...

    def ls_page(
        self,
        collection_id: str,
        path: str,
        *,
        offset: int = ...,
        limit: int = ...,
        orderby: str | None = ...,
        show_hidden: bool = ...,
    ) -> Listing: ...

    def more_pages(
        self, listing: Listing, *, orderby: str | None = ..., show_hidden: bool = ..., page_size: int = ...
    ) -> Iterator[Listing]: ...

    def first_page_at_hand(
        self, collection_id: str, path: str | None, *, orderby: str
    ) -> tuple[Collection, Listing] | None: ...

    def stat(self, collection_id: str, path: str) -> Entry: ...

    def mkdir(self, collection_id: str, path: str) -> None: ...

    def rename(self, collection_id: str, old_path: str, new_path: str) -> None: ...


class LocalBrowsing:
    """:class:`PaneFiles` for this computer: one scandir lists a whole directory (no pages)."""

    def __init__(self, files: LocalFiles | None = None) -> None:
        self.files = files or LocalFiles()

    def get_collection(self, collection_id: str) -> Collection:
        # The default directory is the user's home, found when asked (HOME may change in tests).
        return dataclasses.replace(LOCAL_COLLECTION, default_directory=self.files.home())

    def ls(self, collection_id: str, path: str, *, show_hidden: bool = True) -> Listing:
        return self.files.ls(path, show_hidden=show_hidden)

    def ls_page(
        self,
        collection_id: str,
        path: str,
        *,
        offset: int = 0,
        limit: int = 0,
        orderby: str | None = None,
        show_hidden: bool = True,
    ) -> Listing:
        return self.files.ls(path, show_hidden=show_hidden)  # whole: the pane sorts it itself

    def more_pages(
        self, listing: Listing, *, orderby: str | None = None, show_hidden: bool = True, page_size: int = 0
    ) -> Iterator[Listing]:
        return iter(())

    def first_page_at_hand(
        self, collection_id: str, path: str | None, *, orderby: str
    ) -> tuple[Collection, Listing] | None:
        return None  # this computer's listings are never started early: a scandir is quick

    def stat(self, collection_id: str, path: str) -> Entry:
        return self.files.stat(path)

    def mkdir(self, collection_id: str, path: str) -> None:
        self.files.mkdir(path)

    def rename(self, collection_id: str, old_path: str, new_path: str) -> None:
        self.files.rename(old_path, new_path)

    def delete(self, targets: Iterable[str]) -> list[str]:
        """Delete at once (no task); returns what could not be deleted, with why."""
        return self.files.delete(targets)


LOCAL = LocalBrowsing()


def files_for(collection_id: str | None, service: TransferService) -> PaneFiles:
    """This computer's files for the ``local`` collection, else the collection through ``service``."""
    return LOCAL if collection_id == LOCAL_ID else service


class FirstListing:
    """A pane's first request for a location, made on its worker: the collection and the first page.

    The ``operation_ls`` goes out first: when the pane does not know the
    collection yet, its ``get_collection`` runs concurrently on a lookup
    thread instead of costing a round trip before the listing (only the
    default directory, path None, has to wait for the collection's document).
    :attr:`collection` is set as soon as it is known, so a failed listing can
    still be reported with the collection's name.
    """

    def __init__(self, files: PaneFiles, collection_id: str, path: str | None, known: Collection | None) -> None:
        self.files = files
        self.collection_id = collection_id
        self.path = path
        self.collection = known

    def fetch(self, order: str, *, whole: bool, cancelled: Callable[[], bool]) -> tuple[Collection, Listing] | None:
        """:data:`FIRST_PAGE` entries in ``order`` (every page when ``whole``) and the collection;
        None when ``cancelled`` says so between pages. Raises the service's error, the collection's
        first when both calls fail (as if it had been asked first)."""
        files, collection_id = self.files, self.collection_id
        lookup: Future[Collection] | None = None
        if self.path is None:
            if self.collection is None:
                self.collection = files.get_collection(collection_id)  # its default directory is the target
            target = self.collection.default_directory or "/"
        else:
            target = self.path
            if self.collection is None:
                lookup = _LOOKUPS.submit(files.get_collection, collection_id)
        try:
            listing = files.ls_page(collection_id, target, limit=FIRST_PAGE, orderby=order)
            if whole:
                for page in files.more_pages(listing, orderby=order):
                    if cancelled():
                        return None
                    listing = listing.extended(page)
                listing = listing.finished()
        except Exception:
            if lookup is not None:
                self.collection = lookup.result()
            raise
        if lookup is not None:
            self.collection = lookup.result()
        assert self.collection is not None  # known, or looked up (path None needs it before listing)
        return self.collection, listing
