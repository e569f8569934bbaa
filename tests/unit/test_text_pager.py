"""TextPager: lines around byte offsets, read lazily from a byte source."""

from __future__ import annotations

from pathlib import Path

import pytest

from gterm.tui.text_pager import FILE_CHANGED, FILE_DELETED, MAX_LINE, TEXT_LATIN_1, LocalFile, TextPager, hex_line


def _pager(tmp_path: Path, data: bytes, block: int = 64) -> TextPager:
    path = tmp_path / "f"
    path.write_bytes(data)
    return TextPager(LocalFile(str(path)), block=block)


def test_lines_forward_and_back(tmp_path: Path) -> None:
    text = b"".join(b"line %03d\n" % i for i in range(100))
    pager = _pager(tmp_path, text)
    page = pager.lines_from(0, 5)
    assert [line.data for line in page] == [b"line 000", b"line 001", b"line 002", b"line 003", b"line 004"]
    after = pager.next_offset(page[-1])
    assert pager.lines_from(after, 1)[0].data == b"line 005"
    assert pager.lines_from(pager.back(after, 2), 1)[0].data == b"line 003"
    assert pager.back(after, 50) == 0


def test_last_page_ends_at_the_end(tmp_path: Path) -> None:
    text = b"".join(b"row %d\n" % i for i in range(1000))
    pager = _pager(tmp_path, text)
    start = pager.last_page(3)
    assert [line.data for line in pager.lines_from(start, 10)] == [b"row 997", b"row 998", b"row 999"]


def test_no_trailing_newline_and_empty_lines(tmp_path: Path) -> None:
    pager = _pager(tmp_path, b"a\n\n\nb")
    assert [line.data for line in pager.lines_from(0, 10)] == [b"a", b"", b"", b"b"]
    assert pager.last_page(1) == 4


def test_only_what_is_shown_is_read(tmp_path: Path) -> None:
    big = b"x" * 79 + b"\n"
    pager = _pager(tmp_path, big * 100_000, block=64 * 1024)  # 8 MB
    pager.lines_from(0, 40)
    assert pager.reads == 1
    pager.lines_from(pager.last_page(40), 40)
    assert pager.reads <= 3


def test_long_lines_are_cut_into_pieces(tmp_path: Path) -> None:
    pager = _pager(tmp_path, b"y" * (MAX_LINE * 2 + 10) + b"\nend\n", block=1024)
    lines = pager.lines_from(0, 10)
    assert [len(line.data) for line in lines] == [MAX_LINE, MAX_LINE, 10, 3]


def test_find_is_case_insensitive_and_returns_the_line_start(tmp_path: Path) -> None:
    text = b"".join(b"entry %d\n" % i for i in range(5000)) + b"the NEEDLE is here\n"
    pager = _pager(tmp_path, text, block=4096)
    where = pager.find("needle", 0)
    assert where is not None
    line = pager.lines_from(where, 1)[0]
    assert line.data == b"the NEEDLE is here"
    assert pager.find("needle", pager.next_offset(line)) is None
    assert pager.find("missing", 0) is None


@pytest.mark.parametrize(
    ("data", "binary"),
    [(b"plain text\n", False), (b"\x00\x01\x02binary", True), ("ünïcödé\n".encode(), False), (bytes(range(256)), True)],
)
def test_binary_detection(tmp_path: Path, data: bytes, binary: bool) -> None:
    assert _pager(tmp_path, data).looks_binary() is binary


def test_the_text_encoding_is_utf_8_unless_the_first_block_is_not(tmp_path: Path) -> None:
    assert _pager(tmp_path, "ünïcode\n".encode() * 20).text_encoding() == "utf-8"
    assert _pager(tmp_path, b"plain ascii\n" * 20).text_encoding() == "utf-8"
    cut = b"x" * 63 + "é".encode() + b" more\n" * 20  # the block (64 bytes) ends inside a character
    assert _pager(tmp_path, cut, block=64).text_encoding() == "utf-8"
    assert _pager(tmp_path, "café résumé\n".encode("latin-1") * 20).text_encoding() == TEXT_LATIN_1
    stray = "ünïcode\n".encode() + b"one \xff byte\n"  # a UTF-8 character there: a stray byte does not make it latin-1
    assert _pager(tmp_path, stray * 5).text_encoding() == "utf-8"


def test_find_in_a_latin_1_file_looks_for_latin_1_bytes(tmp_path: Path) -> None:
    pager = _pager(tmp_path, b"first\n" * 30 + "un café noir\n".encode("latin-1"), block=4096)
    assert pager.find("café", 0) == 180
    assert pager.find("日本", 0) is None  # not writable in the file's encoding: not in it


def test_hex_rows(tmp_path: Path) -> None:
    pager = _pager(tmp_path, bytes(range(40)))
    rows = pager.hex_rows(1, 5)
    assert [offset for offset, _ in rows] == [16, 32]
    assert hex_line(*rows[0]).startswith("00000010  10 11 12 13 14 15 16 17  18 19")
    assert hex_line(0, b"Hi\x00").endswith("|Hi.|")


def test_a_file_that_shrinks_is_read_at_its_new_size_not_from_the_cache(tmp_path: Path) -> None:
    """QA: after ``truncate -s 100`` the viewer's End showed a blank page past the new end and Home the
    old first page from its cache."""
    path = tmp_path / "f"
    path.write_bytes(b"".join(b"line %04d\n" % i for i in range(1000)))
    pager = TextPager(LocalFile(str(path)), block=64)
    pager.lines_from(pager.last_page(3), 3)
    assert pager.lines_from(0, 1)[0].data == b"line 0000"
    pager.check()
    assert (pager.changes, pager.take_notice()) == (0, "")  # unchanged: nothing said, nothing dropped

    with path.open("r+b") as f:  # the same file (inode), written and cut short
        f.write(b"fresh\n")
        f.truncate(100)
    pager.check()

    assert pager.size == 100 and pager.changes == 1 and pager.take_notice() == FILE_CHANGED
    assert pager.lines_from(0, 1)[0].data == b"fresh"
    assert pager.last_page(1) == 90 and pager.take_notice() == ""  # said once


def test_a_short_read_is_noticed_without_a_check(tmp_path: Path) -> None:
    """A file cut short between two checks (a search reading on): the read that comes back short re-reads
    the size, and the lines stop at the new end."""
    path = tmp_path / "f"
    path.write_bytes(b"x\n" * 1000)
    pager = TextPager(LocalFile(str(path)), block=64)
    path.write_bytes(b"x\n" * 10)  # truncates in place (same inode)
    assert len(pager.lines_from(0, 100)) == 10
    assert pager.size == 20 and pager.take_notice() == FILE_CHANGED
    assert pager.find("nowhere", 0) is None


def test_a_deleted_file_is_said_and_a_replaced_one_reopened(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"old\n")
    pager = TextPager(LocalFile(str(path)), block=64)
    path.unlink()
    pager.check()
    assert pager.deleted and pager.take_notice() == FILE_DELETED
    assert pager.lines_from(0, 1)[0].data == b"old"  # what the open file held, still readable
    pager.check()
    assert pager.changes == 1 and pager.deleted  # said once; still deleted

    path.write_bytes(b"new file\n")  # a file by that name again (as an editor's save makes one)
    pager.check()
    assert not pager.deleted and pager.take_notice() == FILE_CHANGED
    assert pager.size == 9 and pager.lines_from(0, 1)[0].data == b"new file"
