"""A pane whose collection no longer exists: it lets the collection go, or follows a deleted guest to its host.

A mixin of :class:`~gterm.tui.widgets.pane.Pane`. A listing that finds the
collection shown deleted (Transfer's EndpointNotFound, :class:`CollectionGone`)
posts :class:`~gterm.tui.messages.CollectionDeleted`, as the sharing screen does
once it has deleted a guest collection itself; the app then tells every pane
showing that collection (messages up, attributes down). A pane must not go on
showing the rows of a collection that is gone under its name, nor offer F5, F6,
F7 or F8 from it: it shows no collection, as before the first ctrl+o.
"""

from __future__ import annotations

from typing import Protocol

from rich.text import Text
from textual.widgets import Label

from gterm.globus import paths
from gterm.globus.errors import CollectionGone, NotFound, PermissionDenied
from gterm.globus.models import Bookmark, Collection, Listing
from gterm.tui.messages import BookmarkGone, CollectionDeleted, FailedLookup
from gterm.tui.widgets.file_list import FileList
from gterm.tui.widgets.path_bar import PathBar
from gterm.tui.widgets.status_line import StatusLine

EMPTY_HINT = "ctrl+o: pick a collection"


class _Pane(Protocol):
    """What this part of a pane uses of the rest of it."""

    collection: Collection | None
    listing: Listing | None
    _generation: int
    _note_after_load: str | None
    _failed_open: tuple[str, str | None, str] | FailedLookup | None
    _selected_count: int
    _selected_size: int
    _deleted_name: str
    _bookmark_opened: tuple[int, Bookmark] | None

    @property
    def collection_id(self) -> str | None: ...
    @property
    def file_list(self) -> FileList: ...
    @property
    def path_bar(self) -> PathBar: ...
    @property
    def status_line(self) -> StatusLine: ...
    def query_one(self, selector: str, expect_type: type[Label]) -> Label: ...
    def post_message(self, message: CollectionDeleted | BookmarkGone) -> bool: ...
    def show_error(self, message: str) -> None: ...
    def open(self, collection_id: str, path: str | None = None, *, origin: str = "open") -> None: ...
    def _hide_filter(self) -> None: ...
    def _clear_message(self) -> None: ...
    def refresh_status(self) -> None: ...
    def drop_waiting(self, why: str) -> None: ...
    def found_collection_gone(self) -> None: ...


class PaneGone:
    """What a Pane does when the collection it shows no longer exists."""

    _deleted_name = ""  # the deleted guest whose folder on its host is being opened (said if it cannot be)
    _bookmark_opened: tuple[int, Bookmark] | None = None  # the bookmark the listing of that generation opens

    def open_bookmark(self: _Pane, bookmark: Bookmark) -> None:
        """Open ``bookmark``'s location; if its collection is gone, it is the bookmark that is said to be broken
        (:meth:`bookmark_gone`), not the place this pane shows."""
        self.open(bookmark.endpoint_id, bookmark.path)
        self._bookmark_opened = (self._generation, bookmark)

    def bookmark_gone(self: _Pane, error: BaseException, generation: int, collection_id: str) -> bool:
        """The listing of a bookmark found its collection deleted: say so upwards, naming the bookmark (the
        screen shows it in the bookmarks, where Del removes it), and go on showing what was shown, as any
        listing that fails does, without a line under it about another place. A bookmark to the collection
        shown lets that collection go too, as any listing finding it gone does."""
        opened, self._bookmark_opened = self._bookmark_opened, None
        if opened is None or opened[0] != generation or not isinstance(error, CollectionGone):
            return False
        why = f"the bookmark {opened[1].name} points to a collection that no longer exists"
        self.drop_waiting(why)  # the keys typed after Enter were meant for its location
        self.post_message(BookmarkGone(opened[1]))
        if collection_id == self.collection_id:
            self.found_collection_gone()
            return True
        self._clear_message()
        if self.listing is None:
            self.file_list.clear_listing(EMPTY_HINT)
        self.refresh_status()
        return True

    def found_collection_gone(self: _Pane) -> None:
        """A listing of the collection shown was refused because the collection is gone: say so upwards, so
        every pane showing it lets it go (this one included)."""
        if self.collection is not None:
            self.post_message(CollectionDeleted(self.collection))

    def collection_deleted(self: _Pane, collection: Collection, *, follow_host: bool = False) -> None:
        """``collection``, shown here, no longer exists: show no collection, and say which one went.

        ``follow_host``: gterm deleted it itself, a guest collection whose host and folder are known: its files
        are still there, so the pane shows the folder it shared on its host collection (as Midnight Commander
        shows the nearest directory that exists), and says so once it is listed.
        """
        if self.collection_id != collection.id:
            return
        name = collection.display_name
        _let_go(self, f"{name} no longer exists; ctrl+o picks another collection")
        if follow_host and collection.host_endpoint_id and collection.host_path:
            _show_host_folder(self, name, collection.host_endpoint_id, paths.as_dir(collection.host_path))

    def host_folder_refused(self: _Pane, error: BaseException, collection_id: str, path: str | None,
                            origin: str) -> bool:
        """The folder a deleted guest shared could not be listed: someone else's guest (its folder on the host is
        theirs: an administrator of the host may delete the guest without reading its files), or the folder is
        gone too. The pane shows the host collection's default directory with a plain note, not an error over
        an empty pane. Any other failure (the network, a sign-in) is said as anywhere else, and ctrl+r (or the
        sign-in) tries the folder again."""
        if origin != HOST_FOLDER or path is None or not isinstance(error, PermissionDenied | NotFound):
            return False
        why = "is not yours to read" if isinstance(error, PermissionDenied) else "no longer exists"
        _show_host_default(self, collection_id, f"{self._deleted_name} was deleted; the folder it shared, {path},"
                           f" {why}: showing its host collection's default directory")
        return True


#: The origin of the listing of a deleted guest's folder on its host (see PaneGone.host_folder_refused).
HOST_FOLDER = "host-folder"


def _show_host_folder(pane: _Pane, name: str, host_id: str, folder: str) -> None:
    """The folder a deleted guest collection shared, on its host: the same files, and the message line says why."""
    pane._deleted_name = name
    pane._note_after_load = f"{name} was deleted: showing the folder it shared, {folder} on its host collection"
    pane.open(host_id, folder, origin=HOST_FOLDER)


def _show_host_default(pane: _Pane, host_id: str, note: str) -> None:
    """The host collection's default directory, and the message line says why (``note``) once it is listed."""
    pane._note_after_load = note
    pane.open(host_id, None, origin="fallback")


def _let_go(pane: _Pane, why: str) -> None:
    """Show no collection: no rows, no path, nothing waiting for a listing of it; the message line says ``why``."""
    pane._generation += 1  # an answer still on its way for the collection is dropped
    pane.collection = None
    pane.listing = None
    pane._failed_open = None  # nothing for ctrl+r to try again: ctrl+o picks another collection
    pane._selected_count = pane._selected_size = 0
    pane.drop_waiting(why)
    pane.file_list.filter_text = ""
    pane._hide_filter()
    pane.query_one(".collection-name", Label).update(Text("No collection"))
    pane.path_bar.show_path("")
    pane.file_list.clear_listing(EMPTY_HINT)
    pane.status_line.show_message(EMPTY_HINT)
    pane.show_error(why)
