"""copy_file on its own: every copy path gives the same bytes and honest digests."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from gterm.sandbox import engine
from gterm.sandbox.confined import RootSpec
from gterm.sandbox.engine import Fault, FileError, TaskAborted, Throttle, copy_file
from gterm.sandbox.engine.copying import OPEN_TEMPORARY
from gterm.sandbox.engine.errors import classify_os_error


def _copy_fds(src: Path, dst: Path, **kw: Any) -> engine.CopyResult:
    src_fd = os.open(src, os.O_RDONLY)
    dst_fd = os.open(dst, OPEN_TEMPORARY, 0o644)
    try:
        return copy_file(src_fd, dst_fd, **kw)
    finally:
        os.close(src_fd)
        os.close(dst_fd)


def _copy(src: Path, dst: Path, **kw: object) -> engine.CopyResult:
    seen: list[int] = []
    options: dict[str, object] = {"algorithm": None, "verify": False, "throttle": None, "fault": None}
    options.update(kw)
    result = _copy_fds(src, dst, guard=lambda: None, progress=seen.append, **options)
    assert sum(seen) == src.stat().st_size
    return result


@pytest.mark.parametrize("size", [0, 1, 1000, engine.SMALL_FILE, engine.SMALL_FILE + 1, 3 * engine.CHUNK + 5])
@pytest.mark.parametrize("verify", [False, True])
def test_every_path_copies_exact_bytes(tmp_path: Path, size: int, verify: bool) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(size))
    dst = tmp_path / "dst.bin"
    result = _copy(src, dst, algorithm="md5" if verify else None, verify=verify)
    assert dst.read_bytes() == src.read_bytes()
    if verify:
        expected = hashlib.md5(src.read_bytes()).hexdigest()
        assert result.source_digest == result.destination_digest == expected


def test_other_checksum_algorithms(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(5 * engine.CHUNK // 2))
    result = _copy(src, tmp_path / "dst.bin", algorithm="sha256", verify=True)
    assert result.source_digest == hashlib.sha256(src.read_bytes()).hexdigest() == result.destination_digest


@pytest.mark.parametrize("size", [100, 3 * engine.CHUNK])
def test_injected_corruption_is_caught_by_verification(tmp_path: Path, size: int) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(size))
    result = _copy(
        src, tmp_path / "dst.bin", algorithm="md5", verify=True, fault=Fault(at_byte=size // 2, corrupt=True)
    )
    assert result.source_digest == hashlib.md5(src.read_bytes()).hexdigest()
    assert result.destination_digest != result.source_digest


@pytest.mark.parametrize("size", [0, 100, 3 * engine.CHUNK])
def test_injected_transient_fault_raises_a_retryable_error(tmp_path: Path, size: int) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(size))
    with pytest.raises(FileError) as info:
        _copy_fds(src, tmp_path / "dst.bin", algorithm=None, verify=False, throttle=None,
                  fault=Fault(at_byte=size // 2, corrupt=False), guard=lambda: None, progress=lambda n: None)
    assert info.value.transient and info.value.code == "CONNECTION_RESET"


def test_missing_source_and_symlink_source_are_source_errors(tmp_path: Path) -> None:
    """Sources are opened beneath their root with O_NOFOLLOW: a link at the end is refused, not followed."""
    (tmp_path / "real").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with RootSpec(str(tmp_path)).open() as root:
        for name, code in (("nope", "FILE_NOT_FOUND"), ("link", "PERMISSION_DENIED")):
            with pytest.raises(OSError) as info:
                root.open_file(name, os.O_RDONLY)
            err = classify_os_error(info.value, "/" + name, source_side=True)
            assert err.code == code and err.source_side and not err.transient


def test_a_directory_source_is_not_a_file(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    with pytest.raises(FileError) as info:
        _copy(tmp_path / "dir", tmp_path / "dst")
    assert info.value.code == "NOT_A_FILE" and info.value.source_side


def test_never_writes_through_a_symlink_at_the_temporary_name(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / "tmp").symlink_to(victim)
    with pytest.raises(OSError) as info:
        os.open(tmp_path / "tmp", OPEN_TEMPORARY, 0o644)
    assert info.value.errno == errno.ELOOP
    assert victim.read_text() == "precious"


def test_the_guard_aborts_a_throttled_copy(tmp_path: Path) -> None:
    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(200_000))
    calls = []

    def guard() -> None:
        calls.append(1)
        if len(calls) > 3:
            raise TaskAborted("cancel")

    with pytest.raises(TaskAborted):
        _copy_fds(src, tmp_path / "dst.bin", algorithm=None, verify=False, throttle=Throttle(100_000),
                  fault=None, guard=guard, progress=lambda n: None)
