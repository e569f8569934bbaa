"""A small tmpfs mounted inside a collection: a real second file system (EXDEV) and a real full disk (ENOSPC).

Needs root and mount rights (CI runs as root); tests skip with the reason otherwise.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def tmpfs_at(target: Path, size: str = "1m") -> Iterator[Path]:
    """Mount a tmpfs of ``size`` on the (new) directory ``target``; unmount and remove it after."""
    target.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        target.rmdir()
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip() or result.returncode})")
    try:
        yield target
    finally:
        for _ in range(100):  # a task may still hold a file open for a moment
            if subprocess.run(["umount", str(target)], capture_output=True, check=False).returncode == 0:
                break
            time.sleep(0.05)
        target.rmdir()


def resize_tmpfs(target: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(target)], check=True, capture_output=True)


def make_read_only(target: Path) -> None:
    """The tmpfs at ``target`` refuses every write with EROFS (root included, as a read-only mount does)."""
    subprocess.run(["mount", "-o", "remount,ro", str(target)], check=True, capture_output=True)
