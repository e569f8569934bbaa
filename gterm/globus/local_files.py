"""This computer's file system, in the same shapes a collection's listing has.

The Local pane ("This computer", locations ``local:PATH``) lists, creates,
renames and deletes here with the same :class:`Listing` / :class:`Entry`
records and gterm errors as :class:`TransferService` gives for a collection,
so the file list, sort, filter and selection work unchanged. Paths are
absolute POSIX paths; directories end with ``/`` as Transfer's do.

Names that are not valid UTF-8 come back from ``os.scandir`` as surrogate
escapes and go back to the file system the same way, so such a file can be
renamed or deleted by its exact name.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from gterm.globus import paths
from gterm.globus.errors import AlreadyExists, GtermError, InvalidInput, NotFound, PermissionDenied
from gterm.globus.models import SPECIAL_KINDS, Collection, Entry, EntryType, Listing

LOCAL_ID = "local"
LOCAL_COLLECTION = Collection(
    id=LOCAL_ID,
    display_name="This computer",
    entity_type="local",
    description="Files on the machine gterm runs on",
    default_directory=None,
)


def is_local(collection_id: str | None) -> bool:
    return collection_id == LOCAL_ID


REFUSALS = (errno.EACCES, errno.EPERM, errno.EROFS)  # this computer will not let gterm do it: refusal() says why


def refusal(exc: OSError, what: str, path: Path | str) -> str:
    """``No permission to <what> <path>``, without the final period; a read-only file system is said as
    one: no permission (chmod) would help there."""
    if exc.errno == errno.EROFS:
        return f"Cannot {what} {path}: the file system there is read-only"
    return f"No permission to {what} {path}"


def _error(exc: OSError, what: str, path: str) -> GtermError:
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return NotFound(f"{path} does not exist on this computer.")
    if exc.errno in REFUSALS:
        return PermissionDenied(f"{refusal(exc, what, path)}.")
    if exc.errno == errno.EEXIST or exc.errno == errno.ENOTEMPTY:
        return AlreadyExists(f"{path} already exists.")
    if exc.errno in (errno.ENAMETOOLONG, errno.EILSEQ, errno.EINVAL):
        return InvalidInput(f"This computer's file system cannot hold the name {Path(path).name!r}.")
    if exc.errno == errno.ENOSPC:
        return GtermError("This computer's disk is full.")
    return GtermError(f"Could not {what} {path}: {exc.strerror or 'error'}.")


def local_error(exc: OSError, what: str, path: str) -> GtermError:
    """The gterm error for a failed file system call (``what``: the verb, as in "No permission to <what> <path>")."""
    return _error(exc, what, path)


def _kind(mode: int) -> EntryType:
    """An entry's type from its lstat mode (a link's target is looked at by the caller)."""
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    return _special_type(mode) or "file"


def _special_type(mode: int) -> EntryType | None:
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "char_device"
    if stat.S_ISBLK(mode):
        return "block_device"
    return None


def special_kind(mode: int) -> str | None:
    """What a file that is neither a regular file, a directory nor a link is, in words (None for those)."""
    kind = _special_type(mode)
    return SPECIAL_KINDS[kind] if kind else None


def open_regular(path: str | os.PathLike[str], *, refusal: str) -> int:
    """A read-only descriptor of the regular file at ``path``, or InvalidInput naming what it is instead.

    Never blocks: opening a named pipe waits for a writer (forever, and no thread can be woken from
    it), and opening a device can act on it, so anything that is not a regular file is refused from
    its stat, before any open; the open itself is non-blocking in case the file was swapped meanwhile.
    OSError (missing, no permission) is the caller's to word.
    """
    kind = special_kind(os.stat(path).st_mode)
    if kind is None:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        mode = os.fstat(fd).st_mode
        if stat.S_ISREG(mode):
            os.set_blocking(fd, True)
            return fd
        os.close(fd)
        kind = special_kind(mode) or ("directory" if stat.S_ISDIR(mode) else "special file")
    raise InvalidInput(f"{os.fspath(path)} is a {kind}, not a regular file: {refusal}")


def _permissions(mode: int) -> str:
    return f"{stat.S_IMODE(mode):04o}"


def _entry(directory: str, name: str, info: os.stat_result, is_link: bool) -> Entry:
    target: str | None = None
    kind: EntryType = _kind(info.st_mode)
    if is_link:
        try:
            target = os.readlink(os.path.join(directory, name))
        except OSError:
            target = None
        try:
            followed = os.stat(os.path.join(directory, name))
        except OSError:
            kind = "invalid_symlink"  # dangling: nothing behind it to open
        else:
            info = followed
            kind = _kind(info.st_mode)
    return Entry(
        name=name,
        type=kind,
        size=0 if kind == "dir" or kind in SPECIAL_KINDS else info.st_size,
        last_modified=datetime.fromtimestamp(int(info.st_mtime), tz=UTC),
        permissions=_permissions(info.st_mode),
        link_target=target,
    )


class LocalFiles:
    """List and change this computer's files (no Globus involved)."""

    collection = LOCAL_COLLECTION

    def home(self) -> str:
        return paths.as_dir(os.path.expanduser("~"))

    def resolve(self, path: str | None) -> str:
        """An absolute directory path for ``path`` ("" or None: home; ``~`` expanded)."""
        if not path:
            return self.home()
        expanded = os.path.expanduser(path)
        if not os.path.isabs(expanded):
            expanded = os.path.join(self.home(), expanded)
        return paths.as_dir(os.path.normpath(expanded))

    def ls(self, path: str | None, *, show_hidden: bool = True) -> Listing:
        directory = self.resolve(path)
        entries: list[Entry] = []
        try:
            with os.scandir(directory) as listing:
                for item in listing:
                    if not show_hidden and item.name.startswith("."):
                        continue
                    try:
                        info = item.stat(follow_symlinks=False)
                    except OSError:
                        continue  # vanished between the listing and the stat
                    entries.append(_entry(directory, item.name, info, stat.S_ISLNK(info.st_mode)))
        except NotADirectoryError:
            raise InvalidInput(f"{directory.rstrip('/')} is not a directory.") from None
        except OSError as exc:
            raise _error(exc, "list", directory) from None
        return Listing(collection_id=LOCAL_ID, path=directory, entries=tuple(entries), total=len(entries))

    def stat(self, path: str) -> Entry:
        clean = path.rstrip("/") or "/"
        try:
            info = os.lstat(clean)
        except OSError as exc:
            raise _error(exc, "read", clean) from None
        return _entry(os.path.dirname(clean) or "/", os.path.basename(clean) or "/", info, stat.S_ISLNK(info.st_mode))

    def mkdir(self, path: str) -> None:
        try:
            os.mkdir(path.rstrip("/"))
        except OSError as exc:
            raise _error(exc, "create", path) from None

    def make_dirs(self, path: str) -> bool:
        """Make the directory ``path`` and any parents missing (``mkdir -p``); True when it was not there."""
        clean = path.rstrip("/") or "/"
        if os.path.isdir(clean):
            return False
        try:
            os.makedirs(clean)
        except FileExistsError:
            raise InvalidInput(f"{clean} exists and is not a directory.") from None
        except OSError as exc:
            raise _error(exc, "create", clean) from None
        return True

    def rename(self, old: str, new: str) -> None:
        source, target = old.rstrip("/"), new.rstrip("/")
        if os.path.lexists(target):
            raise AlreadyExists(f"{target} already exists.")
        try:
            os.rename(source, target)
        except OSError as exc:
            if exc.errno == errno.EXDEV:  # another file system: move as mv does
                try:
                    shutil.move(source, target)
                    return
                except OSError as inner:
                    raise _error(inner, "move", source) from None
            raise _error(exc, "rename", source) from None

    def delete(self, targets: Iterable[str]) -> list[str]:
        """Delete files and whole directories; returns what could not be deleted (with why)."""
        problems: list[str] = []
        for target in targets:
            clean = target.rstrip("/")
            try:
                if os.path.isdir(clean) and not os.path.islink(clean):
                    remove_tree(clean)
                else:
                    os.unlink(clean)
            except _TreeError as exc:
                problems.append(str(_error(exc.cause, "delete", exc.path)))
            except OSError as exc:
                problems.append(str(_error(exc, "delete", clean)))
        return problems


