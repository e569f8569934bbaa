"""The task runner: really copies and deletes files for Transfer tasks.

Shape
-----
``Engine`` owns a few worker threads (bounded concurrency) fed by a queue of
task ids, plus a monitor thread that expires queued tasks past their deadline.
Each worker runs one ``TaskRun`` at a time:

1. plan   -- expand the submitted items into ``task_files`` rows (directories,
             files, destination extras to delete) once, in one transaction;
2. execute-- walk the pending rows in order; per file: sync-level decision,
             copy to a temporary name in the destination directory, verify,
             set times, ``os.replace`` into place;
3. finish -- SUCCEEDED / FAILED with events and a fatal_error.

Progress (counters and row states) is flushed to SQLite at most every half a
second, so a reader sees live numbers and a restart loses at most that much
bookkeeping: rows still ``pending`` after a restart are simply done again, and
because files only ever appear under their final name via ``os.replace`` a
redo can never expose a half-written file.

Copying
-------
Without checksums, throttling or fault injection the kernel copies
(``copy_file_range``, like coreutils ``cp``), in 64 MiB steps so cancel and
progress stay responsive. Otherwise data goes through 1 MiB buffers: the copy
loop hashes the source from the very buffer it writes (one read of the
source) and, for ``verify_checksum``, a second thread reads every written
chunk back from the destination file and hashes it -- the "read the
destination again" check Globus does, overlapped with the copy instead of
after it (hashlib releases the GIL, so both digests run at once). Up to four
files of a task are copied at the same time. See tests/perf/copy_vs_cp.py.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import json
import logging
import os
import queue
import random
import shutil
import stat
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from gterm.sandbox import tasks_store
from gterm.sandbox.state import SandboxState
from gterm.sandbox.sync import FileFacts, is_included, parse_filter_rules, should_transfer

log = logging.getLogger(__name__)

WORKERS = 4
CHUNK = 1 << 20  # buffered copies and hashing (see _buffered_copy)
SMALL_FILE = 1 << 20  # at or below: copied in one go, without helper threads
KERNEL_STEP = 64 << 20  # one copy_file_range call; bounds the time between abort checks
FLUSH_SECONDS = 0.5
PROGRESS_EVENT_SECONDS = 10.0
MAX_ATTEMPTS = 10  # per file, for transient faults and checksum mismatches
FILE_CONCURRENCY = 4  # files in flight per task (Globus "concurrency"); syscalls overlap, cp -r has one

_OPEN_SRC = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
_OPEN_TMP = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC


# ---------------------------------------------------------------- errors


class TaskAborted(Exception):
    """Raised by the guard between chunks: reason is cancel, deadline or stop."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FileError(Exception):
    """A per-file failure with a Globus event code; ``transient`` ones are retried."""

    def __init__(self, code: str, details: str, *, source_side: bool = False, transient: bool = False) -> None:
        super().__init__(details)
        self.code = code
        self.details = details
        self.source_side = source_side
        self.transient = transient


class FatalTaskError(Exception):
    def __init__(self, code: str, description: str, details: str = "") -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.details = details


_DESCRIPTIONS = {
    "FILE_NOT_FOUND": "file not found",
    "PERMISSION_DENIED": "permission denied",
    "CHECKSUM_MISMATCH": "checksum verification failed",
    "CONNECTION_RESET": "connection reset",
    "QUOTA_EXCEEDED": "quota exceeded",
    "NOT_A_FILE": "not a file",
    "NOT_A_DIRECTORY": "not a directory",
    "ENDPOINT_ERROR": "endpoint error",
}


def describe(code: str) -> str:
    return _DESCRIPTIONS.get(code, code.lower().replace("_", " "))


def classify_os_error(exc: OSError, path: str, *, source_side: bool) -> FileError:
    """Map an OSError to the Globus event code a GridFTP server would report."""
    code = {
        errno.ENOENT: "FILE_NOT_FOUND",
        errno.EACCES: "PERMISSION_DENIED",
        errno.EPERM: "PERMISSION_DENIED",
        errno.ELOOP: "PERMISSION_DENIED",  # O_NOFOLLOW met a symlink
        errno.ENOSPC: "QUOTA_EXCEEDED",
        errno.EDQUOT: "QUOTA_EXCEEDED",
        errno.EISDIR: "NOT_A_FILE",
        errno.ENOTDIR: "NOT_A_DIRECTORY",
    }.get(exc.errno or 0, "ENDPOINT_ERROR")
    side = "source" if source_side else "destination"
    details = f"Error on {side} path {path}: {exc.strerror or exc}"
    return FileError(code, details, source_side=source_side)


# ---------------------------------------------------------------- copying


Guard = Callable[[], None]


