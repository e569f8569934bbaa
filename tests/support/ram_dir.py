"""A directory in RAM (tmpfs) for the test session's sandbox data, when the machine has one to spare.

The sandbox's collections are real directories and the tests make many files in
them (a 100,000-entry directory, transfers, the seeded tree, sqlite commits). On
this machine's ext4 those calls cost the kernel 10-60 s for the 100,000 files
alone while the parallel suite runs (0.6 s on tmpfs), and they made
tests/tui/test_browser_listing.py take 36-55 s instead of 21 s. The sandbox does
the same on either file system: the same calls, names, limits and permissions.

Without a tmpfs at :data:`RAM_ROOT` with :data:`NEEDED_BYTES` free, pytest's
temporary directory is used, as before. A session that dies before its
teardown leaves its directory behind; the next session removes it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

RAM_ROOT = Path("/dev/shm")
NEEDED_BYTES = 2 << 30  # room for every worker's sandbox with its test files, and to spare
_PREFIX = "sandbox-"


def _is_tmpfs(path: Path) -> bool:
    try:
        with open("/proc/self/mounts", encoding="utf-8") as mounts:
            return any(
                fields[1] == str(path) and fields[2] == "tmpfs" for fields in (line.split() for line in mounts)
            )
    except OSError:
        return False


def ram_base() -> Path | None:
    """This user's directory for sandboxes in RAM, or None when RAM cannot hold them."""
    if not _is_tmpfs(RAM_ROOT) or shutil.disk_usage(RAM_ROOT).free < NEEDED_BYTES:
        return None
    base = RAM_ROOT / f"gterm-tests-{os.getuid()}"
    base.mkdir(mode=0o700, exist_ok=True)
    return base


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_orphans(base: Path) -> None:
    """Directories of sessions whose process is gone (killed before their teardown)."""
    for entry in base.iterdir():
        pid = entry.name.removeprefix(_PREFIX).split("-", 1)[0]
        if entry.name.startswith(_PREFIX) and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def sandbox_data_dir(on_disk: Callable[[], Path]) -> Iterator[Path]:
    """A fresh directory for a sandbox's data: in RAM when there is room (removed after), else ``on_disk()``."""
    base = ram_base()
    if base is None:
        yield on_disk()
        return
    _remove_orphans(base)
    path = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
