"""Per-row handlers: ``FileMover`` for the rows of a TRANSFER task, ``Deleter`` for a DELETE task."""

from __future__ import annotations

import errno
import os
import random
import shutil
import stat
import time
from typing import TYPE_CHECKING, Any

from gterm.sandbox.engine.copying import CopyResult, Fault, copy_file, hash_file, remove_quietly, remove_tree
from gterm.sandbox.engine.errors import FileError, TaskAborted, classify_os_error, describe
from gterm.sandbox.sync import FileFacts, should_transfer
from gterm.sandbox.tasks_store import TaskFile

if TYPE_CHECKING:
    from gterm.sandbox.engine.task_run import TaskRun

MAX_ATTEMPTS = 10  # per file, for transient faults and checksum mismatches
QUOTA_RETRY_SECONDS = 0.5  # first wait after a full quota, growing by this much per retry...
QUOTA_RETRY_MAX_SECONDS = 10.0  # ...up to this; each retry records a QUOTA_EXCEEDED event

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

    def handle(self, row: TaskFile) -> None:
        kind = row.kind
        if kind == "dir":
            self.make_dir(row)
        elif kind == "extra":
            self.delete_extra(row)
        elif kind == "file":
            self.copy(row)

    def done(self, seq: int) -> None:
        self.run.set_row(seq, "done")
        self.run.bump(subtasks_pending=-1, subtasks_succeeded=1)

    def make_dir(self, row: TaskFile) -> None:
        dst = row.dst_fs
        try:
            st = os.lstat(dst)
        except FileNotFoundError:
            try:
                os.makedirs(dst, exist_ok=True)
            except OSError as exc:
                self.run.source_error(row.seq, classify_os_error(exc, row.destination_path, source_side=False))
                return
            self.known_dirs.add(dst)
            self.done(row.seq)
            return
        if not stat.S_ISDIR(st.st_mode):
            err = FileError("NOT_A_DIRECTORY", f"{row.destination_path} exists and is not a directory")
            self.run.source_error(row.seq, err)
            return
        self.known_dirs.add(dst)
        self.done(row.seq)

    def delete_extra(self, row: TaskFile) -> None:
        try:
            remove_tree(row.dst_fs)
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.run.source_error(row.seq, classify_os_error(exc, row.destination_path, source_side=False))
            return
        self.done(row.seq)

    def copy(self, row: TaskFile) -> None:
        """One file: decide, then attempt -> verify -> commit, retrying transient failures."""
        run, seq = self.run, row.seq
        assert row.src_fs is not None and row.source_path is not None  # file rows have a source
        item_opts = self.item_options(row)
        algorithm = (item_opts.get("checksum_algorithm") or "md5").lower()
        try:
            src_st = os.lstat(row.src_fs)
        except OSError as exc:
            run.source_error(seq, classify_os_error(exc, row.source_path, source_side=True))
            return
        if stat.S_ISLNK(src_st.st_mode):
            run.bump(symlinks=1)
            self.done(seq)
            return
        if self.level is not None and not self.needs_copy(row.src_fs, row.dst_fs, src_st, algorithm):
            run.set_row(seq, "skipped")
            run.bump(subtasks_pending=-1, subtasks_succeeded=1, files_skipped=1)
            return
        parent = os.path.dirname(row.dst_fs)
        if parent not in self.known_dirs:
            try:
                os.makedirs(parent, exist_ok=True)  # Globus creates missing parents of a file item
            except OSError as exc:
                run.source_error(seq, classify_os_error(exc, row.destination_path, source_side=False))
                return
            self.known_dirs.add(parent)
        tmp = os.path.join(parent, f".gterm-{run.task_id[:8]}-{seq}.part")
        external = item_opts.get("external_checksum")
        digest_algorithm = algorithm if self.verify or external else None
        failures = 0  # transient failures; waits for quota do not count (they last until the deadline)
        quota_waits = 0
        while True:
            retrying = failures + quota_waits > 0
            progress = _AttemptProgress(run)
            try:
                result = self.attempt(row, tmp, src_st, digest_algorithm, progress)
                self.verify_copy(row, result, src_st, external)
                self.commit(row, tmp, src_st)
            except FileError as err:
                remove_quietly(tmp)
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
                remove_quietly(tmp)
                if not (isinstance(stopped, TaskAborted) and stopped.reason in ENDING_ABORTS):
                    progress.undo()  # the file is copied again when the task carries on
                if retrying:
                    run.bump(subtasks_retrying=-1)
                raise
            if retrying:
                run.bump(subtasks_retrying=-1)
                run.nice = ("OK", None, None)
            run.set_row(seq, "done")
            run.bump(subtasks_pending=-1, subtasks_succeeded=1, files_transferred=1)
            return

    def attempt(self, row: TaskFile, tmp: str, src_st: os.stat_result, algorithm: str | None,
                progress: _AttemptProgress) -> CopyResult:
        """Copy the source to the temporary name (with an injected fault when --fault-rate says so)."""
        assert row.src_fs is not None and row.source_path is not None
        fault = None
        if self.fault_rate and self.random.random() < self.fault_rate:
            size = max(src_st.st_size, 1)
            fault = Fault(at_byte=self.random.randrange(size), corrupt=self.verify and self.random.random() < 0.5)
        try:
            return copy_file(
                row.src_fs, tmp, algorithm=algorithm, verify=self.verify,
                throttle=self.run.throttle, fault=fault, guard=self.run.guard, progress=progress,
            )
        except FileError as err:  # the copy primitives know host paths only: retell in collection paths
            raise err.at(row.source_path if err.source_side else row.destination_path) from None

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

    def commit(self, row: TaskFile, tmp: str, src_st: os.stat_result) -> None:
        """Set times and move the verified copy under its final name (atomically: never half a file)."""
        if self.preserve:
            os.utime(tmp, ns=(src_st.st_atime_ns, src_st.st_mtime_ns), follow_symlinks=False)
        try:
            os.replace(tmp, row.dst_fs)
        except OSError as exc:
            raise classify_os_error(exc, row.destination_path, source_side=False) from exc

    def item_options(self, row: TaskFile) -> dict[str, Any]:
        """Per-item checksum settings (external_checksum applies to file items only)."""
        item = self.by_source.get(row.source_path)
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

    def needs_copy(self, src: str, dst: str, src_st: os.stat_result, algorithm: str) -> bool:
        try:
            dst_st = os.lstat(dst)
        except FileNotFoundError:
            return True
        except OSError:
            return True
        if not stat.S_ISREG(dst_st.st_mode):
            return True  # a dir or link in the way: the copy reports the conflict

        def checksums_equal() -> bool:
            a = hash_file(src, algorithm, self.run.guard)
            b = hash_file(dst, algorithm, self.run.guard)
            self.run.bump(bytes_checksummed=src_st.st_size + dst_st.st_size)
            return a == b

        return should_transfer(
            self.level,
            FileFacts(src_st.st_size, src_st.st_mtime),
            FileFacts(dst_st.st_size, dst_st.st_mtime),
            checksums_equal,
        )


class Deleter:
    """Handles the rows of a DELETE task."""

    def __init__(self, run: TaskRun) -> None:
        self.run = run

    def handle(self, row: TaskFile) -> None:
        try:
            if row.kind == "delete_dir":
                try:
                    os.rmdir(row.dst_fs)
                except OSError as exc:
                    if exc.errno != errno.ENOTEMPTY:
                        raise
                    shutil.rmtree(row.dst_fs)  # something appeared meanwhile
            else:
                os.unlink(row.dst_fs)
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.run.source_error(row.seq, classify_os_error(exc, row.destination_path, source_side=False))
            return
        self.run.set_row(row.seq, "done")
        self.run.bump(subtasks_pending=-1, subtasks_succeeded=1)



# A task that ends mid-file (cancelled, past its deadline) keeps the bytes that moved in its
# bytes_transferred, as Globus reports them; a stop or pause that resumes later takes them back.
ENDING_ABORTS = frozenset({"cancel", "deadline"})


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
