"""The bookmark sidebar (ctrl+b): the signed-in user's Globus Transfer bookmarks.

Enter opens a bookmark in the active pane (the sidebar posts
:class:`BookmarkChosen`; the screen decides where it goes). Rename and delete
ask first. All service calls run in thread workers on this widget; failures go
through :mod:`gterm.tui.worker_errors` with a retry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, TypeVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from gterm.globus.models import Bookmark
from gterm.tui.host import AppHost
from gterm.tui.keymap import SIDEBAR_BINDINGS
from gterm.tui.messages import BookmarkChosen, BookmarksChanged
from gterm.tui.operations import run_operation
from gterm.tui.safe_text import escape_controls, safe_text
from gterm.tui.worker_errors import ask_again_or_report, deliver, describe, report

if TYPE_CHECKING:  # pragma: no cover
    from gterm.globus.transfer import TransferService


def bookmark_prompt(bookmark: Bookmark, collection_name: str | None = None) -> Text:
    """The bookmark's name, and below it where it leads: ``Collection name:/path`` (the id if the name is unknown)."""
    prompt = Text(escape_controls(bookmark.name), style="bold")
    prompt.append("\n" + leads_to(bookmark, collection_name), style="dim")
    return prompt


def leads_to(bookmark: Bookmark, collection_name: str | None = None) -> str:
    """Where a bookmark leads, as people tell two apart: ``Collection name:/path``, escaped (the collection's
    id while its name is unknown). Two bookmarks to ``/`` differ only by their collection."""
    return escape_controls(f"{collection_name or bookmark.endpoint_id}:{bookmark.path}")


MAX_NAME_LOOKUPS = 20  # collections looked up per load; more bookmarks than that show ids for the rest


T = TypeVar("T")

