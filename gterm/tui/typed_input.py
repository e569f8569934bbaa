"""Typed input in the order typed: each key press (or paste) waits until the one before it is handled.

Textual hands a key to the widget focused when the App reads it, and the
App reads a fast burst (a quick typist, a paste of keys, one SSH packet)
before the first key's binding has run: in "F7 abc" the letters went to the
file list, not to the name field F7 opens, and were lost. So the App hands
on one key at a time (:class:`TypedInput`). The next waits until:

* the key has gone all the way up to the App, its binding run: a
  :class:`KeyHandled` marker posted to the same widget right behind it
  bubbles up behind it;
* what the key set off has been handled too: Enter in a field posts
  ``Input.Submitted`` behind that marker, and its handler moves the focus;
  Enter on a bookmark posts ``OptionSelected``, whose handler posts
  ``BookmarkChosen``, whose handler opens the directory and focuses its
  list. So when a marker comes back, another is posted to the same widget,
  behind what was posted meanwhile, :data:`MARKER_ROUNDS` times in all;
* a screen the key opened or closed has been refreshed, its focus set.

A marker is lost only with the widget it was posted to: then the next key
waits :data:`LONGEST_WAIT` at most. While that widget is still there, the
machine is only slow (the key may not even have reached it yet), and the
next key waits on, up to :data:`SLOW_MACHINE_WAIT`: handed on early, it would
queue in the same widget behind this key, ahead of what this key sets off.
Mouse events are not held: a click lands where it is aimed, when it is made.

A widget that is changing what it shows can hold the keys typed at it for
longer (a :class:`KeyHold`): a pane opening a directory holds them until the
new listing is shown, so "Enter ↓ ↓ Enter" typed ahead of a slow Globus moves
in the directory Enter opened, as in Midnight Commander, not in the one still
painted. Held keys are dropped, and the app says so, when what they were typed
for does not come (the listing fails), on Esc, on a mouse press (the user has
moved on) and after :data:`HOLD_LONGEST`. Textual's quit keys are never held.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from textual import events, on
from textual.app import App, ReturnType
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget

from gterm.wording import plural

MARKER_ROUNDS = 3
"""Round trips of a marker per key. Every flow in tests/tui/test_browser_key_order.py holds with two
(one fails with one); the third is margin for a handler one message deeper. Each costs ~0.1 ms."""

LONGEST_WAIT = 0.5
"""Seconds a key waits for the one before it at most: then it is handed on (as Textual would have at once)."""

SLOW_MACHINE_WAIT = 5.0
"""Seconds a key waits at most for the one before it while that one's widget is still there (a loaded
machine: the event loop can be held up for longer than LONGEST_WAIT)."""

HOLD_LONGEST = 30.0
"""Seconds keys wait at most for a :class:`KeyHold` to end: then they are dropped, not applied to a
screen that is no longer what they were typed for."""

NEVER_HELD = frozenset({"ctrl+q", "ctrl+c"})
"""Textual's quit keys: leaving is never made to wait."""

Typed = events.Key | events.Paste


class KeyHoldEnded(Message):
    """Posted by a widget whose :class:`KeyHold` ended: the keys it held may go on (or are dropped)."""

    def __init__(self, hold: KeyHold) -> None:
        super().__init__()
        self.hold = hold


class KeyHold:
    """Keys typed at ``holder`` (or inside it) wait while it changes what it shows.

    The holder takes one when the change starts and ends it with :meth:`release`
    (the new content is shown: the keys go on to it) or :meth:`drop` (it did not
    come: the keys were meant for it). While keys wait, :class:`TypedInput`
    tells ``on_waiting`` how many, for the holder to show.
    """

    def __init__(
        self,
        holder: Widget,
        on_waiting: Callable[[int], None] | None = None,
        holds: Callable[[Typed], bool] | None = None,
        on_dropped: Callable[[], None] | None = None,
    ) -> None:
        """``holds``: which keys wait (None: all); a key it lets through goes on unless one before it waits.
        ``on_dropped``: the user dropped the keys held (Esc, a click, the longest wait): what they were
        typed for (an action waiting with them) is dropped too."""
        self.holder = holder
        self.on_waiting = on_waiting or (lambda waiting: None)
        self.holds = holds or (lambda event: True)
        self.on_dropped = on_dropped or (lambda: None)
        self.active = True
        self.dropped: str | None = None
        """Why the keys are dropped (a phrase for "… typed ahead dropped: <reason>."), once dropped."""
        self.settled = False
        """A dropped hold's keys have been dropped (TypedInput heard of it): it holds nothing any more."""

    def release(self) -> None:
        self._end()

    def drop(self, reason: str) -> None:
        self.dropped = reason
        self._end()

    def _end(self) -> None:
        if self.active:
            self.active = False
            self.holder.post_message(KeyHoldEnded(self))


