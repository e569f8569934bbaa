"""Cancelling a task after a confirmation: one way, from the task panel and from the task details.

A Transfer task is cancelled through Transfer (``TransferService.cancel``); one of
gterm's own tasks (download, upload, copy) through ``LocalTaskControl`` with the
same method. Either may block on the network, so the call runs on a worker
thread; its answer becomes a notice and an error goes to the app's one error path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from textual.app import App

from gterm.globus.models import Task
from gterm.tui import task_format as fmt
from gterm.tui.safe_text import escape_controls
from gterm.tui.worker_errors import deliver, report


class Cancels(Protocol):
    """What cancels a task by its id and says what happened."""

    def cancel(self, task_id: str) -> str: ...


def confirm_cancel(
    app: App[Any], task: Task, control: Cancels, *, done: Callable[[str], None] | None = None
) -> None:
    """Ask "Cancel task ...?"; on yes cancel it on a worker thread and call ``done(message)`` (default: a notice)."""
    from gterm.tui.screens.prompts import ConfirmPrompt  # a screen module: imported when first asked

    if not task.is_active:
        app.notify("This task has already ended.", severity="warning")
        return
    task_id = task.task_id

    def finished(message: str) -> None:
        if done is not None:
            done(message)
        else:
            app.notify(escape_controls(message))

    def cancel() -> None:
        try:
            message = control.cancel(task_id)
        except Exception as error:  # noqa: BLE001 - reported to the user below, never raised in a worker
            # After a sign-in the cancel is sent again (the user already said yes).
            deliver(app, report, app, error, context=f"Task {task_id}", retry=start)
            return
        deliver(app, finished, message)

    def start() -> None:
        app.run_worker(cancel, name="cancel task", group="task-control", thread=True, exit_on_error=False)

    def answered(yes: bool | None) -> None:
        if yes:
            start()

    question = f"Cancel task {fmt.task_title(task)} ({task_id})?"
    # "Keep task", not "Cancel", answers no: beside "Cancel task" a "Cancel" button read as the same thing.
    app.push_screen(ConfirmPrompt("Cancel task", question, confirm_label="Cancel task", decline_label="Keep task",
                                  danger=True), answered)
