"""Names from the server are shown literally: no markup, no raw control characters."""

from __future__ import annotations

import unicodedata

from rich.console import Console
from rich.text import Text

from gterm.tui.safe_text import escape_controls, has_controls, safe_text


def rendered(text: Text) -> str:
    """What the terminal would receive for ``text`` (colour on, so styles are real escapes)."""
    console = Console(width=200, color_system="truecolor", force_terminal=True, record=False)
    with console.capture() as capture:
        console.print(text, end="")
    return capture.get()


def test_markup_stays_literal() -> None:
    text = safe_text("[bold]x[/bold]")
    assert text.plain == "[bold]x[/bold]"
    assert not text.spans


def test_escape_is_shown_escaped_and_never_raw() -> None:
    name = "evil\x1b]0;pwned\x07\x1b[2J"
    text = safe_text(name)
    assert text.plain == "evil\\x1b]0;pwned\\x07\\x1b[2J"
    output = rendered(text)
    assert "\x07" not in output
    assert "]0;pwned" in output  # the characters are there, as text
    # the only ESC bytes in the output are the style codes the console adds
    assert "\x1b]" not in output and "\x1b[2J" not in output


def test_all_c0_c1_and_del_are_escaped() -> None:
    raw = "".join(chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)])
    escaped = escape_controls(raw)
    assert all(ch.isprintable() for ch in escaped)
    assert escaped.startswith("\\x00\\x01")
    assert "\\t" in escaped and "\\n" in escaped and "\\r" in escaped
    assert "\\x7f" in escaped and "\\x9b" in escaped


def test_bidi_override_is_escaped() -> None:
    assert escape_controls("report\u202etxt.exe") == "report\\u202etxt.exe"


def test_every_invisible_format_character_is_escaped() -> None:
    """Cc, Cf (bidi, zero-width, BOM, tags, ...), Zl and Zp, as the running Python's unicodedata knows them."""
    invisible = [
        chr(code)
        for code in range(0x110000)
        if unicodedata.category(chr(code)) in ("Cc", "Cf", "Zl", "Zp")
    ]
    missed = [f"U+{ord(ch):04X}" for ch in invisible if escape_controls(ch) == ch]
    assert missed == []
    for ch in invisible:
        assert escape_controls(ch).isascii()
    # Look-alikes made with zero-width characters differ on screen; the Hangul filler is no blank.
    assert escape_controls("re\u200bport") == "re\\u200bport"
    assert escape_controls("a\u3164b") == "a\\u3164b"
    assert escape_controls("tag\U000e0041") == "tag\\U000e0041"


def test_plain_names_pass_through_untouched() -> None:
    for name in ("hello.txt", "dossier d\u2019\u00e9t\u00e9", "数据 file", "a\\x1b-literal-backslash"):
        assert not has_controls(name)
        assert escape_controls(name) == name
        assert safe_text(name).plain == name


def test_escapes_are_styled_so_they_differ_from_literal_backslashes() -> None:
    real = safe_text("a\x1bb")
    literal = safe_text("a\\x1bb")
    assert real.plain == literal.plain
    assert real.spans and not literal.spans


def test_escape_style_none_and_base_style() -> None:
    text = safe_text("x\x00", "bold", escape_style=None)
    assert text.plain == "x\\x00"
    assert str(text.style) == "bold"


def test_a_name_that_is_not_utf8_looks_the_same_in_either_spelling() -> None:
    """Transfer's spelling (U+FFFD, latin-1) and a local listing's (lone surrogates) both show the byte."""
    assert escape_controls("\ufffdcaf\xe9.txt") == escape_controls("caf\udce9.txt") == "caf\\xe9.txt"
    assert has_controls("\ufffdcaf\xe9.txt")
    assert escape_controls("\ufffd plain") == "\ufffd plain" and not has_controls("\ufffd plain")