class Throttle:
    """Caps a task's bytes per second (sandbox ``--slow``); sleeps in short slices."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.started = time.monotonic()
        self.sent = 0

    def chunk_size(self) -> int:
        return max(16 << 10, min(CHUNK, self.rate // 10))

    def wait(self, n: int, guard: Guard) -> None:
        self.sent += n
        target = self.started + self.sent / self.rate
        while (delay := target - time.monotonic()) > 0:
            guard()
            time.sleep(min(delay, 0.05))


@dataclass
class Fault:
    """An injected transient failure: after ``at_byte`` bytes, fail or corrupt."""

    at_byte: int
    corrupt: bool  # flip a byte in the destination: only checksum verification catches it


class _ReadBack:
    """Verifies a destination by reading each written chunk back from the file and hashing it.

    Runs on its own thread next to the copy loop (which hashes the source from
    the very buffer it writes), so source and destination digests are computed
    on two cores at once; hashlib releases the GIL while hashing.
    """

    def __init__(self, path: str, algorithm: str, chunk: int) -> None:
        self.digest = hashlib.new(algorithm)
        self._fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        self._view = memoryview(bytearray(chunk))
        self._queue: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="gterm-verify", daemon=True)
        self._thread.start()

    def written(self, offset: int, length: int) -> None:
        self._queue.put((offset, length))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue
            offset, length = item
            try:
                while length > 0:
                    view = self._view[: min(length, len(self._view))]
                    n = os.preadv(self._fd, [view], offset)
                    if n <= 0:
                        raise OSError(errno.EIO, "short read verifying the destination")
                    self.digest.update(view[:n])
                    offset += n
                    length -= n
            except BaseException as exc:  # noqa: BLE001 - reported by finish()
                self._error = exc

    def finish(self) -> str:
        self.close()
        if self._error is not None:
            raise self._error
        return self.digest.hexdigest()

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
            os.close(self._fd)

@dataclass
class CopyResult:
    source_digest: str | None
    destination_digest: str | None


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        n = os.write(fd, data)
        data = data[n:]


def copy_file(
    src_fs: str,
    tmp_fs: str,
    *,
    algorithm: str | None,
    verify: bool,
    throttle: Throttle | None,
    fault: Fault | None,
    guard: Guard,
    progress: Callable[[int], None],
) -> CopyResult:
    """Copy src to tmp (created/truncated, never through a symlink).

    ``algorithm`` set: digest of the source as read. ``verify``: also a
    digest of the destination as read back from disk.
    """
    try:
        src_fd = os.open(src_fs, _OPEN_SRC)
    except OSError as exc:
        raise classify_os_error(exc, src_fs, source_side=True) from exc
    try:
        st = os.fstat(src_fd)
        if not stat.S_ISREG(st.st_mode):
            raise FileError("NOT_A_FILE", f"{src_fs} is not a regular file", source_side=True)
        try:
            dst_fd = os.open(tmp_fs, _OPEN_TMP, 0o644)
        except OSError as exc:
            raise classify_os_error(exc, tmp_fs, source_side=False) from exc
        try:
            if algorithm is None and not verify and throttle is None and fault is None:
                _kernel_copy(src_fd, dst_fd, st.st_size, guard, progress)
                return CopyResult(None, None)
            if st.st_size <= SMALL_FILE and throttle is None:
                return _small_copy(src_fd, dst_fd, tmp_fs, st.st_size, algorithm=algorithm or "md5",
                                   verify=verify, fault=fault, progress=progress)
            return _buffered_copy(
                src_fd, dst_fd, tmp_fs, algorithm=algorithm or "md5", verify=verify,
                throttle=throttle, fault=fault, guard=guard, progress=progress,
            )
        finally:
            os.close(dst_fd)
    finally:
        os.close(src_fd)


def _small_copy(
    src_fd: int,
    dst_fd: int,
    tmp_fs: str,
    size: int,
    *,
    algorithm: str,
    verify: bool,
    fault: Fault | None,
    progress: Callable[[int], None],
) -> CopyResult:
    """Whole-file copy for small files: no helper threads, one buffer (most files are small)."""
    chunks = []
    while True:
        try:
            data = os.read(src_fd, max(size, 1 << 16) + 1)
        except OSError as exc:
            raise classify_os_error(exc, "(source)", source_side=True) from exc
        if not data:
            break
        chunks.append(data)
    data = b"".join(chunks)
    written = data
    if fault is not None:
        if not fault.corrupt or not data:
            raise FileError("CONNECTION_RESET",
                            f"Injected transient fault after {min(fault.at_byte, len(data))} bytes"
                            " (sandbox --fault-rate)", transient=True)
        bad = bytearray(data)
        bad[min(fault.at_byte, len(data) - 1)] ^= 0xFF
        written = bytes(bad)
    try:
        _write_all(dst_fd, memoryview(written))
    except OSError as exc:
        raise classify_os_error(exc, tmp_fs, source_side=False) from exc
    progress(len(data))
    source_digest = hashlib.new(algorithm, data).hexdigest()
    destination_digest = None
    if verify:
        reader = os.open(tmp_fs, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            back = os.pread(reader, len(written) + 1, 0)  # read the destination back, as Globus does
        finally:
            os.close(reader)
        destination_digest = hashlib.new(algorithm, back).hexdigest()
    return CopyResult(source_digest, destination_digest)


def _kernel_copy(src_fd: int, dst_fd: int, size: int, guard: Guard, progress: Callable[[int], None]) -> None:
    """Copy ``size`` bytes (the size at open: a file growing meanwhile is copied as it was)."""
    use_cfr = hasattr(os, "copy_file_range")
    copied = 0
    while copied < size:
        if copied:
            guard()
        try:
            if use_cfr:
                n = os.copy_file_range(src_fd, dst_fd, min(KERNEL_STEP, size - copied))
            else:
                n = os.sendfile(dst_fd, src_fd, None, min(KERNEL_STEP, size - copied))
        except OSError as exc:
            if exc.errno in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP) and use_cfr:
                use_cfr = False  # e.g. across filesystems on old kernels: sendfile still avoids userspace
                continue
            raise classify_os_error(exc, "(copy)", source_side=False) from exc
        if n == 0:
            return  # the file shrank while being copied
        copied += n
        progress(n)


def _buffered_copy(
    src_fd: int,
    dst_fd: int,
    tmp_fs: str,
    *,
    algorithm: str,
    verify: bool,
    throttle: Throttle | None,
    fault: Fault | None,
    guard: Guard,
    progress: Callable[[int], None],
) -> CopyResult:
    # 1 MiB chunks: the chunk is hashed and written while still in the CPU cache
    # (4 MiB chunks measured ~25% more CPU on the reference VM).
    chunk = throttle.chunk_size() if throttle else CHUNK
    source_digest = hashlib.new(algorithm)
    readback = _ReadBack(tmp_fs, algorithm, chunk) if verify else None
    view = memoryview(bytearray(chunk))
    offset = 0
    try:
        while True:
            guard()
            try:
                n = os.readv(src_fd, [view])
            except OSError as exc:
                raise classify_os_error(exc, "(source)", source_side=True) from exc
            if n == 0:
                break
            data = view[:n]
            source_digest.update(data)
            if fault is not None and offset + n > fault.at_byte:
                if not fault.corrupt:
                    raise FileError(
                        "CONNECTION_RESET",
                        f"Injected transient fault after {offset} bytes (sandbox --fault-rate)",
                        transient=True,
                    )
                bad = bytearray(data)
                bad[fault.at_byte - offset] ^= 0xFF  # only verification can notice
                data = memoryview(bad)
                fault = None
            try:
                _write_all(dst_fd, data)
            except OSError as exc:
                raise classify_os_error(exc, tmp_fs, source_side=False) from exc
            if readback is not None:
                readback.written(offset, n)
            offset += n
            progress(n)
            if throttle is not None:
                throttle.wait(n, guard)
        if fault is not None:  # an empty file still gets its injected fault
            raise FileError("CONNECTION_RESET", "Injected transient fault (sandbox --fault-rate)", transient=True)
        return CopyResult(source_digest.hexdigest(), readback.finish() if readback is not None else None)
    finally:
        if readback is not None:
            readback.close()

def hash_file(path: str, algorithm: str, guard: Guard) -> str:
    digest = hashlib.new(algorithm)
    fd = os.open(path, _OPEN_SRC)
    try:
        while True:
            guard()
            data = os.read(fd, CHUNK)
            if not data:
                return digest.hexdigest()
            digest.update(data)
    finally:
        os.close(fd)


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:
        log.warning("could not remove temporary file %s", path)


def _remove_tree(path: str) -> None:
    st = os.lstat(path)
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(path)  # never follows symlinks
    else:
        os.unlink(path)


# ---------------------------------------------------------------- one task


class TaskRun:
    """Runs one task on the calling worker thread."""

    def __init__(self, engine: Engine, task_id: str) -> None:
        self.engine = engine
        self.db = engine.state.db
        self.task_id = task_id
        self.cancel_event = threading.Event()
        self.deadline: float | None = None
        self.start_time: float | None = None
        self.counters: dict[str, int] = {}
        self.nice: tuple[str | None, str | None, str | None] = ("OK", None, None)
        self._row_updates: list[tuple[Any, ...]] = []
        self._lock = threading.RLock()  # counters and row updates come from several copy threads
        self._halt = threading.Event()  # one file failed fatally: the others stop at their next check
        self._last_flush = 0.0
        self._last_progress_event = 0.0
        self._throttle: Throttle | None = None

    # -- guard and bookkeeping

    def guard(self) -> None:
        if self.engine.stopping.is_set():
            raise TaskAborted("stop")
        if self.cancel_event.is_set():
            raise TaskAborted("cancel")
        if self.deadline is not None and time.time() >= self.deadline:
            raise TaskAborted("deadline")
        if self._halt.is_set():
            raise TaskAborted("halt")
        if time.monotonic() - self._last_flush >= FLUSH_SECONDS:
            self.flush()

    def bump(self, **deltas: int) -> None:
        with self._lock:
            for key, delta in deltas.items():
                self.counters[key] = self.counters.get(key, 0) + delta

    def set_row(self, seq: int, state: str, code: str | None = None, details: str | None = None) -> None:
        with self._lock:
            self._row_updates.append((state, code, details, time.time() if code else None, self.task_id, seq))
            full = len(self._row_updates) >= 2000
        if full:
            self.flush()

    def flush(self) -> None:
        """Persist counters and row states; pick up cancel/deadline changes from the DB."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        self._last_flush = time.monotonic()
        updates, self._row_updates = self._row_updates, []
        cols = ", ".join(f"{c} = ?" for c in self.counters)
        nice_status, nice_details, nice_short = self.nice
        with self.db.transaction() as conn:
            if updates:
                conn.executemany(
                    "UPDATE task_files SET state = ?, error_code = ?, error_details = ?, error_time = ?"
                    " WHERE task_id = ? AND seq = ?",
                    updates,
                )
            conn.execute(
                f"UPDATE tasks SET {cols}, nice_status = ?, nice_status_details = ?,"
                " nice_status_short_description = ? WHERE task_id = ? AND status = 'ACTIVE'",
                (*self.counters.values(), nice_status, nice_details, nice_short, self.task_id),
            )
            row = conn.execute(
                "SELECT cancel_requested, deadline FROM tasks WHERE task_id = ?", (self.task_id,)
            ).fetchone()
        if row is not None:
            if row["cancel_requested"]:
                self.cancel_event.set()
            self.deadline = row["deadline"]
        now = time.monotonic()
        if self.counters.get("bytes_transferred") and now - self._last_progress_event >= PROGRESS_EVENT_SECONDS:
            self._progress_event()

    def _progress_event(self) -> None:
        self._last_progress_event = time.monotonic()
        elapsed = max(time.time() - (self.start_time or time.time()), 1e-3)
        moved = self.counters.get("bytes_transferred", 0)
        tasks_store.add_event(
            self.db, self.task_id, "PROGRESS", "progress",
            {"bytes_transferred": moved, "duration": round(elapsed, 2), "mbps": round(moved * 8 / elapsed / 1e6, 2)},
        )

    def event(self, code: str, details: str | dict[str, Any] = "", *, is_error: bool = False) -> None:
        tasks_store.add_event(self.db, self.task_id, code, describe(code) if is_error else code.lower(),
                              details, is_error=is_error)

    # -- lifecycle

    def run(self) -> None:
        row = tasks_store.get_task(self.db, self.task_id)
        if row is None or row["status"] != "ACTIVE":
            return
        self.row = row
        self.options: dict[str, Any] = json.loads(row["options"])
        self.items: list[dict[str, Any]] = json.loads(row["items"])
        self.deadline = row["deadline"]
        self.start_time = row["start_time"]
        self.counters = {c: int(row[c]) for c in tasks_store.COUNTERS}
        if row["cancel_requested"]:
            self.cancel_event.set()
        slow = self.engine.state.config.slow
        self._throttle = Throttle(slow) if slow else None
        self._last_progress_event = time.monotonic()
        try:
            self.guard()
            if self.start_time is None:
                self.start_time = time.time()
                tasks_store.update_task_fields(self.db, self.task_id, start_time=self.start_time, nice_status="OK")
                self.event("STARTED", {"type": f"Sandbox {row['type'].title()}", "concurrency": 1,
                                       "parallelism": 1, "pipelining": 1})
            if not row["planned"]:
                self.plan()
            else:
                self.rebuild_counters()
            self.execute()
            if row["type"] == "TRANSFER" and self.options.get("preserve_timestamp"):
                self.preserve_directory_times()
            self.finish_succeeded()
        except TaskAborted as aborted:
            if aborted.reason == "stop":
                self.flush()  # stays ACTIVE; Engine.start() resumes it
            elif aborted.reason == "cancel":
                self.finish_failed("CANCELED", "canceled", "Canceled by the task owner", "subtasks_canceled")
            else:
                self.finish_failed("DEADLINE_EXCEEDED", "deadline exceeded",
                                   "The task deadline passed before it completed", "subtasks_expired")
        except FatalTaskError as fatal:
            self.finish_failed(fatal.code, fatal.description, fatal.details, "subtasks_failed", event=False)
        except Exception as exc:  # a bug must not leave the task ACTIVE forever
            log.exception("task %s crashed", self.task_id)
            self.finish_failed("ENDPOINT_ERROR", "internal sandbox error", repr(exc), "subtasks_failed")

    def finish_succeeded(self) -> None:
        self.counters["subtasks_pending"] = 0
        self.counters["subtasks_retrying"] = 0
        self.nice = (None, None, None)
        self.flush()
        if self.counters.get("bytes_transferred"):
            self._progress_event()
        now = time.time()
        changed = self.db.execute(
            "UPDATE tasks SET status = 'SUCCEEDED', completion_time = ? WHERE task_id = ? AND status = 'ACTIVE'",
            (now, self.task_id),
        )
        if changed:
            key = "files_transferred" if self.row["type"] == "TRANSFER" else "files"
            self.event("SUCCEEDED", {"files_succeeded": self.counters.get(key, 0)})

    def finish_failed(
        self, code: str, description: str, details: str, pending_bucket: str, *, event: bool = True
    ) -> None:
        pending = self.counters.get("subtasks_pending", 0)
        self.counters[pending_bucket] = self.counters.get(pending_bucket, 0) + pending
        self.counters["subtasks_pending"] = 0
        self.counters["subtasks_retrying"] = 0
        self.nice = (code, details, description)
        self.flush()
        if event:
            tasks_store.add_event(self.db, self.task_id, code, description, details, is_error=True)
        self.engine.finalize_failed(self.task_id, code, description)

    # -- planning

    def plan(self) -> None:
        rows = TransferPlanner(self).rows() if self.row["type"] == "TRANSFER" else DeletePlanner(self).rows()
        tasks_store.save_plan(self.db, self.task_id, rows)
        self.rebuild_counters()
        self.flush()

    def rebuild_counters(self) -> None:
        """Counters from the rows: exact after a restart, whatever was flushed before."""
        counts = tasks_store.file_state_counts(self.db, self.task_id)

        def n(kind: str, state: str | None = None) -> int:
            return sum(v[0] for (k, s), v in counts.items() if k == kind and (state is None or s == state))

        def b(kind: str, state: str) -> int:
            return counts.get((kind, state), (0, 0))[1]

        total = sum(v[0] for (k, s), v in counts.items() if s != "skipped_error")
        pending = sum(v[0] for (k, s), v in counts.items() if s == "pending")
        succeeded = sum(v[0] for (k, s), v in counts.items() if s in ("done", "skipped"))
        keep = {k: self.counters.get(k, 0) for k in ("symlinks", "faults", "bytes_checksummed")}
        self.counters = {c: 0 for c in tasks_store.COUNTERS}
        self.counters.update(keep)
        if self.row["type"] == "TRANSFER":
            self.counters["files"] = n("file") - n("file", "skipped_error")
            self.counters["directories"] = n("dir")
            self.counters["files_transferred"] = n("file", "done")
            self.counters["bytes_transferred"] = b("file", "done")
            self.counters["files_skipped"] = n("file", "skipped")
        else:
            self.counters["files"] = n("delete_file")
            self.counters["directories"] = n("delete_dir")
        self.counters["subtasks_total"] = total
        self.counters["subtasks_pending"] = pending
        self.counters["subtasks_succeeded"] = succeeded
        self.counters["subtasks_failed"] = sum(v[0] for (k, s), v in counts.items() if s == "failed")
        self.counters["subtasks_skipped_errors"] = sum(v[0] for (k, s), v in counts.items() if s == "skipped_error")

    # -- execution

    def execute(self) -> None:
        """Handle pending rows in order; file copies overlap on a small pool.

        Directory and extra rows run on this thread: a directory row precedes
        every file inside it, and extras (deletions) wait for copies in flight.
        """
        handler: FileMover | Deleter
        handler = FileMover(self) if self.row["type"] == "TRANSFER" else Deleter(self)
        concurrent = isinstance(handler, FileMover) and self._throttle is None and FILE_CONCURRENCY > 1
        pool = ThreadPoolExecutor(FILE_CONCURRENCY, thread_name_prefix="gterm-copy") if concurrent else None
        in_flight: set[Future[None]] = set()

        def settle(futures: set[Future[None]]) -> None:
            for future in futures:
                in_flight.discard(future)
                error = future.exception()
                if error is not None:
                    raise error

        try:
            last = -1
            while True:
                rows = tasks_store.pending_files(self.db, self.task_id, last)
                if not rows:
                    break
                for file_row in rows:
                    last = file_row["seq"]
                    self.guard()
                    if pool is not None and file_row["kind"] == "file":
                        in_flight.add(pool.submit(handler.handle, file_row))
                        if len(in_flight) >= 2 * FILE_CONCURRENCY:
                            settle(wait(in_flight, return_when=FIRST_COMPLETED).done)
                        continue
                    if file_row["kind"] == "extra" and in_flight:
                        settle(wait(in_flight).done)
                    handler.handle(file_row)
            settle(wait(in_flight).done)
        except BaseException:
            self._halt.set()  # siblings stop at their next guard(); the first error is the one reported
            wait(in_flight)
            raise
        finally:
            if pool is not None:
                pool.shutdown(wait=True)

    def preserve_directory_times(self) -> None:
        # Directory mtimes change while files land in them, so they are set last, deepest first.
        for file_row in reversed(tasks_store.file_rows(self.db, self.task_id, "dir")):
            try:
                st = os.stat(file_row["src_fs"], follow_symlinks=False)
                os.utime(file_row["dst_fs"], ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)
            except OSError:
                pass

    # -- errors shared by the handlers

    def source_error(self, seq: int, err: FileError) -> None:
        """Skip (skip_source_errors) or fail the task on a non-transient file error."""
        self.event(err.code, err.details, is_error=True)
        if err.source_side and self.options.get("skip_source_errors"):
            self.set_row(seq, "skipped_error", err.code, err.details)
            self.bump(subtasks_pending=-1, subtasks_skipped_errors=1, files=-1, subtasks_total=-1)
            return
        self.set_row(seq, "failed", err.code, err.details)
        self.bump(subtasks_pending=-1, subtasks_failed=1)
        raise FatalTaskError(err.code, describe(err.code), err.details)


