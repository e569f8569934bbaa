"""A pane's big listings: the pages after the first, merged as they arrive, and what waits for all of them.

A mixin of :class:`~gterm.tui.widgets.pane.Pane`. A directory larger than one
first page is shown at once and fetched on in pages (see ``Pane.open``); the
merges run on the listing worker, and an action on "all" (select all, invert,
a glob) waits until the listing is whole, holding the keys typed after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from textual.app import App
from textual.worker import get_current_worker

from gterm.globus.browsing import PaneFiles
from gterm.globus.models import Listing
from gterm.tui.dir_names import DirectoryNames
from gterm.tui.dir_names import dir_names as directory_names
from gterm.tui.listing_view import ListingView
from gterm.tui.widgets.file_list import FileList
from gterm.tui.worker_errors import deliver, report

PREPARED_ORDERS_FROM = 20_000
"""From this many entries a pane sorts its listing every way on its worker once it is whole
(at 1,000,000 entries a first re-sort costs ~0.6 s on the UI thread otherwise)."""
FIRST_PAINT_WAIT = 1.0  # seconds the listing worker waits at most for the first page on screen


class _Pane(Protocol):
    """What the pages' part of a pane uses of the rest of it."""

    listing: Listing | None
    pages_pending: bool
    _generation: int
    _dir_names: DirectoryNames
    _pending_all: dict[str, Callable[[], Any]]

    @property
    def app(self) -> App[Any]: ...
    @property
    def file_list(self) -> FileList: ...
    def files_for(self, collection_id: str | None) -> PaneFiles: ...
    def call_after_refresh(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> bool: ...
    def refresh_status(self) -> None: ...
    def reload(self, *, cursor: str | None = None) -> None: ...
    def show_error(self, message: str) -> None: ...
    def show_loading_line(self, message: str) -> None: ...
    def _hide_loading_line(self) -> None: ...
    def _hold_keys_typed_next(self) -> None: ...
    def _release_keys_typed_next(self, *, dropped: str | None = None) -> None: ...
    def _wait_for_paint(self) -> None: ...
    def _fetch_rest(self, generation: int, listing: Listing, order: str, file_list: FileList) -> None: ...
    def _prepare_orders(self, view: ListingView) -> None: ...
    def _pages_arrived(
        self, generation: int, listing: Listing, view: ListingView, dir_names: list[str] | None
    ) -> None: ...
    def _pages_failed(self, generation: int, error: BaseException, listing: Listing) -> None: ...


class PanePages:
    """The paged listing of a Pane."""

    # Set by the pane (its __init__); declared here as the methods below assign them.
    listing: Listing | None
    pages_pending: bool
    _pending_all: dict[str, Callable[[], Any]]

    def when_listed(self: _Pane, what: str, action: Callable[[], Any]) -> None:
        """Run ``action`` (something on every entry: select all, invert, ...) once the listing is whole.

        While the rest of a big directory is still arriving, acting on "all"
        would act on part of it: the pane says so and runs ``action`` when the
        last page is in (the latest request of each kind ``what`` wins; moving
        elsewhere drops them).
        The keys typed after it wait until it has run, as in Midnight Commander
        ("ctrl+a F8" deletes everything, not nothing): F8 must not act on the
        selection from before ``action``.
        """
        if not self.pages_pending:
            action()
            return
        self._pending_all[what] = action
        listing = self.listing
        arrived = f" ({len(listing.entries):,} of {listing.expected:,})" if listing is not None else ""
        notice = f"{what} when the listing is complete: still loading{arrived}…"
        self.show_loading_line(notice)  # the keys held behind it are counted on this line
        self._hold_keys_typed_next()
        self.app.notify(notice, title="Still loading", timeout=4)

    def _wait_for_paint(self: _Pane) -> None:
        """On the listing worker: until the first page is painted. Merging the rest is long C calls
        (casefolding, sorting 100,000s of names) that hold the GIL; the first screenful goes first."""
        painted = threading.Event()
        deliver(self.app, self.call_after_refresh, painted.set)
        painted.wait(FIRST_PAINT_WAIT)

    def _fetch_rest(self: _Pane, generation: int, listing: Listing, order: str, file_list: FileList) -> None:
        """The pages after the first, merged into the listing shown (on the listing worker).

        Each merge re-sorts the whole listing (off the event loop), so merges
        come when the listing has doubled since the last one shown, and when it
        is complete: a 1,000,000-entry directory arriving in pages of 100,000
        is sorted four times, not ten. Filter, sort and selection keep working
        on what is shown meanwhile; :meth:`FileList.set_listing` carries the
        selection and the cursor's entry over to each merged listing.
        """
        worker = get_current_worker()
        shown = len(listing.entries)
        try:
            for page in self.files_for(listing.collection_id).more_pages(listing, orderby=order):
                if worker.is_cancelled:
                    return
                listing = listing.extended(page)
                if len(listing.entries) >= 2 * shown and not listing.complete:
                    shown = len(listing.entries)
                    deliver(self.app, self._pages_arrived, generation, listing, file_list.prepare_view(listing), None)
        except Exception as exc:  # noqa: BLE001 - routed to worker_errors
            if not worker.is_cancelled:
                deliver(self.app, self._pages_failed, generation, exc, listing)
            return
        if worker.is_cancelled:
            return
        listing = listing.finished()
        view = file_list.prepare_view(listing)
        deliver(self.app, self._pages_arrived, generation, listing, view, directory_names(listing))
        self._prepare_orders(view)

    def _prepare_orders(self: _Pane, view: ListingView) -> None:
        """On the listing worker: the other sort orders of a big listing, before the user asks for them."""
        if len(view.entries) < PREPARED_ORDERS_FROM or get_current_worker().is_cancelled:
            return
        orders = view.other_orders()
        if not get_current_worker().is_cancelled:
            deliver(self.app, view.adopt_orders, orders)

    def _pages_arrived(
        self: _Pane, generation: int, listing: Listing, view: ListingView, dir_names: list[str] | None
    ) -> None:
        if generation != self._generation or self.listing is None or self.listing.path != listing.path:
            return  # the user has moved on
        self.listing = listing
        self.file_list.set_listing(listing, show_parent=listing.path != "/", view=view)
        if listing.complete:
            self.pages_pending = False
            self._dir_names.remember(listing, dir_names)
            pending, self._pending_all = list(self._pending_all.values()), {}
            for action in pending:
                action()
            if pending:  # the keys typed after them go on to what they did
                self._hide_loading_line()
                self._release_keys_typed_next()
        self.refresh_status()

    def _pages_failed(self: _Pane, generation: int, error: BaseException, listing: Listing) -> None:
        if generation != self._generation:
            return
        self.pages_pending = False
        if self._pending_all:  # the keys typed after them were meant for the whole listing
            self._pending_all.clear()
            self._hide_loading_line()
            self._release_keys_typed_next(dropped="the rest of the listing did not arrive")
        self.refresh_status()
        report(
            self.app,
            error,
            context=f"Listing stopped at {len(listing.entries):,} of {listing.expected:,} entries",
            target=self,
            retry=self.reload,
        )
