"""Where a download lives on this computer while it comes, and what this computer's refusals mean.

A download is written to a hidden part file beside its final name and renamed
into place when its size checks out; a record beside the part names the
remote file and the version it holds, so only that file, that version, is ever
resumed from it (see :mod:`gterm.globus.https_access`).

The record names the file by its collection and its path there, not by its URL:
a collection's HTTPS server may move (the demo's sandbox takes a new port when
it starts again), and a part must still resume through the new address; the
version (ETag or Last-Modified, sent as If-Range) still guards the bytes.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gterm.globus.errors import GtermError
from gterm.globus.local_files import REFUSALS, refusal

Progress = Callable[[int], None]  # called with the number of new bytes moved
Discarded = Callable[[int, str], None]  # bytes of a part written over, and why (see PartFound.why)

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


def write_record(record: Path, collection_id: str, path: str, validator: str, size: int) -> None:
    """Record which file a part holds: ``path`` on collection ``collection_id``, of version ``validator``."""
    document = {"collection": collection_id, "path": path, "validator": validator, "size": size}
    record.write_text(json.dumps(document), encoding="utf-8")


@dataclass(frozen=True, slots=True)
class PartFound:
    """What an earlier attempt left beside a destination, as a download starts."""

    have: int  # bytes to resume from (0: the download starts from the first byte)
    validator: str | None  # the version those bytes are of, for If-Range
    discarded: int = 0  # bytes of a part not known to be this file's: written over, and said
    why: str = ""  # why they are not this file's bytes (the task's event says it in parentheses)


def resumable_part(part: Path, destination: Path, collection_id: str, path: str, url: str) -> PartFound:
    """The part an earlier attempt at ``path`` on ``collection_id`` left, if its record says it is of that file.

    ``url`` is the file's URL now: a record an earlier gterm wrote names its file by URL alone, and still
    resumes when that URL is unchanged.
    """
    have = held(part, destination)
    if not have:
        return PartFound(0, None)
    record_file = resume_record_path(destination)
    try:
        record = json.loads(record_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return PartFound(0, None, have, "nothing recorded which file they are of")
    except (OSError, ValueError):
        record = None
    validator = record.get("validator") if isinstance(record, dict) else None
    if not isinstance(record, dict) or not isinstance(validator, str) or not validator:
        return PartFound(0, None, have, f"their record, {record_file.name}, could not be read")
    same_file = (record.get("collection"), record.get("path")) == (collection_id, path) or record.get("url") == url
    if not same_file:
        return PartFound(0, None, have, "they were of another file")
    size = record.get("size")
    if isinstance(size, int) and have > size:
        return PartFound(0, None, have, "they were more than the whole file")
    return PartFound(have, validator)


@dataclass(slots=True)
class DownloadTally:
    """What a download of one file has told its caller: the bytes on disk it went on from, and the bytes
    it fetched. One per file, across every call that tries it again (see
    :meth:`gterm.globus.https_access.HttpsFiles.download`).

    A task's bar counts both (as ``curl -C -`` and ``wget -c`` do), its rate only the fetched ones. A
    part cut back (the file changed since: the download starts over) takes back what is gone, its
    tail (this run's bytes) first.
    """

    progress: Progress | None = None  # set by each call
    kept: Progress | None = None
    discarded: Discarded | None = None
    kept_told: int = 0
    fetched_told: int = 0

    def holding(self, have: int) -> None:
        """The part holds ``have`` bytes as a GET starts writing to it."""
        told = self.kept_told + self.fetched_told
        if have >= told:
            self._tell_kept(have - told)
            return
        lost_fetched = min(self.fetched_told, told - have)
        self.fetched(-lost_fetched)
        self._tell_kept(-(told - have - lost_fetched))

    def discard(self, count: int, why: str) -> None:
        """A part of ``count`` bytes is written over (``holding`` then takes back what it was told as)."""
        if count and self.discarded is not None:
            self.discarded(count, why)

    def fetched(self, count: int) -> None:
        self.fetched_told += count
        if count and self.progress is not None:
            self.progress(count)

    def _tell_kept(self, count: int) -> None:
        self.kept_told += count
        if count and self.kept is not None:
            self.kept(count)


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