class _TreeError(Exception):
    def __init__(self, cause: OSError, path: str) -> None:
        super().__init__(str(cause))
        self.cause, self.path = cause, path


def remove_tree(top: str) -> None:
    """Delete a directory and everything below it, however deep (``rm -rf``).

    shutil.rmtree recurses (RecursionError past ~1,000 levels) and holds a descriptor per level
    (EMFILE past ~1,000 more), and a deep path outgrows PATH_MAX: this walks with one directory
    descriptor at a time, relative names only, climbing back through "..". Links are removed,
    never followed. A failure raises _TreeError naming where it happened.
    """
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    names: list[str] = []  # the path from ``top`` to where ``fd`` is
    pending: list[list[str]] = []  # per level: the subdirectories still to empty
    here = top

    def where(name: str = "") -> str:
        return os.path.join(top, *names, name) if name else os.path.join(top, *names)

    try:
        fd = os.open(top, flags)
    except OSError as exc:
        raise _TreeError(exc, top) from None
    try:
        while True:
            subdirectories: list[str] = []
            with os.scandir(fd) as listing:
                for entry in listing:
                    if entry.is_dir(follow_symlinks=False):
                        subdirectories.append(entry.name)
                    else:
                        here = where(entry.name)
                        os.unlink(entry.name, dir_fd=fd)
            pending.append(subdirectories)
            while not pending[-1]:  # this level is empty: climb, removing it from its parent
                pending.pop()
                if not names:
                    os.close(fd)
                    fd = -1
                    here = top
                    os.rmdir(top)
                    return
                here = where()
                parent = os.open("..", flags & ~os.O_NOFOLLOW, dir_fd=fd)
                os.close(fd)
                fd = parent
                os.rmdir(names.pop(), dir_fd=fd)
            child = pending[-1].pop()
            here = where(child)
            descended = os.open(child, flags, dir_fd=fd)
            os.close(fd)
            fd = descended
            names.append(child)
    except OSError as exc:
        raise _TreeError(exc, here) from None
    finally:
        if fd >= 0:
            os.close(fd)
