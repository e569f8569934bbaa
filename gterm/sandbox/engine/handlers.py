"""Per-row handlers: ``FileMover`` for the rows of a TRANSFER task, ``Deleter`` for a DELETE task.

Every file system access opens its collection's root and walks the row's
collection path beneath it at that moment (``gterm.sandbox.confined``): a
parent directory swapped for a link that points outside, while the task was
queued or running, is refused instead of followed. A file's copy is made in
the destination directory as it was opened for that copy: the temporary file,
its times and the final rename all go through that one descriptor.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from gterm.sandbox import temporaries
from gterm.sandbox.confined import Location, Root, RootSpec
from gterm.sandbox.engine.copying import OPEN_TEMPORARY, CopyResult, Fault, copy_file, hash_file
from gterm.sandbox.engine.errors import FileError, TaskAborted, classify_os_error, describe
from gterm.sandbox.sync import FileFacts, should_transfer
from gterm.sandbox.tasks_store import TaskFile

if TYPE_CHECKING:
    from gterm.sandbox.engine.task_run import TaskRun

MAX_ATTEMPTS = 10  # per file, for transient faults and checksum mismatches
QUOTA_RETRY_SECONDS = 0.5  # first wait after a full quota, growing by this much per retry...
QUOTA_RETRY_MAX_SECONDS = 10.0  # ...up to this; each retry records a QUOTA_EXCEEDED event


@contextmanager
def opened(spec: RootSpec, path: str, *, source_side: bool) -> Iterator[Root]:
    """The collection root for one operation on ``path``; any failure becomes that path's FileError."""
    try:
        with spec.open() as root:
            yield root
    except FileError:
        raise
    except OSError as exc:
        raise classify_os_error(exc, path, source_side=source_side) from exc