class BookmarkSidebar(Vertical):
    """A list of bookmarks with open / rename / delete."""

    BINDINGS: ClassVar[list[BindingType]] = [*SIDEBAR_BINDINGS]

    DEFAULT_CSS = """
    BookmarkSidebar {
        width: 30;
        height: 1fr;
        border: round $panel-lighten-2;
        display: none;
    }
    BookmarkSidebar.-shown { display: block; }
    BookmarkSidebar:focus-within { border: round $accent; }
    BookmarkSidebar > .sidebar-title { text-style: bold; padding: 0 1; }
    BookmarkSidebar > OptionList { height: 1fr; border: none; }
    BookmarkSidebar > .sidebar-status { height: auto; color: $text-muted; padding: 0 1; }
    BookmarkSidebar > .sidebar-status.-error { color: $error; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.bookmarks: list[Bookmark] = []
        self.loaded = False
        self.collection_names: dict[str, str] = {}  # collection id -> display name, for the bookmark rows

    host = AppHost()

    @property
    def service(self) -> TransferService:
        return self.host.service

    def compose(self) -> ComposeResult:
        yield Label("Bookmarks", classes="sidebar-title")
        yield OptionList(id="bookmark-list")
        yield Static("Loading …", classes="sidebar-status", markup=False)

    @property
    def option_list(self) -> OptionList:
        return self.query_one(OptionList)

    @property
    def current(self) -> Bookmark | None:
        index = self.option_list.highlighted
        if index is None or not (0 <= index < len(self.bookmarks)):
            return None
        return self.bookmarks[index]

    # --- loading -------------------------------------------------------

    def reload(self, select_id: str | None = None) -> None:
        self._load(select_id)

    @work(thread=True, group="bookmarks", exclusive=True, exit_on_error=False)
    def _load(self, select_id: str | None) -> None:
        worker = get_current_worker()
        try:
            bookmarks = self.service.bookmarks()
        except Exception as exc:  # noqa: BLE001 - routed
            if not worker.is_cancelled:
                deliver(self.app, self._load_failed, exc, select_id)
            return
        # Bookmark documents carry only the collection's id: its name is looked up once (and kept).
        known = dict(self.collection_names)
        found: dict[str, str] = {}
        unknown = [cid for cid in dict.fromkeys(b.endpoint_id for b in bookmarks) if cid not in known]
        for collection_id in unknown[:MAX_NAME_LOOKUPS]:
            if worker.is_cancelled:
                return
            try:
                found[collection_id] = self.service.get_collection(collection_id).display_name
            except Exception:  # noqa: BLE001 - a name is a nicety: the id is shown instead
                continue
        if not worker.is_cancelled:
            deliver(self.app, self._loaded, bookmarks, select_id, found)

    def _loaded(self, bookmarks: list[Bookmark], select_id: str | None, names: dict[str, str] | None = None) -> None:
        self.loaded = True
        self.collection_names.update(names or {})
        previous = self.current.id if self.current else None
        self.bookmarks = sorted(bookmarks, key=lambda b: b.name.casefold())
        options = self.option_list
        options.clear_options()
        options.add_options(
            [Option(bookmark_prompt(b, self.collection_names.get(b.endpoint_id)), id=b.id) for b in self.bookmarks]
        )
        wanted = select_id or previous
        ids = [b.id for b in self.bookmarks]
        if self.bookmarks:
            options.highlighted = ids.index(wanted) if wanted in ids else 0
        self._status("" if self.bookmarks else "No bookmarks yet: b bookmarks a pane's location.")
        self.post_message(BookmarksChanged(list(self.bookmarks)))

    def _load_failed(self, error: BaseException, select_id: str | None) -> None:
        self._status(f"Cannot load bookmarks: {describe(error)}", error=True)
        report(self.app, error, context="Bookmarks", retry=lambda: self.reload(select_id))

    def _status(self, message: str, *, error: bool = False) -> None:
        status = self.query_one(".sidebar-status", Static)
        status.update(safe_text(message))
        status.set_class(error, "-error")
        status.display = bool(message)

    def show_error(self, message: str) -> None:
        self._status(message, error=True)

    def show_gone(self, bookmark: Bookmark) -> None:
        """``bookmark``'s collection was deleted: shown, focused and on it, saying so, where Del removes it."""
        self.add_class("-shown")
        ids = [b.id for b in self.bookmarks]
        if bookmark.id in ids:
            self.option_list.highlighted = ids.index(bookmark.id)
        self.screen.set_focus(self.option_list)
        self.show_error(f"The bookmark '{bookmark.name}' points to a collection that no longer exists"
                        " — Del removes the bookmark.")

    # --- actions -------------------------------------------------------

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.bookmarks):
            self._status("")  # what was said of a bookmark chosen before (show_gone) is not about this one
            self.post_message(BookmarkChosen(self.bookmarks[event.option_index]))

    def add(self, name: str, collection_id: str, path: str,
            on_failed: Callable[[BaseException], object] | None = None) -> None:
        """Bookmark ``path``; ``on_failed`` takes a refusal (the prompt comes back with the name typed)."""
        self._run("Add bookmark", lambda s: s.create_bookmark(name, collection_id, path), self._after_change,
                  on_failed=on_failed)

    def action_rename_bookmark(self) -> None:
        from gterm.tui.screens.prompts import InputPrompt, bookmark_name_check

        bookmark = self.current
        if bookmark is None:
            return

        def ask(name: str, error: str = "") -> None:
            self.app.push_screen(
                InputPrompt("Rename bookmark", value=name, details=bookmark.name, check=bookmark_name_check,
                            error=error),
                renamed,
            )

        def renamed(name: str | None) -> None:
            if name is None or name.strip() == bookmark.name:
                return
            new_name = name.strip()

            def failed(error: BaseException) -> None:  # the prompt comes back with the name and why
                ask_again_or_report(self.screen, error, lambda why: ask(name, why), context="Rename bookmark",
                                    target=self)

            self._run("Rename bookmark", lambda s: s.rename_bookmark(bookmark.id, new_name), self._after_change,
                      on_failed=failed)

        ask(bookmark.name)

    def action_delete_bookmark(self) -> None:
        from gterm.tui.screens.prompts import ConfirmPrompt

        bookmark = self.current
        if bookmark is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._run("Delete bookmark", lambda s: s.delete_bookmark(bookmark.id), lambda _: self.reload())

        self.app.push_screen(
            ConfirmPrompt(
                "Delete bookmark",
                "Delete this bookmark? (The files stay where they are.)",
                items=[f"{bookmark.name}  ({self.leads_to(bookmark)})"],
                confirm_label="Delete",
                danger=True,
            ),
            confirmed,
        )

    def leads_to(self, bookmark: Bookmark) -> str:
        """:func:`leads_to` with the collection's name, once the sidebar has looked it up."""
        return leads_to(bookmark, self.collection_names.get(bookmark.endpoint_id))

    def _after_change(self, bookmark: Bookmark) -> None:
        self.reload(select_id=bookmark.id)

    def _run(self, context: str, call: Callable[[TransferService], T], on_done: Callable[[T], object],
             on_failed: Callable[[BaseException], object] | None = None) -> None:
        run_operation(self, self, context, call, on_done, group="bookmark-ops", announce=True, on_failed=on_failed)
