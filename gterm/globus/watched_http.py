"""Requests a cancel can break off before their answer has come: the body going up, the answer awaited.

:func:`gterm.globus.cancellation.reading_until_cancel` breaks off the reading of
an answer's body: the response holds its connection. Before there is a
response (an upload's body on its way, or any request waiting for the first
byte of its answer) requests shows no connection, and a server that went
silent there holds the task for a whole timeout (60 s for the answer). So the
adapter here notes which connection a request goes out on, for the thread
that sends it, and :func:`sending_until_cancel` shuts that connection on a
cancel. Through a proxy (a different pool manager) nothing is noted: the
request then ends with its timeout, as before.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from gterm.globus.cancellation import Cancellation, shut_socket


class _Watch:
    """The connection one thread's request went out on (None until it goes), and the cancel that ends it."""

    def __init__(self, cancel: Cancellation) -> None:
        self.cancel = cancel
        self.connection: HTTPConnection | None = None

    def shut(self) -> None:
        if self.connection is not None:
            shut_socket(self.connection.sock)


_watching = threading.local()  # .watch: this thread's _Watch while a request of a cancellable task is out


def _note(connection: HTTPConnection) -> None:
    watch: _Watch | None = getattr(_watching, "watch", None)
    if watch is not None:
        watch.connection = connection
        if watch.cancel.is_set():  # the cancel came after the watch began, before this connection was known
            watch.shut()


class _Noted(HTTPConnection):
    """A connection that tells the watch of the thread using it (:func:`_note`) that it is the one."""

    def connect(self) -> None:
        super().connect()
        _note(self)  # a new connection: its socket exists from here (a cancel during the connect shuts it now)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _note(self)  # before the body goes: a send blocked on a server that stopped reading is covered too
        super().request(*args, **kwargs)


class _WatchedHTTPConnection(_Noted):
    pass


class _WatchedHTTPSConnection(_Noted, HTTPSConnection):
    pass


class _WatchedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class WatchedAdapter(HTTPAdapter):
    """requests' adapter, its connections noted for :func:`sending_until_cancel` (mount it for a session)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _WatchedHTTPConnectionPool,
            "https": _WatchedHTTPSConnectionPool,
        }


@contextmanager
def sending_until_cancel(cancel: threading.Event | None) -> Iterator[None]:
    """While inside, a cancel (a :class:`Cancellation`) shuts the connection the thread's request went out on:
    a send or a wait for the answer blocked on a silent server ends at once, with a connection error (the
    caller sees the cancel is set). Only for requests sent through a :class:`WatchedAdapter`."""
    if not isinstance(cancel, Cancellation):
        yield
        return
    watch = _Watch(cancel)
    _watching.watch = watch
    try:
        with cancel.breaking_off(watch.shut):
            yield
    finally:
        with contextlib.suppress(AttributeError):
            del _watching.watch