# ---------------------------------------------------------------- planners


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
        self.out: list[tuple[Any, ...]] = []

    def add(self, kind: str, src_path: str | None, dst_path: str | None, src_fs: str | None,
            dst_fs: str | None, size: int = 0, state: str = "pending", code: str | None = None,
            details: str | None = None, is_dir: bool = False) -> None:
        self.seq += 1
        self.out.append((self.task_id, self.seq, kind, src_path, dst_path, src_fs, dst_fs, size, state,
                         code, details, time.time() if code else None, int(is_dir)))

    def source_problem(self, exc: OSError, item: dict[str, Any], is_dir: bool) -> None:
        err = classify_os_error(exc, item["src_fs"], source_side=True)
        self.run.event(err.code, err.details, is_error=True)
        if not self.skip_errors:
            raise FatalTaskError(err.code, describe(err.code), err.details)
        self.add("file", item["source_path"], item["destination_path"], item["src_fs"], item["dst_fs"],
                 state="skipped_error", code=err.code, details=err.details, is_dir=is_dir)

    def rows(self) -> list[tuple[Any, ...]]:
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
        self.out: list[tuple[Any, ...]] = []

    def add(self, kind: str, path: str, fs: str, is_dir: bool) -> None:
        self.seq += 1
        self.out.append((self.run.task_id, self.seq, kind, None, path, None, fs, 0, "pending", None, None, None,
                         int(is_dir)))

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

    def rows(self) -> list[tuple[Any, ...]]:
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


