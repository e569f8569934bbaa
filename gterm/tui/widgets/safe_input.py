"""Editable fields that never hold (and so never send to the terminal) a control character.

``Input`` renders its value as it is: a folder called ``t-\\x1b]2;PWNED\\x07-x``
put into an ``Input`` retitles the user's terminal, and a C1 CSI (``\\x9b``)
repaints it. Names and descriptions come from other people, so every editable
field that may be filled with server- or file-system-supplied text is a
:class:`SafeInput` (one line) or a
:class:`~gterm.tui.widgets.safe_text_area.SafeTextArea` (several lines, which
keeps newlines and tabs as they are). Both work the same way:

* the field shows the *escaped* spelling (:func:`escape_controls`), never the
  raw one; anything inserted later (typing, paste, completion, suggestion) is
  escaped the same way before it reaches the field;
* what the user submits is mapped back by :func:`from_display`: the field is
  compared with the escaped spelling of the text it started from (its
  *original*). The unchanged start and end of the field (their common prefix
  and suffix) stand for the original's own characters, control characters
  included; only the edited middle is taken literally. Appending ``X`` to
  ``\\x07bell.txt`` renames the file to BEL + ``bell.txtX``, and a field left
  alone means exactly the original;
* an escape the user edits *into* (deletes part of, or types inside) is no
  longer an escape: what is left of it is taken literally, as typed text is.
  Deleting the whole escape removes the control character; typing ``\\x07``
  types four characters, never a BEL (only retyping the whole field exactly as
  it was shown gives the original back). So no control character ever gets
  into a value except one the original already had, where the user left it;
* known raw prefixes (e.g. the directory a move suggestion starts with) map
  back too, when they account for more of the field than the original does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import events
from textual.widget import Widget
from textual.widgets import Input
from textual.widgets.input import Selection

from gterm.globus.paths import UNDECODABLE_MARK, globus_spelling
from gterm.tui.safe_text import escape_controls, escape_pieces

CONTROLS_REFUSED = (
    "Control characters (shown as \\x1b and the like) cannot be typed into a name; "
    "only those it already had are kept."
)


def to_display(raw: str, *, multiline: bool = False) -> str:
    """What an editable field shows for ``raw``: controls escaped (newlines and tabs kept if ``multiline``)."""
    return escape_controls(raw, multiline=multiline)


def _common_prefix_length(first: str, second: str) -> int:
    length = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        length += 1
    return length


def _raw_head(pieces: list[tuple[str, str]], shown_length: int) -> tuple[str, int]:
    """The original's raw characters for the first ``shown_length`` shown ones, stopping before a cut escape.

    Returns the raw text and how many shown characters it stands for (at most ``shown_length``).
    """
    raw, used = [], 0
    for char, shown in pieces:
        if used + len(shown) > shown_length:
            break
        raw.append(char)
        used += len(shown)
    return "".join(raw), used


def _raw_tail(pieces: list[tuple[str, str]], shown_length: int) -> tuple[str, int]:
    """Like :func:`_raw_head` for the last ``shown_length`` shown characters (each raw piece is one character)."""
    raw, used = _raw_head(pieces[::-1], shown_length)
    return raw[::-1], used


def _unchanged_ends(shown: str, display: str, cursor: int | None) -> tuple[int, int]:
    """How many characters at the start and at the end of ``shown`` are ``display``'s own.

    Usually one answer fits. When the edit typed (or deleted) text equal to
    what is next to it (``\\x07`` typed before an ``\\x07``), several do; the
    cursor, which ends after what was typed and where text was deleted, picks
    the one the user made. Without it the start keeps as much as it can.
    """
    shorter = min(len(shown), len(display))
    start = _common_prefix_length(shown, display)
    end = _common_prefix_length(shown[::-1], display[::-1])
    if start + end > shorter and cursor is not None:
        start = max(shorter - end, min(start, cursor - max(0, len(shown) - len(display))))
    return start, min(end, shorter - start)


def from_display(
    shown: str, original: str, prefixes: Iterable[str] = (), *, multiline: bool = False, cursor: int | None = None
) -> str:
    """The raw value meant by ``shown`` (the field's text) for a field first filled with ``original``.

    Unchanged text means ``original``. Otherwise the unchanged start and end of
    ``shown`` (against the original's escaped spelling; ``cursor`` settles
    which when the edit repeats its neighbour) keep the original's raw
    characters, an escape cut by the edit not included, and the edited middle
    is taken literally. A raw prefix whose escaped spelling starts ``shown``
    and covers more than the kept start replaces it. A name in Transfer's
    spelling for bytes that are not UTF-8 keeps that spelling.
    """
    pieces = escape_pieces(original, multiline=multiline)
    display = "".join(escaped for _, escaped in pieces)
    if shown == display:
        return original
    common_start, common_end = _unchanged_ends(shown, display, cursor)
    head, head_length = _raw_head(pieces, common_start)
    tail, tail_length = _raw_tail(pieces, common_end)
    spelled_by = original
    for prefix in sorted(prefixes, key=len, reverse=True):
        escaped = to_display(prefix, multiline=multiline)
        if head_length < len(escaped) <= len(shown) - tail_length and shown.startswith(escaped):
            head = "".join(char for char, _ in escape_pieces(prefix, multiline=multiline))
            head_length, spelled_by = len(escaped), prefix
            break
    raw = head + shown[head_length : len(shown) - tail_length] + tail
    # escape_pieces gave the characters of a Transfer-spelled name as lone surrogates: spell them back.
    return globus_spelling(raw) if UNDECODABLE_MARK in spelled_by else raw


if TYPE_CHECKING:
    _FieldBase = Widget
else:
    # A plain mixin at run time: a Widget here, ahead of Input in the MRO, hides Input's
    # COMPONENT_CLASSES (its placeholder and cursor styles) from Textual.
    _FieldBase = object


class KeysInOrder(_FieldBase):
    """Runs a text field's own key bindings in the field's queue, so keys apply in the order typed.

    Textual inserts a printable key as soon as the field reads it from its
    queue, but resolves a non-printable key (ctrl+u, backspace, Enter) only
    after the Key event has bubbled up to the App. In a fast burst
    (``ctrl+u`` ``2020-01-01`` ``Enter``, as a terminal multiplexer or a
    quick typist sends it) the characters typed after ctrl+u landed first
    and ctrl+u then erased them (QA F5; the path bar lost a ctrl+u the same way).
    """

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable:
            return  # the field's own _on_key (next in the MRO) inserts it, in order
        for key in event.aliases:
            for binding in self._bindings.key_to_bindings.get(key, ()):
                if binding.priority:
                    continue  # priority bindings were already offered by the App
                if await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return


class SafeInput(KeysInOrder, Input):
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
        """The value the user means: the original's characters where unchanged, typed text literally."""
        return from_display(self.value, self.original, self.raw_prefixes, cursor=self.cursor_position)

    # Reactive validators: whatever sets these (our code, Textual, a suggester)
    # ends up with visible escapes instead of control characters.
    def validate_value(self, value: str) -> str:
        return to_display(value)

    def validate_placeholder(self, placeholder: str) -> str:
        return to_display(placeholder)

    def validate__suggestion(self, suggestion: str) -> str:
        return to_display(suggestion)

    def select_proposal(self, end: int | None = None, *, show_end: bool = False) -> None:
        """Select the proposed text (up to ``end``), so typing replaces it and an arrow key keeps it.

        All of it selected, the cursor is at its start, so a proposal longer than the field (a transfer's label)
        is read from its beginning, not as its tail; ``show_end``: at its end, where a path says where it is.
        Up to ``end`` (a name without its extension), the cursor is at ``end``.
        """
        if end is None:
            end = len(self.value)
            self.selection = Selection(0, end) if show_end else Selection(end, 0)
        else:
            self.selection = Selection(0, end)

    def _on_focus(self, event: events.Focus) -> None:
        # Input's own handler (next in the MRO) selects everything with the cursor at the end when
        # select_on_focus is set: once it has, the selection is a proposal's, shown from its start.
        if self.select_on_focus and not event.from_app_focus:
            self.call_next(self.select_proposal)

    def replace(self, text: str, start: int, end: int) -> None:
        # Typing, paste and completion all land here: escape first, so the
        # cursor ends after the escape rather than inside it.
        super().replace(to_display(text), start, end)


def _escaped_characters(value: str) -> set[str]:
    return {char for char, shown in escape_pieces(value) if char != shown}


def refuse_controls(value: str, original: str = "", prefixes: Iterable[str] = ()) -> str | None:
    """An error message when ``value`` holds a control character the user did not get from us.

    A field never holds one itself (:class:`SafeInput` escapes what is typed), so
    those of ``value`` must come from ``original`` or a raw prefix, where
    :func:`from_display` kept them; anything else is refused.
    """
    had = set().union(*(_escaped_characters(text) for text in (original, *prefixes)))
    return CONTROLS_REFUSED if _escaped_characters(value) - had else None
