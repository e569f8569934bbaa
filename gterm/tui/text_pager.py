"""Paging through a file of any size the way ``less`` does, reading only what is shown.

The viewer cannot count a 1 GiB file's lines before showing it (for a file on
a collection that would mean downloading it), so the page is anchored to a
byte offset: the first screen is the first block, End reads the last block,
and scrolling reads the blocks around the current place. Blocks come from a
:class:`ByteSource` (a ranged HTTPS read for a collection, ``pread`` for this
computer) and are cached, so moving back and forth costs no new reads.

Pure logic, no Textual: the viewer screen runs it on a worker thread.
"""

from __future__ import annotations

import codecs
import os
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Literal, Protocol

from gterm.globus.errors import InvalidInput
from gterm.globus.local_files import open_regular

BLOCK = 64 * 1024
MAX_LINE = 4096  # a line longer than this is shown as several (minified JSON, binary-ish text)
CACHE_BLOCKS = 256  # 16 MiB at most
HEX_WIDTH = 16
TEXT_UTF_8 = "utf-8"
# What "latin-1" text is in practice (and what web browsers read it as): ISO-8859-1, plus Windows'
# euro sign, curly quotes and dashes in 0x80-0x9f, which ISO-8859-1 leaves to unprintable controls.
TEXT_LATIN_1 = "cp1252"
_STRAY_BYTE = re.compile("[\udc80-\udcff]")  # a byte UTF-8 could not read, as surrogateescape spells it
_BEYOND_ASCII = re.compile("[\u0080-\ud7ff\ue000-\U0010ffff]")  # a character UTF-8 did read


Change = Literal["changed", "deleted"]
FILE_CHANGED = "the file changed on disk; reloaded"
FILE_DELETED = "the file was deleted"


class ByteSource(Protocol):
    """A file that can be read at any offset."""

    @property
    def size(self) -> int: ...

    def read(self, offset: int, length: int) -> bytes: ...

    def changed(self) -> Change | None:
        """Whether the file is no longer what was read so far (``size`` is then what it is now): None
        when it is the same. Asked once per page, so it must be cheap (a stat, no request)."""
        ...

    def close(self) -> None: ...


_REFUSAL = "there is no content to view."


