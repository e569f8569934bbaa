"""An ``Input`` that never holds (and so never sends to the terminal) a control character.

``Input`` renders its value as it is: a folder called ``t-\\x1b]2;PWNED\\x07-x``
put into an ``Input`` retitles the user's terminal, and a C1 CSI (``\\x9b``)
repaints it. Names come from other people, so every editable field that may
be filled with a server-supplied name is a :class:`SafeInput`:

* the field shows the *escaped* spelling (:func:`escape_controls`), never the
  raw one; anything inserted later (typing, paste, completion, suggestion) is
  escaped the same way before it reaches the value;
* on submit, :attr:`SafeInput.raw_value` maps the text back: unchanged text
  (the escaped spelling of the original) means the original raw value, so a
  file whose name holds an ESC can still be renamed, moved or opened. Known
  raw prefixes (e.g. the directory a move suggestion starts with) map back
  the same way. Everything else is what the user typed, taken literally.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual import events
from textual.widgets import Input
from textual.widgets.input import Selection

from gterm.tui.safe_text import escape_controls, has_controls

CONTROLS_REFUSED = (
    "Control characters (shown as \\x1b and the like) cannot be part of a new name; "
    "leave the name unchanged or type a plain one."
)


def to_display(raw: str) -> str:
    """What an editable field shows for ``raw`` (control characters escaped)."""
    return escape_controls(raw)


def from_display(shown: str, original: str, prefixes: Iterable[str] = ()) -> str:
    """The raw value meant by ``shown`` (the field's text) for a field first filled with ``original``.

    Unchanged text means ``original``. Text that starts with the escaped form of
    one of the raw ``prefixes`` (longest first) gets that raw prefix back.
    Anything else is taken literally.
    """
    if shown == to_display(original):
        return original
    for prefix in sorted(prefixes, key=len, reverse=True):
        escaped = to_display(prefix)
        if escaped != prefix and shown.startswith(escaped):
            return prefix + shown[len(escaped) :]
    return shown


class SafeInput(Input):
    """``Input`` whose value (and placeholder and suggestion) is always free of control characters.

    Create it with the *raw* value; read :attr:`raw_value` on submit.
    """

    def __init__(self, value: str | None = None, *args: Any, raw_prefixes: Iterable[str] = (), **kwargs: Any) -> None:
        self.original = value or ""
        self.raw_prefixes = tuple(raw_prefixes)
        super().__init__(to_display(self.original) if value is not None else None, *args, **kwargs)

    def set_raw(self, raw: str) -> None:
        """Show ``raw`` (escaped) and remember it, so unchanged text maps back to it."""
        self.original = raw
        self.value = to_display(raw)
        self.cursor_position = len(self.value)

    @property
    def raw_value(self) -> str:
        """The value the user means: the original raw text if unchanged, else the text itself."""
        return from_display(self.value, self.original, self.raw_prefixes)

    # Reactive validators: whatever sets these (our code, Textual, a suggester)
    # ends up with visible escapes instead of control characters.
    def validate_value(self, value: str) -> str:
        return to_display(value)

    def validate_placeholder(self, placeholder: str) -> str:
        return to_display(placeholder)

    def validate__suggestion(self, suggestion: str) -> str:
        return to_display(suggestion)

    async def _on_key(self, event: events.Key) -> None:
        """Run this field's own key bindings here, in the field's queue, so keys apply in the order typed.

        Textual inserts a printable key as soon as the Input reads it from its
        queue, but resolves a non-printable key (ctrl+u, backspace, Enter) only
        after the Key event has bubbled up to the App. In a fast burst
        (``ctrl+u`` ``2020-01-01`` ``Enter``, as a terminal multiplexer or a
        quick typist sends it) the characters typed after ctrl+u landed first
        and ctrl+u then erased them (QA F5; the path bar lost a ctrl+u the same way).
        """
        if event.is_printable:
            return  # Input._on_key (next in the MRO) inserts it, in order
        for key in event.aliases:
            for binding in self._bindings.key_to_bindings.get(key, ()):
                if binding.priority:
                    continue  # priority bindings were already offered by the App
                if await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return

    def select_proposal(self, end: int | None = None) -> None:
        """Select the proposed text (up to ``end``), so typing replaces it and an arrow key keeps it."""
        self.selection = Selection(0, len(self.value) if end is None else end)

    def replace(self, text: str, start: int, end: int) -> None:
        # Typing, paste and completion all land here: escape first, so the
        # cursor ends after the escape rather than inside it.
        super().replace(to_display(text), start, end)


def refuse_controls(value: str, original: str = "", prefixes: Iterable[str] = ()) -> str | None:
    """An error message when ``value`` holds control characters the user did not get from us.

    ``original`` itself, and values starting with one of the raw ``prefixes``,
    are fine (they are what :func:`from_display` maps unchanged text back to).
    """
    if not has_controls(value) or value == original:
        return None
    if any(has_controls(prefix) and value.startswith(prefix) for prefix in prefixes):
        return None
    return CONTROLS_REFUSED
