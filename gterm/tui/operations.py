"""The one operation runner: a service call in a thread worker, its failure reported where it belongs.

Panes (mkdir, rename, move, delete) and the bookmark sidebar (add, rename,
delete) run their calls through :func:`run_operation`: ``call(service)`` runs
in a worker of ``owner``; a failure goes to ``worker_errors.report`` (shown on
``owner``'s message line, with a retry that runs the same operation again
after a sign-in); a result goes to ``on_done`` on the event loop. A caller
that asked for what the call needed (a name typed in a prompt) passes
``on_failed``: a failure other than a sign-in goes there instead, so the
prompt can come back with what was typed and why it failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual.widget import Widget

from gterm.globus.transfer import TransferService
from gterm.tui.host import host_of
from gterm.tui.worker_errors import AUTH_ERRORS, ShowsErrors, deliver, report

T = TypeVar("T")


def run_operation(
    owner: Widget,
    target: ShowsErrors,
    context: str,
    call: Callable[[TransferService], T],
    on_done: Callable[[T], object] | None = None,
    *,
    group: str,
    announce: bool = False,
    on_failed: Callable[[BaseException], object] | None = None,
) -> None:
    """Run ``call(service)`` in a thread worker of ``owner`` (worker group ``group``).

    A failure is shown on ``target`` (and as a notification) with a retry; a
    result is handed to ``on_done``; ``announce`` adds a "<context>: done."
    notification.
    """
    service = host_of(owner).service
    app = owner.app

    def again() -> None:
        run_operation(owner, target, context, call, on_done, group=group, announce=announce, on_failed=on_failed)

    def operation() -> None:
        try:
            result = call(service)
        except Exception as exc:  # noqa: BLE001 - routed to worker_errors
            if on_failed is not None and not isinstance(exc, AUTH_ERRORS):
                deliver(app, on_failed, exc)
            else:
                deliver(app, report, app, exc, context=context, target=target, retry=again)
            return
        if on_done is not None:
            deliver(app, on_done, result)
        if announce:
            deliver(app, app.notify, f"{context}: done.")

    owner.run_worker(operation, thread=True, group=group, exit_on_error=False, name=context)
