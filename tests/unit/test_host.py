"""gterm.tui.host: the check that an app hosts gterm's widgets runs none of its on-first-use services."""

from __future__ import annotations

from types import SimpleNamespace
from typing import NoReturn, cast

import pytest
from textual.app import App
from textual.message_pump import MessagePump

from gterm.globus.transfer import TransferService
from gterm.tui.app import GtermApp
from gterm.tui.host import HOST_MEMBERS, GtermHost, host_of


def node_in(app: App[None]) -> MessagePump:
    """Something whose ``.app`` is ``app``: all host_of reads from a widget."""
    return cast(MessagePump, SimpleNamespace(app=app))


def no_client() -> NoReturn:
    raise AssertionError("no client is made by these tests")


def test_host_members_name_every_member_of_the_protocol() -> None:
    declared = set(GtermHost.__annotations__) | {
        name for name, value in vars(GtermHost).items() if not name.startswith("_") and callable(value)
    } | {name for name, value in vars(GtermHost).items() if isinstance(value, property)}
    assert set(HOST_MEMBERS) == declared


def test_the_app_is_a_host_and_checking_it_builds_no_service() -> None:
    app = GtermApp(TransferService(no_client))
    assert host_of(node_in(app)) is app
    # cached_property keeps what it built in the instance: nothing was built by the check.
    assert {"https", "settings", "endpoint_manager"} & set(vars(app)) == set()
    assert app.https is None  # no session: no HTTPS access, said without building anything
    assert app.endpoint_manager is app.endpoint_manager  # built once, on first use


def test_an_app_missing_a_member_is_refused_by_name() -> None:
    class NotAHost(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.service = TransferService(no_client)

    with pytest.raises(TypeError, match=r"NotAHost does not implement .*config"):
        host_of(node_in(NotAHost()))
