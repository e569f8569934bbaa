"""The sandbox's own temporary files in collections: their names, hiding them, removing stale ones.

Two kinds exist, each in the directory of the file it becomes (renamed into place only when
complete): a transfer's copy of one file (the engine) and an HTTPS upload (https_data). Nobody
but the sandbox should see them, as Globus never shows its own: listings and a transfer's
directory walk skip them. One killed mid-copy or mid-upload stays behind (a 398 MB upload was
seen); every start removes those, while it alone holds the data dir (data_dir_lock) and before
it serves, so no copy or upload of this run is in flight.

Where one may be is recorded in sandbox.db before it is made, so a start looks only there
instead of walking every collection (a data dir of a few hundred thousand files walked them all
before it served):

- an upload records its temporary and forgets it once renamed into place or removed (a record that
  cannot be forgotten stays: ``forget_upload``);
- a transfer's run records each directory it copies into once, with the prefix of its
  temporaries' names (``TaskTemporaries``: the task's whole id), and forgets them when the run
  ends, every copy then renamed into place or removed. A record per file would cost the engine
  two SQLite writes per file, where it batches its own row states.

A temporary whose removal failed stays recorded (a copy's by its own name, or, that record failing,
by its run's record of the directory, then not forgotten). A start removes what
the records name, reading only a task's directories (for its copies' names), and forgets them.
A record names its directory by path and inode: a directory renamed or replaced since (the
temporary may be anywhere now) sends the start through one walk of every collection, as does a
data dir an older sandbox made, which has no records table: the table is made after that walk,
so a start killed during it walks again.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gterm.sandbox.collection_store import collections_dir
from gterm.sandbox.db import Database

if TYPE_CHECKING:
    from gterm.sandbox.confined import Location
    from gterm.sandbox.state import SandboxState

log = logging.getLogger(__name__)

_UPLOAD_PREFIX = ".gterm-upload-"
# Exactly the names made below, and a copy's as an older sandbox made it (by the first 8 hex digits
# of its task's id): a user's file with a look-alike name is left alone.
_TEMPORARY_RE = re.compile(r"\.gterm-(?:upload-[0-9a-f]{16}|[0-9a-f]{8}(?:[0-9a-f]{24})?-[0-9]+\.part)")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS temporaries (
    directory BLOB NOT NULL,  -- its host path, relative to the data dir (os.fsencode: names need not be UTF-8)
    inode INTEGER NOT NULL,   -- the directory's when recorded: one renamed or replaced since is told apart
    name TEXT NOT NULL,       -- an upload's temporary, or the prefix of one task's copies (copy_prefix)
    PRIMARY KEY (directory, name)
)
"""


def upload_name() -> str:
    """A fresh temporary name for an HTTPS upload."""
    return f"{_UPLOAD_PREFIX}{secrets.token_hex(8)}"


def copy_prefix(task_id: str) -> str:
    """How the names of a task's copies begin (never a temporary's whole name), with the task's whole id.

    A run's record of a directory is this prefix there, and a task runs once at a time (the Engine),
    so the record is that run's own. By the first 8 hex digits of their ids (as once named), two tasks
    running at once could share it: the first to end forgot it while the other still copied there,
    and their copies of a same-numbered file were one temporary.
    """
    return f".gterm-{uuid.UUID(task_id).hex}-"


def copy_name(task_id: str, seq: int) -> str:
    """The temporary name of a task's copy of its file ``seq`` (the same on every attempt: one at a time)."""
    return f"{copy_prefix(task_id)}{seq}.part"


def is_temporary(name: str) -> bool:
    """Whether ``name`` is one of the sandbox's temporary files (always a dot name: any other costs one compare,
    as a copy's walk asks for every entry)."""
    return name[:1] == "." and _TEMPORARY_RE.fullmatch(name) is not None


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class Record:
    """Temporaries that may exist: ``name`` itself, or (a task's prefix) every temporary starting with it."""

    directory: bytes  # as stored: relative to the data dir when beneath it
    inode: int
    name: str


def _record(state: SandboxState, host_dir: str, inode: int, name: str) -> Record:
    base = f"{state.config.data_dir}{os.sep}"
    relative = host_dir[len(base):] if host_dir.startswith(base) else host_dir  # a moved data dir keeps them
    record = Record(os.fsencode(relative), inode, name)
    state.db.execute("INSERT OR REPLACE INTO temporaries (directory, inode, name) VALUES (?, ?, ?)",
                     (record.directory, record.inode, record.name))
    return record


def _directory(where: Location) -> tuple[str, int]:
    """The directory ``where`` is in, as a record names it: its host path and inode."""
    return where.host_dir, os.fstat(where.dir_fd).st_ino


def record_upload(state: SandboxState, where: Location, name: str) -> Record:
    """Record the upload's temporary ``name`` in ``where``'s directory: before it is made."""
    return _record(state, *_directory(where), name)


def forget(db: Database, *records: Record) -> None:
    """The recorded temporaries are gone (renamed into place or removed)."""
    with db.transaction() as conn:
        conn.executemany("DELETE FROM temporaries WHERE directory = ? AND name = ?",
                         [(record.directory, record.name) for record in records])


def forget_upload(db: Database, record: Record) -> None:
    """The upload's temporary is gone (renamed into place or removed): forget its record, or log why not.

    It runs once the upload's outcome is settled (its file in place, or its own error on the way to the
    client): a failure to write (a full disk) is logged and never replaces that outcome. The record left
    costs the next start a look for the temporary, and nothing else.
    """
    try:
        forget(db, record)
    except sqlite3.Error as exc:
        log.warning("could not forget the upload temporary %s (%s); the next start looks for it", record.name, exc)


