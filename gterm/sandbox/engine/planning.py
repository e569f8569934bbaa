"""Planning: expand a task's submitted items into ``task_files`` rows, once, before any copy.

Rows hold collection paths only, in Transfer's spelling (a name whose bytes are
not UTF-8 as ``wire_names`` writes it, so rows, events and reports are valid
Unicode); every directory read here is opened beneath
its collection's root at that moment (``gterm.sandbox.confined``), and links
are counted, never followed (Globus' ``recursive_symlinks: ignore``).
"""

from __future__ import annotations

import fnmatch
import stat
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gterm.sandbox.confined import split
from gterm.sandbox.engine.errors import FatalTaskError, FileError, classify_os_error, describe
from gterm.sandbox.sync import is_included, parse_filter_rules
from gterm.sandbox.tasks_store import FileKind, FileState, TaskFile
from gterm.sandbox.temporaries import is_temporary
from gterm.sandbox.wire_names import to_wire

if TYPE_CHECKING:
    from gterm.sandbox.engine.task_run import TaskRun

def _join(base: str, name: str, is_dir: bool) -> str:
    path = base.rstrip("/") + "/" + name
    return path + "/" if is_dir else path


@dataclass(frozen=True)
class _Entry:
    """What the planner needs of a directory entry (read while its directory is open)."""

    name: str
    is_dir: bool
    is_file: bool
    is_link: bool
    size: int


class TransferPlanner:
    """Expands transfer items into rows: dirs before their contents, extras before copies."""

    def __init__(self, run: TaskRun) -> None:
        self.run = run
        self.task_id = run.task_id
        self.rules = parse_filter_rules(run.options.get("filter_rules"))
        self.delete_extra = bool(run.options.get("delete_destination_extra"))
        self.skip_errors = bool(run.options.get("skip_source_errors"))
        self.seq = 0
        self.out: list[TaskFile] = []

    def add(self, kind: FileKind, src_path: str | None, dst_path: str, size: int = 0, state: FileState = "pending",
            code: str | None = None, details: str | None = None, is_dir: bool = False) -> None:
        self.seq += 1
        self.out.append(TaskFile(self.task_id, self.seq, kind, src_path, dst_path, size, state,
                                 code, details, time.time() if code else None, is_dir))

    def source_problem(self, exc: OSError, src_path: str, dst_path: str, is_dir: bool) -> None:
        err = classify_os_error(exc, src_path, source_side=True)
        self.run.event(err.code, err.details, is_error=True)
        if not self.skip_errors:
            raise FatalTaskError(err.code, describe(err.code), err.details)
        self.add("file", src_path, dst_path, state="skipped_error", code=err.code, details=err.details, is_dir=is_dir)

    def rows(self) -> list[TaskFile]:
        for item in self.run.items:
            self.run.guard()
            src_path, dst_path = item["source_path"], item["destination_path"]
            try:
                with self.run.source.open() as root:
                    # The item itself: a link is followed (confined: one leading outside is refused).
                    st = root.stat(src_path, follow_last=True)
            except OSError as exc:
                self.source_problem(exc, src_path, dst_path, False)
                continue
            if stat.S_ISDIR(st.st_mode):
                if item.get("recursive") is False:
                    err = FileError("NOT_A_FILE", f"{src_path} is a directory; submit it with recursive",
                                    source_side=True)
                    self.run.event(err.code, err.details, is_error=True)
                    raise FatalTaskError(err.code, describe(err.code), err.details)
                self.walk(src_path, dst_path)
            elif stat.S_ISREG(st.st_mode):
                self.add("file", src_path, dst_path, size=st.st_size)
        return self.out

    def list_source(self, src_dir: str, *, is_item: bool = False) -> list[_Entry]:
        """The directory's entries; it is followed if a link only when it is the submitted item itself."""
        with self.run.source.open() as root, root.scandir(src_dir, follow_last=is_item) as entries:
            found = [
                _Entry(to_wire(e.name), e.is_dir(follow_symlinks=False), e.is_file(follow_symlinks=False),
                       e.is_symlink(), e.stat(follow_symlinks=False).st_size)
                for e in entries
                if not is_temporary(e.name)  # another task's copy or an upload in flight
            ]
        return sorted(found, key=lambda e: e.name)

    def walk(self, src_top: str, dst_top: str) -> None:
        src_path = src_top.rstrip("/") + "/"
        dst_path = dst_top.rstrip("/") + "/"
        self.add("dir", src_path, dst_path, is_dir=True)
        stack = [(src_path, dst_path)]
        while stack:
            self.run.guard()
            src_dir, dst_dir = stack.pop()
            try:
                entries = self.list_source(src_dir, is_item=src_dir == src_path)
            except OSError as exc:
                self.source_problem(exc, src_dir, dst_dir, True)
                continue
            kept: list[_Entry] = []
            for entry in entries:
                if entry.is_link:
                    self.run.bump(symlinks=1)
                    continue
                if not entry.is_dir and not entry.is_file:
                    continue  # sockets, fifos, devices: Globus does not move them
                if is_included(self.rules, entry.name, entry.is_dir):
                    kept.append(entry)
            if self.delete_extra:
                self.plan_extras(dst_dir, {e.name: e.is_dir for e in kept})
            children = []
            for entry in kept:
                s_g, d_g = _join(src_dir, entry.name, entry.is_dir), _join(dst_dir, entry.name, entry.is_dir)
                if entry.is_dir:
                    self.add("dir", s_g, d_g, is_dir=True)
                    children.append((s_g, d_g))
                else:
                    self.add("file", s_g, d_g, size=entry.size)
            stack.extend(reversed(children))  # depth first, in name order

    def plan_extras(self, dst_dir: str, source: dict[str, bool]) -> None:
        """Destination entries absent from the source (or of another type) are deleted.

        Entries a filter rule excludes are left alone: the user said not to touch them.
        A destination directory that is a link (or missing) has no extras.
        """
        try:
            with self.run.destination.open() as root, root.scandir(dst_dir, follow_last=False) as it:
                entries = sorted(
                    (to_wire(e.name), e.is_dir(follow_symlinks=False), e.is_symlink())
                    for e in it
                    if not is_temporary(e.name)  # in flight: not an extra to delete
                )
        except OSError:
            return  # no destination directory yet: nothing extra
        for name, is_dir, is_link in entries:
            if name in source and source[name] == is_dir and not is_link:
                continue
            if not is_included(self.rules, name, is_dir):
                continue
            self.add("extra", None, _join(dst_dir, name, is_dir), is_dir=is_dir)


