"""EarlyResults: answers of calls started before anyone asked (one-shot, or shared for a while)."""

from __future__ import annotations

import threading

import pytest

from gterm.globus.early_results import EarlyResults, when_all


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_handed_out_once() -> None:
    early = EarlyResults()
    early.start("key", lambda: 42)
    future = early.take("key")
    assert future is not None and future.result(timeout=5) == 42
    assert early.take("key") is None
    assert "key" not in early


def test_the_caller_waits_for_an_answer_still_on_its_way() -> None:
    early = EarlyResults()
    release = threading.Event()
    early.start("slow", lambda: release.wait(5) and "done")
    future = early.take("slow")
    assert future is not None and not future.done()
    release.set()
    assert future.result(timeout=5) == "done"


def test_an_error_is_handed_to_the_caller() -> None:
    early = EarlyResults()

    def fails() -> None:
        raise LookupError("no such directory")

    early.start("bad", fails)
    future = early.take("bad")
    assert future is not None
    with pytest.raises(LookupError, match="no such directory"):
        future.result(timeout=5)


def test_an_answer_nobody_took_in_time_is_dropped() -> None:
    clock = Clock()
    early = EarlyResults(ttl=30.0, clock=clock)
    early.start("old", lambda: "stale")
    clock.now += 20.0
    early.start("young", lambda: "fresh")
    clock.now += 10.5
    assert early.take("old") is None  # started 30.5 s ago
    assert "old" not in early  # dropped, not kept for a later caller
    young = early.take("young")
    assert young is not None and young.result(timeout=5) == "fresh"


def test_unknown_keys_have_no_answer() -> None:
    assert EarlyResults().take(("ls", "x", "/", True)) is None


def test_a_shared_answer_serves_every_caller_for_a_while_then_once_more() -> None:
    clock = Clock()
    early = EarlyResults(ttl=30.0, clock=clock)
    early.start("collection", lambda: "document")
    for _ in range(3):  # the bookmarks, the left pane and the right pane at start-up
        shared = early.take("collection", share_for=10.0)
        assert shared is not None and shared.result(timeout=5) == "document"
    clock.now += 10.5
    last = early.take("collection", share_for=10.0)  # past the window: handed out once more, like any answer
    assert last is not None and last.result(timeout=5) == "document"
    assert early.take("collection", share_for=10.0) is None


def test_peek_shows_a_finished_answer_without_taking_it() -> None:
    clock = Clock()
    early = EarlyResults(ttl=30, clock=clock)
    release = threading.Event()
    slow = early.start("slow", lambda: release.wait(5) and "done")
    assert early.peek("slow") is None  # still on its way: peek never waits
    release.set()
    slow.result(timeout=5)
    assert early.peek("slow") == "done"
    assert early.peek("slow") == "done"  # not taken
    taken = early.take("slow")
    assert taken is not None and taken.result() == "done"
    assert early.peek("slow") is None  # taken now


def test_peek_shows_neither_an_error_nor_a_stale_answer() -> None:
    clock = Clock()
    early = EarlyResults(ttl=30, clock=clock)
    failing = early.start("broken", lambda: 1 // 0)
    with pytest.raises(ZeroDivisionError):
        failing.result(timeout=5)
    assert early.peek("broken") is None
    taken = early.take("broken")  # the error stays for the caller who asks
    assert taken is not None and isinstance(taken.exception(), ZeroDivisionError)
    early.start("old", lambda: "answer").result(timeout=5)
    clock.now += 31
    assert early.peek("old") is None
    assert early.peek("never started") is None


def test_when_all_is_done_when_every_call_is_and_carries_the_first_error() -> None:
    release = threading.Event()
    early = EarlyResults()
    slow = early.start("slow", lambda: release.wait(5) and "slow")
    quick = early.start("quick", lambda: "quick")
    both = when_all(slow, quick)
    quick.result(timeout=5)
    assert not both.done()
    release.set()
    assert both.result(timeout=5) is None
    failing = when_all(early.start("broken", lambda: 1 // 0), early.start("fine", lambda: 1))
    with pytest.raises(ZeroDivisionError):
        failing.result(timeout=5)


def test_a_shared_answer_that_failed_is_never_handed_to_a_later_caller() -> None:
    """QA: a start-up collection lookup that failed (Globus down) was handed to ctrl+r once Globus was back
    (shared for 10 s, then once more): the first one or two retries failed without asking the service."""
    clock = Clock()
    early = EarlyResults(ttl=30.0, clock=clock)
    release = threading.Event()

    def down() -> None:
        release.wait(5)
        raise ConnectionError("Globus cannot be reached")

    early.start("collection", down)
    asking = early.take("collection", share_for=10.0)  # the pane asks while the call is on its way
    sidebar = early.take("collection", share_for=10.0)  # ... and so do the bookmarks: the same moment
    release.set()
    for future in (asking, sidebar):
        assert future is not None
        with pytest.raises(ConnectionError):
            future.result(timeout=5)
    assert early.take("collection", share_for=10.0) is None  # a retry within the window asks the service
    assert "collection" not in early
    early.start("again", lambda: (_ for _ in ()).throw(ConnectionError("down")))
    failed = early.take("again", share_for=10.0)
    assert failed is not None
    with pytest.raises(ConnectionError):
        failed.result(timeout=5)
    clock.now += 12.0  # past the window, within the ttl: it used to be handed out once more
    assert early.take("again", share_for=10.0) is None