# ---------------------------------------------------------------- row handlers


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

    def handle(self, row: Any) -> None:
        kind = row["kind"]
        if kind == "dir":
            self.make_dir(row)
        elif kind == "extra":
            self.delete_extra(row)
        elif kind == "file":
            self.copy(row)

    def done(self, seq: int) -> None:
        self.run.set_row(seq, "done")
        self.run.bump(subtasks_pending=-1, subtasks_succeeded=1)

    def make_dir(self, row: Any) -> None:
        dst = row["dst_fs"]
        try:
            st = os.lstat(dst)
        except FileNotFoundError:
            try:
                os.makedirs(dst, exist_ok=True)
            except OSError as exc:
                self.run.source_error(row["seq"], classify_os_error(exc, row["destination_path"], source_side=False))
                return
            self.known_dirs.add(dst)
            self.done(row["seq"])
            return
        if not stat.S_ISDIR(st.st_mode):
            err = FileError("NOT_A_DIRECTORY", f"{row['destination_path']} exists and is not a directory")
            self.run.source_error(row["seq"], err)
            return
        self.known_dirs.add(dst)
        self.done(row["seq"])

    def delete_extra(self, row: Any) -> None:
        try:
            _remove_tree(row["dst_fs"])
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.run.source_error(row["seq"], classify_os_error(exc, row["destination_path"], source_side=False))
            return
        self.done(row["seq"])

    def copy(self, row: Any) -> None:
        run, seq = self.run, row["seq"]
        src, dst = row["src_fs"], row["dst_fs"]
        item_opts = self.item_options(row)
        algorithm = (item_opts.get("checksum_algorithm") or "md5").lower()
        try:
            src_st = os.lstat(src)
        except OSError as exc:
            run.source_error(seq, classify_os_error(exc, row["source_path"], source_side=True))
            return
        if stat.S_ISLNK(src_st.st_mode):
            run.bump(symlinks=1)
            self.done(seq)
            return
        if self.level is not None and not self.needs_copy(src, dst, src_st, algorithm):
            run.set_row(seq, "skipped")
            run.bump(subtasks_pending=-1, subtasks_succeeded=1, files_skipped=1)
            return
        parent = os.path.dirname(dst)
        if parent not in self.known_dirs:
            try:
                os.makedirs(parent, exist_ok=True)  # Globus creates missing parents of a file item
            except OSError as exc:
                run.source_error(seq, classify_os_error(exc, row["destination_path"], source_side=False))
                return
            self.known_dirs.add(parent)
        tmp = os.path.join(parent, f".gterm-{run.task_id[:8]}-{seq}.part")
        external = item_opts.get("external_checksum")
        want_digest = self.verify or bool(external)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            moved = 0

            def progress(n: int) -> None:
                nonlocal moved
                moved += n
                run.bump(bytes_transferred=n)

            fault = None
            if self.fault_rate and self.random.random() < self.fault_rate:
                size = max(src_st.st_size, 1)
                fault = Fault(at_byte=self.random.randrange(size), corrupt=self.verify and self.random.random() < 0.5)
            try:
                result = copy_file(
                    src, tmp, algorithm=algorithm if want_digest else None, verify=self.verify,
                    throttle=run._throttle, fault=fault, guard=run.guard, progress=progress,
                )
                if self.verify:
                    run.bump(bytes_checksummed=src_st.st_size)
                    if result.source_digest != result.destination_digest:
                        raise FileError(
                            "CHECKSUM_MISMATCH",
                            f"Checksum mismatch for {row['destination_path']}: source {result.source_digest},"
                            f" destination {result.destination_digest}; retrying",
                            transient=True,
                        )
                if external and result.source_digest != str(external).lower():
                    raise FileError("CHECKSUM_MISMATCH",
                                    f"{row['source_path']}: checksum {result.source_digest} != external {external}",
                                    source_side=True)
                if self.preserve:
                    os.utime(tmp, ns=(src_st.st_atime_ns, src_st.st_mtime_ns), follow_symlinks=False)
                try:
                    os.replace(tmp, dst)
                except OSError as exc:
                    raise classify_os_error(exc, row["destination_path"], source_side=False) from exc
            except FileError as err:
                _remove_quietly(tmp)
                run.bump(bytes_transferred=-moved)
                if not err.transient or attempt == MAX_ATTEMPTS:
                    if attempt > 1:
                        run.bump(subtasks_retrying=-1)
                    run.source_error(seq, err)
                    return
                run.bump(faults=1, subtasks_retrying=1 if attempt == 1 else 0)
                run.nice = (err.code, err.details, describe(err.code))
                run.event(err.code, err.details, is_error=True)
                self.backoff(attempt)
                continue
            except BaseException:
                _remove_quietly(tmp)
                run.bump(bytes_transferred=-moved)
                if attempt > 1:
                    run.bump(subtasks_retrying=-1)
                raise
            if attempt > 1:
                run.bump(subtasks_retrying=-1)
                run.nice = ("OK", None, None)
            run.set_row(seq, "done")
            run.bump(subtasks_pending=-1, subtasks_succeeded=1, files_transferred=1)
            return

    def item_options(self, row: Any) -> dict[str, Any]:
        """Per-item checksum settings (external_checksum applies to file items only)."""
        item = self.by_source.get(row["source_path"])
        if item is not None and not item.get("is_dir"):
            return item
        return {"checksum_algorithm": self.default_algorithm}

    def backoff(self, attempt: int) -> None:
        until = time.monotonic() + min(0.05 * attempt, 0.5)
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

    def handle(self, row: Any) -> None:
        try:
            if row["kind"] == "delete_dir":
                try:
                    os.rmdir(row["dst_fs"])
                except OSError as exc:
                    if exc.errno != errno.ENOTEMPTY:
                        raise
                    shutil.rmtree(row["dst_fs"])  # something appeared meanwhile
            else:
                os.unlink(row["dst_fs"])
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.run.source_error(row["seq"], classify_os_error(exc, row["destination_path"], source_side=False))
            return
        self.run.set_row(row["seq"], "done")
        self.run.bump(subtasks_pending=-1, subtasks_succeeded=1)