class DeletePlanner:
    """Expands delete items bottom-up so each row is one unlink/rmdir."""

    def __init__(self, run: TaskRun) -> None:
        self.run = run
        self.recursive = bool(run.options.get("recursive"))
        self.ignore_missing = bool(run.options.get("ignore_missing"))
        self.globs = bool(run.options.get("interpret_globs"))
        self.seq = 0
        self.out: list[TaskFile] = []

    def add(self, kind: FileKind, path: str, is_dir: bool) -> None:
        self.seq += 1
        self.out.append(TaskFile(self.run.task_id, self.seq, kind, None, path, is_directory=is_dir))

    def targets(self, path: str) -> list[str]:
        name = path.rstrip("/").rsplit("/", 1)[-1]
        if not (self.globs and any(ch in name for ch in "*?[")):
            return [path]
        parent_g = path.rstrip("/").rsplit("/", 1)[0] + "/"
        try:
            with self.run.source.open() as root:
                names = sorted(n for n in map(to_wire, root.listdir(parent_g)) if fnmatch.fnmatchcase(n, name))
        except OSError:
            names = []
        return [_join(parent_g, n, False) for n in names]

    def rows(self) -> list[TaskFile]:
        for item in self.run.items:
            self.run.guard()
            found = self.targets(item["path"])
            if not found and not self.ignore_missing:
                self.missing(item["path"])
            for path in found:
                try:
                    with self.run.source.open() as root:
                        st = root.stat(path)
                except (FileNotFoundError, NotADirectoryError):
                    if self.ignore_missing:
                        continue
                    self.missing(path)
                except OSError as exc:
                    err = classify_os_error(exc, path, source_side=False)
                    self.run.event(err.code, err.details, is_error=True)
                    raise FatalTaskError(err.code, describe(err.code), err.details) from None
                if not stat.S_ISDIR(st.st_mode):
                    self.add("delete_file", path.rstrip("/"), False)
                    continue
                if not self.recursive:
                    details = f"{path} is a directory; submit the delete with recursive"
                    self.run.event("NOT_A_FILE", details, is_error=True)
                    raise FatalTaskError("NOT_A_FILE", describe("NOT_A_FILE"), details)
                self.add_tree(path.rstrip("/") + "/")
        return self.out

    def missing(self, path: str) -> None:
        details = f"{path} does not exist"
        self.run.event("FILE_NOT_FOUND", details, is_error=True)
        raise FatalTaskError("FILE_NOT_FOUND", describe("FILE_NOT_FOUND"), details)

    def add_tree(self, top_g: str) -> None:
        """Rows for a tree, deepest first; links (to directories too) are removed as links."""
        depth = len(split(top_g))
        with self.run.source.open() as root:
            for parts, _dirs, others in root.walk_bottom_up(top_g):
                base_g = top_g + "".join(to_wire(part) + "/" for part in parts[depth:])
                for name in others:
                    self.add("delete_file", base_g + to_wire(name), False)
                self.add("delete_dir", base_g, True)
