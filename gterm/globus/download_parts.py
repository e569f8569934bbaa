"""Where a download lives on this computer while it comes, and what this computer's refusals mean.

A download is written to a hidden part file beside its final name and renamed
into place when its size checks out; a record beside the part names the
remote file and the version it holds, so only that file, that version, is ever
resumed from it (see :mod:`gterm.globus.https_access`).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

from gterm.globus.errors import GtermError
from gterm.globus.local_files import REFUSALS, refusal

PART_SUFFIX = ".gterm-part"
RESUME_SUFFIX = ".gterm-resume"  # beside a part: which remote file it holds, and that file's validator


class LocalWriteError(GtermError):
    """This computer could not store the file (disk full, name not allowed, no permission)."""

    def __init__(self, message: str, *, disk_full: bool = False) -> None:
        super().__init__(message)
        self.disk_full = disk_full  # every other file would meet it too


NAME_MAX = 255  # bytes in one file name on Linux and macOS file systems


def part_path(destination: Path) -> Path:
    """Where a download in progress lives (hidden, beside its final name).

    A name near the file system's limit would not fit with the part's dot and suffix; such a
    part is named after a digest of the name instead (the same each time, so resume finds it).
    """
    return _beside(destination, PART_SUFFIX)


def resume_record_path(destination: Path) -> Path:
    """Where the record of what a part holds lives (see the module docstring)."""
    return _beside(destination, RESUME_SUFFIX)


def _beside(destination: Path, suffix: str) -> Path:
    natural = f".{destination.name}{suffix}"
    if len(os.fsencode(natural)) <= NAME_MAX:
        return destination.with_name(natural)
    digest = hashlib.sha256(os.fsencode(destination.name)).hexdigest()[:32]
    return destination.with_name(f".{digest}{suffix}")


def held(part: Path, destination: Path) -> int:
    """Bytes an earlier attempt left in ``part`` (0 if none); a path this computer cannot hold is said now."""
    try:
        return part.stat().st_size
    except FileNotFoundError:
        return 0
    except OSError as exc:
        raise local_write_error(exc, destination, kept=None) from None


def read_record(record: Path) -> dict[str, object] | None:
    try:
        value = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def write_record(record: Path, url: str, validator: str, size: int) -> None:
    record.write_text(json.dumps({"url": url, "validator": validator, "size": size}), encoding="utf-8")


def truncate(part: Path) -> int:
    with open(part, "wb"):
        pass
    return 0


def local_write_error(exc: OSError, path: Path, *, kept: Path | None) -> LocalWriteError:
    """What this computer's refusal to store ``path`` means to a person, and whether ``kept`` stays for a resume."""
    where = f" ({kept.name} is kept, so the next download resumes from it)" if kept is not None else ""
    if exc.errno == errno.ENOSPC:
        return LocalWriteError(f"This computer's disk is full while writing {path.name}{where}.", disk_full=True)
    if exc.errno in REFUSALS:
        return LocalWriteError(f"{refusal(exc, 'write', path)}{where}.")
    if exc.errno in (errno.ENAMETOOLONG, errno.EILSEQ, errno.EINVAL):
        return LocalWriteError(
            f"This computer's file system cannot hold the name {path.name!r} there (too long, or a character it"
            f" does not allow){where or '; nothing was written'}."
        )
    return LocalWriteError(f"Could not write {path}: {exc.strerror or 'error'}{where}.")
