"""Server-supplied names as literal, terminal-safe text.

File names, labels and messages come from other people: anyone can create a
file called ``[bold]x[/bold]`` or one whose name holds an ESC sequence that
would repaint, retitle or hijack the user's terminal. Everything that shows
such text goes through here:

* no markup is ever interpreted: the result is a :class:`rich.text.Text`
  built from the plain string (``Text(...)`` never parses markup);
* control characters (C0 ``\\x00``-``\\x1f``, DEL ``\\x7f``, C1 ``\\x80``-``\\x9f``,
  where ``\\x9b`` is a CSI introducer on many terminals), the Unicode line
  and paragraph separators, and every invisible format character (bidi
  overrides such as ``\\u202e``, zero-width spaces and joiners, the BOM,
  tag characters, ...: Unicode category Cf, plus the Hangul fillers that
  render as blanks) are replaced by a visible escape such as ``\\x1b``. Such
  characters can make a name *look* like another one ("exe.txt" shown as
  "txt.exe", "report" and "re\\u200bport" side by side);
  in a ``Text`` the escape carries ``escape_style`` so a real ESC can be told
  apart from a file literally named ``\\x1b``.

A name whose bytes are not UTF-8 is shown byte by byte (``caf\\xe9.txt``),
whichever spelling it arrives in: Python's lone surrogates (a local listing) or
Transfer's U+FFFD-then-latin-1 (``gterm.globus.paths``), so the same file looks
the same in both panes.

``escape_controls`` is the plain-string half, for places that need a ``str``
(notifications, which GtermApp.notify always shows as literal text; log lines, copy/paste).
"""

from __future__ import annotations

import re

from rich.style import Style, StyleType
from rich.text import Text

from gterm.globus.paths import UNDECODABLE_MARK, with_surrogates

# Short, familiar spellings for the common whitespace controls; everything
# else uses \xNN (or \uNNNN beyond Latin-1) so the byte value is visible.
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}

# Invisible format characters (Unicode 15 category Cf: bidi embeddings,
# overrides and isolates, zero-width space/joiners, word joiner, BOM, tags,
# ...), the line/paragraph separators (Zl, Zp) and the Hangul fillers (Lo,
# but drawn as nothing). Harmless to the terminal, but they reorder, hide or
# break what the user sees. tests/unit/test_safe_text.py checks the list
# against the running Python's unicodedata.
_INVISIBLE = [
    0x00AD, *range(0x0600, 0x0606), 0x061C, 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2, 0x115F, 0x1160, 0x180E,
    *range(0x200B, 0x2010), 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2060, 0x2065),
    *range(0x2066, 0x2070), 0x3164, 0xFEFF, 0xFFA0, *range(0xFFF9, 0xFFFC), 0x110BD, 0x110CD,
    *range(0x13430, 0x13440), *range(0x1BCA0, 0x1BCA4), *range(0x1D173, 0x1D17B), 0xE0001, *range(0xE0020, 0xE0080),
]


def _escape_for(code: int) -> str:
    if code in _NAMED:
        return _NAMED[code]
    if 0xDC80 <= code <= 0xDCFF:
        # A byte that was not UTF-8 (Python's surrogateescape, as a listing of such a name
        # decodes it): shown as that byte, the way ls -b would.
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


_CONTROL_CODES = [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_INVISIBLE]
# Lone surrogates cannot be drawn or written to a terminal (they are not Unicode text).
_SURROGATES = range(0xD800, 0xE000)
_TRANSLATION = {code: _escape_for(code) for code in [*_CONTROL_CODES, *_SURROGATES]}
# What a multi-line editor (a description) may hold as it is: the line break and the tab it draws as spaces.
_LINE_CONTROLS = "\n\t"
_MULTILINE_TRANSLATION = {code: escape for code, escape in _TRANSLATION.items() if chr(code) not in _LINE_CONTROLS}
_CONTROL_RE = re.compile(
    "[" + "".join(re.escape(chr(code)) for code in _CONTROL_CODES) + "\ud800-\udfff]"
)


def has_undecodable(value: str) -> bool:
    """True when ``value`` holds a lone surrogate: a name whose bytes were not UTF-8."""
    return any(0xD800 <= ord(char) <= 0xDFFF for char in value)


DEFAULT_ESCAPE_STYLE = Style(reverse=True)


def _bytes_shown(value: str) -> str:
    """``value`` with Transfer's spelling of bytes that are not UTF-8 turned into lone surrogates."""
    return with_surrogates(value) if UNDECODABLE_MARK in value else value


def has_controls(value: str) -> bool:
    """True when ``value`` holds a character :func:`escape_controls` would rewrite."""
    return _CONTROL_RE.search(_bytes_shown(value)) is not None


def escape_controls(value: object, *, multiline: bool = False) -> str:
    """``str(value)`` with every control character replaced by a visible escape (``\\x1b``).

    ``multiline`` keeps newlines and tabs as they are, for a multi-line editor (``\\r`` is still
    escaped: a ``TextArea`` would take it for a line break and save ``\\n`` instead).
    """
    return _bytes_shown(str(value)).translate(_MULTILINE_TRANSLATION if multiline else _TRANSLATION)


def escape_pieces(value: object, *, multiline: bool = False) -> list[tuple[str, str]]:
    """Each character of ``value`` with what :func:`escape_controls` shows for it.

    Joined, the second halves are ``escape_controls(value, multiline=multiline)``; the first halves
    are ``value`` with a Transfer-spelled name that is not UTF-8 in Python's spelling (lone surrogates).
    """
    table = _MULTILINE_TRANSLATION if multiline else _TRANSLATION
    return [(char, table.get(ord(char), char)) for char in _bytes_shown(str(value))]


def safe_text(
    value: object,
    style: StyleType = "",
    *,
    escape_style: StyleType | None = DEFAULT_ESCAPE_STYLE,
) -> Text:
    """A :class:`rich.text.Text` showing ``value`` literally (no markup, controls escaped).

    ``escape_style`` (reverse video by default; ``None`` for none) is applied
    to each escape so it stands out from ordinary backslashes in a name.
    """
    raw = _bytes_shown(str(value))
    if not has_controls(raw):
        return Text(raw, style=style, end="")
    text = Text(style=style, end="")
    position = 0
    for match in _CONTROL_RE.finditer(raw):
        if match.start() > position:
            text.append(raw[position : match.start()])
        text.append(_TRANSLATION[ord(match.group())], style=escape_style or "")
        position = match.end()
    if position < len(raw):
        text.append(raw[position:])
    return text
