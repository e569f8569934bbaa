"""The sandbox's HTTPS upload writes a batch of body pieces with writev, resuming after short writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gterm.sandbox import https_data


def test_short_writes_resume_where_they_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def stingy_writev(fd: int, buffers: list[memoryview]) -> int:
        return os.write(fd, bytes(buffers[0][:1000]))  # a short write: part of the first buffer only

    pieces = [b"a" * 2500, b"", b"b" * 10, b"c" * 3000, b"d"]
    target = tmp_path / "out.bin"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT)
    monkeypatch.setattr(os, "writev", stingy_writev)
    try:
        https_data._write_all(fd, pieces)
    finally:
        os.close(fd)
    assert target.read_bytes() == b"".join(pieces)


def test_a_batch_longer_than_iov_max_is_written_whole(tmp_path: Path) -> None:
    pieces = [bytes([i % 251]) * 7 for i in range(3000)]
    target = tmp_path / "many.bin"
    fd = os.open(target, os.O_WRONLY | os.O_CREAT)
    try:
        https_data._write_all(fd, pieces)
    finally:
        os.close(fd)
    assert target.read_bytes() == b"".join(pieces)
