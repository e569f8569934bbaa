"""TypedInput on its own: keys wait for the one before, and never for longer than LONGEST_WAIT."""

from __future__ import annotations

import time

from textual import events, on
from textual.app import App, ComposeResult
from textual.widgets import Static

from gterm.tui.typed_input import LONGEST_WAIT, KeyHandled, Typed, TypedInput


class Swallowing(Static, can_focus=True):
    """Takes `x`, and stops the marker behind it (as a widget closing with it in its queue loses it)."""

    def on_key(self, event: events.Key) -> None:
        if event.key == "x":
            event.stop()
            self.app.seen.append(("swallowing", event.key))

    @on(KeyHandled)
    def _lose(self, message: KeyHandled) -> None:
        message.stop()


class Typist(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.typed_input = TypedInput(self, self._hand_on)
        self.seen: list[tuple[str, str]] = []
        self.arrived: dict[str, float] = {}

    def compose(self) -> ComposeResult:
        yield Swallowing("here", id="swallowing")

    def on_mount(self) -> None:
        self.typed_input.watch_screens()
        self.query_one(Swallowing).focus()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self.typed_input.receive(event)
        else:
            await super().on_event(event)

    async def _hand_on(self, event: Typed) -> None:
        await super().on_event(event)

    @on(KeyHandled)
    async def _key_handled(self, message: KeyHandled) -> None:
        await self.typed_input.key_handled(message)

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
