"""F5 (transfer), c (compare) and t (task panel) for the main screen.

MainScreen mixes this in; it needs ``self.active_pane``, ``self.inactive_pane``
and ``self.task_panel`` on the screen, and ``self.app.service`` (a
TransferService). Panes offer ``collection``, ``collection_id``, ``path``,
``listing``, ``selected_entries()`` and ``set_marks(names)``.

Submission is once-only: the worker takes a submission id first, stores it on
the request, then submits with :meth:`TransferService.submit_transfer_once`
(which retries dropped responses with the same id). A failed submission
offered again (the retry after a re-login) reuses the same request object and
so the same id: Globus answers with the original task instead of a second one.

After a submission the source pane's selection is cleared (as Midnight
Commander does), and when the task ends, however it ends, every pane showing
its destination directory is listed again, so the panes never show a
directory as it was before the transfer.

Compare marks describe the two listings they were computed on: when either
pane lists anything again (navigation or reload) the marks of both panes are
dropped, and the compare notice counts only entries the user can see.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding, BindingType

from gterm.globus import paths
from gterm.globus.models import Task
from gterm.globus.transfer import TransferRequest
from gterm.tui.compare import compare_listings
from gterm.tui.safe_text import escape_controls

if TYPE_CHECKING:  # the dialog is imported when F5 first opens it: it is not on the first frame
    from gterm.tui.screens.transfer_dialog import TransferPlan

TRANSFER_BINDINGS: list[Binding] = [
    Binding("f5", "transfer", "Transfer", id="transfer"),
    Binding("c", "compare", "Compare", show=False, id="compare"),
    Binding("t", "focus_tasks", "Tasks", show=False, id="focus_tasks"),
]


def _display_name(pane: Any) -> str:
    collection = getattr(pane, "collection", None)
    if collection is not None and getattr(collection, "display_name", None):
        return str(collection.display_name)
    return str(pane.collection_id)


def plan_from_panes(source: Any, destination: Any) -> TransferPlan | str:
    """The transfer F5 means, or a sentence saying why there is nothing to do."""
    from gterm.tui.screens.transfer_dialog import TransferPlan

    if not source.collection_id or source.path is None:
        return "Open a collection in this pane first."
    if not destination.collection_id or destination.path is None:
        return "Open the destination collection in the other pane first."
    chosen = [entry for entry in source.selected_entries() if entry.name not in ("", ".", "..")]
    # A link the service will not follow (broken, or leading outside the collection) cannot be sent.
    entries = [entry for entry in chosen if not entry.is_invalid_link]
    if not entries:
        if chosen:
            return "Nothing to transfer: broken or outside links cannot be transferred."
        return "Nothing to transfer: select entries or put the cursor on one."
    if source.collection_id == destination.collection_id and _same_dir(source.path, destination.path):
        return "Source and destination are the same directory."
    listing = getattr(destination, "listing", None)
    source_listing = getattr(source, "listing", None)
    whole = (
        source_listing is not None
        and source_listing.complete
        and not source_listing.truncated
        and {entry.name for entry in chosen} >= {entry.name for entry in source_listing.entries}
    )
    return TransferPlan(
        source_collection_id=source.collection_id,
        source_name=_display_name(source),
        source_path=source.path,
        destination_collection_id=destination.collection_id,
        destination_name=_display_name(destination),
        destination_path=destination.path,
        entries=tuple(entries),
        destination_entries=tuple(listing.entries) if listing is not None else None,
        whole_directory=whole,
    )


def _same_dir(a: str, b: str) -> bool:
    return paths.as_dir(a) == paths.as_dir(b)


def destination_dirs(request: TransferRequest) -> set[str]:
    """The destination directories a transfer writes into (the parents of its items' destinations)."""
    return {paths.parent(item.destination_path) for item in request.items}


def source_dirs(request: TransferRequest) -> set[str]:
    return {paths.parent(item.source_path) for item in request.items}


class TransferActionsMixin:
    """Actions for a Screen with two panes and a task panel (see module docstring)."""

    BINDINGS: ClassVar[list[BindingType]] = [*TRANSFER_BINDINGS]

    # Provided by the screen that mixes this in (annotations only: no attribute may
    # shadow the Screen's own, since the mixin comes first in the MRO).
    active_pane: Any
    inactive_pane: Any
    task_panel: Any
    app: Any

    # -- F5 -----------------------------------------------------------------------------

    def _both_panes(self) -> Iterable[Any]:
        """Both panes (MainScreen.panes() when there is one), whichever is active."""
        panes = getattr(self, "panes", None)
        if callable(panes):
            return tuple(panes())
        return (self.active_pane, self.inactive_pane)

    def _panes_showing(self, collection_id: str, directories: set[str]) -> list[Any]:
        return [
            pane
            for pane in self._both_panes()
            if pane.collection_id == collection_id
            and pane.path is not None
            and any(_same_dir(pane.path, directory) for directory in directories)
        ]

    def action_transfer(self) -> None:
        # Both panes must show where they are going: the source's entries and the destination's path.
        for pane in self._both_panes():
            if pane.defer_until_loaded(self.action_transfer):
                return
        plan = plan_from_panes(self.active_pane, self.inactive_pane)
        if isinstance(plan, str):
            self.app.notify(plan, severity="warning", markup=False)
            return
        left_out = [entry for entry in self.active_pane.selected_entries() if entry.is_invalid_link]
        if left_out:
            self.app.notify(
                f"{len(left_out)} broken or outside link(s) left out: they cannot be transferred.",
                severity="warning",
                markup=False,
            )
        service = self.app.service
        from gterm.tui.screens.transfer_dialog import TransferDialog

        self.app.push_screen(TransferDialog(plan, service=service), self._transfer_dialog_closed)

    def _transfer_dialog_closed(self, request: TransferRequest | None) -> None:
        if request is not None:
            self.submit_transfer_request(request)

    def submit_transfer_request(self, request: TransferRequest) -> None:
        """Submit in a thread worker; the same request object keeps its submission id across retries."""
        self.app.run_worker(
            lambda: self._submit_in_thread(request),
            thread=True,
            group="submit",
            exit_on_error=False,
            name="submit-transfer",
        )

    def _submit_in_thread(self, request: TransferRequest) -> None:
        from gterm.tui.worker_errors import deliver

        service = self.app.service
        try:
            if request.submission_id is None:
                request.submission_id = service.new_submission_id()
            task_id = service.submit_transfer_once(request)
        except Exception as error:  # noqa: BLE001 - routed to the one error place
            deliver(self.app, self._submit_failed, request, error)
            return
        deliver(self.app, self._submitted, request, task_id)

    def _submitted(self, request: TransferRequest, task_id: str) -> None:
        self.last_submitted_task_id = task_id  # read by tests and the palette ("open last task")
        self.app.notify(
            f"Transfer submitted: task {task_id}", title=escape_controls(request.label or "Transfer"), markup=False
        )
        self._clear_source_selection(request)
        panel = getattr(self, "task_panel", None)
        if panel is not None:
            panel.watch_task(
                task_id,
                on_end=lambda task: self._transfer_ended(request, task),
                expected_bytes=request.expected_bytes,
            )
            panel.refresh_tasks()

    def _clear_source_selection(self, request: TransferRequest) -> None:
        """The selection was sent: drop it in the pane(s) still showing the source directory."""
        for pane in self._panes_showing(request.source_collection, source_dirs(request)):
            file_list = getattr(pane, "file_list", None)
            clear = getattr(file_list, "clear_selection", None) or getattr(pane, "clear_selection", None)
            if callable(clear):
                clear()

    def _transfer_ended(self, request: TransferRequest, task: Task) -> None:
        """List the destination again in every pane that shows it (also after a failure: some files may be there)."""
        for pane in self._panes_showing(request.destination_collection, destination_dirs(request)):
            pane.reload()

    def _submit_failed(self, request: TransferRequest, error: Exception) -> None:
        from gterm.tui.worker_errors import report

        report(self.app, error, context="Transfer", retry=lambda: self.submit_transfer_request(request))

    # -- compare ------------------------------------------------------------------------

    def action_compare(self) -> None:
        left, right = self.active_pane, self.inactive_pane
        if left.listing is None or right.listing is None:
            self.app.notify("Compare needs a listing in both panes.", severity="warning")
            return
        if getattr(left, "pages_pending", False) or getattr(right, "pages_pending", False):
            self.app.notify("Compare when both listings are complete: still loading.", severity="warning")
            return
        result = compare_listings(left.listing, right.listing)
        left.set_marks(set(result.left_marked))
        right.set_marks(set(result.right_marked))
        if not result.left_marked and not result.right_marked:
            self.app.notify("The directories have the same entries.", title="Compare")
        else:
            count = len(result.left_marked)
            here = _marked_text(left, count, " entry marked here" if count == 1 else " entries marked here")
            there = _marked_text(right, len(result.right_marked), " in the other pane")
            self.app.notify(f"{here}, {there}.", title="Compare", markup=False)

    def on_pane_location_changed(self, event: Any) -> None:
        """A pane listed a location (navigation or reload): compare marks on both sides are stale.

        A plain handler name, not ``@on``: this mixin is not a DOMNode, and
        Textual finds ``on_*`` methods along the screen's MRO. Not stopped:
        the app records the location too.
        """
        for pane in self._both_panes():
            file_list = getattr(pane, "file_list", None)
            if file_list is not None and file_list.marked_names:
                pane.set_marks(set())

    # -- task panel ---------------------------------------------------------------------

    def action_focus_tasks(self) -> None:
        panel = getattr(self, "task_panel", None)
        if panel is not None:
            panel.focus_table()


def _marked_text(pane: Any, total: int, where: str) -> str:
    """``3 entries marked here`` counting only rows the user can see, plus how many marks are hidden or filtered out."""
    file_list = getattr(pane, "file_list", None)
    visible = getattr(file_list, "visible_marked_count", None)
    if not isinstance(visible, int):
        visible = total  # a pane without a file list shows every entry
    text = f"{visible:,}{where}"
    if total > visible:
        text += f" (+{total - visible:,} hidden or filtered out)"
    return text
