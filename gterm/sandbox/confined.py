"""Confined file system access: every path is resolved beneath a descriptor on a collection's root.

Why
---
A collection path (``/home/alice/data/x.bin``) must never reach anything
outside the collection's root, whatever is on disk and whatever changes on
disk while a request or a task is under way. Checking a path first
(``realpath``) and using it later leaves a window in which a parent directory
can be swapped for a symlink that points outside; the kernel would then follow
it. So nothing here checks a path and uses it later: every operation walks its
path itself, at the moment of use, one component at a time, beneath an open
descriptor of the root:

- each directory on the way is opened with ``openat(parent_fd, name,
  O_NOFOLLOW | O_DIRECTORY)``, so the kernel never follows a link on its own;
- a symlink met on the way is read (``readlinkat``) and followed by this code
  only when its target stays beneath the same root at that moment: a relative
  target is walked from where the link is (``..`` may not climb above the
  root), an absolute one must name a path under the root's own directory and
  is walked again from the root's descriptor. Anything else raises
  :class:`OutsideRoot`;
- the last component is acted on relative to its parent's descriptor
  (``unlinkat``, ``mkdirat``, ``renameat``, ``openat`` with ``O_NOFOLLOW``), so
  a link at the end is never followed unless the caller asks for it
  (``follow_last=True``, with the same "stays beneath the root" rule).

A guest collection's root is itself a path beneath its host's root: it is
walked the same way every time it is opened (:meth:`RootSpec.open`), so a guest
root replaced by a link that points outside (or renamed away) answers an error,
never anything outside. Confinement relies on descriptors only, never on file
permissions: it holds for a sandbox running as root.

What remains, by design: a descriptor refers to the directory that was beneath
the root when it was opened. An operation that holds one for its duration (a
file copy writes its temporary file and renames it in the directory it opened)
acts in that directory even if someone renames it elsewhere meanwhile.

How to use it
-------------
::

    spec = RootSpec("/srv/data/collections/lab")              # a mapped collection
    guest = RootSpec("/srv/data/collections/lab", "/shared/bob/")  # a guest on it

    with spec.open() as root:                 # RootError subclasses if a guest root no longer resolves
        st = root.stat("/home/alice/x.bin")                # lstat of the last component
        fd = root.open_file("/home/alice/x.bin", os.O_RDONLY)
        with root.scandir("/home/alice/") as entries: ...  # os.DirEntry objects
        root.mkdir("/home/alice/new")
        root.rename("/home/alice/a", "/home/alice/b")
        root.unlink("/home/alice/b") ; root.rmdir(...) ; root.remove_tree(...)
        with root.locate("/home/alice/x.bin") as where:   # parent descriptor + name, for *at calls
            os.utime(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
        root.canonical("/home/alice/link")   # components with every link resolved (beneath the root)
        root.link_target(("home", "alice"), "link")  # where a listed link leads, or None

Paths are collection paths (``/a/b``, ``a/b/``, or a tuple of components);
``..`` is resolved against the walk, never above the root. Errors are
``OSError`` subclasses as the kernel would raise them (``FileNotFoundError``,
``NotADirectoryError``, ``ELOOP`` for a link at the end when it is not
followed, ...), plus :class:`OutsideRoot` (an ``EACCES`` ``PermissionError``) for
a link that leads outside. Messages carry collection paths, never host paths.
"""

from __future__ import annotations

import errno
import os
import stat
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from gterm.sandbox.wire_names import from_wire, to_wire

PathLike = str | Sequence[str]

MAX_LINKS = 40  # links followed in one walk (the kernel's limit too)

# Directories on the way are opened only to be walked through: O_PATH needs no
# read permission and no access to the directory's contents.
_WALK_FLAGS = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_LIST_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class OutsideRoot(PermissionError):
    """A symlink on the way leads outside the root (or ``..`` climbs above it)."""

    def __init__(self, path: str) -> None:
        super().__init__(errno.EACCES, "leads outside the collection root", path)
        self.path = path


class RootError(OSError):
    """A guest collection's root no longer resolves beneath its host's root."""


class RootMissing(RootError):
    """The root directory does not exist (any more), or is not a directory."""


class RootOutside(RootError):
    """The root resolves outside its host's root (a link on its path leads there)."""


def split(path: PathLike) -> list[str]:
    """Components of a collection path (empty ones and ``.`` dropped; ``..`` kept for the walk).

    Each is the file system's name: a component in Transfer's spelling of bytes
    that are not UTF-8 (``wire_names``) becomes those bytes (as ``surrogateescape`` text).
    """
    if isinstance(path, str):
        return [from_wire(part) for part in path.split("/") if part and part != "."]
    return [from_wire(part) for part in path if part and part != "."]