def remove(dir_fd: int, name: str) -> bool:
    """Remove a temporary from the directory it was made in; whether it is gone (a failure is logged)."""
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not remove temporary file %s (%s)", name, exc.strerror or exc)
        return False
    return True


class TaskTemporaries:
    """One task run's records: a directory's before the run's first copy there, all forgotten at its end.

    Its copies run on several threads, so a directory is recorded under a lock: none of them makes
    a temporary there before the record is written.
    """

    def __init__(self, state: SandboxState, task_id: str) -> None:
        self.state = state
        self.prefix = copy_prefix(task_id)
        self._lock = threading.Lock()
        self._records: dict[tuple[str, int], Record] = {}
        self._kept: set[tuple[str, int]] = set()  # directories whose record outlives the run (see remove)

    def before_copy(self, where: Location) -> None:
        key = _directory(where)
        with self._lock:
            if key not in self._records:
                self._records[key] = _record(self.state, *key, self.prefix)

    def remove(self, where: Location, name: str) -> None:
        """Remove a copy that was not renamed into place; one that stays is recorded by its own name.

        It runs in a failed copy's error handling: a record that cannot be written (a disk remounted
        read-only fails the removal and the write alike) is logged and never raised over the copy's own
        error. The run then keeps its directory's record (its copies' prefix, which names this one too),
        so the next start still removes it.
        """
        if remove(where.dir_fd, name):
            return
        key = _directory(where)
        try:
            _record(self.state, *key, name)
        except sqlite3.Error as exc:
            log.warning("could not record the copy %s left behind (%s); the next start reads its directory",
                        name, exc)
            with self._lock:
                self._kept.add(key)

    def run_ended(self) -> None:
        """Every copy of the run is renamed into place or removed (or recorded by name): forget the directories
        (but those where a copy stayed unrecorded: ``remove``).

        It runs as the run ends, whatever its outcome: a failure to write (a full disk, maybe the very
        reason the run failed) is logged and never replaces that outcome. The records left cost the next
        start a read of their directories, and nothing else.
        """
        with self._lock:
            records = [record for key, record in self._records.items() if key not in self._kept]
            self._records, self._kept = {}, set()
        try:
            forget(self.state.db, *records)
        except sqlite3.Error as exc:
            log.warning("could not forget where a task's copies were made (%s); the next start reads those"
                        " %d directories", exc, len(records))


# ---------------------------------------------------------------- at start


class _DirectoryMoved(Exception):
    """The recorded directory is no longer at its path: its temporaries may be anywhere."""


def remove_stale(state: SandboxState) -> int:
    """Remove the temporaries a killed copy or upload left; return how many went.

    Only while nothing copies or uploads: at start, with the data dir held.
    """
    db = state.db
    if db.query_one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'temporaries'") is None:
        removed = _remove_beneath(collections_dir(state))  # an older sandbox's data dir (or a new one): once
        db.executescript(_SCHEMA)
    else:
        removed = _remove_recorded(state)
    if removed:
        log.info("removed %d temporary file(s) left by an interrupted copy or upload", removed)
    return removed


def _remove_recorded(state: SandboxState) -> int:
    removed, done, moved = 0, [], []
    for row in state.db.query("SELECT directory, inode, name FROM temporaries"):
        record = Record(bytes(row["directory"]), int(row["inode"]), str(row["name"]))
        try:
            removed += _remove_in(state.config.data_dir, record)
            done.append(record)
        except _DirectoryMoved:
            moved.append(record)
        except OSError as exc:  # kept: the next start tries again
            log.warning("could not remove a stale temporary file in %s (%s)",
                        os.fsdecode(record.directory), exc.strerror or exc)
    if moved:
        removed += _remove_beneath(collections_dir(state))
    forget(state.db, *done, *moved)
    return removed


def _remove_in(data_dir: Path, record: Record) -> int:
    """Remove the record's temporaries from its directory, if that is still the one recorded."""
    path = os.path.join(os.fsencode(data_dir), record.directory)  # an absolute one stays as it is
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.ELOOP):
            raise _DirectoryMoved from None
        raise
    try:
        # The inode alone: a file system's device number may change across reboots, and a crash
        # (which leaves records behind) is often followed by one.
        if os.fstat(fd).st_ino != record.inode:
            raise _DirectoryMoved
        if is_temporary(record.name):  # an upload's
            names = [record.name]
        else:  # a task's copies: the one directory is read, not the collection
            with os.scandir(fd) as entries:
                names = [e.name for e in entries if e.name.startswith(record.name) and is_temporary(e.name)]
        removed = 0
        for name in names:
            try:
                os.unlink(name, dir_fd=fd)
                removed += 1
            except FileNotFoundError:
                pass
        return removed
    finally:
        os.close(fd)


def _remove_beneath(top: Path) -> int:
    """Remove every temporary file beneath ``top`` (links are not followed); return how many went."""
    removed = 0
    for dirpath, _dirs, files in os.walk(top):  # unreadable directories are skipped (onerror=None)
        for name in files:
            if name[0] == "." and is_temporary(name):
                path = os.path.join(dirpath, name)
                try:
                    os.unlink(path)
                    removed += 1
                except OSError as exc:
                    log.warning("could not remove the stale temporary file %s (%s)", path, exc.strerror or exc)
    return removed