class LocalFile:
    """A file on this computer (``pread``: no shared file position, so any thread may read)."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._fd = open_regular(path, refusal=_REFUSAL)
        self._seen = os.fstat(self._fd)
        self._deleted = False

    @property
    def size(self) -> int:
        return self._seen.st_size

    def read(self, offset: int, length: int) -> bytes:
        return os.pread(self._fd, length, offset)

    def changed(self) -> Change | None:
        """One stat of the path: shrunk or grown or written (size, time), replaced (another file by that
        name now: opened instead, as ``less`` reopens it), or deleted (the open descriptor still reads
        what the file held; said once)."""
        try:
            now = os.stat(self._path)
        except OSError:
            return None if self._deleted else self._gone()
        if (now.st_dev, now.st_ino) != (self._seen.st_dev, self._seen.st_ino):
            try:
                fd = open_regular(self._path, refusal=_REFUSAL)
            except (OSError, InvalidInput):  # InvalidInput: a directory or a pipe has its name now
                return None if self._deleted else self._gone()
            os.close(self._fd)
            self._fd, now = fd, os.fstat(fd)
        elif not self._deleted and (now.st_size, now.st_mtime_ns) == (self._seen.st_size, self._seen.st_mtime_ns):
            return None
        self._seen, self._deleted = now, False
        return "changed"

    def _gone(self) -> Change:
        self._deleted = True
        return "deleted"

    def close(self) -> None:
        os.close(self._fd)


@dataclass(frozen=True, slots=True)
class Line:
    offset: int  # where the line starts in the file
    data: bytes  # without its newline


class TextPager:
    """Lines around byte offsets of a ByteSource, with a block cache."""

    def __init__(self, source: ByteSource, *, block: int = BLOCK) -> None:
        self.source = source
        self.size = source.size
        self._block = block
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self.reads = 0  # how many times the source was asked (tests, the status line)
        self._encoding: str | None = None  # text_encoding(), once known
        self.changes = 0  # how many times the file was found changed: the viewer places its page again
        self.notice = ""  # what the last change was, in words, until taken by take_notice()
        self.deleted = False

    # --- the file changing under the pager ------------------------------------

    def check(self) -> None:
        """Ask the source whether the file changed (once per page, not per line: a stat). If it did, the
        size is what it is now and nothing cached from before is shown again."""
        change = self.source.changed()
        if change is None:
            return
        self.size = self.source.size
        self._cache.clear()
        self._encoding = None
        self.deleted = change == "deleted"
        self.notice = FILE_DELETED if self.deleted else FILE_CHANGED
        self.changes += 1

    def take_notice(self) -> str:
        notice, self.notice = self.notice, ""
        return notice

    # --- raw bytes ---------------------------------------------------------

    def _chunk(self, index: int) -> bytes:
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        start = index * self._block
        data = self.source.read(start, self._block)
        self.reads += 1
        if len(data) < min(self._block, self.size - start):
            self.check()  # short: the file shrank since it was last checked (not cached: it is not what is there)
            return data
        self._cache[index] = data
        if len(self._cache) > CACHE_BLOCKS:
            self._cache.popitem(last=False)
        return data

    def bytes_at(self, offset: int, length: int) -> bytes:
        if offset >= self.size or length <= 0:
            return b""
        end = min(self.size, offset + length)
        first, last = offset // self._block, (end - 1) // self._block
        data = b"".join(self._chunk(i) for i in range(first, last + 1))
        start = offset - first * self._block
        return data[start : start + (end - offset)]

    def looks_binary(self) -> bool:
        """NUL bytes or mostly non-text in the first block: show hex instead."""
        head = self.bytes_at(0, min(self.size, 8192))
        if not head:
            return False
        if b"\x00" in head:
            return True
        try:
            head.decode("utf-8")
            return False
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 4:
                return False  # a character cut by the block end
        text_bytes = sum(1 for b in head if b in b"\t\n\r\f\b" or 32 <= b < 127 or b >= 128)
        return text_bytes / len(head) < 0.85

    def text_encoding(self) -> str:
        """Latin-1 when the first block has bytes that are not UTF-8 and no UTF-8 character beyond ASCII;
        else UTF-8.

        Decided once per file, from the block the first page reads anyway, so every line is decoded
        alike. A UTF-8 file with a stray byte stays UTF-8 (the viewer shows the byte as ``\\xe9``):
        Latin-1 text almost never spells a UTF-8 sequence by chance, so one there says UTF-8.
        """
        if self._encoding is None:
            head = self.bytes_at(0, min(self.size, self._block))
            # Incremental, not final: a character cut by the block's end is no stray byte.
            text = codecs.getincrementaldecoder(TEXT_UTF_8)("surrogateescape").decode(head, final=False)
            stray = _STRAY_BYTE.search(text) is not None
            self._encoding = TEXT_LATIN_1 if stray and _BEYOND_ASCII.search(text) is None else TEXT_UTF_8
        return self._encoding

    # --- lines -------------------------------------------------------------

    def lines_from(self, offset: int, count: int) -> list[Line]:
        """Up to ``count`` lines starting at ``offset`` (which must be a line start)."""
        lines: list[Line] = []
        position = offset
        while len(lines) < count and position < self.size:
            window = self.bytes_at(position, MAX_LINE + 1)
            if not window:
                break  # the file ended before its size said (it shrank while being read)
            newline = window.find(b"\n")
            if newline == -1 or newline > MAX_LINE:
                take = min(len(window), MAX_LINE)
                lines.append(Line(position, window[:take]))
                position += take
            else:
                lines.append(Line(position, window[:newline]))
                position += newline + 1
        return lines

    def next_offset(self, line: Line) -> int:
        """Where the line after ``line`` starts."""
        end = line.offset + len(line.data)
        return end + 1 if self.bytes_at(end, 1) == b"\n" else end

    def line_before(self, offset: int) -> int:
        """The start of the line that ends just before ``offset`` (0 at the top)."""
        if offset <= 0:
            return 0
        # Skip the newline that ends the previous line, then look back for the one before it.
        end = offset - 1 if self.bytes_at(offset - 1, 1) == b"\n" else offset
        lo = max(0, end - MAX_LINE)
        window = self.bytes_at(lo, end - lo)
        newline = window.rfind(b"\n")
        if newline == -1:
            if lo == 0:
                return 0
            # Longer than MAX_LINE: step back by whole soft lines from the hard line's start is
            # too costly here; a soft line of MAX_LINE bytes is what lines_from shows anyway.
            return end - MAX_LINE
        return lo + newline + 1

    def back(self, offset: int, count: int) -> int:
        for _ in range(count):
            if offset == 0:
                break
            offset = self.line_before(offset)
        return offset

    def last_page(self, count: int) -> int:
        """The offset whose ``count`` lines end at the end of the file."""
        return self.back(self.size, count)

    def find(self, needle: str, start: int, *, chunk: int = 1 << 20) -> int | None:
        """Offset of the first line at or after ``start`` holding ``needle`` (case-insensitive)."""
        hit = self.find_bytes(needle, start, chunk=chunk)
        return None if hit is None else self.line_start(hit)

    def find_bytes(self, needle: str, start: int, *, chunk: int = 1 << 20) -> int | None:
        """Offset of the first byte of ``needle`` (in the file's :meth:`text_encoding`, case-insensitive)
        at or after ``start``.

        The hex view places the match itself: a binary file's "line" (what :meth:`find` returns)
        can start up to MAX_LINE bytes before it, hundreds of rows above the match. A needle the
        file's encoding cannot write is not in the file.
        """
        try:
            pattern = needle.encode(self.text_encoding()).lower()
        except UnicodeEncodeError:
            return None
        if not pattern:
            return None
        position = start
        while position < self.size:
            window = self.bytes_at(position, chunk + len(pattern)).lower()
            hit = window.find(pattern)
            if hit != -1:
                return position + hit
            position += chunk
        return None

    def line_start(self, offset: int) -> int:
        lo = max(0, offset - MAX_LINE)
        window = self.bytes_at(lo, offset - lo)
        newline = window.rfind(b"\n")
        return lo + newline + 1 if newline != -1 else (0 if lo == 0 else offset)

    # --- hex ---------------------------------------------------------------

    def hex_rows(self, first_row: int, count: int) -> list[tuple[int, bytes]]:
        start = first_row * HEX_WIDTH
        data = self.bytes_at(start, count * HEX_WIDTH)
        return [(start + i, data[i : i + HEX_WIDTH]) for i in range(0, len(data), HEX_WIDTH)]


def hex_columns(index: int) -> tuple[int, int]:
    """Where the byte at ``index`` in a row is drawn in :func:`hex_line`: its hex pair's column and its
    character's column (the row's two halves are split by one more space)."""
    return 10 + 3 * index + (1 if index >= 8 else 0), 61 + index


def hex_line(offset: int, data: bytes) -> str:
    """``00000010  48 65 6c 6c 6f ...  |Hello...|`` like ``hexdump -C``."""
    hexes = " ".join(f"{b:02x}" for b in data[:8]) + "  " + " ".join(f"{b:02x}" for b in data[8:])
    text = "".join(chr(b) if 32 <= b < 127 else "." for b in data)
    return f"{offset:08x}  {hexes:<49} |{text}|"
