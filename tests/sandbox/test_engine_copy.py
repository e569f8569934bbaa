"""copy_file on its own: every copy path gives the same bytes and honest digests."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from gterm.sandbox import engine
from gterm.sandbox.engine import Fault, FileError, TaskAborted, Throttle, copy_file


def _copy(src: Path, dst: Path, **kw: object) -> engine.CopyResult:
    seen: list[int] = []
    options: dict[str, object] = {"algorithm": None, "verify": False, "throttle": None, "fault": None}
    options.update(kw)
    result = copy_file(str(src), str(dst), guard=lambda: None, progress=seen.append, **options)  # type: ignore[arg-type]
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
        copy_file(str(src), str(tmp_path / "dst.bin"), algorithm=None, verify=False, throttle=None,
                  fault=Fault(at_byte=size // 2, corrupt=False), guard=lambda: None, progress=lambda n: None)
    assert info.value.transient and info.value.code == "CONNECTION_RESET"


def test_missing_source_and_symlink_source_are_source_errors(tmp_path: Path) -> None:
    with pytest.raises(FileError) as info:
        _copy(tmp_path / "nope", tmp_path / "dst")
    assert info.value.code == "FILE_NOT_FOUND" and info.value.source_side
    (tmp_path / "real").write_text("x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(FileError) as info:
        _copy(tmp_path / "link", tmp_path / "dst")
    assert info.value.source_side and not info.value.transient


def test_never_writes_through_a_symlink_at_the_temporary_name(tmp_path: Path) -> None:
    (tmp_path / "src").write_text("data")
    victim = tmp_path / "victim"
    victim.write_text("precious")
    (tmp_path / "tmp").symlink_to(victim)
    with pytest.raises(FileError):
        _copy(tmp_path / "src", tmp_path / "tmp")
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
        copy_file(str(src), str(tmp_path / "dst.bin"), algorithm=None, verify=False, throttle=Throttle(100_000),
                  fault=None, guard=guard, progress=lambda n: None)
