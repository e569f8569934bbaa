"""Answers started before anyone asked: one-shot results of calls begun early.

At start-up gterm knows which directories its panes will show long before
the UI exists (importing Textual and building the screen takes most of a
second). :class:`EarlyResults` lets the service start those calls on
background threads at once and hand each answer, or its error, to the first
caller that asks for the same thing, as if that caller had made the call
itself. An answer is handed out once (or, when shared, to every caller for a
few seconds: see :meth:`EarlyResults.take`): a later call (a reload, ctrl+r)
goes to the service again. A failure is never shared: a retry after it asks
the service, which may be back. An answer nobody picked up within ``ttl`` seconds of
its start is dropped rather than shown as if it were fresh.

No Textual and no Globus here: keys are tuples and values are Futures.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")

DEFAULT_TTL = 30.0


class EarlyResults:
    """Pending or finished early calls, by key; thread-safe."""

    def __init__(self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (started, the call's Future, handed out already: a shared answer some caller took)
        self._pending: dict[Hashable, tuple[float, Future[object], bool]] = {}

    def promise(self, key: Hashable) -> Future[object]:
        """Register ``key`` as coming; the caller fulfils the returned Future (result or exception)."""
        future: Future[object] = Future()
        future.set_running_or_notify_cancel()
        with self._lock:
            self._pending[key] = (self._clock(), future, False)
        return future

    def start(self, key: Hashable, call: Callable[[], object]) -> Future[object]:
        """Run ``call`` on a daemon thread (never delays exit) and keep its outcome under ``key``; its Future."""
        future = self.promise(key)
        threading.Thread(target=fulfil, args=(future, call), name="gterm-early", daemon=True).start()
        return future

    def take(self, key: Hashable, *, share_for: float = 0.0) -> Future[object] | None:
        """The early call for ``key``, once; None when there is none or it is too old to pass for fresh.

        With ``share_for``, an answer started less than that many seconds ago
        stays for the next caller too: one document that several parts of the
        UI ask for at start-up (a collection's, for a pane and the bookmarks).
        A failed answer is never kept: it goes to the callers that took it
        before it failed (or the one that took it failed), and the next
        caller gets None and asks the service itself.
        """
        now = self._clock()
        with self._lock:
            entry = self._pending.get(key)
            if entry is not None and entry[2] and _failed(entry[1]):
                # A failure reaches the callers that asked while it was on its way, never a later one: that
                # is a retry (ctrl+r once the service is back), which must ask the service again.
                entry = None
            if entry is not None and share_for > 0 and now - entry[0] <= share_for and not _failed(entry[1]):
                self._pending[key] = (entry[0], entry[1], True)
            else:
                self._pending.pop(key, None)
            # Answers nobody asked for in time go too (a big listing must not stay for the session).
            for stale in [k for k, (started, _, _) in self._pending.items() if now - started > self._ttl]:
                del self._pending[stale]
        if entry is None or now - entry[0] > self._ttl:
            return None
        return entry[1]

    def peek(self, key: Hashable) -> object | None:
        """The result of the call for ``key`` when it has finished well and is fresh, without taking it;
        None while it runs, when it failed, or when there is none. Never waits."""
        with self._lock:
            entry = self._pending.get(key)
        if entry is None or self._clock() - entry[0] > self._ttl:
            return None
        future = entry[1]
        if not future.done() or future.exception() is not None:
            return None
        return future.result()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._pending


def _failed(future: Future[object]) -> bool:
    """The call has ended with an error (never waits)."""
    return future.done() and future.exception() is not None


def fulfil(future: Future[T], call: Callable[[], T]) -> None:
    """Run ``call`` and put its result, or the exception it raised, into ``future``."""
    try:
        result = call()
    except BaseException as exc:  # noqa: BLE001 - handed to whoever takes the answer
        future.set_exception(exc)
    else:
        future.set_result(result)


def when_all(*futures: Future[object]) -> Future[object]:
    """A Future done when every one of ``futures`` is: None, or the first of their errors."""
    done: Future[object] = Future()
    done.set_running_or_notify_cancel()
    remaining = [len(futures)]
    lock = threading.Lock()

    def finished(_: Future[object]) -> None:
        with lock:
            remaining[0] -= 1
            if remaining[0]:
                return
        error = next((f.exception() for f in futures if f.exception() is not None), None)
        if error is not None:
            done.set_exception(error)
        else:
            done.set_result(None)

    for future in futures:
        future.add_done_callback(finished)
    return done
