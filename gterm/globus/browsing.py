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
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol

from gterm.globus.local_files import LOCAL_COLLECTION, LOCAL_ID, LocalFiles, is_local
from gterm.globus.models import Collection, Listing

if TYPE_CHECKING:  # pragma: no cover
    from gterm.globus.transfer import TransferService

__all__ = ["LOCAL", "LocalBrowsing", "PaneFiles", "files_for", "is_local"]


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

