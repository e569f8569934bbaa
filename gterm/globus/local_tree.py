"""The file-system steps of gterm's own tasks on this computer's side (gterm.globus.local_tasks):
reading a directory for a tree walk, making a destination directory, the guard against copying a
directory into itself, and joining a name onto a local or a collection path."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from gterm.globus import paths
from gterm.globus.download_parts import LocalWriteError
from gterm.globus.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class LocalDir:
    modified: float
    entries: list[tuple[os.DirEntry[str], os.stat_result]]


def read_local_dir(directory: Path) -> LocalDir:
    """A directory's time and its entries with their lstat; OSError when it cannot be read.

    An entry that vanished between the listing and its stat is not there any more: left out.
    """
    modified = directory.stat().st_mtime
    entries: list[tuple[os.DirEntry[str], os.stat_result]] = []
    with os.scandir(directory) as listing:
        for entry in listing:
            try:
                entries.append((entry, entry.stat(follow_symlinks=False)))
            except FileNotFoundError:
                continue
    return LocalDir(modified, entries)


def tree_join(directory: str, name: str, *, remote: bool) -> str:
    return paths.as_dir(directory) + name if remote else os.path.join(directory, name)


def make_local_dir(path: Path) -> bool:
    """Make ``path`` (and its parents); True if it was not there before."""
    if path.is_dir():
        return False
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InvalidInput(f"{path} exists and is not a directory.") from None
    except OSError as exc:
        raise LocalWriteError(f"Cannot create {path}: {exc.strerror or 'error'}.") from None
    return True


def refuse_copy_into_itself(source: str, destination: str) -> None:
    """A copy of a directory into itself would copy its own copies, level after level, until the disk fills."""
    real_source, real_destination = os.path.realpath(source), os.path.realpath(destination)
    if os.path.commonpath([real_source, real_destination]) == real_source:
        raise InvalidInput(f"Cannot copy {source.rstrip('/')} into itself ({destination.rstrip('/')} is inside it).")