def _shown(parts: Sequence[str]) -> str:
    return "/" + "/".join(to_wire(part) for part in parts)


@dataclass
class _Walked:
    """The state a walk ends in: open directories (owned), their names, the last name, an unresolved tail."""

    dirs: list[str] = field(default_factory=list)
    fds: list[int] = field(default_factory=list)
    tail: list[str] = field(default_factory=list)
    final: str | None = None

    def close(self) -> None:
        while self.fds:
            os.close(self.fds.pop())


@dataclass
class Location:
    """Where a path ends: an open descriptor of its parent directory and the last name.

    ``name`` is None only for the root itself (then ``dir_fd`` is the root).
    ``parts`` are the canonical components beneath the root (links resolved).
    ``host_dir`` is where ``dir_fd`` was on the host when it was opened: what the sandbox
    writes there is recorded under it (``temporaries``); it is never opened by that path.
    The descriptor belongs to the Location: use it as a context manager.
    """

    dir_fd: int
    name: str | None
    parts: tuple[str, ...]
    host_dir: str

    def close(self) -> None:
        os.close(self.dir_fd)

    def __enter__(self) -> Location:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Root:
    """An open root directory; every method walks its path beneath it at the moment of the call.

    ``host_dir`` is where the root was found on the host, used only to tell
    whether an absolute symlink target lies beneath the root (never opened).
    """

    def __init__(self, fd: int, host_dir: str) -> None:
        self.fd = fd
        self.host_dir = host_dir
        self._host_parts = split(host_dir)

    def close(self) -> None:
        os.close(self.fd)

    def __enter__(self) -> Root:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the walk

    def _walk(self, path: PathLike, *, follow_last: bool, missing_ok: bool) -> _Walked:
        """Walk ``path`` beneath the root (see the module docstring for the rules)."""
        walked = _Walked()
        asked = _shown(split(path))  # errors name the path asked for, never where a link points
        pending = deque(split(path))
        dirs, fds, tail = walked.dirs, walked.fds, walked.tail
        links = 0
        try:
            while pending:
                name = pending.popleft()
                if tail:  # past a missing component (missing_ok): the rest is taken as written
                    if name == "..":
                        tail.pop()
                    else:
                        tail.append(name)
                    continue
                if name == "..":
                    if not dirs:
                        raise OutsideRoot(asked)
                    dirs.pop()
                    os.close(fds.pop())
                    continue
                last = not pending
                if last and not follow_last:
                    walked.final = name
                    break
                here = fds[-1] if fds else self.fd
                try:
                    fd = os.open(name, _WALK_FLAGS, dir_fd=here)
                except OSError as exc:
                    if exc.errno not in (errno.ELOOP, errno.ENOTDIR, errno.ENOENT):
                        raise
                    try:
                        st: os.stat_result | None = os.stat(name, dir_fd=here, follow_symlinks=False)
                    except FileNotFoundError:
                        st = None
                    if st is not None and stat.S_ISLNK(st.st_mode):
                        links += 1
                        if links > MAX_LINKS:
                            raise OSError(errno.ELOOP, "Too many levels of symbolic links", asked) from None
                        target = os.readlink(name, dir_fd=here)
                        if target.startswith("/"):
                            inside = self._beneath_host(target)
                            if inside is None:
                                raise OutsideRoot(asked) from None
                            while fds:
                                os.close(fds.pop())
                            dirs.clear()
                            pending.extendleft(reversed(inside))
                        else:
                            pending.extendleft(reversed(split(target)))
                        continue
                    if last:  # a file, or nothing yet, at the end
                        walked.final = name
                        break
                    if missing_ok:
                        tail.append(name)
                        continue
                    shown = _shown([*dirs, name])
                    if st is None:
                        raise FileNotFoundError(errno.ENOENT, "No such file or directory", shown) from None
                    raise NotADirectoryError(errno.ENOTDIR, "Not a directory", shown) from None
                if last:  # a directory at the end: what is returned is its parent and its name
                    os.close(fd)
                    walked.final = name
                    break
                fds.append(fd)
                dirs.append(name)
        except BaseException:
            walked.close()
            raise
        return walked

    def _beneath_host(self, target: str) -> list[str] | None:
        """Components of an absolute link target beneath the root's host directory, or None."""
        parts = split(target)
        base = self._host_parts
        if parts[: len(base)] != base:
            return None
        return parts[len(base):]

    def locate(self, path: PathLike, *, follow_last: bool = False) -> Location:
        """Resolve ``path`` beneath the root: its parent's open descriptor and its last name.

        Links before the last component are followed when they stay beneath
        the root; the last one only with ``follow_last``. The last component
        need not exist; every directory before it must.
        """
        walked = self._walk(path, follow_last=follow_last, missing_ok=False)
        try:
            if walked.final is None:  # ended on a directory reached by "..", or the root itself
                if not walked.dirs:
                    return Location(os.dup(self.fd), None, (), self.host_dir)
                walked.final = walked.dirs.pop()
                os.close(walked.fds.pop())
            parent = walked.fds.pop() if walked.fds else os.dup(self.fd)
            return Location(parent, walked.final, (*walked.dirs, walked.final),
                            os.path.join(self.host_dir, *walked.dirs))
        finally:
            walked.close()

    def canonical(self, path: PathLike, *, follow_last: bool = True) -> tuple[str, ...]:
        """The components ``path`` leads to beneath the root, links resolved; missing ones as written.

        Raises OutsideRoot when a link on the way leads outside.
        """
        walked = self._walk(path, follow_last=follow_last, missing_ok=True)
        walked.close()
        return (*walked.dirs, *walked.tail, *([walked.final] if walked.final is not None else []))

    # -- operations

    def stat(self, path: PathLike, *, follow_last: bool = False) -> os.stat_result:
        """``lstat`` of the last component (``stat`` through an inside link with ``follow_last``)."""
        with self.locate(path, follow_last=follow_last) as where:
            if where.name is None:
                return os.fstat(where.dir_fd)
            return os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)

    def exists(self, path: PathLike) -> bool:
        """Whether the last component exists (a link counts as itself)."""
        try:
            self.stat(path)
        except FileNotFoundError:
            return False
        except NotADirectoryError:
            return False
        return True

    def open_file(self, path: PathLike, flags: int, mode: int = 0o644, *, follow_last: bool = False) -> int:
        """``openat`` of the last component with ``O_NOFOLLOW``: a descriptor the caller closes."""
        with self.locate(path, follow_last=follow_last) as where:
            if where.name is None:
                raise IsADirectoryError(errno.EISDIR, "Is a directory", "/")
            return os.open(where.name, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode, dir_fd=where.dir_fd)

    def open_dir(self, path: PathLike, *, follow_last: bool = True) -> int:
        """A readable descriptor of a directory (for ``os.scandir(fd)``, ``fstat``); the caller closes it."""
        with self.locate(path, follow_last=follow_last) as where:
            if where.name is None:
                return os.open(".", _LIST_FLAGS, dir_fd=where.dir_fd)
            return os.open(where.name, _LIST_FLAGS, dir_fd=where.dir_fd)

    @contextmanager
    def scandir(self, path: PathLike, *, follow_last: bool = True) -> Iterator[Iterator[os.DirEntry[str]]]:
        """The entries of a directory (``DirEntry.stat`` and ``is_*`` work relative to it)."""
        fd = self.open_dir(path, follow_last=follow_last)
        try:
            with os.scandir(fd) as entries:
                yield entries
        finally:
            os.close(fd)

    def listdir(self, path: PathLike) -> list[str]:
        fd = self.open_dir(path)
        try:
            return os.listdir(fd)
        finally:
            os.close(fd)

    def mkdir(self, path: PathLike, mode: int = 0o777) -> None:
        with self.locate(path) as where:
            if where.name is None:
                raise FileExistsError(errno.EEXIST, "File exists", "/")
            os.mkdir(where.name, mode, dir_fd=where.dir_fd)

    def makedirs(self, path: PathLike, mode: int = 0o777) -> None:
        """Create every missing directory of ``path``, each beneath the one before (links as in a walk)."""
        parts = split(path)
        for depth in range(1, len(parts) + 1):
            try:
                self.mkdir(parts[:depth], mode)
            except FileExistsError:
                continue
        if parts and not stat.S_ISDIR(self.stat(parts, follow_last=True).st_mode):
            raise NotADirectoryError(errno.ENOTDIR, "Not a directory", _shown(parts))

    def rename(self, old: PathLike, new: PathLike) -> None:
        """``renameat`` between two parent descriptors: links at either end are moved, never followed.

        A relative link moved elsewhere may now point outside; that is harmless
        here, because every later walk refuses to follow it.
        """
        with self.locate(old) as source, self.locate(new) as target:
            if source.name is None or target.name is None:
                raise PermissionError(errno.EBUSY, "The root cannot be renamed", "/")
            os.rename(source.name, target.name, src_dir_fd=source.dir_fd, dst_dir_fd=target.dir_fd)

    def replace(self, old: PathLike, new: PathLike) -> None:
        with self.locate(old) as source, self.locate(new) as target:
            if source.name is None or target.name is None:
                raise PermissionError(errno.EBUSY, "The root cannot be replaced", "/")
            os.replace(source.name, target.name, src_dir_fd=source.dir_fd, dst_dir_fd=target.dir_fd)

    def unlink(self, path: PathLike) -> None:
        with self.locate(path) as where:
            if where.name is None:
                raise IsADirectoryError(errno.EISDIR, "Is a directory", "/")
            os.unlink(where.name, dir_fd=where.dir_fd)

    def rmdir(self, path: PathLike) -> None:
        with self.locate(path) as where:
            if where.name is None:
                raise PermissionError(errno.EBUSY, "The root cannot be removed", "/")
            os.rmdir(where.name, dir_fd=where.dir_fd)

    def remove_tree(self, path: PathLike) -> None:
        """Remove a file, a link or a whole directory tree, never following a link inside it."""
        with self.locate(path) as where:
            if where.name is None:
                raise PermissionError(errno.EBUSY, "The root cannot be removed", "/")
            _remove_tree_at(where.dir_fd, where.name)

    def walk_bottom_up(self, path: PathLike) -> Iterator[tuple[tuple[str, ...], list[str], list[str]]]:
        """(directory components, subdirectories, other entries) of a tree, deepest first, names sorted.

        Links are reported among the other entries and never entered; each
        directory is opened beneath the root when it is reached.
        """
        top = tuple(split(path))
        stack: list[tuple[tuple[str, ...], bool]] = [(top, False)]
        listed: dict[tuple[str, ...], tuple[list[str], list[str]]] = {}
        while stack:
            parts, expanded = stack.pop()
            if expanded:
                dirs, others = listed.pop(parts)
                yield parts, dirs, others
                continue
            dirs, others = [], []
            with self.scandir(parts, follow_last=False) as entries:
                for entry in entries:
                    (dirs if entry.is_dir(follow_symlinks=False) else others).append(entry.name)
            dirs.sort()
            others.sort()
            listed[parts] = (dirs, others)
            stack.append((parts, True))
            stack.extend(((*parts, name), False) for name in reversed(dirs))

    def link_target(self, dir_parts: Sequence[str], name: str) -> tuple[tuple[str, ...], os.stat_result] | None:
        """Where the link ``name`` in a directory leads, and what is there; None if broken or outside."""
        try:
            with self.locate([*dir_parts, name], follow_last=True) as where:
                if where.name is None:
                    return (), os.fstat(where.dir_fd)
                return where.parts, os.stat(where.name, dir_fd=where.dir_fd, follow_symlinks=False)
        except OSError:
            return None


