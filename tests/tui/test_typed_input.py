"""TypedInput on its own: keys wait for the one before (or for a KeyHold), and never for good."""

from __future__ import annotations

import asyncio
import time

import pytest
from textual import events, on
from textual.app import ComposeResult
from textual.widgets import Static

from gterm.tui import typed_input
from gterm.tui.typed_input import LONGEST_WAIT, HoldsKeys, KeyHandled, KeysInOrder
from tests.support.browser_helpers import notices, wait_for, wait_for_exit


class Swallowing(Static, can_focus=True):
    """Takes `x` and closes: the marker behind it is lost with it (still in its queue)."""

    def on_key(self, event: events.Key) -> None:
        if event.key == "x":
            event.stop()
            self.app.seen.append(("swallowing", event.key))
            self.remove()

    @on(KeyHandled)
    def _lose(self, message: KeyHandled) -> None:
        message.stop()  # (should it get to it before it is gone)


class Slow(Static, can_focus=True):
    """Takes `x` slowly (a loaded machine holds the event loop up), then gives the focus to its sibling."""

    async def on_key(self, event: events.Key) -> None:
        if event.key == "x":
            event.stop()
            await asyncio.sleep(LONGEST_WAIT + 0.4)
            self.app.query_one("#sibling", Static).focus()


class FailingSoon(Static, HoldsKeys, can_focus=True):
    """`x` starts something that holds the keys typed next and fails at once, while `x` is still being
    handled (a slow machine: the failure comes before the key's turn is over)."""

    async def on_key(self, event: events.Key) -> None:
        event.stop()
        if event.key == "x":
            self.hold_keys()
            self.set_timer(0.05, lambda: self.end_key_hold(dropped="it failed"))
            await asyncio.sleep(0.3)
        else:
            self.app.seen.append(("failing", event.key))


class Sibling(Static, can_focus=True):
    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.app.seen.append(("sibling", event.key))


class Holding(Static, HoldsKeys, can_focus=True):
    """Holds the keys typed at it from its mount on, and never ends the hold (as a bug would)."""

    def on_mount(self) -> None:
        self.counts: list[int] = []
        self.hold_keys(self.counts.append)


class Typist(KeysInOrder[None]):
    """A small app that hands keys on as GtermApp does, around one of the widgets above."""

    def __init__(self, holding: bool = False, slow: bool = False, failing: bool = False) -> None:
        super().__init__()
        self.holding = holding
        self.slow = slow
        self.failing = failing
        self.seen: list[tuple[str, str]] = []
        self.arrived: dict[str, float] = {}

    def compose(self) -> ComposeResult:
        if self.slow:
            yield Slow("slow", id="slow")
            yield Sibling("sibling", id="sibling")
        elif self.failing:
            yield FailingSoon("failing")
        else:
            yield Holding("held") if self.holding else Swallowing("here", id="swallowing")

    def on_mount(self) -> None:
        self.query_one(
            Slow if self.slow else FailingSoon if self.failing else Holding if self.holding else Swallowing
        ).focus()

    def on_key(self, event: events.Key) -> None:
        self.seen.append(("app", event.key))
        self.arrived[event.key] = time.monotonic()


async def test_a_lost_marker_holds_the_next_key_no_longer_than_the_longest_wait() -> None:
    app = Typist()
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        sent = time.monotonic()
        for key in "xy":
            app.post_message(events.Key(key, key))
        for _ in range(150):
            if "y" in app.arrived:
                break
            await pilot.pause(0.02)
        assert app.seen == [("swallowing", "x"), ("app", "y")]
        waited = app.arrived["y"] - sent
        assert LONGEST_WAIT <= waited < LONGEST_WAIT + 2.0  # it waited (the marker was lost), and not for good
        assert app.typed_input.waiting == 0


async def test_keys_held_by_a_hold_that_never_ends_are_dropped_after_the_longest_hold(monkeypatch) -> None:
    monkeypatch.setattr(typed_input, "HOLD_LONGEST", 0.3)
    app = Typist(holding=True)
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        for key in "ab":
            app.post_message(events.Key(key, key))
        await wait_for(pilot, lambda: bool(notices(app)), "the keys dropped")
        assert notices(app) == ["2 keys typed ahead dropped: still waiting after 0.3 s."]
        assert app.seen == [] and app.typed_input.waiting == 0
        assert app.query_one(Holding).counts == [1, 2, 0]  # what the holder was told to show


@pytest.mark.parametrize("key", sorted(typed_input.NEVER_HELD))
async def test_the_quit_keys_are_never_held(key: str) -> None:
    app = Typist(holding=True)
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        app.post_message(events.Key("a", "a"))
        await wait_for(pilot, lambda: app.typed_input.waiting == 1, "a held")
        app.post_message(events.Key(key, None))
        await wait_for(pilot, lambda: ("app", key) in app.seen or app.return_code is not None, f"{key} handed on")
        if key == "ctrl+q":
            await wait_for_exit(app)


async def test_a_slow_key_holds_the_next_one_past_the_longest_wait_while_its_widget_is_there() -> None:
    """On a loaded machine a key can take longer than LONGEST_WAIT to be handled. Handed on then, the next
    key queued in the same widget behind it and missed the focus move the first one made."""
    app = Typist(slow=True)
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        for key in "xy":
            app.post_message(events.Key(key, key))
        await wait_for(pilot, lambda: bool(app.seen), "the y")
        assert app.seen == [("sibling", "y")]


async def test_keys_waiting_behind_a_turn_go_with_a_hold_that_failed_meanwhile() -> None:
    """The hold came and went (dropped) while the keys still waited behind the key that took it: they were
    handed on afterwards, to what was still shown (CI saw ↓ move in the old listing)."""
    app = Typist(failing=True)
    async with app.run_test(size=(40, 5)) as pilot:
        await pilot.pause()
        for key in "xyz":
            app.post_message(events.Key(key, key))
        await wait_for(pilot, lambda: bool(notices(app)), "the keys dropped")
        await pilot.pause(0.5)
        assert notices(app) == ["2 keys typed ahead dropped: it failed."]
        assert app.seen == [] and app.typed_input.waiting == 0
