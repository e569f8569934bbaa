"""Cancel for gterm's own tasks: an Event whose ``set`` also breaks off the I/O a task is blocked in.

Checking an Event between pieces stops a task that is moving bytes. A task
blocked in one read (a server that stopped sending without closing, a network
that went away without a reset) would only notice when its read timeout ends,
half a minute later. So what blocks registers a breaker (shut the
connection), and a cancel runs it at once.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests


class Cancellation(threading.Event):
    """A cancel flag (a ``threading.Event``) that also runs the breakers of what is blocked now."""

    def __init__(self) -> None:
        super().__init__()
        self._guard = threading.Lock()
        self._breakers: list[Callable[[], None]] = []

    def set(self) -> None:
        super().set()
        # Under the guard: a breaker never runs after its block has ended (its connection may serve
        # another request by then).
        with self._guard:
            for breaker in self._breakers:
                breaker()

    @contextmanager
    def breaking_off(self, breaker: Callable[[], None]) -> Iterator[None]:
        """While inside, a cancel also runs ``breaker`` (at once, when the cancel came before)."""
        with self._guard:
            self._breakers.append(breaker)
            if self.is_set():
                breaker()
        try:
            yield
        finally:
            with self._guard:
                self._breakers.remove(breaker)


def reading_until_cancel(cancel: threading.Event | None, response: requests.Response) -> AbstractContextManager[None]:
    """While ``response``'s body is read, a cancel shuts its connection: a read blocked on a silent server
    ends at once (with a connection error; the caller sees the cancel is set)."""
    if not isinstance(cancel, Cancellation):
        return contextlib.nullcontext()
    return cancel.breaking_off(lambda: _shut(response))


def _shut(response: requests.Response) -> None:
    connection = response.raw.connection  # urllib3's connection, held while the body is read
    shut_socket(getattr(connection, "sock", None))  # http.client's socket (None once closed)


def shut_socket(sock: socket.socket | None) -> None:
    """End a connection another thread may be blocked on: its reads and sends fail at once."""
    if sock is not None:
        with contextlib.suppress(OSError):
            # The plain socket's shutdown, under the TLS layer: SSLSocket.shutdown would also drop the TLS
            # state the reading thread is using (its next read raises ValueError, not a connection error).
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
