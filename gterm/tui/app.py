"""GtermApp: the Textual application.

The app holds what outlives a screen: the TransferService (injected, so tests
and the demo talk to any Globus-compatible service), the optional session for
re-login, the settings (keymap, theme, last locations, recent collections),
the bookmark list for the palette, and the collections seen so far. Everything
else lives on the main screen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.command import Provider
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from gterm.config import GtermConfig
from gterm.globus.errors import GtermError
from gterm.globus.locations import CollectionLocation, format_location
from gterm.globus.models import Bookmark, Collection
from gterm.tui.keymap import APP_BINDINGS, SCREEN_BINDINGS, binding_ids, user_keymap
from gterm.tui.messages import (
    BookmarksChanged,
    CollectionDeleted,
    CollectionRead,
    DestinationChosen,
    PaneLocationChanged,
    PaneSortChanged,
)
from gterm.tui.safe_text import escape_controls
from gterm.tui.screens.main import MainScreen
from gterm.tui.typed_input import KeysInOrder
from gterm.tui.widgets.file_list import FileList
from gterm.tui.widgets.task_panel import TaskPanel
from gterm.tui.worker_errors import ReauthCoordinator, deliver, report
from gterm.wording import plural

# Start-up imports only what the first frame draws (tests/unit/test_startup_imports.py holds
# the list of what it must not load). What a key reaches later -- a screen pushed, a service
# first used, the palette -- is imported in the function that first needs it, and named here
# for annotations only. The services below are therefore built on first use.
if TYPE_CHECKING:  # pragma: no cover
    from textual.notifications import SeverityLevel

    from gterm.globus.collection_settings import GcsTokens, SettingsService
    from gterm.globus.endpoint_manager import EndpointManager
    from gterm.globus.groups import GroupsService
    from gterm.globus.https_access import HttpsAccess
    from gterm.globus.session import SessionLike  # loads globus-sdk: not before the first frame
    from gterm.globus.sharing import SharingService
    from gterm.globus.transfer import TransferService


@runtime_checkable
class SharingSession(Protocol):
    """A session that builds the services behind `p` and `g` (GtermSession does), asked on first use."""

    def sharing_service(self) -> SharingService: ...

    def groups_service(self) -> GroupsService: ...


def gterm_commands() -> type[Provider]:
    """The palette's gterm entries, imported when the palette first opens (Textual calls this then)."""
    from gterm.tui.commands import GtermCommands

    return GtermCommands


