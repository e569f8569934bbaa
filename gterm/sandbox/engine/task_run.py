"""One task's run: plan once, execute the pending rows, finish SUCCEEDED or FAILED.

Progress (counters and row states) is flushed to SQLite at most every half a
second, so a reader sees live numbers and a restart loses at most that much
bookkeeping: rows still ``pending`` after a restart are simply done again, and
because files only ever appear under their final name via ``os.replace`` a
redo can never expose a half-written file.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any

from gterm.sandbox import tasks_store
from gterm.sandbox.collections import find_collection
from gterm.sandbox.confined import RootSpec
from gterm.sandbox.engine.copying import Throttle
from gterm.sandbox.engine.errors import FatalTaskError, FileError, TaskAborted, describe
from gterm.sandbox.engine.handlers import Deleter, FileMover
from gterm.sandbox.engine.planning import DeletePlanner, TransferPlanner
from gterm.sandbox.tasks_store import FileState, RowUpdate

if TYPE_CHECKING:
    from gterm.sandbox.engine.scheduler import Engine

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5
OWNER_CANCEL = "Canceled by the task owner"
PROGRESS_EVENT_SECONDS = 10.0
FILE_CONCURRENCY = 4  # files in flight per task (Globus "concurrency"); syscalls overlap, cp -r has one

class TaskRun:
    """Runs one task on the calling worker thread."""

    def __init__(self, engine: Engine, task_id: str) -> None:
        self.engine = engine
        self.db = engine.state.db
        self.task_id = task_id
        self.cancel_event = threading.Event()
        self.cancel_details = OWNER_CANCEL
        self.deadline: float | None = None
        self.start_time: float | None = None
        self.counters: dict[str, int] = {}
        self.nice: tuple[str | None, str | None, str | None] = ("OK", None, None)
        self._row_updates: list[RowUpdate] = []
        self._lock = threading.RLock()  # counters and row updates come from several copy threads
        self._halt = threading.Event()  # one file failed fatally: the others stop at their next check
        # A pause holds the task: every copy in flight stops at its next check (Engine.hold_if_paused).
        self.pause_event = threading.Event()
        self._last_flush = 0.0
        self._last_progress_event = 0.0
        self.throttle: Throttle | None = None
        # The task's collections (set by run(), before any planner or handler exists):
        # the source, and the destination (a DELETE's is its source).
        self.source: RootSpec
        self.destination: RootSpec

    # -- guard and bookkeeping

    def guard(self) -> None:
        if self.engine.stopping.is_set():
            raise TaskAborted("stop")
        if self.cancel_event.is_set():
            raise TaskAborted("cancel")
        if self.deadline is not None and time.time() >= self.deadline:
            raise TaskAborted("deadline")
        if self.pause_event.is_set():  # before halt: siblings of the copy that saw the pause keep their bytes too
            raise TaskAborted("pause")
        if self._halt.is_set():
            raise TaskAborted("halt")
        if time.monotonic() - self._last_flush >= FLUSH_SECONDS:
            self.flush()

    def check_pause(self) -> None:
        """The seam for pause rules: consulted between rows; a paused task stops and goes INACTIVE.

        ``Engine.pause_check`` (None by default) answers whether the task must pause now.
        Rows still pending stay pending, so resuming (ACTIVE again, enqueued) carries on.
        Files in flight are stopped by ``pause_event`` (checked by the guard within a chunk).
        """
        check = self.engine.pause_check
        if check is not None and check(self.task_id):
            self.pause_event.set()
            raise TaskAborted("pause")

    def bump(self, **deltas: int) -> None:
        with self._lock:
            for key, delta in deltas.items():
                self.counters[key] = self.counters.get(key, 0) + delta

    def set_row(self, seq: int, state: FileState, code: str | None = None, details: str | None = None,
                checksum: tuple[str, str] | None = None) -> None:
        """Record a row's new state; ``checksum`` is (algorithm, digest) of a file copied with verification."""
        algorithm, digest = checksum or (None, None)
        with self._lock:
            self._row_updates.append(RowUpdate(state, code, details, time.time() if code else None, digest,
                                               algorithm, self.task_id, seq))
            full = len(self._row_updates) >= 2000
        if full:
            self.flush()

    def flush(self) -> None:
        """Persist counters and row states; pick up cancel/deadline changes from the DB.

        A paused task (INACTIVE) is written too: an administrator's pause makes it
        INACTIVE at once, and the bytes its copies moved until they stopped belong
        in its document.
        """
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        self._last_flush = time.monotonic()
        updates, self._row_updates = self._row_updates, []
        cols = ", ".join(f"{c} = ?" for c in self.counters)
        nice_status, nice_details, nice_short = self.nice
        with self.db.transaction() as conn:
            if updates:
                tasks_store.update_rows(conn, updates)
            conn.execute(
                f"UPDATE tasks SET {cols}, nice_status = ?, nice_status_details = ?,"
                " nice_status_short_description = ? WHERE task_id = ? AND status IN ('ACTIVE', 'INACTIVE')",
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
        self.throttle = Throttle(slow) if slow else None
        self._last_progress_event = time.monotonic()
        try:
            self.guard()
            self.source = self.collection_root(row["source_endpoint_id"])
            is_transfer = row["type"] == "TRANSFER"
            self.destination = self.collection_root(row["destination_endpoint_id"]) if is_transfer else self.source
            if self.start_time is None:
                self.start_time = time.time()
                tasks_store.update_task_fields(self.db, self.task_id, start_time=self.start_time, nice_status="OK")
                self.event("STARTED", {"type": f"Sandbox {row['type'].title()}", "concurrency": 1,
                                       "parallelism": 1, "pipelining": 1})
            if self.engine.take_resumed(self.task_id) and row["start_time"] is not None:
                self.event("RESUMED", "The sandbox restarted; the task resumed where it had stopped"
                                      f" ({int(row['subtasks_pending'])} subtasks were pending)")
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
            elif aborted.reason == "pause":
                self.flush()
                self.engine.paused(self.task_id)
            elif aborted.reason == "cancel":
                self.finish_failed("CANCELED", "canceled", self.cancel_details, "subtasks_canceled")
            else:
                self.finish_failed("DEADLINE_EXCEEDED", "deadline exceeded",
                                   "The task deadline passed before it completed", "subtasks_expired")
        except FatalTaskError as fatal:
            self.finish_failed(fatal.code, fatal.description, fatal.details, "subtasks_failed", event=False)
        except Exception as exc:  # a bug must not leave the task ACTIVE forever
            log.exception("task %s crashed", self.task_id)
            # The exception's text may name host paths: the task document says only what kind it was.
            self.finish_failed("ENDPOINT_ERROR", "internal sandbox error",
                               f"The sandbox hit an internal error ({type(exc).__name__}); see its log",
                               "subtasks_failed")

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
        if self.row["type"] == "TRANSFER":
            rows = TransferPlanner(self).rows()
        else:
            rows = DeletePlanner(self).rows()
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
        # Bytes moved include files sent again after a pause or a fault (as at Globus): the flushed
        # count is kept; the finished rows' sizes are its floor.
        moved = self.counters.get("bytes_transferred", 0)
        self.counters = {c: 0 for c in tasks_store.COUNTERS}
        self.counters.update(keep)
        if self.row["type"] == "TRANSFER":
            self.counters["files"] = n("file") - n("file", "skipped_error")
            self.counters["directories"] = n("dir")
            self.counters["files_transferred"] = n("file", "done")
            self.counters["bytes_transferred"] = max(moved, b("file", "done"))
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
        concurrent = isinstance(handler, FileMover) and self.throttle is None and FILE_CONCURRENCY > 1
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
                    last = file_row.seq
                    self.guard()
                    self.check_pause()
                    if pool is not None and file_row.kind == "file":
                        in_flight.add(pool.submit(handler.handle, file_row))
                        if len(in_flight) >= 2 * FILE_CONCURRENCY:
                            settle(wait(in_flight, return_when=FIRST_COMPLETED).done)
                        continue
                    if file_row.kind == "extra" and in_flight:
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
            if isinstance(handler, FileMover):
                handler.run_ended()

    def collection_root(self, collection_id: str | None) -> RootSpec:
        """Where a collection of this task is on disk; opened (and a guest's walked) at each use."""
        coll = find_collection(self.engine.state, collection_id) if collection_id else None
        if coll is None:
            details = f"Collection '{collection_id}' no longer exists"
            self.event("ENDPOINT_ERROR", details, is_error=True)
            raise FatalTaskError("ENDPOINT_ERROR", describe("ENDPOINT_ERROR"), details)
        return coll.root_spec

    def preserve_directory_times(self) -> None:
        # Directory mtimes change while files land in them, so they are set last, deepest first.
        for file_row in reversed(tasks_store.file_rows(self.db, self.task_id, "dir")):
            assert file_row.source_path is not None
            try:
                with self.source.open() as root:
                    st = root.stat(file_row.source_path)
                with self.destination.open() as root, root.locate(file_row.destination_path) as where:
                    if where.name is not None:
                        os.utime(where.name, ns=(st.st_atime_ns, st.st_mtime_ns), dir_fd=where.dir_fd,
                                 follow_symlinks=False)
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