def _parent(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[0] + "/"


class FileMover:
    """Handles the rows of a TRANSFER task."""

    def __init__(self, run: TaskRun) -> None:
        self.run = run
        opts = run.options
        self.level: int | None = opts.get("sync_level")
        self.verify = bool(opts.get("verify_checksum"))
        self.preserve = bool(opts.get("preserve_timestamp"))
        self.fault_rate = float(run.engine.state.config.fault_rate or 0.0)
        self.random = random.Random()
        self.by_source = {item["source_path"]: item for item in run.items}
        self.known_dirs: set[str] = set()  # destination dirs made or seen by this run
        self.default_algorithm = next((i["checksum_algorithm"] for i in run.items if i.get("checksum_algorithm")), None)
        self.temporaries = temporaries.TaskTemporaries(run.engine.state, run.task_id)  # where copies may be left

    def handle(self, row: TaskFile) -> None:
        try:
            if row.kind == "dir":
                self.make_dir(row)
            elif row.kind == "extra":
                self.delete_extra(row)
            elif row.kind == "file":
                self.copy(row)
        except FileError as err:  # not retried: skipped (skip_source_errors) or fatal
            self.run.source_error(row.seq, err)

    def run_ended(self) -> None:
        """Every copy has ended (renamed into place or removed): what may be left is no longer recorded."""
        self.temporaries.run_ended()

    def done(self, seq: int) -> None:
        self.run.set_row(seq, "done")
        self.run.bump(subtasks_pending=-1, subtasks_succeeded=1)

    def make_dir(self, row: TaskFile) -> None:
        dst = row.destination_path
        with opened(self.run.destination, dst, source_side=False) as root:
            try:
                st = root.stat(dst)
            except FileNotFoundError:
                root.makedirs(dst)
                st = None
        if st is not None and not stat.S_ISDIR(st.st_mode):
            raise FileError("NOT_A_DIRECTORY", f"{dst} exists and is not a directory")
        self.known_dirs.add(dst.rstrip("/") + "/")
        self.done(row.seq)

    def delete_extra(self, row: TaskFile) -> None:
        with opened(self.run.destination, row.destination_path, source_side=False) as root:
            with contextlib.suppress(FileNotFoundError):
                root.remove_tree(row.destination_path)
        self.done(row.seq)

    def copy(self, row: TaskFile) -> None:
        """One file: decide, then attempt -> verify -> commit, retrying transient failures."""
        run, seq = self.run, row.seq
        assert row.source_path is not None  # file rows have a source
        item_opts = self.item_options(row)
        algorithm = (item_opts.get("checksum_algorithm") or "md5").lower()
        with opened(run.source, row.source_path, source_side=True) as root:
            src_st = root.stat(row.source_path, follow_last=self.is_item(row))
        if stat.S_ISLNK(src_st.st_mode):  # met inside a directory (or swapped in since planning): not followed
            run.bump(symlinks=1)
            self.done(seq)
            return
        if self.level is not None and not self.needs_copy(row, src_st, algorithm):
            run.set_row(seq, "skipped")
            run.bump(subtasks_pending=-1, subtasks_succeeded=1, files_skipped=1)
            return
        parent = _parent(row.destination_path)
        if parent not in self.known_dirs:
            with opened(run.destination, row.destination_path, source_side=False) as root:
                root.makedirs(parent)  # Globus creates missing parents of a file item
            self.known_dirs.add(parent)
        tmp = temporaries.copy_name(run.task_id, seq)
        external = item_opts.get("external_checksum")
        digest_algorithm = algorithm if self.verify or external else None
        failures = 0  # transient failures; waits for quota do not count (they last until the deadline)
        quota_waits = 0
        while True:
            retrying = failures + quota_waits > 0
            progress = _AttemptProgress(run)
            try:
                with self.destination_dir(row) as where:
                    self.temporaries.before_copy(where)
                    try:
                        result = self.attempt(row, where, tmp, src_st, digest_algorithm, progress)
                        self.verify_copy(row, result, src_st, external)
                        self.commit(row, where, tmp, src_st)
                        checksum = _checksum(digest_algorithm, result)
                    except BaseException:
                        self.temporaries.remove(where, tmp)
                        raise
            except FileError as err:
                progress.undo()
                wait_for_space = err.code == "QUOTA_EXCEEDED" and not run.options.get("fail_on_quota_errors")
                if wait_for_space:
                    quota_waits += 1
                else:
                    failures += 1
                if not wait_for_space and (not err.transient or failures >= MAX_ATTEMPTS):
                    if retrying:
                        run.bump(subtasks_retrying=-1)
                    run.source_error(seq, err)  # with fail_on_quota_errors, a full quota fails the task at once
                    return
                run.bump(faults=1, subtasks_retrying=0 if retrying else 1)
                run.nice = (err.code, err.details, describe(err.code))
                run.event(err.code, err.details, is_error=True)
                if wait_for_space:
                    self.wait_for_space(quota_waits)
                else:
                    self.backoff(failures)
                continue
            except BaseException as stopped:
                if not (isinstance(stopped, TaskAborted) and stopped.reason in KEEP_BYTES_ABORTS):
                    progress.undo()  # the file is copied again when the task carries on
                if retrying:
                    run.bump(subtasks_retrying=-1)
                raise
            if retrying:
                run.bump(subtasks_retrying=-1)
                run.nice = ("OK", None, None)
            run.set_row(seq, "done", checksum=checksum)
            run.bump(subtasks_pending=-1, subtasks_succeeded=1, files_transferred=1)
            return

    @contextmanager
    def destination_dir(self, row: TaskFile) -> Iterator[Location]:
        """The destination's directory, opened beneath the root now, and the file's name in it."""
        with opened(self.run.destination, row.destination_path, source_side=False) as root:
            where = root.locate(row.destination_path)
        with where:
            if where.name is None:
                raise FileError("NOT_A_FILE", "The collection root is not a file")
            yield where

    def attempt(self, row: TaskFile, where: Location, tmp: str, src_st: os.stat_result, algorithm: str | None,
                progress: _AttemptProgress) -> CopyResult:
        """Copy the source (opened now, beneath its root) to the temporary name in the destination directory."""
        assert row.source_path is not None
        fault = None
        if self.fault_rate and self.random.random() < self.fault_rate:
            size = max(src_st.st_size, 1)
            fault = Fault(at_byte=self.random.randrange(size), corrupt=self.verify and self.random.random() < 0.5)
        with opened(self.run.source, row.source_path, source_side=True) as root:
            src_fd = root.open_file(row.source_path, os.O_RDONLY, follow_last=self.is_item(row))
        try:
            try:
                dst_fd = os.open(tmp, OPEN_TEMPORARY, 0o644, dir_fd=where.dir_fd)
            except OSError as exc:
                raise classify_os_error(exc, row.destination_path, source_side=False) from exc
            try:
                return copy_file(
                    src_fd, dst_fd, algorithm=algorithm, verify=self.verify, throttle=self.run.throttle,
                    fault=fault, guard=self.run.guard, progress=progress,
                    source=row.source_path, destination=row.destination_path,
                )
            finally:
                os.close(dst_fd)
        finally:
            os.close(src_fd)

    def verify_copy(self, row: TaskFile, result: CopyResult, src_st: os.stat_result, external: Any) -> None:
        """Destination digest against the source's (transient: retried), source against external_checksum."""
        if self.verify:
            self.run.bump(bytes_checksummed=src_st.st_size)
            if result.source_digest != result.destination_digest:
                raise FileError(
                    "CHECKSUM_MISMATCH",
                    f"Checksum mismatch for {row.destination_path}: source {result.source_digest},"
                    f" destination {result.destination_digest}; retrying",
                    transient=True,
                )
        if external and result.source_digest != str(external).lower():
            raise FileError("CHECKSUM_MISMATCH",
                            f"{row.source_path}: checksum {result.source_digest} != external {external}",
                            source_side=True)

    def commit(self, row: TaskFile, where: Location, tmp: str, src_st: os.stat_result) -> None:
        """Set times and rename the verified copy to its final name in the same directory (never half a file)."""
        assert where.name is not None
        try:
            if self.preserve:
                os.utime(tmp, ns=(src_st.st_atime_ns, src_st.st_mtime_ns), dir_fd=where.dir_fd,
                         follow_symlinks=False)
            os.replace(tmp, where.name, src_dir_fd=where.dir_fd, dst_dir_fd=where.dir_fd)
        except OSError as exc:
            raise classify_os_error(exc, row.destination_path, source_side=False) from exc

    def is_item(self, row: TaskFile) -> bool:
        """The row is a file submitted as an item: a link there is followed (as Globus does), inside the root."""
        return row.source_path in self.by_source

    def item_options(self, row: TaskFile) -> dict[str, Any]:
        """Per-item checksum settings (external_checksum applies to file items only)."""
        item = self.by_source.get(row.source_path or "")
        if item is not None and not item.get("is_dir"):
            return item
        return {"checksum_algorithm": self.default_algorithm}

    def wait_for_space(self, waits: int) -> None:
        """Back off before retrying a copy that hit a full quota (Globus retries until the deadline)."""
        self._pause(min(QUOTA_RETRY_SECONDS * waits, QUOTA_RETRY_MAX_SECONDS))

    def backoff(self, attempt: int) -> None:
        self._pause(min(0.05 * attempt, 0.5))

    def _pause(self, seconds: float) -> None:
        """Wait, still honouring cancel, deadline and stop (the guard raises TaskAborted)."""
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            self.run.guard()
            time.sleep(0.02)

    def needs_copy(self, row: TaskFile, src_st: os.stat_result, algorithm: str) -> bool:
        assert row.source_path is not None
        try:
            with self.run.destination.open() as root:
                dst_st = root.stat(row.destination_path)
        except OSError:
            return True  # missing (or unreachable: the copy reports why)
        if not stat.S_ISREG(dst_st.st_mode):
            return True  # a dir or link in the way: the copy reports the conflict

        def checksums_equal() -> bool:
            a = self.digest(self.run.source, row.source_path or "", algorithm, source_side=True,
                            follow_last=self.is_item(row))
            b = self.digest(self.run.destination, row.destination_path, algorithm, source_side=False)
            self.run.bump(bytes_checksummed=src_st.st_size + dst_st.st_size)
            return a == b

        return should_transfer(
            self.level,
            FileFacts(src_st.st_size, src_st.st_mtime),
            FileFacts(dst_st.st_size, dst_st.st_mtime),
            checksums_equal,
        )

    def digest(self, spec: RootSpec, path: str, algorithm: str, *, source_side: bool,
               follow_last: bool = False) -> str:
        with opened(spec, path, source_side=source_side) as root:
            fd = root.open_file(path, os.O_RDONLY, follow_last=follow_last)
        try:
            return hash_file(fd, algorithm, self.run.guard)
        finally:
            os.close(fd)


def _checksum(algorithm: str | None, result: CopyResult) -> tuple[str, str] | None:
    """(algorithm as Transfer names it, digest) of a copy whose checksum was verified, else None."""
    if algorithm is None or result.source_digest is None:
        return None
    return algorithm.upper(), result.source_digest


class Deleter:
    """Handles the rows of a DELETE task."""

    def __init__(self, run: TaskRun) -> None:
        self.run = run

    def handle(self, row: TaskFile) -> None:
        path = row.destination_path
        try:
            with opened(self.run.source, path, source_side=False) as root:
                try:
                    if row.kind == "delete_dir":
                        try:
                            root.rmdir(path)
                        except OSError as exc:
                            if exc.errno != errno.ENOTEMPTY:
                                raise
                            root.remove_tree(path)  # something appeared meanwhile
                    else:
                        root.unlink(path)
                except FileNotFoundError:
                    pass
        except FileError as err:
            self.run.source_error(row.seq, err)
            return
        self.run.set_row(row.seq, "done")
        self.run.bump(subtasks_pending=-1, subtasks_succeeded=1)


# A task that ends mid-file (cancelled, past its deadline) keeps the bytes that moved in its
# bytes_transferred, as Globus reports them. So does a pause: the interrupted file is sent again
# from its start on resume, and Globus counts the re-sent bytes too. A sandbox stop takes them back
# (the task goes on after the restart as if the stop had not happened).
KEEP_BYTES_ABORTS = frozenset({"cancel", "deadline", "pause"})


class _AttemptProgress:
    """Bytes one copy attempt moved: counted into the task as they move, taken back if it fails."""

    def __init__(self, run: TaskRun) -> None:
        self.run = run
        self.moved = 0

    def __call__(self, n: int) -> None:
        self.moved += n
        self.run.bump(bytes_transferred=n)

    def undo(self) -> None:
        self.run.bump(bytes_transferred=-self.moved)
        self.moved = 0
