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

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.message_pump import MessagePump

if TYPE_CHECKING:  # pragma: no cover
    from gterm.config import GtermConfig
    from gterm.globus.collection_settings import SettingsService
    from gterm.globus.endpoint_manager import EndpointManager
    from gterm.globus.groups import GroupsService
    from gterm.globus.https_access import HttpsAccess
    from gterm.globus.models import Collection
    from gterm.globus.sharing import SharingService
    from gterm.globus.transfer import TransferService
    from gterm.tui.worker_errors import ReauthCoordinator


@runtime_checkable
class GtermHost(Protocol):
    """What gterm's widgets and screens need from their app."""

    service: TransferService
    config: GtermConfig
    reauth: ReauthCoordinator
    https: HttpsAccess | None  # None without a session that can get HTTPS tokens
    keymap: Mapping[str, str]  # the user's keymap as applied: binding id -> keys
    settings: SettingsService  # collection settings (``e`` on the details screen)
    endpoint_manager: EndpointManager  # the administrator's view (``m``)
    sharing: SharingService | None  # access rules and names (`p`); None when built without one
    groups: GroupsService | None  # my groups and their members (`g`); None when built without one

    def remember_collection_info(self, collection: Collection) -> None: ...


def host_of(node: MessagePump) -> GtermHost:
    """The app hosting ``node``; a clear error when that app is not a gterm host."""
    app = node.app
    if not isinstance(app, GtermHost):
        raise TypeError(f"{type(app).__name__} does not implement gterm.tui.host.GtermHost")
    return app


class AppHost:
    """A descriptor: ``host = AppHost()`` on a widget gives ``self.host``, typed."""

    def __get__(self, node: MessagePump, owner: type[MessagePump] | None = None) -> GtermHost:
        return host_of(node)
