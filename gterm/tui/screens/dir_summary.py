"""F3 on a directory: how many files and bytes are inside, counted live (like ``du -s``).

The count walks the tree with one listing per directory on a worker thread and
shows its running totals; Escape stops it at once. Nothing is transferred.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Static
from textual.worker import get_current_worker

from gterm.globus import paths
from gterm.globus.errors import GtermError
from gterm.globus.models import Entry
from gterm.tui.keymap import SUMMARY_BINDINGS
from gterm.tui.safe_text import safe_text
from gterm.tui.screens.modal import GtermModal
from gterm.tui.task_format import human_bytes
from gterm.tui.worker_errors import deliver, describe
from gterm.wording import plural

ListDirectory = Callable[[str], Iterable[Entry]]
UPDATE_SECONDS = 0.2


@dataclass(slots=True)
class Totals:
    files: int = 0
    directories: int = 0
    bytes: int = 0
    unreadable: int = 0
    done: bool = False


class DirectorySummary(GtermModal[None]):
    """Files, directories and bytes below one directory, counted on a worker."""

    BINDINGS: ClassVar[list[BindingType]] = [*SUMMARY_BINDINGS]
    DEFAULT_CSS = """
    DirectorySummary > .modal-frame { width: 70; padding: 1 2; }
    DirectorySummary #summary-title { margin-bottom: 1; }
    """

    def __init__(self, title: str, directory: str, list_directory: ListDirectory) -> None:
        super().__init__()
        self._title = title
        self._directory = paths.as_dir(directory)
        self._list = list_directory
        self.totals = Totals()

    def compose_dialog(self) -> ComposeResult:
        yield self.heading(self._title, id="summary-title")
        yield Static("Counting…", id="summary-body")
        yield Static(Text("Esc closes (and stops counting)", style="dim"))

    def on_mount(self) -> None:
        self._count()

    def action_back_out(self) -> None:
        self.workers.cancel_group(self, "dir-summary")
        self.dismiss()

    @work(thread=True, group="dir-summary", exclusive=True, exit_on_error=False)
    def _count(self) -> None:
        worker = get_current_worker()
        totals = Totals()
        pending = [self._directory]
        shown = 0.0
        error = ""
        while pending and not worker.is_cancelled:
            directory = pending.pop()
            totals.directories += 1
            try:
                entries = list(self._list(directory))
            except GtermError as exc:
                totals.unreadable += 1
                error = describe(exc)
                continue
            for entry in entries:
                if entry.type == "dir":
                    pending.append(paths.child(directory, entry.name, is_dir=True))
                else:
                    totals.files += 1
                    totals.bytes += entry.size or 0
            if time.monotonic() - shown > UPDATE_SECONDS:
                shown = time.monotonic()
                deliver(self.app, self._show, dataclasses.replace(totals), error)
        totals.done = not worker.is_cancelled
        deliver(self.app, self._show, totals, error)

    def _show(self, totals: Totals, error: str) -> None:
        self.totals = totals
        subdirectories = plural(max(0, totals.directories - 1), "subdirectory", "subdirectories")
        lines = [
            f"{plural(totals.files, 'file')} in {subdirectories}",
            f"{human_bytes(totals.bytes)} ({plural(totals.bytes, 'byte')})",
            "" if totals.done else "counting…",
        ]
        if totals.unreadable:
            lines.append(f"{plural(totals.unreadable, 'directory', 'directories')} could not be read ({error})")
        self.query_one("#summary-body", Static).update(Text("\n").join(safe_text(line) for line in lines if line))

