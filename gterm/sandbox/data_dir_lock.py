"""One sandbox per data dir: an OS lock on a file in it, held while the sandbox runs.

Two sandboxes on one data dir both resumed its ACTIVE tasks (two engines copying the
same files: a task SUCCEEDED, then failed, with more bytes than the file holds), and
the second rewrote sandbox.json with its own port, dead once it stopped. The lock is
an ``flock`` on ``sandbox.lock``: the kernel drops it when its holder exits, crashed
or killed, so a stale lock never blocks the next start. The holder writes its pid in
the file, for the message the refused one prints.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock (the sandbox runs there unguarded)
    fcntl = None  # type: ignore[assignment]  # None stands for "no flock here", checked before use

LOCK_NAME = "sandbox.lock"


class DataDirInUse(Exception):
    """Another running sandbox holds this data dir: says which dir and, when known, which process."""

    def __init__(self, data_dir: Path, pid: int | None) -> None:
        holder = f"another sandbox (pid {pid})" if pid is not None else "another sandbox"
        super().__init__(f"data dir {data_dir} is in use by {holder}; stop it or give another --data-dir.")
        self.data_dir = data_dir
        self.pid = pid


@contextmanager
def holding_data_dir(data_dir: Path) -> Iterator[None]:
    """Hold ``data_dir`` for this process while the block runs, or raise DataDirInUse at once."""
    # O_CLOEXEC: a program this process starts must not inherit (and keep) the lock.
    fd = os.open(data_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise DataDirInUse(data_dir, _holder_pid(fd)) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it would race the next holder's open)


def _holder_pid(fd: int) -> int | None:
    """The pid the holder wrote (None while it has not written it yet, or if the file holds anything else)."""
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