class GtermApp(KeysInOrder[None]):
    """A two-pane Globus file manager.

    ``config`` None means an in-memory settings object that is never saved
    (nothing is written to the user's config file unless a config is passed).
    """

    # Absolute, so subclasses defined elsewhere (tests, screenshots) find it too.
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "gterm"
    BINDINGS: ClassVar[list[BindingType]] = [*APP_BINDINGS]
    COMMANDS = App.COMMANDS | {gterm_commands}

    def __init__(
        self,
        service: TransferService,
        *,
        session: SessionLike | None = None,
        config: GtermConfig | None = None,
        left: str | None = None,
        right: str | None = None,
        https: HttpsAccess | None = None,
        gcs_tokens: GcsTokens | None = None,
        sharing: SharingService | None = None,
        groups: GroupsService | None = None,
        confirm_quit_while_active: bool = False,
        after_first_frame: Callable[[], None] | None = None,
    ) -> None:
        """
        :param after_first_frame: run on a thread once the first frame is drawn: what start-up
            defers so the screen comes first (the command line opens the Globus session there
            and checks a robot's credentials); a GtermError from it ends the app and is kept in
            ``startup_error`` for the command line to report.
        """
        # Before App.__init__: setting up the theme reactive calls watch_theme, which reads the config.
        self.save_config = config is not None
        self.state_unwritable_said = False  # a state file that cannot be written is said once, not per change
        self.config = config if config is not None else GtermConfig()
        # gterm's own tasks are kept across runs where the state is, and like it only with a settings file.
        self.task_history_file = self.config.task_history_file() if self.save_config else None
        super().__init__()
        # `gterm demo`: the sandbox runs in this process, so its tasks stop when gterm does.
        self.confirm_quit_while_active = confirm_quit_while_active
        self.service = service
        self.reauth = ReauthCoordinator(self, session=session)
        self._session = session
        self._https = https
        self._gcs_tokens = gcs_tokens
        self._sharing = sharing
        self._groups = groups
        self.start_left = left
        self.start_right = right
        self._after_first_frame = after_first_frame
        self.startup_error: GtermError | None = None
        self.bookmarks: list[Bookmark] = []
        self.collections: dict[str, Collection] = {}
        self.keymap, self._keymap_problems = user_keymap(self.config.keymap, remappable_binding_ids())
        if self.keymap:
            self.set_keymap(self.keymap)
        self._theme_problem: str | None = None
        if self.config.theme and self.config.theme in self.available_themes:
            self.theme = self.config.theme
        elif self.config.theme:  # a typo would otherwise pass for the default theme, unsaid
            self._theme_problem = (
                f"theme = {self.config.theme!r} is not a theme gterm has; using the default. "
                f"The themes: {', '.join(sorted(self.available_themes))}"
            )

    # --- services built on first use (not on the first frame) ---------------------------

    @cached_property
    def https(self) -> HttpsAccess | None:
        """Files over HTTPS (viewer, downloads, uploads); None without a session that can get tokens."""
        if self._https is not None or self._session is None:
            return self._https
        from gterm.globus.https_access import HttpsAccess

        return HttpsAccess(self._session)

    @cached_property
    def sharing(self) -> SharingService | None:
        """Access rules and names (`p`); None without one or a session that builds it (then `p` says so)."""
        if self._sharing is not None or not isinstance(self._session, SharingSession):
            return self._sharing
        return self._session.sharing_service()

    @cached_property
    def groups(self) -> GroupsService | None:
        """Groups (`g`); None without one or a session that builds it."""
        if self._groups is not None or not isinstance(self._session, SharingSession):
            return self._groups
        return self._session.groups_service()

    @cached_property
    def settings(self) -> SettingsService:
        """Collection settings: Transfer for Globus Connect Personal, the GCS Manager (its own tokens) for GCSv5."""
        from gterm.globus.collection_settings import GcsTokens, SettingsService

        service, gcs_tokens = self.service, self._gcs_tokens
        if gcs_tokens is None and isinstance(self._session, GcsTokens):
            gcs_tokens = self._session
        return SettingsService(lambda: service.client(), gcs_tokens)

    @cached_property
    def endpoint_manager(self) -> EndpointManager:
        """The administrator's view (``m``): the management API over the app's Transfer client."""
        from gterm.globus.endpoint_manager import EndpointManager

        service = self.service
        return EndpointManager(lambda: service.client())

    def get_default_screen(self) -> MainScreen:
        return MainScreen(left=self.start_left, right=self.start_right)

    @property
    def main_screen(self) -> MainScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    def on_mount(self) -> None:
        if self._after_first_frame is not None:
            self.call_after_refresh(self._first_frame_drawn)
        if self._keymap_problems:
            self.notify(
                f"Left out of the [keymap] settings: {'; '.join(self._keymap_problems)} (? lists the ids and keys)",
                title="Settings",
                severity="warning",
            )
        if self._theme_problem:
            self.notify(self._theme_problem, title="Settings", severity="warning")

    @work(thread=True, group="after-first-frame", exit_on_error=False)
    def _first_frame_drawn(self) -> None:
        assert self._after_first_frame is not None
        try:
            self._after_first_frame()
        except GtermError as exc:
            deliver(self, self._startup_failed, exc)

    def _startup_failed(self, error: GtermError) -> None:
        self.startup_error = error
        self.exit(return_code=1)

    # --- command palette --------------------------------------------------------------

    #: Textual's system commands that gterm's own palette entries already offer ("Quit", "Help").
    SYSTEM_COMMANDS_COVERED = frozenset({"Quit", "Keys"})

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's system commands, less those the palette already lists as gterm's own."""
        for command in super().get_system_commands(screen):
            if command.title not in self.SYSTEM_COMMANDS_COVERED:
                yield command

    # --- notices --------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice is literal text, whatever the caller asked: gterm styles none with markup, and a name
        in one may hold some ("Lab [/] Storage" in a notice crashed the app when it was drawn). Widgets'
        ``notify`` comes here too. Control characters are escaped here too (line breaks kept): a
        name in a notice is drawn by the terminal, and an ESC or OSC in it would retitle or repaint it."""
        super().notify(escape_controls(message, multiline=True), title=escape_controls(title), severity=severity,
                       timeout=timeout, markup=False)

    # --- help -----------------------------------------------------------------------

    def action_screen_help(self) -> None:
        """``?``/F1 on a full screen without a help key of its own (modals have theirs): its keys."""
        from gterm.tui.screens.help import show_key_help

        show_key_help(self.screen)

    # --- quitting ------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit; ask first while gterm's own tasks run (they stop with it), and in the demo while any task runs
        (its sandbox stops with it). Transfers at Globus go on without gterm: no question for those."""
        from gterm.tui.screens.prompts import ConfirmPrompt

        panel = self.main_screen.task_panel if self.main_screen is not None else None
        here = [t for t in panel.local_tasks.values() if t.is_active] if panel is not None else []
        at_globus = [
            t for t in panel.tasks if t.is_active and t.task_id not in panel.local_tasks
        ] if panel is not None and self.confirm_quit_while_active else []
        if not here and not at_globus:
            self.exit()
            return
        if isinstance(self.screen, ConfirmPrompt):
            return  # already asking

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        reasons = []
        if here:
            count = len(here)
            reasons.append(
                f"{plural(count, 'task')} of gterm's own (downloads, uploads, copies on this computer) "
                f"{'stop' if count != 1 else 'stops'} when it quits; a download keeps what has arrived, and F5 "
                "again resumes it."
            )
        if at_globus:
            count = len(at_globus)
            reasons.append(
                f"{plural(count, 'Globus task')} still running. The demo's sandbox stops with gterm: "
                f"{'they pause' if count != 1 else 'it pauses'}, and {'go' if count != 1 else 'goes'} on "
                "where it stopped the next time you run gterm demo."
            )
        self.push_screen(
            ConfirmPrompt(
                "Quit the demo?" if self.confirm_quit_while_active else "Quit gterm?",
                " ".join(reasons),
                confirm_label="Quit",
                danger=True,
            ),
            answered,
        )

    # --- remembered state -------------------------------------------------

    def remember_collection_info(self, collection: Collection) -> None:
        self.collections[collection.id] = collection

    @on(CollectionRead)
    def _collection_read(self, event: CollectionRead) -> None:
        self.remember_collection_info(event.collection)
        main = self.main_screen
        if main is not None:
            for pane in main.panes():
                pane.show_collection(event.collection)

    @on(CollectionDeleted)
    def _collection_deleted(self, event: CollectionDeleted) -> None:
        self.collections.pop(event.collection.id, None)
        main = self.main_screen
        if main is not None:
            for pane in main.panes():
                pane.collection_deleted(event.collection, follow_host=event.by_gterm)

    @on(PaneLocationChanged)
    def _location_changed(self, event: PaneLocationChanged) -> None:
        self.remember_collection_info(event.collection)
        config = self.config
        before = (config.last_left, config.last_right, list(config.recent_collections))
        location = format_location(CollectionLocation(event.collection.id, event.listing.path))
        if event.pane_id == "left":
            config.last_left = location
        elif event.pane_id == "right":
            config.last_right = location
        config.remember_collection(event.collection.id)
        if (config.last_left, config.last_right, list(config.recent_collections)) != before:
            self._save_config()  # a reload or a page of the same place changes nothing worth a write

    @on(PaneSortChanged)
    def _sort_changed(self, event: PaneSortChanged) -> None:
        remembered = ("-" if event.reverse else "") + event.sort_key
        if event.pane_id == "left" and self.config.last_left_sort != remembered:
            self.config.last_left_sort = remembered
            self._save_config()
        elif event.pane_id == "right" and self.config.last_right_sort != remembered:
            self.config.last_right_sort = remembered
            self._save_config()

    @on(TaskPanel.ExpectedBytes)
    def _task_bytes_known(self, event: TaskPanel.ExpectedBytes) -> None:
        if self.config.remember_task_bytes(event.task_id, event.total):
            self._save_config()  # the panel shows progress in bytes after a restart too

    @on(DestinationChosen)
    def _destination_chosen(self, event: DestinationChosen) -> None:
        if self.config.remember_destination(event.collection_id, event.path):
            self._save_config()

    @on(BookmarksChanged)
    def _bookmarks_changed(self, event: BookmarksChanged) -> None:
        self.bookmarks = list(event.bookmarks)

    def watch_theme(self, theme: str) -> None:
        if self.config.theme != theme:
            self.config.theme = theme
            self._save_config()

    def _save_config(self) -> None:
        if self.save_config:
            self._write_config()

    @work(thread=True, group="config", exclusive=True, exit_on_error=False)
    def _write_config(self) -> None:
        # A thread: the file is small, but a slow home directory must not stall the UI.
        try:
            self.config.save()
        except OSError as exc:  # a read-only or full data dir: gterm carries on without remembering
            deliver(self, self._say_state_unwritable, exc)

    def _say_state_unwritable(self, error: OSError) -> None:
        if self.state_unwritable_said:
            return
        self.state_unwritable_said = True
        self.notify(
            f"Cannot save gterm's state to {self.config.state_file()} ({error.strerror or error}). gterm carries "
            "on, but will not remember the last locations or recent collections for next time.",
            title="State not saved",
            severity="warning",
            timeout=15,
        )

    # --- the safety net ---------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Workers catch their own errors; anything that still escapes is shown, never raised."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            report(self, event.worker.error, context=event.worker.name or "Background task")


def remappable_binding_ids() -> frozenset[str]:
    """Every binding id a user's ``[keymap]`` may name: keymap.py's tables and the widgets' own."""
    return binding_ids(*SCREEN_BINDINGS, FileList.BINDINGS, TaskPanel.BINDINGS)
