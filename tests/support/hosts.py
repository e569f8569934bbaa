"""Small apps that host gterm's widgets and screens in tests.

Production code reaches its app through ``gterm.tui.host.GtermHost``; these
hosts implement that Protocol (a live TransferService, settings that are
never saved, the re-auth coordinator) instead of production code tolerating
a partial app.

``TransferHostApp`` is a live host for the transfer actions: a
``TransferScreen`` with two small panes (:class:`HostPane`, the smallest thing
honouring ``TransferPane``, listing through the REAL TransferService against
the live sandbox) and a live TaskPanel, so the actions, the dialog and the
panel are exercised end to end without waiting for the browser's panes. (The
browser's own Pilot tests cover the real panes.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.widgets import Footer, Static

from gterm.config import GtermConfig
from gterm.globus.collection_settings import SettingsService
from gterm.globus.endpoint_manager import EndpointManager
from gterm.globus.groups import GroupsService
from gterm.globus.https_access import HttpsAccess
from gterm.globus.models import Collection, Entry, Listing
from gterm.globus.session import SessionLike
from gterm.globus.sharing import SharingService
from gterm.globus.transfer import TransferService
from gterm.tui.keymap import MAIN_BINDINGS
from gterm.tui.task_poller import PollSchedule
from gterm.tui.transfer_actions import TransferScreen
from gterm.tui.widgets.task_panel import TaskPanel
from gterm.tui.worker_errors import ReauthCoordinator
from tests.support.browser_helpers import submitted_task_id

TRANSFER_ACTIONS = ("transfer", "compare", "focus_tasks")


class HostApp(App[None]):
    """An app implementing ``GtermHost``: what gterm's widgets need from their app."""

    def __init__(
        self,
        service: TransferService,
        *,
        config: GtermConfig | None = None,
        session: SessionLike | None = None,
        https: HttpsAccess | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        self.config = config or GtermConfig()
        self.reauth = ReauthCoordinator(self, session=session)
        self.https = https
        self.settings = SettingsService(lambda: service.client(), None)
        self.groups: GroupsService | None = None  # nor groups
        self.endpoint_manager = EndpointManager(lambda: service.client())
        self.sharing: SharingService | None = None  # no sharing service: these hosts exercise transfers
        self.task_history_file: Path | None = None  # gterm's own tasks are kept for this run only
        self.keymap: dict[str, str] = {}
        self.collections: dict[str, Collection] = {}

    def remember_collection_info(self, collection: Collection) -> None:
        self.collections[collection.id] = collection


class HostPane:
    """A pane over one directory of a collection, listed with the real service (a ``TransferPane``)."""

    def __init__(self, service: TransferService, collection_id: str, path: str, name: str) -> None:
        self.service = service
        self.collection: Collection | None = Collection(id=collection_id, display_name=name)
        self.listing: Listing | None = None
        self.selected: list[str] = []
        self.cursor: str | None = None
        self.marks: set[str] | None = None
        self.pages_pending = False
        self._path = path
        self.reload()

    @property
    def collection_id(self) -> str | None:
        return self.collection.id if self.collection else None

    @property
    def path(self) -> str | None:
        return self.listing.path if self.listing else None

    @property
    def has_marks(self) -> bool:
        return bool(self.marks)

    @property
    def visible_marked_count(self) -> int:
        return len(self.marks or ())

    @property
    def hidden_selected_count(self) -> int:
        return 0  # no filter here

    def reload(self) -> None:
        assert self.collection is not None
        self.listing = self.service.ls(self.collection.id, self._path)

    def selected_entries(self) -> list[Entry]:
        names = self.selected or ([self.cursor] if self.cursor else [])
        assert self.listing is not None
        return [entry for entry in self.listing.entries if entry.name in names]

    def set_marks(self, names: set[str]) -> None:
        self.marks = set(names)

    def clear_selection(self) -> None:
        self.selected = []

    def replace_selection(self, names: set[str]) -> None:
        self.selected = sorted(names)

    def defer_until_loaded(self, action: Callable[[], object]) -> bool:
        return False  # listed synchronously: never in flight


class HostScreen(TransferScreen):
    BINDINGS: ClassVar[list[BindingType]] = [b for b in MAIN_BINDINGS if b.action in TRANSFER_ACTIONS]

    def __init__(self, left: HostPane, right: HostPane, panel: TaskPanel) -> None:
        super().__init__()
        self._left = left
        self._right = right
        self._panel = panel

    @property
    def active_pane(self) -> HostPane:
        return self._left

    @property
    def inactive_pane(self) -> HostPane:
        return self._right

    @property
    def task_panel(self) -> TaskPanel:
        return self._panel

    def compose(self) -> ComposeResult:
        yield Static("host")
        yield self._panel
        yield Footer()


class TransferHostApp(HostApp):
    """``service`` on the app (as GtermApp has it); a HostScreen with a live TaskPanel."""

    def __init__(
        self,
        service: TransferService,
        left: HostPane,
        right: HostPane,
        *,
        schedule: PollSchedule | None = None,
        config: GtermConfig | None = None,
        session: SessionLike | None = None,
    ) -> None:
        super().__init__(service, config=config, session=session)
        self.transfers = HostScreen(left, right, TaskPanel(service, schedule=schedule, id="tasks"))
        self.notifications_seen: list[str] = []

    def on_mount(self) -> None:
        self.push_screen(self.transfers)

    def notify(self, message: str, **kwargs: Any) -> None:  # type: ignore[override]  # records, then notifies
        self.notifications_seen.append(str(message))
        super().notify(message, **kwargs)

    @property
    def submitted_task_id(self) -> str | None:
        """The task the user was last told was submitted ("Transfer submitted: task <id>")."""
        return submitted_task_id(self.notifications_seen)