class HoldsKeys:
    """Mixin for a widget that may hold the keys typed at it or inside it: its current hold, if any."""

    key_hold: KeyHold | None = None

    def hold_keys(
        self,
        on_waiting: Callable[[int], None] | None = None,
        holds: Callable[[Typed], bool] | None = None,
        on_dropped: Callable[[], None] | None = None,
    ) -> None:
        """Keys typed at this widget from now on wait (one hold for a chain of changes: an active one stays)."""
        if self.key_hold is None or not self.key_hold.active:
            assert isinstance(self, Widget)
            self.key_hold = KeyHold(self, on_waiting, holds, on_dropped)

    def end_key_hold(self, *, dropped: str | None = None) -> None:
        """The keys held go on (``dropped`` None) or are dropped for that reason; no hold: nothing to do.

        A dropped hold stays here until TypedInput has dropped its keys: a key whose turn ends before
        the news of the drop reaches the App must find it, not the widget's old content."""
        hold = self.key_hold
        if hold is None:
            return
        if dropped is None:
            self.key_hold = None
            hold.release()
        else:
            hold.drop(dropped)


class KeyHandled(Message):
    """Posted right behind a key to the widget it went to: bubbling up behind it, it reaches the App once
    every widget on the way has had the key and the App has run its binding (a later round trip: posted when
    the previous one came back, behind what the key set off meanwhile)."""

    def __init__(self, turn: object, target: MessagePump, round_trip: int = 1) -> None:
        super().__init__()
        self.turn = turn
        self.target = target
        self.round_trip = round_trip


