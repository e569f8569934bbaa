"""The one seam between the TUI and the app that hosts it.

Widgets and screens reach the app's service, settings, HTTPS access and
sign-in through ``self.host`` (a :class:`GtermHost`), typed, never through
``getattr`` on ``self.app``. :class:`~gterm.tui.app.GtermApp` is the host in
production; tests host widgets in small apps that implement the same
Protocol (``tests/support/hosts.py``), so production code never has to
tolerate a partial app.

Declare the property on a widget or screen with ``host = AppHost()``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, cast

from textual.message_pump import MessagePump

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from gterm.config import GtermConfig
    from gterm.globus.collection_settings import SettingsService
    from gterm.globus.endpoint_manager import EndpointManager
    from gterm.globus.groups import GroupsService
    from gterm.globus.https_access import HttpsAccess
    from gterm.globus.models import Collection
    from gterm.globus.sharing import SharingService
    from gterm.globus.transfer import TransferService
    from gterm.tui.worker_errors import ReauthCoordinator


class GtermHost(Protocol):
    """What gterm's widgets and screens need from their app.

    The services a key reaches later are read-only here: GtermApp builds them on first
    use (``cached_property``), so their modules load after the first frame.
    """

    service: TransferService
    config: GtermConfig
    reauth: ReauthCoordinator
    keymap: Mapping[str, str]  # the user's keymap as applied: binding id -> keys
    sharing: SharingService | None  # access rules and names (`p`); None when built without one
    groups: GroupsService | None  # my groups and their members (`g`); None when built without one
    task_history_file: Path | None  # where gterm's own tasks are kept across runs; None: this run only

    @property
    def https(self) -> HttpsAccess | None: ...  # None without a session that can get HTTPS tokens

    @property
    def settings(self) -> SettingsService: ...  # collection settings (``e`` on the details screen)

    @property
    def endpoint_manager(self) -> EndpointManager: ...  # the administrator's view (``m``)

    def remember_collection_info(self, collection: Collection) -> None: ...


HOST_MEMBERS = (
    "service", "config", "reauth", "keymap", "sharing", "groups", "task_history_file",
    "https", "settings", "endpoint_manager", "remember_collection_info",
)
"""GtermHost's members, checked by name (a test keeps this list equal to the Protocol's)."""

_hosting_types: set[type] = set()  # app classes already found to implement GtermHost
_MISSING = object()


def host_of(node: MessagePump) -> GtermHost:
    """The app hosting ``node``; a clear error when that app is not a gterm host.

    Not ``isinstance`` with a runtime-checkable Protocol: on Python 3.11 that calls
    ``hasattr``, which would build the app's on-first-use services at the first ``self.host``.
    ``getattr_static`` finds a member without running it.
    """
    app = node.app
    if type(app) not in _hosting_types:
        missing = [name for name in HOST_MEMBERS if inspect.getattr_static(app, name, _MISSING) is _MISSING]
        if missing:
            raise TypeError(
                f"{type(app).__name__} does not implement gterm.tui.host.GtermHost (no {', '.join(missing)})"
            )
        _hosting_types.add(type(app))
    return cast(GtermHost, app)  # checked member by member above


class AppHost:
    """A descriptor: ``host = AppHost()`` on a widget gives ``self.host``, typed."""

    def __get__(self, node: MessagePump, owner: type[MessagePump] | None = None) -> GtermHost:
        return host_of(node)
