"""One side of the browser: a collection, a path bar, the file list and a status line.

A pane owns its loading. Every service call runs in a thread worker on the
pane; listings go through one exclusive worker group so a new request cancels
the old one, and each request carries a generation number so a late answer for
a location the user has already left is dropped instead of painted. On failure
the pane keeps its last good listing and shows the reason on its message line
(see :mod:`gterm.tui.worker_errors`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label
from textual.worker import get_current_worker

from gterm.globus import paths
from gterm.globus.browsing import FirstListing, PaneFiles, files_for
from gterm.globus.errors import CollectionGone, NotFound
from gterm.globus.models import Collection, Entry, Listing
from gterm.globus.transfer import listing_order
from gterm.tui.dir_names import DirectoryNames
from gterm.tui.dir_names import dir_names as directory_names
from gterm.tui.host import AppHost
from gterm.tui.listing_view import ListingView
from gterm.tui.messages import FailedLookup, LookUpAgain, PaneFocused, PaneLocationChanged, PaneSortChanged
from gterm.tui.operations import run_operation
from gterm.tui.safe_text import escape_controls, safe_text
from gterm.tui.typed_input import HoldsKeys
from gterm.tui.widgets.file_list import FileList
from gterm.tui.widgets.pane_filter import PaneFilter
from gterm.tui.widgets.pane_gone import EMPTY_HINT, PaneGone
from gterm.tui.widgets.pane_message import PaneMessage, sign_in_note
from gterm.tui.widgets.pane_pages import PanePages
from gterm.tui.widgets.pane_path import PanePathBar
from gterm.tui.widgets.path_bar import PathBar
from gterm.tui.widgets.status_line import StatusInfo, StatusLine
from gterm.tui.worker_errors import AUTH_ERRORS, deliver, report

if TYPE_CHECKING:  # pragma: no cover
    from gterm.globus.transfer import TransferService

T = TypeVar("T")

SortKey = Literal["name", "size", "time"]
SORT_CYCLE: tuple[SortKey, ...] = ("name", "size", "time")


class Pane(PanePages, PanePathBar, PaneFilter, PaneGone, Vertical, HoldsKeys):
    """A collection browser pane. See the module docstring for the loading rules.

    While it opens a directory, the keys typed at it wait for the new listing (its
    :class:`~gterm.tui.typed_input.KeyHold`), and are dropped if that listing fails.
    """

    DEFAULT_CSS = """
    Pane {
        width: 1fr;
        height: 1fr;
        border: round $panel-lighten-2;
        padding: 0;
    }
    Pane.-active {
        border: round $accent;
    }
    Pane > .collection-name {
        width: 1fr;
        height: 1;
        padding: 0 1;
        text-style: bold;
        background: $panel;
    }
    Pane.-active > .collection-name {
        background: $accent 40%;
    }
    Pane > FileList {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.collection: Collection | None = None
        self.listing: Listing | None = None
        # A listing is in flight. (Not ``loading``: on a widget that is Textual's reactive, which covered the
        # whole pane with a loading indicator and hid the "Loading …" line, the keys typed ahead and the
        # listing a reload keeps showing.)
        self.fetching = False
        self._generation = 0
        self._dir_names = DirectoryNames()
        self._pending_cursor: str | None = None
        self._selected_count = 0
        self._selected_size = 0
        self.pages_pending = False
        """The listing shown is a first page (or pages) and the rest is being fetched."""
        self._pending_all: dict[str, Callable[[], Any]] = {}
        # An action pressed while a listing was in flight: it runs once the pane shows where it went.
        self._after_load: Callable[[], object] | None = None
        self._keys_held_at: Pane | None = None  # where the keys typed after a deferred action wait
        # Said on the message line once the next listing is shown (a start path that was not found).
        self._note_after_load: str | None = None
        self._gone_from: str | None = None  # the directory a reload found gone (the pane climbs from it)
        # What failed to open while the pane showed nothing: a location (a start location hit by an outage),
        # or a start-up location whose lookup failed. ctrl+r tries it again rather than doing nothing; the
        # pane forgets it once it shows something else.
        self._failed_open: tuple[str, str | None, str] | FailedLookup | None = None
        # The message line says why a path typed in the path bar did not open: Esc there takes it away.
        self.path_refusal_shown = False

    # --- public API (used by the screen, the transfer actions, tests) ------

    host = AppHost()

    @property
    def service(self) -> TransferService:
        return self.host.service

    def files_for(self, collection_id: str | None) -> PaneFiles:
        """What lists ``collection_id``: this computer's files for ``local``, else the Transfer service."""
        return files_for(collection_id, self.service)

    @property
    def files(self) -> PaneFiles:
        """What lists and changes the collection shown (see :meth:`files_for`)."""
        return self.files_for(self.collection_id)

    @property
    def collection_id(self) -> str | None:
        return self.collection.id if self.collection else None

    @property
    def path(self) -> str | None:
        return self.listing.path if self.listing else None

    @property
    def file_list(self) -> FileList:
        return self.query_one(FileList)

    @property
    def path_bar(self) -> PathBar:
        return self.query_one(PathBar)

    @property
    def status_line(self) -> StatusLine:
        return self.query_one(StatusLine)

    def selected_entries(self) -> list[Entry]:
        return self.file_list.selected_entries()

    def set_marks(self, names: set[str]) -> None:
        self.file_list.set_marks(names)

    @property
    def has_marks(self) -> bool:
        return bool(self.file_list.marked_names)

    @property
    def visible_marked_count(self) -> int:
        return self.file_list.visible_marked_count

    @property
    def hidden_selected_count(self) -> int:
        return self.file_list.hidden_selected_count

    def clear_selection(self) -> None:
        self.file_list.clear_selection()

    def replace_selection(self, names: set[str]) -> None:
        self.file_list.replace_selection(names)

    def defer_until_loaded(self, action: Callable[[], object]) -> bool:
        """While a listing is in flight, keep ``action`` for when it arrives and return True.

        An action pressed right after Enter or Backspace (before the new listing
        is shown) must act on the directory the user went to, not on the one
        still painted; the latest such action waits, and is dropped if the
        listing fails (the pane then says why) or the user drops the keys
        typed after it (Esc); it never comes up over a screen opened meanwhile.

        The keys typed after it belong to what it opens (F7 then a name): they wait with it, held by
        the pane they are typed at (F5 waits for both panes' listings, and the focus may be in the
        other one). A reload holds no keys of its own, so without this they would act on the main
        screen meanwhile.
        """
        if not self.fetching:
            return False
        self._after_load = action
        self._hold_keys_typed_next()
        return True

    def _hold_keys_typed_next(self) -> None:
        """The keys typed from now on wait for what this pane is about to show (:meth:`_release_keys_typed_next`
        lets them go): held by the pane they are typed at (the focus may be in the other one)."""
        focused = self.app.focused
        ancestors = focused.ancestors_with_self if focused is not None else []
        holder = next((node for node in ancestors if isinstance(node, Pane)), self)
        holder.hold_keys(self._show_keys_waiting, on_dropped=self._forget_deferred)
        self._keys_held_at = holder

    def _release_keys_typed_next(self, *, dropped: str | None = None) -> None:
        """The keys held for this pane go on to what it shows now (or are dropped for that reason)."""
        self.end_key_hold(dropped=dropped)
        self._end_deferred_hold(dropped=dropped)

    def _forget_deferred(self) -> None:
        """The user dropped the keys held (Esc): the actions waiting with them are dropped too."""
        self._after_load = None
        self._pending_all.clear()
        self._hide_loading_line()

    def _end_deferred_hold(self, *, dropped: str | None = None) -> None:
        """The keys held at another pane for an action this listing deferred go on (or are dropped)."""
        holder, self._keys_held_at = self._keys_held_at, None
        if holder is not None and holder is not self:
            holder.end_key_hold(dropped=dropped)

    def show_collection(self, collection: Collection) -> None:
        """The collection's document, read again (a rename in its settings): the header takes its name."""
        if self.collection is not None and self.collection.id == collection.id:
            self.collection = collection
            self.query_one(".collection-name", Label).update(safe_text(collection.display_name))

    def compose(self) -> ComposeResult:
        yield Label(Text("No collection"), classes="collection-name")
        yield PathBar(self.known_dir_names, id=f"{self.id}-path")
        yield FileList(id=f"{self.id}-list")
        yield PaneMessage()
        yield StatusLine()

    def on_mount(self) -> None:
        self.file_list.clear_listing(EMPTY_HINT)
        self.status_line.show_message(EMPTY_HINT)

    # --- navigation ------------------------------------------------------

    def open(self, collection_id: str, path: str | None = None, *, origin: str = "open") -> None:
        """Show ``path`` (None: the collection's default directory) of a collection."""
        self._forget_failed_lookup()  # on its way to a location: a failed start-up lookup is not what it shows
        self._generation += 1
        self._pending_all.clear()
        # A reload of a complete listing keeps showing it until the new one is whole: painting the
        # first page of it would drop the rows (and the selection) below that page for a while.
        whole = origin == "reload" and self.listing is not None and self.listing.complete and not self.pages_pending
        self.pages_pending = False
        file_list = self.file_list
        order = listing_order(file_list.sort_key, file_list.sort_reverse)
        files = self.files_for(collection_id)
        at_hand = None if whole else files.first_page_at_hand(collection_id, path, orderby=order)
        if at_hand is None:
            self._set_loading(f"Loading {path or 'default directory'} …")
            if origin != "reload":  # a reload keeps the listing shown, and the keys act on it
                self.hold_keys(self._show_keys_waiting, on_dropped=self._forget_deferred)
            if self.listing is None:
                file_list.clear_listing("Loading …")
            self._load(self._generation, collection_id, path, origin, file_list, order, whole)
            return
        # A start-up listing that arrived while the screen was being built (a fast service, a slow
        # machine): shown in the frame being drawn, not in one after it, and no loading state for it.
        collection, listing = at_hand
        view, dir_names = self._prepared(collection, listing, origin, file_list)
        self._load_done(self._generation, collection, listing, origin, view, dir_names)
        if not listing.complete:
            self._load_rest(self._generation, listing, order, file_list)

    def go(self, path: str, *, origin: str = "go", cursor: str | None = None, note: str | None = None) -> None:
        """Show ``path`` (relative: from the current one); ``note`` is said once it is shown."""
        if self.collection is None:
            self.show_error("No collection open: ctrl+o picks one.")
            return
        target = paths.join(self.path or "/", path) if self.path else path
        self._pending_cursor = cursor
        self._note_after_load = note
        self.open(self.collection.id, target, origin=origin)

    def reload(self, *, cursor: str | None = None) -> None:
        """List the current location again (after a change, or ctrl+r); ``cursor`` names the row to land on."""
        failed = self._failed_open
        if self.listing is None and failed is not None:  # nothing shown: what failed to open is tried again
            if isinstance(failed, FailedLookup):
                self.look_up_again(failed.text)
            else:
                self.open(*failed[:2], origin=failed[2])
            return
        if self.collection is not None and self.path is not None:
            self._pending_cursor = cursor
            self.open(self.collection.id, self.path, origin="reload")

    def look_up_failed(self, text: str | None) -> None:
        """The start-up lookup of ``text`` (a name, a bookmark; None: a default collection) failed: a pane
        that shows nothing else says so, and ctrl+r there asks for it again."""
        if self.listing is None and self.collection is None:
            self._failed_open = FailedLookup(text)
            self.file_list.clear_listing(f"Cannot open {text or 'a default collection'} · ctrl+r tries again")

    def look_up_again(self, text: str | None) -> None:
        """Ask the screen to look the start-up location ``text`` up again (ctrl+r, the sign-in's retry)."""
        self._forget_failed_lookup()
        self.post_message(LookUpAgain(self.id or "", text))

    def _forget_failed_lookup(self) -> None:
        if isinstance(self._failed_open, FailedLookup):
            self._failed_open = None

    def go_parent(self) -> None:
        if self.path is None or self.path == "/":
            return
        came_from = paths.basename(self.path)
        self.go(paths.parent(self.path), origin="parent", cursor=came_from or None)

    def open_entry(self, entry: Entry | None) -> None:
        """Enter on a row: ``..`` goes up, a directory (or a link to one) opens."""
        if entry is None:
            self.go_parent()
            return
        if self.path is None:
            return
        if entry.is_dir or entry.type == "link":
            self.go(paths.child(self.path, entry.name, is_dir=True), origin="enter")
        else:
            self.app.notify(
                "F5 transfers it to the other pane.", title=escape_controls(entry.name), timeout=3
            )

    @work(thread=True, group="listing", exclusive=True, exit_on_error=False)
    def _load(
        self, generation: int, collection_id: str, path: str | None, origin: str, file_list: FileList, order: str,
        whole: bool,
    ) -> None:
        """Fetch (and prepare for display) one listing, off the event loop: its first page, then the rest.

        The first request (:class:`FirstListing`) asks for :data:`FIRST_PAGE`
        entries in the pane's order: a directory up to that size is listed
        whole by it, a bigger one is painted from it while the rest is fetched
        here, in pages, and merged (see :meth:`_fetch_rest`). ``whole`` (a
        reload of a complete listing) fetches every page before anything is
        shown. The display order of the entries (an O(n log n) sort for a
        100,000-entry directory) and the directory names for path completion
        are computed here too, so the event loop only swaps them in.
        """
        worker = get_current_worker()
        known = self.collection if self.collection is not None and self.collection.id == collection_id else None
        first = FirstListing(self.files_for(collection_id), collection_id, path, known)
        try:
            fetched = first.fetch(order, whole=whole, cancelled=lambda: worker.is_cancelled)
        except Exception as exc:  # noqa: BLE001 - routed to worker_errors
            if not worker.is_cancelled:
                deliver(self.app, self._load_failed, generation, exc, collection_id, path, origin, first.collection)
            return
        if fetched is None:
            return
        collection, listing = fetched
        if worker.is_cancelled:
            return
        view, dir_names = self._prepared(collection, listing, origin, file_list)
        if worker.is_cancelled:
            return
        deliver(self.app, self._load_done, generation, collection, listing, origin, view, dir_names)
        if not listing.complete:
            self._wait_for_paint()
            self._fetch_rest(generation, listing, order, file_list)
        else:
            self._prepare_orders(view)

    def _prepared(
        self, collection: Collection, listing: Listing, origin: str, file_list: FileList
    ) -> tuple[ListingView, list[str]]:
        """A listing's display order and its directory names (for path completion), for _load_done."""
        view = file_list.prepare_view(listing)
        if file_list.filter_text and origin != "reload" and (self.collection_id, self.path) != (
            collection.id,
            listing.path,
        ):
            view.configure(filter_text="")  # _load_done drops a filter typed in another directory
        return view, directory_names(listing)

    @work(thread=True, group="listing", exclusive=True, exit_on_error=False)
    def _load_rest(self, generation: int, listing: Listing, order: str, file_list: FileList) -> None:
        """The pages after a first page shown at once (see :meth:`open`), once it is painted."""
        self._wait_for_paint()
        self._fetch_rest(generation, listing, order, file_list)

    def _load_done(
        self,
        generation: int,
        collection: Collection,
        listing: Listing,
        origin: str,
        view: ListingView | None = None,
        dir_names: list[str] | None = None,
    ) -> None:
        if generation != self._generation:
            return  # the user has moved on; this answer is stale
        moved = self.listing is None or (self.collection_id, self.path) != (collection.id, listing.path)
        if moved and origin != "reload":
            # A kept filter belongs to the directory it was typed in.
            self.file_list.filter_text = ""
            self._hide_filter()
        self.collection = collection
        self.listing = listing
        self._failed_open = None
        self._gone_from = None
        self.pages_pending = not listing.complete
        self._dir_names.remember(listing, dir_names)
        self._clear_message()
        note, self._note_after_load = self._note_after_load, None
        if note is not None:
            self.show_note(note)
        self.show_collection(collection)
        self.path_bar.show_path(listing.path, keep_typing=origin != "pathbar")
        self.file_list.set_listing(listing, show_parent=listing.path != "/", view=view)
        if self._pending_cursor:
            self._place_cursor(self._pending_cursor)
        self._pending_cursor = None
        if origin == "pathbar":
            self.file_list.focus()
        self.refresh_status()
        self.post_message(PaneLocationChanged(self.id or "", collection, listing))
        waiting, self._after_load = self._after_load, None
        if waiting is not None and self.screen is self.app.screen:  # not over a screen opened meanwhile
            waiting()
        self._release_keys_typed_next()  # the keys typed meanwhile go on to the listing now shown

    def _load_failed(
        self,
        generation: int,
        error: BaseException,
        collection_id: str,
        path: str | None,
        origin: str,
        collection: Collection | None = None,
    ) -> None:
        if generation != self._generation or self.bookmark_gone(error, generation, collection_id):
            return
        if isinstance(error, CollectionGone) and collection_id == self.collection_id:
            self.found_collection_gone()  # every pane showing it lets it go (no stale rows under its name)
            return
        if isinstance(error, NotFound) and path is not None and self.listing is None and origin == "open":
            # A start location (or bookmark) whose directory is gone: show the collection at its
            # default directory and say so, rather than an empty pane.
            self._note_after_load = f"{path} was not found: showing the default directory."
            self.open(collection_id, None, origin="fallback")
            return
        if self._climb_from_gone(error, collection_id, path, origin) or self.host_folder_refused(
                error, collection_id, path, origin):
            return
        self.fetching = False
        where = path or "the default directory"
        self.drop_waiting(f"{where} could not be listed")  # it was all meant for the location that did not open
        if self.listing is None:
            self._failed_open = (collection_id, path, origin)
            self.file_list.clear_listing(f"Cannot open {where} · ctrl+r tries again")
        else:
            self.refresh_status()
        if origin == "pathbar":
            self.path_bar.mark_invalid(str(error))
        if isinstance(error, AUTH_ERRORS):
            # The sign-in flow takes over from here (and on success the retry shows "Loading" again);
            # if it is cancelled, this line must not go on saying "Loading …" (QA F15).
            self.show_error(sign_in_note(error, collection, where))
        report(
            self.app,
            error,
            context=f"Cannot open {where}",
            target=self,
            retry=lambda: self.open(collection_id, path, origin=origin),
        )
        self.path_refusal_shown = origin == "pathbar" and self.listing is not None

    def _climb_from_gone(self, error: BaseException, collection_id: str, path: str | None, origin: str) -> bool:
        """A reload found the directory gone: show the nearest parent that exists and say so, as Midnight
        Commander does (a path typed or opened that is not found stays an error: only a reload climbs)."""
        if not (isinstance(error, NotFound) and path is not None and origin in ("reload", "gone")):
            return False
        parent = paths.parent(path)
        if self.listing is None or parent == paths.normalise(path, directory=True):
            return False  # nothing shown to replace, or already at the top
        if origin == "reload":
            self._gone_from = path
        self._note_after_load = f"{self._gone_from or path} no longer exists: showing {parent}"
        self.open(collection_id, parent, origin="gone")
        return True

    def _place_cursor(self, name: str) -> None:
        """Put the cursor on ``name`` (going up lands on the directory just left)."""
        self.file_list.move_cursor_to_name(name)

    # --- messages, loading and status -------------------------------------

    def show_error(self, message: str) -> None:
        """Inline error (the last good listing stays on screen)."""
        self.path_refusal_shown = False
        self.fetching = False
        self.query_one(PaneMessage).show(message, "-error")

    def show_note(self, message: str) -> None:
        """A notice on the message line (not an error); the next listing clears it."""
        self.query_one(PaneMessage).show(message)

    def _set_loading(self, message: str) -> None:
        self.fetching = True
        self.query_one(PaneMessage).show_loading(message)

    def drop_waiting(self, why: str) -> None:
        """Nothing waits for the location asked for any more: the rest of its pages, the actions and the cursor
        meant for it, its note, and the keys typed meanwhile (dropped, saying ``why``)."""
        self._gone_from = None
        self.pages_pending = False
        self._pending_all.clear()
        self._pending_cursor = self._after_load = self._note_after_load = None
        self._release_keys_typed_next(dropped=why)

    def show_loading_line(self, message: str) -> None:
        """The loading line says ``message`` (and counts the keys held behind it), as while a listing loads."""
        self.query_one(PaneMessage).show_loading(message)

    def _show_keys_waiting(self, count: int) -> None:
        if self.fetching or self._pending_all:
            self.query_one(PaneMessage).show_keys_waiting(count)

    def _hide_loading_line(self) -> None:
        """What waited for the whole listing has run (or was dropped): its line goes, unless a listing loads."""
        line = self.query_one(PaneMessage)
        if not self.fetching and line.has_class("-loading"):
            line.hide()

    def _clear_message(self) -> None:
        self.path_refusal_shown = False
        self.fetching = False
        self.query_one(PaneMessage).hide()

    @property
    def message_text(self) -> str:
        """What the message line says ("" when hidden); tests read it."""
        return self.query_one(PaneMessage).text

    def refresh_status(self) -> None:
        if self.listing is None:
            return
        file_list = self.file_list
        self.status_line.show(
            StatusInfo(
                total=len(self.listing.entries),
                shown=file_list.visible_count,
                selected=self._selected_count,
                selected_size=self._selected_size,
                filter_text=file_list.filter_text,
                sort_key=file_list.sort_key,
                sort_reverse=file_list.sort_reverse,
                truncated=self.listing.truncated,
                expected=self.listing.expected,
                loading=self.pages_pending,
            )
        )

    @on(FileList.EntryActivated)
    def _entry_activated(self, event: FileList.EntryActivated) -> None:
        event.stop()
        self.open_entry(event.entry)  # a directory: this pane holds the keys typed next from now on
        event.file_list.end_key_hold()

    @on(FileList.SelectionChanged)
    def _selection_changed(self, event: FileList.SelectionChanged) -> None:
        event.stop()
        self._selected_count = event.count
        self._selected_size = event.total_size
        self.refresh_status()

    @on(FileList.SortChanged)
    def _sort_changed(self, event: FileList.SortChanged) -> None:
        event.stop()
        self.refresh_status()
        self._announce_sort()

    def _announce_sort(self) -> None:
        self.post_message(PaneSortChanged(self.id or "", self.file_list.sort_key, self.file_list.sort_reverse))

    def apply_sort(self, remembered: str | None) -> None:
        """Take a remembered sort order (``size``, ``-time``; anything else is ignored)."""
        if not remembered:
            return
        key = remembered.lstrip("-")
        if key in SORT_CYCLE:
            self.file_list.sort_key = key
            self.file_list.sort_reverse = remembered.startswith("-")

    def on_descendant_focus(self) -> None:
        self.post_message(PaneFocused(self.id or ""))

    # --- view options --------------------------------------------------------

    def toggle_hidden(self) -> None:
        self.file_list.show_hidden = not self.file_list.show_hidden
        self.refresh_status()

    def cycle_sort(self) -> None:
        current = self.file_list.sort_key
        index = SORT_CYCLE.index(current) if current in SORT_CYCLE else -1
        self.file_list.sort_key = SORT_CYCLE[(index + 1) % len(SORT_CYCLE)]
        self.refresh_status()
        self._announce_sort()

    def reverse_sort(self) -> None:
        self.file_list.sort_reverse = not self.file_list.sort_reverse
        self.refresh_status()
        self._announce_sort()

    @on(Input.Changed, "FilterInput")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.file_list.filter_text = event.value
        self.refresh_status()

    @on(Input.Submitted, "FilterInput")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.file_list.filter_text = event.value
        event.input.remove_class("-shown")
        self._focus_list_from(event.input)
        self.refresh_status()

    def _focus_list_from(self, field: Input) -> None:
        """Back to the list from ``field`` (Enter, Esc), unless a key typed since (Tab) moved the focus on."""
        if field.has_focus:
            self.screen.set_focus(self.file_list)

    # --- operations ----------------------------------------------------------

    def run_operation(
        self,
        context: str,
        call: Callable[[TransferService], T],
        on_done: Callable[[T], Any] | None = None,
    ) -> None:
        """Run ``call(service)`` in a worker; report failures here (with retry), then ``on_done``."""
        run_operation(self, self, context, call, on_done, group="operations")

    def run_file_operation(
        self,
        context: str,
        call: Callable[[PaneFiles], T],
        on_done: Callable[[T], Any] | None = None,
        on_failed: Callable[[BaseException], object] | None = None,
    ) -> None:
        """Like :meth:`run_operation`, with what lists this pane's collection (Transfer or this computer).

        Every such call changes the directory shown, and ``on_done`` lists it again (the cursor on a new
        or renamed name): the keys typed meanwhile wait for that listing, as in Midnight Commander, so
        "F7 name Enter Enter" opens the new directory and "F2 name Enter F8" deletes the renamed entry,
        not what the old listing had under the cursor. A failure drops them (the prompt comes back).
        """
        files = self.files
        self._hold_keys_typed_next()

        def changing(_service: TransferService) -> T:
            try:
                return call(files)
            except Exception:
                deliver(self.app, self._release_keys_typed_next, dropped=f"{escape_controls(context)} failed")
                raise

        def done(result: T) -> None:
            if on_done is not None:
                on_done(result)
            if not self.fetching:  # no listing follows (the pane moved on meanwhile): nothing to wait for
                self._release_keys_typed_next()

        run_operation(self, self, context, changing, done, group="operations", on_failed=on_failed)