class TypedInput:
    """The App's typed input, handed on one event at a time (see the module's docstring)."""

    def __init__(self, app: App[Any], hand_on: Callable[[Typed], Awaitable[None]]) -> None:
        """``hand_on`` is Textual's own handling of a key or paste the App has read (``App.on_event``)."""
        self._app = app
        self._hand_on = hand_on
        self._waiting: deque[Typed] = deque()
        self._turn: object | None = None  # what the next event waits for; None: nothing
        self._turn_began = 0.0
        self._turn_target: Widget | None = None  # the widget the turn's key went to (None: a screen's turn)
        self._longest_wait: Timer | None = None  # armed only while events wait (most keys find none)
        self._hold: KeyHold | None = None  # the hold the waiting events are held by
        self._hold_timer: Timer | None = None

    def watch_screens(self) -> None:
        """From the App's mount on, a screen pushed, popped or switched holds the keys until it is drawn."""
        self._app.screen_change_signal.subscribe(self._app, self._screen_changed, immediate=True)

    @property
    def waiting(self) -> int:
        """Events read and not yet handed on."""
        return len(self._waiting)

    async def receive(self, event: Typed) -> None:
        """A key or paste the App has read: handed on now, or after those before it."""
        if isinstance(event, events.Key):
            dropping = event.key == "escape" and self._hold is not None and bool(self._waiting)
            if dropping:
                self._drop_waiting("Esc was pressed")  # then Esc does what it does (a dialog closes)
            if dropping or event.key in NEVER_HELD:
                await self._hand_on(event)
                return
        self._waiting.append(event)
        turn = self._turn
        if turn is None:
            await self._deliver_waiting()
        elif self._longest_wait is None:
            left = LONGEST_WAIT - (time.monotonic() - self._turn_began)
            if left <= 0:
                await self._turn_timed_out(turn)
            else:
                self._arm_turn_timer(turn, left)

    async def hold_ended(self, hold: KeyHold) -> None:
        """A :class:`KeyHold` ended (:class:`KeyHoldEnded`): the keys it held go on, or are dropped.

        Dropped, the keys waiting for the holder go even if they are still behind a key's turn (a slow
        machine: the hold came and went before they were looked at), as they were typed for what failed.
        """
        if hold.dropped is not None and self._waiting and (self._hold is hold or self._focus_within(hold.holder)):
            self._drop_waiting(hold.dropped)
        hold.settled = True
        if self._turn is None:
            await self._deliver_waiting()

    def _focus_within(self, widget: Widget) -> bool:
        focused = self._app.focused
        return focused is not None and widget in focused.ancestors_with_self

    def mouse_pressed(self) -> None:
        """A click while keys are held: the user has moved on from what they were typed for."""
        if self._hold is not None and self._waiting:
            self._drop_waiting("a mouse click came in between")

    async def key_handled(self, message: KeyHandled) -> None:
        """A marker behind a key reached the App: the last of its round trips ends the key's turn."""
        turn, target, round_trip = message.turn, message.target, message.round_trip
        if self._turn is not turn:
            return  # a later turn took its place (the key opened a screen), or this one ended already
        if round_trip >= MARKER_ROUNDS or not target.post_message(KeyHandled(turn, target, round_trip + 1)):
            await self._end_turn(turn)

    async def _deliver(self, event: Typed) -> None:
        """Hand ``event`` on and start its turn; the turn is over at once when no marker can follow it."""
        app = self._app
        turn = self._begin_turn()
        target = app.focused or app.screen  # where App.on_event forwards it, unless a priority binding takes it
        self._turn_target = target
        await self._hand_on(event)
        if self._turn is turn and not target.post_message(KeyHandled(turn, target)):
            self._turn = None  # the widget is gone: nothing more will come of this key
            self._stop_waiting()

    def _screen_changed(self, screen: Screen[Any]) -> None:
        """A screen came up (or back): the keys wait until it has been drawn and has its focus.

        Its focus is set as it mounts, or by a ``focus()`` call, which Textual
        posts to the App; the end of this turn is posted to the App after the
        screen's refresh, so it comes behind both."""
        turn = self._begin_turn()
        self._turn_target = None
        if not screen.call_after_refresh(self._app.call_later, self._end_turn, turn):
            self._app.call_later(self._end_turn, turn)  # it is closing: no refresh to wait for

    def _begin_turn(self) -> object:
        turn = self._turn = object()
        self._turn_began = time.monotonic()
        self._stop_waiting()
        if self._waiting:
            self._arm_turn_timer(turn, LONGEST_WAIT)
        return turn

    def _arm_turn_timer(self, turn: object, seconds: float) -> None:
        self._longest_wait = self._app.set_timer(seconds, partial(self._turn_timed_out, turn), name="typed input")

    def _stop_waiting(self) -> None:
        if self._longest_wait is not None:
            self._longest_wait.stop()
            self._longest_wait = None

    async def _turn_timed_out(self, turn: object) -> None:
        """The turn's time is up: it ends, unless its key's widget is still there (see the module docstring)."""
        if self._turn is not turn:
            return
        target = self._turn_target
        if (
            target is not None
            and target.is_attached
            and time.monotonic() - self._turn_began < SLOW_MACHINE_WAIT
        ):
            self._arm_turn_timer(turn, LONGEST_WAIT)
            return
        await self._end_turn(turn)

    async def _end_turn(self, turn: object) -> None:
        if self._turn is not turn:
            return  # a later turn took its place (the key opened a screen), or this one ended already
        self._turn = None
        self._stop_waiting()
        await self._deliver_waiting()

    async def _deliver_waiting(self) -> None:
        while self._turn is None and self._waiting and not self._held():
            await self._deliver(self._waiting.popleft())

    def _held(self) -> bool:
        """Whether the waiting events wait for a hold: the one they wait for, else one where they would go."""
        while True:
            hold = self._hold or self._hold_at_focus()
            if hold is None:
                return False
            if hold.active:
                if not hold.holds(self._waiting[0]):
                    return False
                if self._hold is None:
                    self._hold = hold
                    self._hold_timer = self._app.set_timer(HOLD_LONGEST, self._hold_expired, name="key hold")
                hold.on_waiting(len(self._waiting))
                return True
            self._end_hold()
            if hold.dropped is not None:
                self._drop_waiting(hold.dropped)
                hold.settled = True
                return True  # nothing is left to hand on
            # released: the keys go on, unless where they go holds them again (the holder moved on)

    def _hold_at_focus(self) -> KeyHold | None:
        """The hold of the focused widget or of a widget containing it: active, or dropped and not settled."""
        focused = self._app.focused
        for node in () if focused is None else focused.ancestors_with_self:
            if isinstance(node, HoldsKeys) and node.key_hold is not None:
                hold = node.key_hold
                if hold.active or (hold.dropped is not None and not hold.settled):
                    return hold
        return None

    def _drop_waiting(self, reason: str) -> None:
        count = len(self._waiting)
        self._waiting.clear()
        hold = self._hold
        self._end_hold()
        if hold is not None and hold.active:  # dropped by the user (or the longest wait), not by its holder
            hold.on_waiting(0)
            hold.on_dropped()
        self._app.notify(
            f"{plural(count, 'key')} typed ahead dropped: {reason}.", title="Typed ahead", timeout=4
        )

    def _end_hold(self) -> None:
        self._hold = None
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None

    def _hold_expired(self) -> None:
        if self._hold is not None and self._waiting:
            self._drop_waiting(f"still waiting after {HOLD_LONGEST:g} s")
        self._end_hold()


class KeysInOrder(App[ReturnType]):
    """An App that hands its typed input on in the order typed (a :class:`TypedInput`): gterm's, and the
    small apps of its tests."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.typed_input = TypedInput(self, self._hand_on_typed)

    def _on_mount(self) -> None:
        self.typed_input.watch_screens()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            await self.typed_input.receive(event)
            return
        if isinstance(event, events.MouseDown):
            self.typed_input.mouse_pressed()
        await super().on_event(event)

    async def _hand_on_typed(self, event: Typed) -> None:
        await super().on_event(event)

    @on(KeyHandled)
    async def _key_handled(self, message: KeyHandled) -> None:
        await self.typed_input.key_handled(message)

    @on(KeyHoldEnded)
    async def _key_hold_ended(self, message: KeyHoldEnded) -> None:
        await self.typed_input.hold_ended(message.hold)