# ---------------------------------------------------------------- the engine


class Engine:
    """Runs ACTIVE tasks on a bounded pool of worker threads.

    The routes find it as ``state.extras["engine"]``; without a started engine
    tasks simply stay queued (ACTIVE) until one starts.
    """

    def __init__(self, state: SandboxState, workers: int = WORKERS) -> None:
        self.state = state
        self.workers = workers
        self.stopping = threading.Event()
        self._queue: queue.Queue[str] = queue.Queue()
        self._lock = threading.Lock()
        self._queued: set[str] = set()
        self._running: dict[str, TaskRun] = {}
        self._threads: list[threading.Thread] = []
        state.extras["engine"] = self

    # -- lifecycle

    def start(self) -> None:
        """Start the workers and resume every task that was ACTIVE."""
        self.stopping.clear()
        for i in range(self.workers):
            t = threading.Thread(target=self._worker, name=f"gterm-engine-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        monitor = threading.Thread(target=self._monitor, name="gterm-engine-monitor", daemon=True)
        monitor.start()
        self._threads.append(monitor)
        for task_id in tasks_store.active_task_ids(self.state.db):
            self.enqueue(task_id)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop fast: running copies abort within one chunk and stay ACTIVE for the next start."""
        self.stopping.set()
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()
        with self._lock:
            self._queued.clear()
        while not self._queue.empty():
            self._queue.get_nowait()

    # -- called by the routes

    def enqueue(self, task_id: str) -> None:
        with self._lock:
            if task_id in self._queued or task_id in self._running:
                return
            self._queued.add(task_id)
        self._queue.put(task_id)

    def cancel(self, task_id: str) -> None:
        """Cancel now if queued; signal the worker if running (it stops within a chunk)."""
        with self._lock:
            run = self._running.get(task_id)
            if run is not None:
                run.cancel_event.set()
                return
            self._queued.discard(task_id)
        self.fail_unstarted(task_id, "CANCELED", "canceled", "Canceled by the task owner", "subtasks_canceled")

    def task_updated(self, task_id: str, deadline: float | None) -> None:
        with self._lock:
            run = self._running.get(task_id)
        if run is not None:
            run.deadline = deadline

    # -- internals

    def fail_unstarted(self, task_id: str, code: str, description: str, details: str, bucket: str) -> None:
        row = tasks_store.get_task(self.state.db, task_id)
        if row is None or row["status"] != "ACTIVE":
            return
        self.state.db.execute(
            f"UPDATE tasks SET {bucket} = {bucket} + subtasks_pending, subtasks_pending = 0,"
            " nice_status = ?, nice_status_details = ?, nice_status_short_description = ?"
            " WHERE task_id = ? AND status = 'ACTIVE'",
            (code, details, description, task_id),
        )
        tasks_store.add_event(self.state.db, task_id, code, description, details, is_error=True)
        self.finalize_failed(task_id, code, description)

    def finalize_failed(self, task_id: str, code: str, description: str) -> None:
        self.state.db.execute(
            "UPDATE tasks SET status = 'FAILED', completion_time = ?, fatal_error = ?"
            " WHERE task_id = ? AND status = 'ACTIVE'",
            (time.time(), json.dumps({"code": code, "description": description}), task_id),
        )

    def _worker(self) -> None:
        while not self.stopping.is_set():
            try:
                task_id = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            with self._lock:
                self._queued.discard(task_id)
                if self.stopping.is_set():
                    return
                run = TaskRun(self, task_id)
                self._running[task_id] = run
            try:
                run.run()
            except Exception:
                log.exception("engine worker failed on task %s", task_id)
            finally:
                with self._lock:
                    self._running.pop(task_id, None)

    def _monitor(self) -> None:
        """Expire queued tasks whose deadline passed (running ones check it themselves)."""
        while not self.stopping.wait(0.5):
            now = time.time()
            try:
                rows = self.state.db.query(
                    "SELECT task_id FROM tasks WHERE status = 'ACTIVE' AND deadline IS NOT NULL AND deadline <= ?",
                    (now,),
                )
            except Exception:  # noqa: BLE001 - database closed while stopping
                return
            for row in rows:
                with self._lock:
                    if row["task_id"] in self._running:
                        continue
                    self._queued.discard(row["task_id"])
                self.fail_unstarted(row["task_id"], "DEADLINE_EXCEEDED", "deadline exceeded",
                                    "The task deadline passed before it completed", "subtasks_expired")