def _remove_tree_at(dir_fd: int, name: str) -> None:
    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(name, dir_fd=dir_fd)
        return
    fd = os.open(name, _LIST_FLAGS, dir_fd=dir_fd)
    try:
        if not os.path.samestat(st, os.fstat(fd)):
            raise OSError(errno.EAGAIN, "directory replaced while being removed", name)
        for entry in os.listdir(fd):
            _remove_tree_at(fd, entry)
    finally:
        os.close(fd)
    os.rmdir(name, dir_fd=dir_fd)


@dataclass(frozen=True)
class RootSpec:
    """Where a collection's root is: a host directory (mapped), optionally a path beneath it (guest).

    ``base`` is configuration (``DATA_DIR/collections/<slug>``) and opened as it
    is; ``beneath`` is walked beneath it, confined, on every :meth:`open`.
    """

    base: str
    beneath: str = ""

    def open(self) -> Root:
        """Open the root for one operation; RootMissing / RootOutside when a guest root went bad."""
        fd = os.open(self.base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        if not split(self.beneath):
            return Root(fd, self.base)
        with Root(fd, self.base) as host:
            try:
                parts = host.canonical(self.beneath)
                guest_fd = host.open_dir(parts, follow_last=False)
            except OutsideRoot:
                raise RootOutside(errno.EACCES, "The root leads outside its host collection") from None
            except OSError:
                raise RootMissing(errno.ENOENT, "The root is no longer a directory on its host") from None
        return Root(guest_fd, os.path.join(self.base, *parts))
