"""The main screen: bookmark sidebar, two panes, the task panel, the footer.

The screen coordinates: it knows which pane is active, turns keys into pane
calls, asks with the prompts, and runs file operations through the active
pane's operation worker. Transfer, compare and the task panel come from the
transfers side (``TransferScreen``, ``TaskPanel``), the start-up locations from
``StartupLocations``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import Header

from gterm.globus import paths
from gterm.globus.browsing import LOCAL, is_local
from gterm.globus.errors import GtermError, InvalidInput
from gterm.globus.models import Bookmark, Collection, Entry
from gterm.globus.moves import MoveOutcome, moved_location, plan_moves, refusal_reason, run_moves
from gterm.globus.transfer_requests import DeleteRequest
from gterm.tui.keymap import MAIN_BINDINGS, SHORT_LABELS, SIDEBAR_BINDINGS
from gterm.tui.listing_view import invalid_link_notice, slashed_name
from gterm.tui.messages import BookmarkChosen, BookmarkGone, PaneFocused
from gterm.tui.safe_text import escape_controls
from gterm.tui.startup_locations import StartupLocations
from gterm.tui.widgets.key_footer import KeyFooter
from gterm.tui.widgets.pane import Pane
from gterm.tui.widgets.sidebar import BookmarkSidebar
from gterm.tui.widgets.task_panel import TaskPanel
from gterm.tui.worker_errors import ShowsErrors, ask_again_or_report, report
from gterm.wording import hidden_by_filter, plural

if TYPE_CHECKING:  # pragma: no cover
    from gterm.globus.transfer import TransferService
    from gterm.tui.text_pager import ByteSource

# The prompts, picker, help, details, directory summary and viewer screens (and the viewer's HTTPS
# reads) are imported when first opened: none is on the first frame, and importing them all up front
# delays it (tests/perf/startup.py; gterm.tui.app says the pattern).

SHORT_TERMINAL_ROWS = 32
"""Below this many rows the task panel shrinks (app.tcss: ``MainScreen.-short``) so the lists keep room."""


class MainScreen(StartupLocations):
    """Two panes and everything around them; F5, c and t act through TransferScreen."""

    BINDINGS: ClassVar[list[BindingType]] = [*MAIN_BINDINGS]
    AUTO_FOCUS = "#left FileList"
    """The left file list has the focus from the first frame (a focus() in on_mount comes a frame later,
    after Textual's auto-focus has given it to the sidebar and restyled both)."""

    def __init__(self, *, left: str | None = None, right: str | None = None) -> None:
        super().__init__()
        self.start_left = left
        self.start_right = right
        self._active_id = "left"

    # --- layout -------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="body"):
            yield BookmarkSidebar(id="sidebar")
            # The active pane's class is set here, not in on_mount: a class added to a mounted
            # widget restyles its whole subtree at once (~10 ms before the first frame).
            yield Pane(id="left", classes="-active" if self._active_id == "left" else "")
            yield Pane(id="right", classes="-active" if self._active_id == "right" else "")
        config = self.host.config
        yield TaskPanel(self.service, bell_on_task_end=config.bell_on_task_end, expected_bytes=config.task_bytes,
                        history_file=self.host.task_history_file)
        yield KeyFooter(compact=True, short_labels=SHORT_LABELS)  # every F-key at 120 columns; short ones at 80

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.height < SHORT_TERMINAL_ROWS, "-short")

    def on_mount(self) -> None:
        self.set_class(self.app.size.height < SHORT_TERMINAL_ROWS, "-short")
        self.sidebar.reload()
        # The sort orders come back with the last locations (before the first listing is drawn).
        self.left_pane.apply_sort(self.host.config.last_left_sort)
        self.right_pane.apply_sort(self.host.config.last_right_sort)
        self._start_locations(self.start_left, self.start_right)

    @property
    def service(self) -> TransferService:
        return self.host.service

    @property
    def left_pane(self) -> Pane:
        return self.query_one("#left", Pane)

    @property
    def right_pane(self) -> Pane:
        return self.query_one("#right", Pane)

    @property
    def active_pane(self) -> Pane:
        return self.left_pane if self._active_id == "left" else self.right_pane

    @property
    def inactive_pane(self) -> Pane:
        return self.right_pane if self._active_id == "left" else self.left_pane

    @property
    def sidebar(self) -> BookmarkSidebar:
        return self.query_one(BookmarkSidebar)

    @property
    def task_panel(self) -> TaskPanel:
        return self.query_one(TaskPanel)

    def panes(self) -> tuple[Pane, Pane]:
        return self.left_pane, self.right_pane

    @on(PaneFocused)
    def _pane_focused(self, event: PaneFocused) -> None:
        event.stop()
        if event.pane_id in ("left", "right") and event.pane_id != self._active_id:
            self._active_id = event.pane_id
            self._mark_active()

    def _mark_active(self) -> None:
        for pane in self.panes():
            pane.set_class(pane.id == self._active_id, "-active")

    # --- navigation actions -------------------------------------------

    def action_other_pane(self) -> None:
        """Tab: the other pane; from the task panel or the sidebar, back to the pane that was active (a
        flip there made the next F5 or F8 act from the pane the user had not chosen)."""
        focused = self.focused
        if focused is None or any(isinstance(node, Pane) for node in focused.ancestors_with_self):
            self._active_id = "right" if self._active_id == "left" else "left"
        self._mark_active()
        # Now, not after this message (Widget.focus defers it): the keys typed next go to this pane.
        self.set_focus(self.active_pane.file_list)

    def action_parent(self) -> None:
        self.active_pane.go_parent()

    def action_edit_path(self) -> None:
        self.active_pane.edit_path()

    def action_refresh(self) -> None:
        self.active_pane.reload()  # a pane whose start-up lookup failed asks for it again
        if self.sidebar.has_class("-shown"):
            self.sidebar.reload()

    def action_pick_collection(self) -> None:
        from gterm.tui.screens.collection_picker import CollectionPicker

        recent = list(self.host.config.recent_collections)
        pane = self.active_pane

        def chosen(collection: Collection | None) -> None:
            if collection is not None:
                self.host.remember_collection_info(collection)
                pane.open(collection.id, None)
                pane.file_list.focus()

        self.app.push_screen(CollectionPicker(self.service, recent_ids=recent), chosen)

    def open_in_active(self, collection_id: str, path: str | None) -> None:
        self.active_pane.open(collection_id, path)
        self.active_pane.file_list.focus()

    # --- view actions ---------------------------------------------------

    def action_filter(self) -> None:
        self.active_pane.start_filter()

    def action_clear_filter(self) -> None:
        self.active_pane.clear_filter()

    def action_toggle_hidden(self) -> None:
        self.active_pane.toggle_hidden()

    def action_cycle_sort(self) -> None:
        self.active_pane.cycle_sort()

    def action_reverse_sort(self) -> None:
        self.active_pane.reverse_sort()

    def action_help(self) -> None:
        from gterm.tui.screens.help import HelpScreen, collect_key_help

        self.app.push_screen(HelpScreen(collect_key_help(self, [("Bookmarks", SIDEBAR_BINDINGS)], self.host.keymap)))

    # --- selection --------------------------------------------------------

    def action_toggle_select(self) -> None:
        self.active_pane.file_list.toggle_cursor_selection()

    def action_select_glob(self) -> None:
        from gterm.tui.screens.prompts import InputPrompt, not_empty

        pane = self.active_pane

        def chosen(pattern: str | None) -> None:
            if pattern:
                pane.when_listed("Selecting", lambda: pane.file_list.select_glob(pattern))

        self.app.push_screen(InputPrompt("Select files matching", value="*", check=not_empty), chosen)

    def action_unselect_glob(self) -> None:
        from gterm.tui.screens.prompts import InputPrompt, not_empty

        pane = self.active_pane

        def chosen(pattern: str | None) -> None:
            if pattern:
                pane.when_listed("Unselecting", lambda: pane.file_list.unselect_glob(pattern))

        self.app.push_screen(InputPrompt("Unselect files matching", value="*", check=not_empty), chosen)

    def action_invert_selection(self) -> None:
        pane = self.active_pane
        pane.when_listed("Inverting the selection", pane.file_list.invert_selection)

    def action_select_all(self) -> None:
        pane = self.active_pane
        pane.when_listed("Selecting all", pane.file_list.select_all)

    # --- file operations --------------------------------------------------

    def _ready_pane(self, action: Callable[[], object] | None = None) -> Pane | None:
        """The active pane if it shows a listing; otherwise say why nothing happens.

        With ``action``: while the pane's listing is in flight, ``action`` runs
        again once it has arrived (and None is returned now), so it acts on the
        location the user went to rather than the one still on screen.
        """
        pane = self.active_pane
        if action is not None and pane.defer_until_loaded(lambda: self._still_active(pane) and action()):
            return None
        if pane.collection is None or pane.path is None:
            self.notify("No collection open here: ctrl+o picks one.", severity="warning")
            return None
        return pane

    def _collection_pane(self, nothing_here: str) -> Pane | None:
        """The active pane if it shows a Globus collection, for the keys that act on one (``i``, ``p``).

        On This computer, one notice instead (``nothing_here`` says what the key would have done): its
        files are no collection, and a screen opened for ``local`` would only show Globus refusing the id.
        """
        pane = self._ready_pane()
        if pane is not None and pane.collection is not None and is_local(pane.collection.id):
            self.notify(f"This computer's own files: no Globus collection, {nothing_here}.", title="This computer")
            return None
        return pane

    def _still_active(self, pane: Pane) -> bool:
        """A deferred action runs only if its pane is still the one the user works in."""
        return pane is self.active_pane

    def action_collection_info(self) -> None:
        """``i``: the focused pane's collection in detail."""
        pane = self._collection_pane("nothing more to show")
        if pane is None or pane.collection is None:
            return
        from gterm.tui.screens.collection_info import CollectionInfo

        collection, service = pane.collection, self.service
        self.app.push_screen(
            CollectionInfo(
                collection.display_name,
                lambda: service.collection_details(collection.id),
                settings=self.host.settings,
            )
        )

    def action_sharing(self) -> None:
        """``p``: the access rules of the focused pane's guest collection (or the guests a mapped one hosts)."""
        pane = self._collection_pane("nothing to share from here (p shares a folder of a collection)")
        if pane is None or pane.collection is None:
            return
        sharing = self.host.sharing
        if sharing is None:
            self.notify("Sharing needs a Globus session (start gterm signed in).", severity="warning")
            return
        from gterm.tui.screens.sharing import SharingScreen

        self.app.push_screen(SharingScreen(sharing, pane.collection, pane.path or "/"))

    def action_groups(self) -> None:
        """``g``: the groups I belong to, their members and the membership actions."""
        groups = self.host.groups
        if groups is None:
            self.notify("Groups need a Globus session (start gterm signed in).", severity="warning")
            return
        from gterm.tui.screens.groups import GroupsScreen

        self.app.push_screen(GroupsScreen(groups, self.host.sharing))

    def action_admin_view(self) -> None:
        """``m``: every task on the endpoints and collections I manage (management API)."""
        from gterm.tui.screens.admin_tasks import AdminTasksScreen

        self.app.push_screen(AdminTasksScreen(self.host.endpoint_manager, self.host.sharing))

    def action_view(self) -> None:
        """F3: view the file under the cursor, or count what a directory holds."""
        pane = self._ready_pane()
        if pane is None or pane.collection is None or pane.path is None:
            return
        entry = pane.file_list.cursor_entry
        if entry is None:
            self.notify("Put the cursor on a file to view it.", severity="warning")
            return
        if entry.is_invalid_link:  # a dangling link: its target cannot be read, so say why before trying
            self.notify(escape_controls(invalid_link_notice(entry)), title="Invalid link", severity="warning")
            return
        if entry.special_kind is not None:
            # Opening a named pipe waits for a writer (forever); a device has no contents to page.
            self.notify(f"{escape_controls(entry.name)} is a {entry.special_kind}: there is nothing to view.",
                        severity="warning")
            return
        collection, directory = pane.collection, pane.path
        title = f"{collection.display_name}:{paths.child(directory, entry.name, is_dir=entry.is_dir)}"
        if entry.is_dir:
            from gterm.tui.screens.dir_summary import DirectorySummary

            files = pane.files
            self.app.push_screen(
                DirectorySummary(
                    title,
                    paths.child(directory, entry.name, is_dir=True),
                    lambda path: files.ls(collection.id, path, show_hidden=True).entries,
                )
            )
            return
        from gterm.globus.remote_bytes import RemoteBytes
        from gterm.tui.screens.viewer import FileViewer, open_local_file

        https = self.host.https
        file_path = paths.child(directory, entry.name)

        def open_source() -> ByteSource:
            if is_local(collection.id):
                return open_local_file(file_path)
            if https is None:
                raise InvalidInput("Viewing files needs a signed-in session (HTTPS access).")
            return RemoteBytes(https.files_for(collection), file_path)

        self.app.push_screen(FileViewer(title, entry.name, open_source))

    def action_edit(self) -> None:
        """F4, Midnight Commander's edit key: gterm has no editor. Said, rather than nothing happening; a file on
        this computer is named in full, for the user's own editor."""
        pane = self.active_pane
        entry = pane.file_list.cursor_entry
        where = ""
        if entry is not None and not entry.is_dir and is_local(pane.collection_id) and pane.path is not None:
            where = f" {paths.child(pane.path, entry.name)} is on this computer: open it in your own editor."
        self.notify(escape_controls(f"gterm has no editor: F3 views a file.{where}"), title="Edit")

    def action_mkdir(self) -> None:
        from gterm.tui.screens.prompts import InputPrompt, name_check

        pane = self._ready_pane(self.action_mkdir)
        if pane is None:
            return
        collection_id, directory = pane.collection_id or "", pane.path or "/"

        def ask(name: str = "", error: str = "") -> None:
            self.app.push_screen(
                InputPrompt("New directory", value=name, placeholder="name", check=name_check, details=directory,
                            error=error),
                named,
            )

        def named(name: str | None) -> None:
            if not name:
                return
            target = paths.child(directory, name, is_dir=True)
            pane.run_file_operation(
                f"New directory {name}",
                lambda s: s.mkdir(collection_id, target),
                lambda _: self._changed(collection_id, directory, focus_name=name, pane=pane),
                on_failed=lambda error: self._ask_again(ask, name, error, f"New directory {name}", pane),
            )

        ask()

    def action_rename(self) -> None:
        from gterm.tui.screens.prompts import InputPrompt, name_check

        pane = self._ready_pane(self.action_rename)
        if pane is None:
            return
        entry = pane.file_list.cursor_entry
        if entry is None:
            self.notify("Put the cursor on the entry to rename.", severity="warning")
            return
        collection_id, directory = pane.collection_id or "", pane.path or "/"

        def ask(name: str, error: str = "") -> None:
            self.app.push_screen(
                InputPrompt("Rename", value=name, check=name_check, select_stem=not error, details=entry.name,
                            error=error),
                named,
            )

        # The name escaped on its own: Transfer's spelling of one that is not UTF-8 is recognised only whole.
        context = f"Rename {escape_controls(entry.name)}"

        def named(name: str | None) -> None:
            if not name or name == entry.name:
                return
            old = paths.child(directory, entry.name, is_dir=entry.is_dir)
            new = paths.child(directory, name, is_dir=entry.is_dir)
            pane.run_file_operation(
                context,
                lambda s: s.rename(collection_id, old, new),
                lambda _: self._changed(collection_id, directory, focus_name=name, pane=pane),
                on_failed=lambda error: self._ask_again(ask, name, error, context, pane),
            )

        ask(entry.name)

    def _ask_again(
        self, ask: Callable[[str, str], object], typed: str, error: BaseException, context: str,
        target: ShowsErrors
    ) -> None:
        """A prompt's call failed: the prompt comes back with what was typed and why; where it cannot, ``target``
        (the pane) and a notice say it (with the name)."""
        ask_again_or_report(self, error, lambda why: ask(typed, why), context=context, target=target)

    def action_move(self) -> None:
        from gterm.tui.screens.prompts import InputPrompt

        pane = self._ready_pane(self.action_move)
        if pane is None:
            return
        entries = pane.selected_entries()
        if not entries:
            self.notify("Nothing to move.", severity="warning")
            return
        collection_id, directory = pane.collection_id or "", pane.path or "/"
        other = self.inactive_pane
        suggestion = other.path if other.collection_id == collection_id and other.path else directory
        if len(entries) == 1 and suggestion == directory:
            suggestion = paths.child(directory, entries[0].name, is_dir=entries[0].is_dir)

        def chosen(destination: str | None) -> None:
            if not destination:
                return
            try:
                moves = plan_moves(directory, entries, destination.strip())
            except GtermError as exc:
                self.notify(escape_controls(exc), title="Move", severity="error")
                return
            self._run_moves(pane, collection_id, directory, moves)

        # What moves is named (as Midnight Commander's 'Move directory "dirA" to:'): the cursor may have
        # moved since, or a selection been left on.
        what = escape_controls(slashed_name(entries[0])) if len(entries) == 1 else plural(len(entries), "item")
        within = "this computer" if is_local(collection_id) else "this collection"  # the Local pane is no collection
        self.app.push_screen(
            InputPrompt(
                f"Move {what} (within {within}) to",
                value=suggestion,
                items=[slashed_name(entry) for entry in entries] if len(entries) > 1 else (),
                details=" ".join(filter(None, (
                    hidden_by_filter(pane.hidden_selected_count),
                    "A path ending in / is a directory to move into; otherwise the new name.",
                ))),
                # Directory names with control characters are shown escaped; these map back on submit.
                raw_prefixes=[p for p in (directory, other.path) if p],
            ),
            chosen,
        )

    def _run_moves(self, pane: Pane, collection_id: str, directory: str, moves: list[tuple[str, str]]) -> None:
        """Rename each (old, new); whatever came of it, the panes show the directories again and a notice says
        what moved and what did not (a pane inside a moved directory follows it)."""
        changed = {directory} | {paths.parent(new) for _, new in moves}
        context = f"Move {plural(len(moves), 'item')}"

        def done(outcome: MoveOutcome) -> None:
            self._show_after_move(collection_id, changed, outcome.moved)
            self._say_move_outcome(pane, collection_id, directory, outcome)

        def failed(error: BaseException) -> None:  # not a refusal of one name: something unforeseen
            self._show_after_move(collection_id, changed, [])
            report(self.app, error, context=context, target=pane)

        pane.run_file_operation(context, lambda files: run_moves(files, collection_id, moves), done, on_failed=failed)

    def _show_after_move(self, collection_id: str, changed: set[str], moved: list[tuple[str, str]]) -> None:
        """List ``changed`` again where a pane shows it; a pane inside a directory that moved follows it there (it
        goes on showing the same files, the way a file manager's window follows a folder renamed under it)."""
        for shown in self.panes():
            if shown.collection_id != collection_id or shown.path is None:
                continue
            followed = moved_location(shown.path, moved)
            if followed is not None:
                shown.go(followed, note=f"{shown.path} was moved: showing it at {followed}")
            elif any(shown.path == paths.as_dir(where) for where in changed):
                shown.reload()

    def _say_move_outcome(self, pane: Pane, collection_id: str, directory: str, outcome: MoveOutcome) -> None:
        """The notice after F6: all moved, or how many of how many and why each other one was not."""
        if not outcome.refused and outcome.stopped is None:
            self.notify(f"Moved {plural(len(outcome.moved), 'item')}.", title="Move")
            return
        if outcome.refused:
            why = [f"{escape_controls(paths.basename(old))} not moved: {escape_controls(refusal_reason(new, error))}"
                   for old, new, error in outcome.refused]
            more = [f"… and {len(why) - 5:,} more not moved"] if len(why) > 5 else []
            self.notify(f"Moved {len(outcome.moved):,} of {outcome.planned:,}; " + "; ".join(why[:5] + more),
                        title="Move", severity="error", timeout=15)
        if outcome.stopped is not None:
            rest = outcome.not_tried
            report(self.app, outcome.stopped,
                   context=f"Moved {len(outcome.moved):,} of {outcome.planned:,}; {len(rest):,} not tried",
                   target=pane, retry=lambda: self._run_moves(pane, collection_id, directory, rest))

    def action_delete(self) -> None:
        from gterm.tui.screens.prompts import ConfirmPrompt

        pane = self._ready_pane(self.action_delete)
        if pane is None:
            return
        entries = pane.selected_entries()
        if not entries:
            self.notify("Nothing to delete.", severity="warning")
            return
        collection_id, directory = pane.collection_id or "", pane.path or "/"
        shown = [slashed_name(e) for e in entries]
        warning = ""
        if any(e.is_dir and not e.link_target for e in entries):
            warning += " Directories are deleted with everything in them."
        if any(e.link_target for e in entries):  # a link to a directory goes alone (as rm does)
            warning += " A link is deleted, not what it points to."

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.submit_delete(pane, collection_id, directory, entries)

        name = pane.collection.display_name if pane.collection else collection_id
        self.app.push_screen(
            ConfirmPrompt(
                f"Delete {plural(len(entries), 'item')}",
                " ".join(filter(None, (
                    f"Delete from {name}:{directory}?",
                    hidden_by_filter(pane.hidden_selected_count),
                    f"This cannot be undone.{warning}",
                ))),
                items=shown,
                confirm_label="Delete",
                danger=True,
            ),
            confirmed,
        )

    def submit_delete(self, pane: Pane, collection_id: str, directory: str, entries: list[Entry]) -> None:
        """Submit one delete task for ``entries`` and refresh the listing when it ends."""
        if is_local(collection_id):
            self.delete_local(pane, directory, entries)
            return
        request = DeleteRequest(
            collection_id=collection_id,
            paths=[paths.child(directory, e.name, is_dir=e.is_dir) for e in entries],
            recursive=any(e.is_dir for e in entries),
            label=f"gterm delete {plural(len(entries), 'item')}",
        )

        def submitted(task_id: str) -> None:
            self.notify(f"Delete task submitted ({plural(len(entries), 'item')}).", title="Delete")
            self.after_task(task_id, lambda task: self._refresh_after_delete(collection_id, directory, entries))

        # The request keeps its submission id, so a retry after sign-in cannot make a second task.
        pane.run_operation("Delete", lambda s: s.submit_delete(request), submitted)

    def delete_local(self, pane: Pane, directory: str, entries: list[Entry]) -> None:
        """Delete on this computer at once (no task); say what could not be deleted."""
        targets = [paths.child(directory, e.name, is_dir=e.is_dir) for e in entries]

        collection_id = pane.collection_id or ""

        def done(problems: list[str]) -> None:
            self._refresh_after_delete(collection_id, directory, entries)
            deleted = len(targets) - len(problems)
            if problems:
                shown = "\n".join(escape_controls(p) for p in problems[:5])
                more = f"\n… and {len(problems) - 5:,} more" if len(problems) > 5 else ""
                self.notify(
                    f"Deleted {plural(deleted, 'item')}; could not delete {len(problems):,}:\n{shown}{more}",
                    title="Delete",
                    severity="error",
                    timeout=10,
                )
            else:
                self.notify(f"Deleted {plural(deleted, 'item')}.", title="Delete")

        pane.run_file_operation("Delete", lambda _files: LOCAL.delete(targets), done)

    def _refresh_after_delete(self, collection_id: str, directory: str, entries: list[Entry]) -> None:
        """List ``directory`` again, and every pane inside a directory deleted from it: such a pane finds its
        directory gone and climbs to the nearest parent that exists (Pane's reload), saying so."""
        # A pane can only be inside a directory or a link to one; a file's name as a directory matches no pane.
        deleted = [paths.child(directory, e.name, is_dir=True) for e in entries]
        for shown in self.panes():
            if shown.collection_id != collection_id or shown.path is None:
                continue
            if shown.path == paths.as_dir(directory) or any(paths.is_within(shown.path, gone) for gone in deleted):
                shown.reload()

    def _changed(self, collection_id: str, directory: str, *, focus_name: str | None, pane: Pane) -> None:
        """After mkdir/rename: reload the panes showing ``directory``; the acting one lands on the new name."""
        for shown in self.panes():
            if shown.collection_id == collection_id and shown.path == paths.as_dir(directory):
                shown.reload(cursor=focus_name if shown is pane else None)

    # --- bookmarks --------------------------------------------------------

    def action_toggle_sidebar(self) -> None:
        """Show and focus the sidebar; if it is already shown but not focused, focus it; else hide it."""
        sidebar = self.sidebar
        if sidebar.has_class("-shown") and not sidebar.has_focus_within:
            self.set_focus(sidebar.option_list)
            return
        showing = not sidebar.has_class("-shown")
        sidebar.set_class(showing, "-shown")
        if showing:
            if not sidebar.loaded:
                sidebar.reload()
            self.set_focus(sidebar.option_list)  # now: the ↓ typed next moves in the bookmarks
        else:
            self.set_focus(self.active_pane.file_list)

    def action_toggle_tasks(self) -> None:
        """T: the task panel hidden, its rows given to the panes (9 more files each at 80x24), or shown again.
        Tasks are still watched while it is hidden, their ends announced; ``t`` shows it too."""
        panel = self.task_panel
        if panel.display and panel.has_focus_within:
            self.set_focus(self.active_pane.file_list)
        panel.display = not panel.display

    def action_add_bookmark(self) -> None:
        from gterm.tui.screens.prompts import InputPrompt, bookmark_name_check

        pane = self._ready_pane(self.action_add_bookmark)
        if pane is None:
            return
        collection_id, directory = pane.collection_id or "", pane.path or "/"
        if is_local(collection_id):  # said before the name is asked for, not after it (Globus would refuse it)
            self.notify("Bookmarks are Globus' and name a collection; this computer's folders are not one. "
                        "ctrl+o opens This computer.", title="Bookmark", severity="warning")
            return
        default = paths.basename(directory) or (pane.collection.display_name if pane.collection else "bookmark")
        # A new bookmark name is ours to choose: never copy control characters into it.
        default = escape_controls(default)
        where = f"{pane.collection.display_name if pane.collection else collection_id}:{directory}"  # shown escaped

        def ask(name: str, error: str = "") -> None:
            self.app.push_screen(InputPrompt("Bookmark this location as", value=name, details=where,
                                             check=bookmark_name_check, error=error), named)

        def named(name: str | None) -> None:
            if name:
                self.sidebar.add(name.strip(), collection_id, directory,
                                 on_failed=lambda error: self._ask_again(ask, name, error, "Add bookmark",
                                                                         self.sidebar))
                self.sidebar.add_class("-shown")

        ask(default)

    @on(BookmarkChosen)
    def _bookmark_chosen(self, event: BookmarkChosen) -> None:
        event.stop()
        self.open_bookmark(event.bookmark)

    def open_bookmark(self, bookmark: Bookmark) -> None:
        """A bookmark opens in the active pane; one whose collection is gone is named (BookmarkGone)."""
        self.active_pane.open_bookmark(bookmark)
        self.active_pane.file_list.focus()

    @on(BookmarkGone)
    def _bookmark_gone(self, event: BookmarkGone) -> None:
        event.stop()
        self.sidebar.show_gone(event.bookmark)

