"""The Engine: a queue of task ids, a few worker threads running one ``TaskRun`` each, a deadline monitor."""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable

from gterm.sandbox import tasks_store
from gterm.sandbox.engine.task_run import OWNER_CANCEL, TaskRun
from gterm.sandbox.state import SandboxState

log = logging.getLogger(__name__)

WORKERS = 4

PauseCheck = Callable[[str], bool]
"""Whether the task (by id) must pause now."""

class Engine:
    """Runs ACTIVE tasks on a bounded pool of worker threads.

    The routes find it as ``state.engine``; without a started engine tasks
    simply stay queued (ACTIVE) until one starts.

    ``pause_check`` is the seam for pause rules: when set, a running task asks
    it between rows and, told to pause, stops and goes INACTIVE (``paused``);
    making it ACTIVE again and calling ``enqueue`` resumes it where it stopped.
    ``in_flight_pause_check`` answers the same question for tasks in the middle
    of a file: the monitor asks it twice a second (and ``hold_if_paused`` at
    once, when an administrator pauses), and a task it holds stops its copies
    within a chunk, as Globus interrupts the transfers in flight. Two seams, so
    a test can stage a pause before one exact row.
    """

    def __init__(self, state: SandboxState, workers: int = WORKERS) -> None:
        self.state = state
        self.workers = workers
        self.stopping = threading.Event()
        self._queue: queue.Queue[str | None] = queue.Queue()  # None: a worker's cue to stop
        self._lock = threading.Lock()
        self._queued: set[str] = set()
        self._running: dict[str, TaskRun] = {}
        self._threads: list[threading.Thread] = []
        self.pause_check: PauseCheck | None = None
        self.in_flight_pause_check: PauseCheck | None = None
        self._rerun: set[str] = set()  # enqueued while still running (resumed while it stopped)
        self._resumed_after_restart: set[str] = set()
        state.engine = self

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
        active = tasks_store.active_task_ids(self.state.db)
        with self._lock:
            self._resumed_after_restart = set(active)
        for task_id in active:
            self.enqueue(task_id)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop fast: running copies abort within one chunk and stay ACTIVE for the next start."""
        self.stopping.set()
        for _ in range(self.workers):
            self._queue.put(None)  # wakes each idle worker now, rather than at its next poll
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
            if task_id in self._running:
                self._rerun.add(task_id)  # e.g. resumed while its pause was stopping it: runs again after
                return
            if task_id in self._queued:
                return
            self._queued.add(task_id)
        self._queue.put(task_id)

    def cancel(self, task_id: str, details: str = OWNER_CANCEL) -> None:
        """Cancel now if queued; signal the worker if running (it stops within a chunk).

        ``details`` says who canceled (the owner, or an administrator and why).
        """
        with self._lock:
            run = self._running.get(task_id)
            if run is not None:
                run.cancel_details = details
                run.cancel_event.set()
                return
            self._queued.discard(task_id)
        self.fail_unstarted(task_id, "CANCELED", "canceled", details, "subtasks_canceled")

    def task_updated(self, task_id: str, deadline: float | None) -> None:
        with self._lock:
            run = self._running.get(task_id)
        if run is not None:
            run.deadline = deadline

    def take_resumed(self, task_id: str) -> bool:
        """Whether this task was ACTIVE when the engine started (asked once per task)."""
        with self._lock:
            if task_id in self._resumed_after_restart:
                self._resumed_after_restart.discard(task_id)
                return True
            return False

    def paused(self, task_id: str) -> None:
        """A running task stopped for a pause rule: INACTIVE until something resumes it."""
        self.state.db.execute(
            "UPDATE tasks SET status = 'INACTIVE' WHERE task_id = ? AND status = 'ACTIVE'", (task_id,)
        )

    def hold_if_paused(self) -> None:
        """Stop the copies of every running task that a pause now holds (they notice within a chunk)."""
        check = self.in_flight_pause_check
        if check is None:
            return
        with self._lock:
            runs = list(self._running.values())
        for run in runs:
            if not run.pause_event.is_set() and check(run.task_id):
                run.pause_event.set()

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
            task_id = self._queue.get()
            if task_id is None:
                return
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
                self._finished(task_id)

    def _finished(self, task_id: str) -> None:
        """A run ended; a task resumed while its pause was stopping it goes back to work."""
        with self._lock:
            self._running.pop(task_id, None)
            rerun = task_id in self._rerun and not self.stopping.is_set()
            self._rerun.discard(task_id)
        check = self.in_flight_pause_check
        if rerun and not (check is not None and check(task_id)):
            # The resume may have come before the stopping run marked the task INACTIVE.
            tasks_store.reactivate(self.state.db, task_id)
            self.enqueue(task_id)

    def _monitor(self) -> None:
        """Expire queued and paused tasks whose deadline passed (running ones check it themselves);
        stop running tasks a pause now holds (e.g. a rule whose start time came)."""
        while not self.stopping.wait(0.5):
            try:
                self.hold_if_paused()
            except Exception:  # noqa: BLE001 - database closed while stopping
                return
            now = time.time()
            try:
                rows = self.state.db.query(
                    "SELECT task_id, status FROM tasks WHERE status IN ('ACTIVE', 'INACTIVE')"
                    " AND deadline IS NOT NULL AND deadline <= ?",
                    (now,),
                )
            except Exception:  # noqa: BLE001 - database closed while stopping
                return
            for row in rows:
                with self._lock:
                    if row["task_id"] in self._running:
                        continue
                    self._queued.discard(row["task_id"])
                if row["status"] == "INACTIVE":  # paused: not running, and its deadline passes all the same
                    tasks_store.reactivate(self.state.db, row["task_id"])
                self.fail_unstarted(row["task_id"], "DEADLINE_EXCEEDED", "deadline exceeded",
                                    "The task deadline passed before it completed", "subtasks_expired")
