"""A pane's path bar: editing the path (ctrl+l) and completing directory names from listings.

A mixin of :class:`~gterm.tui.widgets.pane.Pane` (its handlers are found by name,
as Textual finds ``on_<message>`` methods along the class's MRO).
"""

from __future__ import annotations

from typing import Any, Protocol

from textual import work
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input

from gterm.globus import paths
from gterm.globus.browsing import PaneFiles
from gterm.globus.models import Collection, Listing
from gterm.tui.dir_names import DirectoryNames
from gterm.tui.widgets.path_bar import PathBar
from gterm.tui.worker_errors import deliver


class Pane(Protocol):
    """What the path bar's part of a pane uses of the rest of it."""

    collection: Collection | None
    _dir_names: DirectoryNames
    path_refusal_shown: bool

    @property
    def app(self) -> App[Any]: ...
    @property
    def screen(self) -> Screen[Any]: ...
    @property
    def path(self) -> str | None: ...
    @property
    def path_bar(self) -> PathBar: ...
    def go(self, path: str, *, origin: str = "go", cursor: str | None = None) -> None: ...
    def show_error(self, message: str) -> None: ...
    def files_for(self, collection_id: str | None) -> PaneFiles: ...
    def _focus_list_from(self, field: Input) -> None: ...
    def _clear_message(self) -> None: ...
    def _absolute(self, directory: str) -> str | None: ...
    def _list_for_completion(self, collection_id: str, directory: str) -> object: ...
    def _completion_listed(self, directory: str, listing: Listing) -> None: ...


class PanePathBar:
    """Path editing and completion for a Pane."""

    def edit_path(self: Pane) -> None:
        """Focus the path bar with its path selected (typing replaces it; an arrow key edits it).

        The focus moves now, not after the current message (``Widget.focus``
        defers it): with ctrl+l a priority binding, the keys typed right after
        it then reach the path bar, in order.
        """
        bar = self.path_bar
        self.screen.set_focus(bar)
        bar.select_proposal(show_end=True)

    def on_path_bar_path_requested(self: Pane, event: PathBar.PathRequested) -> None:
        event.stop()
        if self.collection is None:
            event.path_bar.mark_invalid("No collection open: ctrl+o picks one.")
            self.show_error("No collection open: ctrl+o picks one.")
            return
        self.go(event.path, origin="pathbar")

    def on_path_bar_edit_cancelled(self: Pane, event: PathBar.EditCancelled) -> None:
        event.stop()
        if self.path_refusal_shown:  # backed out of the path typed: the listing shown is good, say nothing else
            self._clear_message()
        self._focus_list_from(self.path_bar)

    def known_dir_names(self: Pane, directory: str) -> list[str] | None:
        """Directory names inside ``directory`` if a listing of it is at hand (for completion)."""
        return self._dir_names.get(self._absolute(directory) or directory)

    def _absolute(self: Pane, directory: str) -> str | None:
        if directory.startswith("~") or directory.startswith("/~"):
            return None  # only the service knows where ~ is; the lookup below learns it
        if not directory.startswith("/"):
            if self.path is None:
                return None
            directory = paths.join(self.path, directory)
        return paths.as_dir(directory)

    def on_path_bar_completion_needed(self: Pane, event: PathBar.CompletionNeeded) -> None:
        event.stop()
        if self.collection is None:
            return
        self._list_for_completion(self.collection.id, event.directory)

    @work(thread=True, group="completion", exclusive=True, exit_on_error=False)
    def _list_for_completion(self: Pane, collection_id: str, directory: str) -> None:
        target = paths.join(self.path or "/", directory) if not directory.startswith(("/", "~")) else directory
        try:
            listing = self.files_for(collection_id).ls(collection_id, target)
        except Exception as exc:  # noqa: BLE001 - completion failures are only a hint
            deliver(self.app, self.path_bar.mark_invalid, str(exc))
            return
        deliver(self.app, self._completion_listed, directory, listing)

    def _completion_listed(self: Pane, directory: str, listing: Listing) -> None:
        self._dir_names.remember(listing)
        if self._absolute(directory) is None:  # "~/..." typed: remember under the typed spelling too
            self._dir_names.alias(directory, listing.path)
        self.path_bar.completion_arrived(directory)

