"""Planning: expand a task's submitted items into ``task_files`` rows, once, before any copy."""

from __future__ import annotations

import fnmatch
import os
import stat
import time
from typing import TYPE_CHECKING, Any

from gterm.sandbox.engine.errors import FatalTaskError, FileError, classify_os_error, describe
from gterm.sandbox.sync import is_included, parse_filter_rules
from gterm.sandbox.tasks_store import FileKind, FileState, TaskFile

if TYPE_CHECKING:
    from gterm.sandbox.engine.task_run import TaskRun

def _join(base: str, name: str, is_dir: bool) -> str:
    path = base.rstrip("/") + "/" + name
    return path + "/" if is_dir else path


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

    def add(self, kind: FileKind, src_path: str | None, dst_path: str, src_fs: str | None,
            dst_fs: str, size: int = 0, state: FileState = "pending", code: str | None = None,
            details: str | None = None, is_dir: bool = False) -> None:
        self.seq += 1
        self.out.append(TaskFile(self.task_id, self.seq, kind, src_path, dst_path, src_fs, dst_fs, size, state,
                                 code, details, time.time() if code else None, is_dir))

    def source_problem(self, exc: OSError, item: dict[str, Any], is_dir: bool) -> None:
        err = classify_os_error(exc, item["source_path"], source_side=True)
        self.run.event(err.code, err.details, is_error=True)
        if not self.skip_errors:
            raise FatalTaskError(err.code, describe(err.code), err.details)
        self.add("file", item["source_path"], item["destination_path"], item["src_fs"], item["dst_fs"],
                 state="skipped_error", code=err.code, details=err.details, is_dir=is_dir)

    def rows(self) -> list[TaskFile]:
        for item in self.run.items:
            self.run.guard()
            try:
                st = os.lstat(item["src_fs"])
            except OSError as exc:
                self.source_problem(exc, item, False)
                continue
            if stat.S_ISLNK(st.st_mode):
                self.run.bump(symlinks=1)
                continue
            if stat.S_ISDIR(st.st_mode):
                if item.get("recursive") is False:
                    err = FileError("NOT_A_FILE", f"{item['source_path']} is a directory; submit it with recursive",
                                    source_side=True)
                    self.run.event(err.code, err.details, is_error=True)
                    raise FatalTaskError(err.code, describe(err.code), err.details)
                self.walk(item)
            elif stat.S_ISREG(st.st_mode):
                self.add("file", item["source_path"], item["destination_path"], item["src_fs"], item["dst_fs"],
                         size=st.st_size)
        return self.out

    def walk(self, item: dict[str, Any]) -> None:
        src_top, dst_top = item["src_fs"], item["dst_fs"]
        src_path = item["source_path"].rstrip("/") + "/"
        dst_path = item["destination_path"].rstrip("/") + "/"
        self.add("dir", src_path, dst_path, src_top, dst_top, is_dir=True)
        stack = [(src_top, dst_top, src_path, dst_path)]
        while stack:
            self.run.guard()
            src_dir, dst_dir, src_g, dst_g = stack.pop()
            try:
                with os.scandir(src_dir) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.source_problem(exc, {"src_fs": src_dir, "dst_fs": dst_dir, "source_path": src_g,
                                          "destination_path": dst_g}, True)
                continue
            kept: list[tuple[os.DirEntry[str], bool]] = []
            for entry in entries:
                if entry.is_symlink():
                    self.run.bump(symlinks=1)
                    continue
                is_dir = entry.is_dir(follow_symlinks=False)
                if not is_dir and not entry.is_file(follow_symlinks=False):
                    continue  # sockets, fifos, devices: Globus does not move them
                if is_included(self.rules, entry.name, is_dir):
                    kept.append((entry, is_dir))
            if self.delete_extra:
                self.plan_extras(dst_dir, dst_g, {e.name: d for e, d in kept})
            children = []
            for entry, is_dir in kept:
                s_fs = os.path.join(src_dir, entry.name)
                d_fs = os.path.join(dst_dir, entry.name)
                s_g, d_g = _join(src_g, entry.name, is_dir), _join(dst_g, entry.name, is_dir)
                if is_dir:
                    self.add("dir", s_g, d_g, s_fs, d_fs, is_dir=True)
                    children.append((s_fs, d_fs, s_g, d_g))
                else:
                    self.add("file", s_g, d_g, s_fs, d_fs, size=entry.stat(follow_symlinks=False).st_size)
            stack.extend(reversed(children))  # depth first, in name order

    def plan_extras(self, dst_dir: str, dst_g: str, source: dict[str, bool]) -> None:
        """Destination entries absent from the source (or of another type) are deleted.

        Entries a filter rule excludes are left alone: the user said not to touch them.
        """
        try:
            if stat.S_ISLNK(os.lstat(dst_dir).st_mode):
                return
            with os.scandir(dst_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return  # no destination directory yet: nothing extra
        for entry in entries:
            is_dir = entry.is_dir(follow_symlinks=False)
            if entry.name in source and source[entry.name] == is_dir and not entry.is_symlink():
                continue
            if not is_included(self.rules, entry.name, is_dir):
                continue
            self.add("extra", None, _join(dst_g, entry.name, is_dir), None, os.path.join(dst_dir, entry.name),
                     is_dir=is_dir)


class DeletePlanner:
    """Expands delete items bottom-up so each row is one unlink/rmdir."""

    def __init__(self, run: TaskRun) -> None:
        self.run = run
        self.recursive = bool(run.options.get("recursive"))
        self.ignore_missing = bool(run.options.get("ignore_missing"))
        self.globs = bool(run.options.get("interpret_globs"))
        self.seq = 0
        self.out: list[TaskFile] = []

    def add(self, kind: FileKind, path: str, fs: str, is_dir: bool) -> None:
        self.seq += 1
        self.out.append(TaskFile(self.run.task_id, self.seq, kind, None, path, None, fs, is_directory=is_dir))

    def targets(self, item: dict[str, Any]) -> list[tuple[str, str]]:
        path, fs = item["path"], item["fs"]
        name = os.path.basename(fs.rstrip("/"))
        if not (self.globs and any(ch in name for ch in "*?[")):
            return [(path, fs)]
        parent_fs = os.path.dirname(fs.rstrip("/"))
        parent_g = path.rstrip("/").rsplit("/", 1)[0] + "/"
        try:
            names = sorted(n for n in os.listdir(parent_fs) if fnmatch.fnmatchcase(n, name))
        except OSError:
            names = []
        return [(_join(parent_g, n, False), os.path.join(parent_fs, n)) for n in names]

    def rows(self) -> list[TaskFile]:
        for item in self.run.items:
            self.run.guard()
            found = self.targets(item)
            if not found and not self.ignore_missing:
                self.missing(item["path"])
            for path, fs in found:
                try:
                    st = os.lstat(fs)
                except FileNotFoundError:
                    if self.ignore_missing:
                        continue
                    self.missing(path)
                if not stat.S_ISDIR(st.st_mode):
                    self.add("delete_file", path.rstrip("/"), fs, False)
                    continue
                if not self.recursive:
                    details = f"{path} is a directory; submit the delete with recursive"
                    self.run.event("NOT_A_FILE", details, is_error=True)
                    raise FatalTaskError("NOT_A_FILE", describe("NOT_A_FILE"), details)
                self.add_tree(path.rstrip("/") + "/", fs)
        return self.out

    def missing(self, path: str) -> None:
        details = f"{path} does not exist"
        self.run.event("FILE_NOT_FOUND", details, is_error=True)
        raise FatalTaskError("FILE_NOT_FOUND", describe("FILE_NOT_FOUND"), details)

    def add_tree(self, top_g: str, top_fs: str) -> None:
        for dirpath, dirnames, filenames in os.walk(top_fs, topdown=False):
            rel = os.path.relpath(dirpath, top_fs)
            base_g = top_g if rel == "." else top_g + rel.replace(os.sep, "/") + "/"
            for name in sorted(filenames):
                self.add("delete_file", base_g + name, os.path.join(dirpath, name), False)
            for name in sorted(dirnames):
                full = os.path.join(dirpath, name)
                if os.path.islink(full):  # os.walk lists dir symlinks as dirs but never enters them
                    self.add("delete_file", base_g + name, full, False)
            self.add("delete_dir", base_g, dirpath, True)

