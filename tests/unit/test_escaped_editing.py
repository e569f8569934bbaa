"""Editing text that holds control characters: what the user's edit of the escaped spelling means.

A field shows ``\\x07bell.txt`` for a name that starts with BEL. The unchanged start
and end of the field keep the original's characters; only the edited middle is
taken literally, and an escape cut by the edit is part of that middle.
"""

from __future__ import annotations

import pytest

from gterm.tui.widgets.safe_input import CONTROLS_REFUSED, from_display, refuse_controls, to_display

BELL = "\x07bell.txt"
DESCRIPTION = "Line one.\nLine two.\n\tIndented line."


@pytest.mark.parametrize(("shown", "meant"), [
    ("\\x07bell.txt", BELL),  # untouched
    ("\\x07bell.txtX", "\x07bell.txtX"),  # QA: appended X kept the BEL (was the literal "\\x07bell.txtX")
    ("A\\x07bell.txt", "A\x07bell.txt"),  # typed before the escape
    ("\\x07ring.txt", "\x07ring.txt"),  # a word replaced after it
    ("bell.txt", "bell.txt"),  # the whole escape deleted: the BEL goes
    ("\\x0bell.txt", "\\x0bell.txt"),  # edited inside the escape: what is left of it is literal text
    ("\\x08bell.txt", "\\x08bell.txt"),  # an escape typed over another is typed text, never a control
    ("new.txt", "new.txt"),
    ("", ""),
])
def test_edits_keep_the_original_characters_they_leave_alone(shown: str, meant: str) -> None:
    assert from_display(shown, BELL) == meant


def test_controls_at_both_ends_survive_an_edit_in_between() -> None:
    original = "\x1b]2;x\x07-\x9b"
    shown = to_display(original)
    assert shown == "\\x1b]2;x\\x07-\\x9b"
    assert from_display(shown.replace("x\\x07", "y\\x07"), original) == "\x1b]2;y\x07-\x9b"
    # Typed text next to an escape, spelled like it, stays literal: the cursor (after what was typed) says which.
    assert from_display("\\x1b" + shown, original, cursor=4) == "\\x1b" + original
    assert from_display(shown + "\\x9b", original, cursor=len(shown) + 4) == original + "\\x9b"
    # Deleting one of two equal escapes: the one where the cursor stopped.
    twice = "a\x07\x07b"
    assert from_display("a\\x07b", twice, cursor=1) == "a\x07b"
    assert from_display("a\\x07b", "a\x07\\x07b", cursor=1) == "a\\x07b"
    assert from_display("a\\x07b", "a\x07\\x07b", cursor=5) == "a\x07b"


def test_multiline_keeps_newlines_and_tabs_and_escapes_the_rest() -> None:
    assert to_display(DESCRIPTION, multiline=True) == DESCRIPTION
    assert to_display("a\r\nb\x1b", multiline=True) == "a\\r\nb\\x1b"
    # QA: " More." appended to the description kept its newlines and tab (was backslash-n, backslash-t).
    assert from_display(DESCRIPTION + " More.", DESCRIPTION, multiline=True) == DESCRIPTION + " More."
    crlf = "one\r\ntwo\x1b"
    assert from_display("zero\n" + to_display(crlf, multiline=True), crlf, multiline=True) == "zero\n" + crlf


def test_a_name_transfer_spells_as_latin1_keeps_its_bytes_and_spelling() -> None:
    original = "\ufffdcaf\xe9.txt"  # Transfer's spelling of the bytes b"caf\xe9.txt" (not UTF-8)
    assert to_display(original) == "caf\\xe9.txt"
    assert from_display("caf\\xe9.txt", original) == original
    assert from_display("caf\\xe9.txtX", original) == "\ufffdcaf\xe9.txtX"


def test_a_known_raw_prefix_maps_back_when_it_covers_more_than_the_original() -> None:
    directory = "/a/dir-\x1b[41mBG/"
    assert from_display(to_display(directory) + "new.txt", "", [directory]) == directory + "new.txt"
    assert from_display(to_display(directory) + "new.txt", "/a/other/", [directory]) == directory + "new.txt"


def test_refuse_controls_allows_only_what_came_from_the_original() -> None:
    assert refuse_controls("plain") is None
    assert refuse_controls("\x07bell.txtX", BELL) is None
    assert refuse_controls("\x1bbell.txt", BELL) == CONTROLS_REFUSED
    assert refuse_controls("/a/\x1b/x", "", ["/a/\x1b/"]) is None
