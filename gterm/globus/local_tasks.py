"""Tasks gterm runs itself: HTTPS downloads and uploads, and copies on this computer.

Transfer tasks run at Globus; these run in gterm, on worker threads, and look
the same to the task panel: :meth:`LocalTask.snapshot` returns a
:class:`gterm.globus.models.Task` (type ``DOWNLOAD``, ``UPLOAD`` or ``COPY``,
status ACTIVE / SUCCEEDED / FAILED, bytes and files, rate) and
:meth:`LocalTask.events` an event log like Transfer's.

A task first plans (walks directories: the collection's through Transfer's
``ls``, this computer's with ``os.scandir``), then moves files on ``streams``
threads (4 by default, like the Globus web app's parallel downloads). One
file's failure is an error event and the others go on; the task fails at the
end if any file failed. Cancel stops every stream at its next piece; partial
downloads stay as ``.NAME.gterm-part`` files so the same download resumes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import shutil
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from gterm.globus import paths
from gterm.globus.cancellation import Cancellation
from gterm.globus.download_parts import DownloadTally, LocalWriteError, local_write_error, part_path
from gterm.globus.errors import SIGN_IN_ERRORS, AlreadyExists, GtermError, InvalidInput, Offline
from gterm.globus.https_access import PIECE, Cancelled, HttpsFiles
from gterm.globus.local_files import local_error, open_regular
from gterm.globus.local_tree import make_local_dir, read_local_dir, refuse_copy_into_itself, tree_join
from gterm.globus.models import INTERRUPTED, Entry, Event, Task
from gterm.globus.task_history import checkpoint_due, interrupted_message
from gterm.wording import broken_links_skipped, directories, first_few, left_out, plural, skipped

log = logging.getLogger(__name__)

# What a tree walk leaves out, by kind: its event code and the counter the task's summary reads.
_LEFT_OUT: dict[str, tuple[str, str]] = {
    "link": ("LINKS_LEFT_OUT", "links_left_out"),
    "special file": ("SPECIAL_FILES_LEFT_OUT", "special_files_left_out"),
}
Kind = Literal["download", "upload", "copy"]
# What to do with a name the destination already holds, decided against the disk when each file is
# written (a pane's listing may be stale). resume: downloads only (else overwrite). The default, for a
# task whose dialog saw no conflict, is rename: a name found taken only then is never overwritten unasked.
OnConflict = Literal["overwrite", "skip", "rename", "resume"]
STREAMS = 4
OUTAGE_PAUSES = (2.0, 4.0, 8.0, 15.0, 30.0)
"""Seconds a file waits before it is tried again while the network (or Globus) is away; the last repeats."""
OUTAGE_LIMIT = 600.0
"""Seconds a task waits for the network at most: then it stops, and F5 again resumes its downloads."""

ListRemote = Callable[[str], Iterable[Entry]]  # a collection directory's entries (Transfer ls)
MakeRemoteDir = Callable[[str], None]  # Transfer mkdir; AlreadyExists is fine
OpenRemote = Callable[[], HttpsFiles]  # one per stream thread


@dataclass(frozen=True, slots=True)
class Item:
    """What the user picked: a file or directory and where it goes (a path in the destination)."""

    source: str
    destination: str
    is_dir: bool
    size: int = 0
    modified: datetime | None = None  # the source's time, when its listing gave one


@dataclass(frozen=True, slots=True)
class FileJob:
    source: str
    destination: str
    size: int
    link_target: str | None = None  # a symbolic link a local copy makes again as a link (as cp -a does)


@dataclass(slots=True)
class _Counters:
    bytes_total: int = 0
    bytes_done: int = 0  # fetched or sent by this task: its rate
    bytes_resumed: int = 0  # already on disk from an earlier attempt: done, but not this task's rate
    files_total: int = 0
    files_done: int = 0
    files_skipped: int = 0
    files_failed: int = 0
    directories: int = 0
    # Not made: could not be read here, or a file has its name here (their files are not counted: never listed).
    directories_failed: int = 0
    directories_skipped: int = 0  # a file has its name here and the task skips what is there
    # Not taken by a tree walk (named in LINKS_LEFT_OUT / SPECIAL_FILES_LEFT_OUT events): not files of the
    # task, but its summary and notice say them, or "All files moved" would hide them.
    links_left_out: int = 0
    special_files_left_out: int = 0


class _TaskStopped(Exception):
    """The task stopped (an outage too long, or a cause another file met) while this file waited."""


@dataclass
class LocalTask:
    """One download, upload or local copy of several files and directories."""

    kind: Kind
    items: list[Item]
    source_name: str  # collection display name, or "This computer"
    destination_name: str
    open_remote: OpenRemote | None = None
    list_remote: ListRemote | None = None
    make_remote_dir: MakeRemoteDir | None = None
    on_conflict: OnConflict = "rename"
    streams: int = STREAMS
    label: str | None = None
    task_id: str = field(default_factory=lambda: f"local-{uuid.uuid4()}")
    status: str = "ACTIVE"
    nice_status: str | None = "PLANNING"
    fatal_error: str | None = None
    _counters: _Counters = field(default_factory=_Counters)
    _events: list[Event] = field(default_factory=list)
    _failures: list[str] = field(default_factory=list)  # why each failed file or directory failed, in order
    # Local directories this task made and the source's time for each: set once their files are in,
    # since writing a file into a directory moves its time.
    _directory_times: list[tuple[Path, float]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _cancel: Cancellation = field(default_factory=Cancellation)
    _started: datetime = field(default_factory=lambda: datetime.now(UTC))
    _started_clock: float = field(default_factory=time.monotonic)
    _finished: datetime | None = None
    _finished_clock: float | None = None
    _outage_since: float | None = None  # when the network went away (monotonic), while it is away
    _stopping: threading.Event = field(default_factory=threading.Event)  # set by a stop or a cancel
    _interrupted: bool = False  # stopped because gterm quits: not the user's cancel (see interrupt)
    # Told of every change of state (gterm.globus.task_history.TaskHistory.record), on the task's thread.
    on_change: Callable[[LocalTask], None] | None = None
    _changed_clock: float = 0.0

    # --- for the task panel ----------------------------------------------------

    def cancel(self) -> None:
        self._cancel.set()
        self._stopping.set()

    def interrupt(self) -> None:
        """gterm quits: stop as a cancel does, but end INTERRUPTED (with how to go on), not canceled by the user."""
        if self.is_active:
            self._interrupted = True
            self.cancel()

    def _changed(self, *, checkpoint: bool = False) -> None:
        """Tell ``on_change`` (the task history); a ``checkpoint`` (a file done) only every so often."""
        if self.on_change is None or (checkpoint and not checkpoint_due(self._changed_clock)):
            return
        self._changed_clock = time.monotonic()
        try:
            self.on_change(self)
        except Exception:  # the history never stops the task (TaskHistory says its own errors)
            log.exception("task history: %s not recorded", self.task_id)

    @property
    def is_active(self) -> bool:
        return self.status == "ACTIVE"

    def snapshot(self) -> Task:
        with self._lock:
            c = dataclasses.replace(self._counters)
            end = self._finished_clock or time.monotonic()
            elapsed = max(end - self._started_clock, 1e-6)
            return Task(
                task_id=self.task_id,
                type=self.kind.upper(),
                status=self.status,
                label=self.label,
                nice_status=self.nice_status,
                request_time=self._started,
                completion_time=self._finished,
                deadline=None,
                source_endpoint_id=None,
                source_endpoint_display_name=self.source_name,
                destination_endpoint_id=None,
                destination_endpoint_display_name=self.destination_name,
                files=c.files_total,
                directories=c.directories,
                files_skipped=c.files_skipped,
                files_transferred=c.files_done,
                subtasks_total=c.files_total,
                subtasks_succeeded=c.files_done + c.files_skipped,
                subtasks_pending=max(0, c.files_total - c.files_done - c.files_skipped - c.files_failed),
                subtasks_failed=c.files_failed + c.directories_failed,
                subtasks_canceled=0,
                subtasks_expired=0,
                subtasks_retrying=0,
                bytes_transferred=c.bytes_done + c.bytes_resumed,
                bytes_checksummed=0,
                effective_bytes_per_second=int(c.bytes_done / elapsed),
                faults=c.files_failed + c.directories_failed,
                sync_level=None,
                verify_checksum=False,
                preserve_timestamp=True,
                encrypt_data=self.kind != "copy",
                delete_destination_extra=False,
                raw={"bytes_total": c.bytes_total, "bytes_resumed": c.bytes_resumed, "fatal_error": self.fatal_error,
                     "directories_skipped": c.directories_skipped, "links_left_out": c.links_left_out,
                     "special_files_left_out": c.special_files_left_out},
            )

    @property
    def bytes_total(self) -> int:
        return self._counters.bytes_total

    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    def _event(self, code: str, description: str, details: str = "", *, is_error: bool = False) -> None:
        with self._lock:
            self._events.append(Event(code, description, details, is_error, datetime.now(UTC)))

    # --- running ---------------------------------------------------------------

    def run(self) -> None:
        """Plan and move everything; blocks (call it on a worker thread). Never raises."""
        self._changed()
        try:
            jobs = self._plan()
            with self._lock:
                self.nice_status = None
                self._counters.files_total = len(jobs) + self._counters.files_skipped  # skipped while planning
                self._counters.bytes_total = sum(job.size for job in jobs)
            self._event("STARTED", ", ".join(filter(None, (
                directories(self._counters.directories) if self._counters.directories else "",
                plural(len(jobs), "file"),
                plural(self._counters.bytes_total, "byte")))))
            self._changed()
            self._move_all(jobs)
            self._keep_directory_times()
        except Cancelled:
            pass
        except GtermError as exc:
            self._fail(str(exc))
        except OSError as exc:
            self._fail(f"Could not read the source: {exc.strerror or 'error'}.")
        self._finish()

    def _finish(self) -> None:
        with self._lock:
            self._finished = datetime.now(UTC)
            self._finished_clock = time.monotonic()
            if self._interrupted:
                self.status, self.nice_status = "FAILED", INTERRUPTED
                self.fatal_error = None  # said below, with the figures the snapshot has
            elif self._cancel.is_set():
                self.status, self.nice_status = "FAILED", "CANCELED"
                self.fatal_error = self.fatal_error or "Canceled by you"
            elif self.fatal_error or self._counters.files_failed or self._counters.directories_failed:
                self.status, self.nice_status = "FAILED", None
                self.fatal_error = self.fatal_error or self._what_failed()
            else:
                self.status, self.nice_status = "SUCCEEDED", None
        if self._interrupted:
            self.fatal_error = interrupted_message(self.snapshot(), quit_on_purpose=True)
        code = INTERRUPTED if self._interrupted else "CANCELED" if self._cancel.is_set() else self.status
        c = self._counters
        not_taken = left_out(c.links_left_out, c.special_files_left_out)
        # "All files moved" only when nothing was left out: else how many files, and what was not taken.
        moved = f"{plural(c.files_done, 'file')} moved" if not_taken else "All files moved"
        if not c.files_total and c.directories:  # empty directories: made, as cp -r
            moved = f"{directories(c.directories)} made, no files"
        moved = "; ".join(filter(None, (moved, skipped(c.files_skipped, c.directories_skipped), not_taken)))
        self._event(code, self.fatal_error or moved, is_error=self.status == "FAILED")
        self._changed()

    def _what_failed(self) -> str:
        """``2 files failed: <the first one's reason> and 1 more.``, ``1 directory failed: <why>``, or both:
        the notice says why, as a Globus task's does (the events name every one)."""
        c = self._counters
        parts = [f"{plural(c.files_failed, 'file')} failed"] if c.files_failed else []
        if c.directories_failed:
            parts.append(f"{directories(c.directories_failed)} failed")
        said = "; ".join(parts)
        if self._failures:
            said += f": {first_few([why.removesuffix('.') for why in self._failures], shown=1)}."
        return said

    def _item_failed(self, source: str, why: str, destination: str, *, directory: bool = False) -> None:
        """One file or directory failed, named in an event with why; the rest of the task goes on."""
        with self._lock:
            if directory:
                self._counters.directories_failed += 1
            else:
                self._counters.files_failed += 1
            self._failures.append(why)
        self._event("FILE_FAILED", f"{source}: {why}", destination, is_error=True)

    def _directory_failed(self, source: str, destination: str, why: str) -> None:
        """A directory of the tree is one failed item, named; the rest of the tree goes on."""
        self._item_failed(source, f"{why} Nothing in it was sent.", destination, directory=True)

    def _fail(self, message: str) -> None:
        with self._lock:
            self.fatal_error = message

    # --- planning --------------------------------------------------------------

    def _plan(self) -> list[FileJob]:
        jobs: list[FileJob] = []
        for item in self.items:
            self._check_cancel()
            if not item.is_dir:
                jobs.append(FileJob(item.source, item.destination, item.size))
                continue
            if self.kind == "copy":
                refuse_copy_into_itself(item.source, item.destination)
            destination = item.destination if self.kind == "upload" else self._directory_destination(item.destination)
            if self.kind == "download":
                jobs.extend(self._plan_remote_tree(item.source, destination, item.modified))
            else:
                jobs.extend(self._plan_local_tree(item.source, destination))
        return jobs

    def _directory_destination(self, destination: str) -> str:
        """Keep both for a directory means a new one beside it (``tree (1)/``, as uploads do), not a merge.

        Overwrite, skip and continue merge into the one there, deciding file by file.
        """
        target = Path(destination)
        if self.on_conflict != "rename" or not os.path.lexists(target):
            return destination
        return self._keep_both(target, is_dir=True)

    def _plan_remote_tree(self, source: str, destination: str, modified: datetime | None) -> list[FileJob]:
        assert self.list_remote is not None
        jobs: list[FileJob] = []
        links: list[str] = []  # invalid_symlink: Transfer follows neither a broken link nor one leading out
        pending = [(paths.as_dir(source), Path(destination), modified)]
        while pending:
            self._check_cancel()
            remote_dir, here, when = pending.pop()
            local_dir = self._where_directory_goes(remote_dir, here)
            if local_dir is None:
                continue
            made = make_local_dir(local_dir)
            self._counters.directories += 1
            if made and when is not None:
                self._directory_times.append((local_dir, when.timestamp()))
            for entry in self.list_remote(remote_dir):
                local_name = paths.with_surrogates(entry.name)  # a name that is not UTF-8 gets its bytes back
                if entry.type == "dir":
                    pending.append((remote_dir + entry.name + "/", local_dir / local_name, entry.last_modified))
                elif entry.type == "file":
                    jobs.append(FileJob(remote_dir + entry.name, str(local_dir / local_name), entry.size or 0))
                elif entry.is_invalid_link:
                    links.append(remote_dir + entry.name)
        self._left_out(links, "link", "broken, or leading outside the collection: nothing behind them to fetch")
        return jobs

    def _where_directory_goes(self, remote_dir: str, local_dir: Path) -> Path | None:
        """Where a collection directory is written here; None when this directory is passed over.

        A file (or link, or pipe) of that name here is the conflict "directory against file": one item,
        decided by the task's policy like any other, never the end of the whole download.
        """
        if not os.path.lexists(local_dir) or local_dir.is_dir():
            return local_dir
        if self.on_conflict == "rename":
            return Path(self._keep_both(local_dir, is_dir=True))
        if self.on_conflict == "skip":
            with self._lock:  # a directory, not a file: its files were never listed, so none is counted
                self._counters.directories_skipped += 1
            self._event("SKIPPED", f"{local_dir.name} is a file in {local_dir.parent}; the directory {remote_dir} "
                        "was skipped, the file left as it was", str(local_dir))
            return None
        # Overwrite (and Continue) merge directories, file by file: a file cannot take a directory's files.
        # One failed directory, as one that cannot be read: not in the files' counts.
        self._item_failed(remote_dir, f"{local_dir} is a file here, not a directory; it was left as it was and "
                          "nothing of the directory was downloaded", str(local_dir), directory=True)
        return None

    def _plan_local_tree(self, source: str, destination: str) -> list[FileJob]:
        jobs: list[FileJob] = []
        links: list[str] = []  # in an upload (a copy makes them again as links)
        broken: list[str] = []  # links with nothing behind them, in an upload: skipped, and counted so
        special: list[str] = []
        pending = [(Path(source), destination)]
        while pending:
            self._check_cancel()
            local_dir, target_dir = pending.pop()
            try:
                # Read before anything is made: a directory that cannot be read is one failed item
                # (named), not the end of the task, and leaves no empty copy of itself behind.
                listing = read_local_dir(local_dir)
            except OSError as exc:
                self._directory_failed(str(local_dir), target_dir, str(local_error(exc, "read", str(local_dir))))
                continue
            made = self._make_destination_dir(target_dir)
            self._counters.directories += 1
            if made and self.kind == "copy":  # an upload's directories are made by Transfer, which sets no times
                self._directory_times.append((Path(target_dir), listing.modified))
            for entry, info in listing.entries:
                target = tree_join(target_dir, entry.name, remote=self.kind == "upload")
                if stat.S_ISDIR(info.st_mode):
                    pending.append((Path(entry.path), target))
                elif stat.S_ISREG(info.st_mode):
                    jobs.append(FileJob(entry.path, target, info.st_size))
                elif stat.S_ISLNK(info.st_mode) and self.kind == "copy":
                    jobs.append(FileJob(entry.path, target, 0, link_target=os.readlink(entry.path)))
                elif stat.S_ISLNK(info.st_mode):
                    (links if os.path.exists(entry.path) else broken).append(entry.path)
                else:
                    special.append(entry.path)
        self._left_out(links, "link", "HTTPS uploads carry file contents only, as Globus leaves links out")
        self._left_out(special, "special file", "named pipes, sockets and devices have no contents to copy")
        if broken:
            self._event("SKIPPED", broken_links_skipped(broken), "\n".join(broken))
            with self._lock:
                self._counters.files_skipped += len(broken)
        return jobs

    def _left_out(self, found: list[str], what: Literal["link", "special file"], why: str) -> None:
        """Say what a tree walk did not take, and why: never drop files silently (counted for the task's
        summary and notice, named in an event)."""
        if not found:
            return
        code, counter = _LEFT_OUT[what]
        with self._lock:
            setattr(self._counters, counter, getattr(self._counters, counter) + len(found))
        self._event(code, f"{plural(len(found), what)} left out ({why}): {first_few(found)}", "\n".join(found))

    def _keep_directory_times(self) -> None:
        """The source's times on the directories this task made, once every file is in (each file
        written into a directory moved its time). Directories that were there before keep theirs."""
        for directory, when in self._directory_times:
            if self._cancel.is_set():
                return
            try:
                os.utime(directory, (when, when))
            except OSError as exc:
                self._event("TIME_NOT_KEPT", f"{directory}: {exc.strerror or 'error'}", is_error=False)

    def _make_destination_dir(self, target: str) -> bool:
        """Make the directory; True if this task made it (a local one that was not there)."""
        if self.kind == "upload":
            assert self.make_remote_dir is not None
            with contextlib.suppress(AlreadyExists):
                self.make_remote_dir(paths.as_dir(target))
            return False
        return make_local_dir(Path(target))

    # --- moving ----------------------------------------------------------------

    def _move_all(self, jobs: list[FileJob]) -> None:
        local = threading.local()

        def one(job: FileJob) -> None:
            if self._cancel.is_set():
                return
            remote = getattr(local, "remote", None)
            if remote is None and self.open_remote is not None:
                remote = local.remote = self.open_remote()
            if self.fatal_error:
                return  # a sign-in problem stopped the task: the other files would meet it too
            try:
                self._move(job, remote)
            except (Cancelled, _TaskStopped):
                pass
            except SIGN_IN_ERRORS as exc:
                # Not this file's fault: say it once, stop starting files; F5 again resumes downloads.
                self._stop("SIGN_IN_NEEDED", f"{exc} Then press F5 again (downloads resume).", job)
            except LocalWriteError as exc:
                if exc.disk_full:  # the next files would fill nothing but error events
                    with self._lock:
                        self._counters.files_failed += 1
                    self._stop("DISK_FULL", f"{exc} Free some space, then press F5 again (downloads resume).", job)
                else:
                    self._item_failed(job.source, str(exc), job.destination)
            except (GtermError, OSError) as exc:
                message = str(exc) if isinstance(exc, GtermError) else (exc.strerror or "error")
                self._item_failed(job.source, message, job.destination)

        with ThreadPoolExecutor(max(1, self.streams), thread_name_prefix="gterm-local-task") as pool:
            list(pool.map(one, jobs))

    def _through_outages(self, job: FileJob, send: Callable[[], object]) -> None:
        """``send`` the file; while the network (or Globus) is away, wait for it and send it again.

        HttpsFiles retries a dropped connection for some seconds. Past that, the outage is no fault of
        this file: as Globus retries a fault, the task says it is waiting (``CONNECTION_LOST``, once)
        and tries again with growing pauses, and goes on when the network is back. After
        :data:`OUTAGE_LIMIT` it stops, as a sign-in problem does (F5 again resumes downloads).
        """
        attempt = 0
        while True:
            try:
                send()
            except Offline as exc:
                self._wait_out(exc, job, attempt)
                attempt += 1
                continue
            self._outage_over()  # a file went through the network: it is back
            return

    def _wait_out(self, exc: Offline, job: FileJob, attempt: int) -> None:
        """Wait before ``job`` is sent again; raises _TaskStopped once the task stops (the outage lasted
        :data:`OUTAGE_LIMIT`, or another file stopped it) and Cancelled on a cancel."""
        with self._lock:
            now = time.monotonic()
            first = self._outage_since is None
            if first:
                self._outage_since = now
                self.nice_status = "CONNECTION_LOST"
            waited = now - (self._outage_since or now)
        if first:
            self._event("CONNECTION_LOST", f"{exc} Waiting for it: the files go on when it is back.", job.source,
                        is_error=True)
            self._changed()
        if waited >= OUTAGE_LIMIT:
            self._stop("CONNECTION_LOST", f"No connection for {OUTAGE_LIMIT / 60:.0f} minutes: stopped. {exc} "
                       "Press F5 again when it is back (downloads resume).", job)
        if not self.fatal_error:
            self._stopping.wait(OUTAGE_PAUSES[min(attempt, len(OUTAGE_PAUSES) - 1)])  # a stop or cancel ends it
        if self._cancel.is_set():
            raise Cancelled("Stopped while waiting for the network.")
        if self.fatal_error:
            raise _TaskStopped  # said once by _stop; this file is not one more failure

    def _outage_over(self) -> None:
        with self._lock:
            if self._outage_since is None:
                return
            self._outage_since = None
            self.nice_status = None
        self._event("CONNECTION_RESTORED", "The connection is back: the files go on.")
        self._changed()

    def _stop(self, code: str, message: str, job: FileJob) -> None:
        """A cause every file shares: the task fails with it once and starts no more files."""
        with self._lock:
            first = self.fatal_error is None
            self.fatal_error = self.fatal_error or message
        self._stopping.set()  # files waiting out an outage stop waiting
        if first:
            self._event(code, message, job.source, is_error=True)
            self._changed()

    def _move(self, job: FileJob, remote: HttpsFiles | None) -> None:
        resolved = self._resolve_conflict(job)
        if resolved is None:
            with self._lock:
                self._counters.files_skipped += 1
                self._counters.bytes_total -= job.size
            return
        destination, continue_from = resolved
        if self.kind == "download":
            assert remote is not None
            # One tally for every attempt: the part an attempt cut off by an outage fetched was counted
            # as it came, so the next attempt must not count it again as bytes kept from before.
            tally = DownloadTally()
            self._through_outages(job, lambda: remote.download(
                job.source, Path(destination), progress=self._moved, kept=self._resumed, cancel=self._cancel,
                continue_from=continue_from, tally=tally,
                discarded=lambda count, why: self._part_discarded(job, count, why),
            ))
        elif self.kind == "upload":
            assert remote is not None
            self._through_outages(
                job, lambda: remote.upload(Path(job.source), destination, progress=self._moved, cancel=self._cancel)
            )
        elif job.link_target is not None:
            self._copy_link(job.link_target, Path(destination))
        else:
            self._copy_local(Path(job.source), Path(destination))
        with self._lock:
            self._counters.files_done += 1
        self._changed(checkpoint=True)

    def _part_discarded(self, job: FileJob, count: int, why: str) -> None:
        """Bytes a download had are thrown away: said, as the quit dialog promised they would resume."""
        self._event("PART_DISCARDED", f"{job.source}: discarded {plural(count, 'byte')} an earlier attempt had"
                    f" downloaded ({why}); it is downloaded again from the start", job.destination)

    def _moved(self, count: int) -> None:
        with self._lock:
            self._counters.bytes_done += count

    def _resumed(self, count: int) -> None:
        with self._lock:
            self._counters.bytes_resumed += count

    def _resolve_conflict(self, job: FileJob) -> tuple[str, Path | None] | None:
        """(where the file goes, a file there to continue from), or None to skip it.

        Decided against the disk now, not against the listing the dialog saw: a file that appeared
        since (or that the pane had not listed yet) gets the task's policy too, and is named in an event.
        """
        if self.kind == "upload":
            # The dialog asked about the names it could see; PUT replaces atomically.
            return job.destination, None
        target = Path(job.destination)
        if not os.path.lexists(target) or self.on_conflict == "overwrite":
            return job.destination, None
        where = f"{target.name} is already in {target.parent}"
        if self.on_conflict == "skip":
            self._event("SKIPPED", f"{where}; skipped, left as it was", str(target))
            return None
        if self.on_conflict == "resume":
            if self.kind != "download":
                return job.destination, None  # a copy has nothing to continue: it is written whole
            if not target.is_file() or target.is_symlink():
                raise InvalidInput(f"Cannot continue {target}: it is not a regular file. Nothing was changed.")
            return job.destination, target
        return self._keep_both(target, is_dir=False), None

    def _keep_both(self, target: Path, *, is_dir: bool) -> str:
        """A free "keep both" name beside ``target``, said in the task's events."""
        renamed = target.with_name(
            paths.free_name(target.name, lambda name: os.path.lexists(target.with_name(name)), is_dir=is_dir)
        )
        self._event("KEPT_BOTH", f"{target.name} is already in {target.parent}; this one is saved as {renamed.name}",
                    str(renamed))
        return str(renamed)

    def _copy_link(self, link_target: str, destination: Path) -> None:
        """A link in a copied tree is made again as a link to the same target (cp -a, rsync -a)."""
        temp = part_path(destination)
        try:
            temp.unlink(missing_ok=True)
            os.symlink(link_target, temp)
            os.replace(temp, destination)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise local_write_error(exc, destination, kept=None) from None

    def _copy_local(self, source: Path, destination: Path) -> None:
        """A local copy to a hidden temporary name, renamed into place; times kept."""
        try:
            # Not open(): a named pipe's open would wait for a writer, with no way to cancel it.
            source_fd = open_regular(source, refusal="it cannot be copied.")
        except OSError as exc:
            raise local_error(exc, "read", str(source)) from None
        temp = part_path(destination)
        try:
            with open(source_fd, "rb") as src, open(temp, "wb") as dst:
                while True:
                    self._check_cancel()
                    piece = src.read(PIECE)
                    if not piece:
                        break
                    dst.write(piece)
                    self._moved(len(piece))
            shutil.copystat(source, temp)
            os.replace(temp, destination)
        except Cancelled:
            temp.unlink(missing_ok=True)
            raise
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise local_write_error(exc, destination, kept=None) from None

    def _check_cancel(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("Canceled")
