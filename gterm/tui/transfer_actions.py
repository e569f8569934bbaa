"""F5 (transfer), c (compare) and t (task panel): the screen with two panes and a task panel.

:class:`TransferScreen` is the base of MainScreen (and of the tests' host
screen). A subclass provides ``active_pane``, ``inactive_pane``, ``panes()``
and ``task_panel``; panes are anything that is a :class:`TransferPane`.
The keys are declared by the subclass that owns them (MainScreen's list).

Submission is once-only: the worker takes a submission id first, stores it on
the request, then submits with :meth:`TransferService.submit_transfer_once`
(which retries dropped responses with the same id). A failed submission
offered again (the retry after a re-login) reuses the same request object and
so the same id: Globus answers with the original task instead of a second one.

After a submission the source pane's selection is cleared (as Midnight
Commander does), and when the task ends, however it ends, every pane showing
its destination directory, a directory above it or one inside a directory sent
is listed again, so the panes never show a directory as it was before the
transfer. A task's end reaches the screen one
way: the task panel's ``TaskFinished`` message; :meth:`TransferScreen.after_task`
says what to do then (transfers and deletes alike).

Compare (``c``) selects, in each pane, what to copy to the other side (the
newer copies, and what the other side lacks: gterm.tui.compare), replacing
that pane's selection as Midnight Commander does, so F5 right after it sends
exactly those. What differs but is not to copy (the older copy, a file facing
a directory) gets a ``≠`` mark. Marks describe the two listings they were
computed on: when either pane lists anything again (navigation or reload) the
marks of both panes are dropped; a selection is the user's and stays. The
notice counts the rows the user can see and says how many more the filter hides.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Protocol

from textual import on
from textual.screen import Screen

from gterm.globus import paths
from gterm.globus.errors import is_retryable
from gterm.globus.models import Collection, Entry, Listing, Task
from gterm.tui.host import AppHost
from gterm.tui.messages import PaneLocationChanged
from gterm.tui.safe_text import escape_controls
from gterm.tui.widgets.task_panel import TaskPanel
from gterm.tui.worker_errors import back_with_error, deliver, describe, report
from gterm.wording import plural

# F5's plan, its dialog and gterm's own (HTTPS and local) tasks, and `c`'s comparison are
# imported when the key is first pressed: none is on the first frame (gterm.tui.app says why).
if TYPE_CHECKING:  # pragma: no cover
    from gterm.globus.local_tasks import Kind, LocalTask, OnConflict
    from gterm.globus.transfer_requests import TransferRequest
    from gterm.tui.compare import CompareResult
    from gterm.tui.screens.transfer_dialog import SentForm
    from gterm.tui.transfer_plan import SendKey, TransferPlan


class TransferPane(Protocol):
    """What the transfer actions need from a pane (the browser's Pane; a small live pane in the tests)."""

    @property
    def collection(self) -> Collection | None: ...

    @property
    def collection_id(self) -> str | None: ...

    @property
    def path(self) -> str | None: ...

    @property
    def listing(self) -> Listing | None: ...

    @property
    def pages_pending(self) -> bool: ...

    @property
    def has_marks(self) -> bool: ...

    @property
    def visible_marked_count(self) -> int: ...

    @property
    def hidden_selected_count(self) -> int: ...

    def selected_entries(self) -> list[Entry]: ...

    def set_marks(self, names: set[str]) -> None: ...

    def clear_selection(self) -> None: ...

    def replace_selection(self, names: set[str]) -> None: ...

    def reload(self) -> None: ...

    def defer_until_loaded(self, action: Callable[[], object]) -> bool: ...


def _display_name(pane: TransferPane) -> str:
    if pane.collection is not None and pane.collection.display_name:
        return pane.collection.display_name
    return pane.collection_id or ""


def plan_from_panes(source: TransferPane, destination: TransferPane) -> TransferPlan | str:
    """The transfer F5 means, or a sentence saying why there is nothing to do. Where it goes is not checked
    here: the F5 dialog's "to" field may change it (see :meth:`TransferScreen.action_transfer`)."""
    from gterm.tui.transfer_plan import TransferPlan

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
    listing = destination.listing
    source_listing = source.listing
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
        hidden_by_filter=source.hidden_selected_count,
        invalid_links=tuple(entry for entry in chosen if entry.is_invalid_link),
    )


def destination_dirs(request: TransferRequest) -> set[str]:
    """The destination directories a transfer writes into (the parents of its items' destinations)."""
    return {paths.parent(item.destination_path) for item in request.items}


def destination_trees(request: TransferRequest) -> set[str]:
    """The destination directories a transfer's directory items fill: what is inside them may change (new
    files, and with "delete extras" files and directories removed)."""
    return {item.destination_path for item in request.items if item.recursive}


def source_dirs(request: TransferRequest) -> set[str]:
    return {paths.parent(item.source_path) for item in request.items}


class TransferScreen(Screen[None]):
    """Transfer, compare and the task panel for a screen with two panes (see the module docstring)."""

    host = AppHost()

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._after_task: dict[str, list[Callable[[Task], object]]] = {}  # task id -> what to do when it ends
        # The plans whose request is out to Globus: F5 on the same entries again would send them twice.
        self._submitting: set[SendKey] = set()

    # -- provided by the subclass ---------------------------------------------------------

    @property
    def active_pane(self) -> TransferPane:
        raise NotImplementedError

    @property
    def inactive_pane(self) -> TransferPane:
        raise NotImplementedError

    @property
    def task_panel(self) -> TaskPanel:
        raise NotImplementedError

    def panes(self) -> tuple[TransferPane, TransferPane]:
        """Both panes, whichever is active."""
        return self.active_pane, self.inactive_pane

    def _panes_showing(self, collection_id: str, directories: set[str]) -> list[TransferPane]:
        return [
            pane
            for pane in self.panes()
            if pane.collection_id == collection_id
            and pane.path is not None
            and any(paths.same_dir(pane.path, directory) for directory in directories)
        ]

    # -- tasks: what happens when one ends ------------------------------------------------

    def after_task(self, task_id: str, then: Callable[[Task], object], *, expected_bytes: int | None = None) -> None:
        """Call ``then(task)`` once the task panel announces that ``task_id`` ended (however it ended)."""
        self._after_task.setdefault(task_id, []).append(then)
        self.task_panel.follow_task(task_id, expected_bytes=expected_bytes)
        self.task_panel.refresh_tasks()

    @on(TaskPanel.TaskFinished)
    def _task_finished(self, event: TaskPanel.TaskFinished) -> None:
        # Not stopped: the app may want to hear about finished tasks too.
        follow_ups = self._after_task.pop(event.task.task_id, [])
        if not follow_ups:
            self._refresh_what_it_changed(event.task)
        for then in follow_ups:
            try:
                then(event.task)
            except Exception as error:  # noqa: BLE001 - a follow-up must not break the screen
                report(self.app, error, context="After the task ended")

    def _refresh_what_it_changed(self, task: Task) -> None:
        """A task this session did not submit (an earlier session's, another client's) ended: reload the
        panes on the collection it wrote to. Its directories are not in the task document, so each such
        pane reloads (keeping its cursor and selection)."""
        changed = task.source_endpoint_id if task.type == "DELETE" else task.destination_endpoint_id
        if not changed:
            return
        for pane in self.panes():
            if pane.collection_id == changed:
                pane.reload()

    # -- F5 -------------------------------------------------------------------------------

    def action_transfer(self) -> None:
        # Both panes must show where they are going: the source's entries and the destination's path.
        for pane in self.panes():
            if pane.defer_until_loaded(self.action_transfer):
                return
        plan = plan_from_panes(self.active_pane, self.inactive_pane)
        if isinstance(plan, str):
            self.app.notify(plan, severity="warning")
            return
        from gterm.tui.local_transfer import task_kind

        kind = task_kind(plan.source_collection_id, plan.destination_collection_id)
        if plan.send_key in self._submitting:
            self.app.notify(f"Still preparing this {kind}: its task shows in the task panel once it starts."
                            if kind else "Still submitting these to Globus: the task shows in the task panel once "
                            "Globus has taken it.", severity="warning")
            return
        if kind is not None:
            # Its dialog has a "to" field too: a destination that cannot be is said on Enter, so that another
            # can be typed (Midnight Commander's copy with both panels on one directory).
            self.start_local_task(plan, kind)
            return
        left_out = len(plan.invalid_links)
        if left_out:
            self.app.notify(
                f"{plural(left_out, 'broken or outside link')} left out: Globus cannot transfer "
                f"{'it' if left_out == 1 else 'them'}.",
                severity="warning",
            )
        self._open_transfer_dialog(plan, plan.send_key)

    # -- F5 with This computer on a side: gterm's own task ---------------------------------

    def _confirm_local_task(self, plan: TransferPlan, kind: Kind, remote: Collection | None) -> None:
        """F5 asks where to, as Midnight Commander's copy dialog does: a "to" field (Enter goes ahead, Esc backs
        out); what it returns is the plan sent where it says."""
        from gterm.tui.screens.local_task_dialog import LocalTaskDialog

        def confirmed(chosen: TransferPlan | None) -> None:
            if chosen is not None:
                self._check_destination_then_ask(chosen, kind, remote)

        self.app.push_screen(
            LocalTaskDialog(plan, kind, service=self.host.service,
                            history=self.host.config.destinations(plan.destination_collection_id)),
            confirmed,
        )

    def start_local_task(self, plan: TransferPlan, kind: Kind) -> None:
        """A download, upload or copy: check HTTPS access, confirm, ask about existing names, then run it."""
        from gterm.globus.https_access import no_https_reason

        remote: Collection | None = None
        if kind != "copy":
            remote = (self.active_pane if kind == "download" else self.inactive_pane).collection
            if remote is None:
                return
            if not remote.https_server:
                self.app.notify(no_https_reason(remote), title="No HTTPS access", severity="error", timeout=12)
                return
            if self.host.https is None:
                self.app.notify("Downloads and uploads need a signed-in session (HTTPS access).", severity="error")
                return
        self._confirm_local_task(plan, kind, remote)

    def _check_destination_then_ask(self, plan: TransferPlan, kind: Kind, remote: Collection | None) -> None:
        """An upload asks the collection which chosen names it holds (on a worker) before asking the user:
        a PUT replaces a file, and the pane's listing may not show it. Downloads and copies decide
        against this computer's disk as each file is written; into a directory typed in the dialog (no
        pane listed it), that directory is listed first, so the overwrite question is asked there too."""
        if kind != "upload" and not plan.typed_target:
            self._ask_about_names_then_run(plan, kind, remote)
            return
        from gterm.tui.local_transfer import with_destination_now

        service = self.host.service

        def check() -> Callable[[], object]:
            try:
                checked = with_destination_now(plan, service, kind)
            except Exception as error:  # noqa: BLE001 - routed to the one error place
                return partial(report, self.app, error, context=kind.title(),
                               retry=lambda: self._check_destination_then_ask(plan, kind, remote))
            return partial(self._ask_about_names_then_run, checked, kind, remote)

        self._while_busy(plan.send_key, "check-upload-names", check)

    def _ask_about_names_then_run(self, plan: TransferPlan, kind: Kind, remote: Collection | None) -> None:
        from gterm.tui.local_transfer import conflicts

        taken = conflicts(plan)
        if not taken:
            # The listing may be stale: a name found taken when the file is written is kept beside
            # (the task's events say so), never overwritten unasked.
            self._prepare_local_task(plan, kind, remote, "rename")
            return
        from gterm.tui.screens.prompts import ChoicePrompt

        policies: dict[str, OnConflict] = {
            "overwrite": "overwrite", "skip": "skip", "rename": "rename", "resume": "resume"
        }
        choices = [("overwrite", "Overwrite"), ("skip", "Skip"), ("rename", "Rename")]
        these, them, ones = ("this", "it", "one gets") if len(taken) == 1 else ("these", "them", "ones get")
        message = (f"{plan.destination_path} already has {these}. Overwrite {them}, skip {them}, or keep both "
                   f"(the new {ones} a free name)?")
        if kind == "download":  # a PUT cannot continue a file; a download can, with a Range request
            choices.append(("resume", "Continue"))
            message += (" Continue keeps the bytes already here and fetches only the rest (for a file an earlier"
                        " download or copy left unfinished; it is checked against the remote file first)."
                        " An interrupted download resumes by itself.")

        def answered(choice: str | None) -> None:
            if choice in policies:
                self._prepare_local_task(plan, kind, remote, policies[choice])

        count = len(taken)
        self.app.push_screen(
            ChoicePrompt(
                f"{plural(count, 'name')} already in {plan.destination_name}",
                message,
                choices,
                items=[conflict.line() for conflict in taken],
                default="skip",  # Enter on this dialog must not destroy anything
            ),
            answered,
        )

    def _prepare_local_task(self, plan: TransferPlan, kind: Kind, remote: Collection | None, on_conflict: OnConflict
                            ) -> None:
        """On a worker: the collection's HTTPS token first (a consent is asked in the app, then this runs again)."""
        from gterm.tui.local_transfer import build_task, make_destination

        https, service = self.host.https, self.host.service

        def prepare() -> Callable[[], object]:
            try:
                if remote is not None and https is not None:
                    https.check_access(remote)  # the https scope's token: ConsentNeeded before any file moves
                made = make_destination(plan, kind, service)  # a directory typed in the dialog, not there yet
                task = build_task(plan, kind, on_conflict, remote=remote, https=https, service=service)
            except Exception as error:  # noqa: BLE001 - routed to the one error place
                return partial(report, self.app, error, context=kind.title(),
                               retry=lambda: self._prepare_local_task(plan, kind, remote, on_conflict))
            return partial(self._run_local_task, plan, task, made)

        self._while_busy(plan.send_key, "prepare-local-task", prepare)

    def _while_busy(self, key: SendKey, name: str, job: Callable[[], Callable[[], object]]) -> None:
        """``job`` on a worker while ``key`` is busy (F5 on the same entries meanwhile says so, rather than
        starting a second task); what it returns runs on the event loop once the key is free again."""
        self._submitting.add(key)

        def run() -> None:
            then: Callable[[], object] | None = None
            try:
                then = job()
            finally:  # whatever came of it, the entries are free again (an escaped error is reported as such)
                deliver(self.app, self._free_then, key, then)

        self.app.run_worker(run, thread=True, group="submit", exit_on_error=False, name=name)

    def _free_then(self, key: SendKey, then: Callable[[], object] | None) -> None:
        self._submitting.discard(key)
        if then is not None:
            then()

    def _run_local_task(self, plan: TransferPlan, task: LocalTask, made: str | None = None) -> None:
        if not task.items:  # an upload's answer skipped every name: a task would do nothing, and say "done"
            count = len(plan.entries)
            names = "the name is" if count == 1 else "both names are" if count == 2 else f"all {count:,} names are"
            self.app.notify(f"Nothing to {task.kind}: {names} already in {escape_controls(plan.destination_name)} "
                            f"and {'was' if count == 1 else 'were'} skipped.", severity="warning")
            return
        for pane in self._panes_showing(plan.source_collection_id, {plan.source_path}):
            pane.clear_selection()  # sent, as after a Globus transfer's submit
        self.task_panel.add_local_task(task)
        self.after_task(task.task_id, lambda _task: self._local_task_ended(plan))
        started = f"{task.label}: started"
        if made is not None:
            started += f". Made {escape_controls(made)}: it was not there"
        if plan.invalid_links:
            started += f". {plan.invalid_links_said()}"
        self.app.notify(started, title=escape_controls(plan.destination_name))
        self.app.run_worker(task.run, thread=True, group="local-tasks", exit_on_error=False, name=task.task_id)

    def _local_task_ended(self, plan: TransferPlan) -> None:
        trees = {paths.child(plan.destination_path, plan.target_name(entry), is_dir=True)
                 for entry in plan.entries if entry.is_dir}
        self._reload_written(plan.destination_collection_id, {plan.destination_path}, trees)

    def _open_transfer_dialog(self, plan: TransferPlan, key: SendKey, again: SentForm | None = None,
                              error: str = "") -> None:
        """F5's dialog; ``again``, ``error``: back after Globus refused what it sent, with the form and why."""
        from gterm.tui.screens.transfer_dialog import TransferDialog

        dialog = TransferDialog(plan, service=self.host.service, again=again, error=error,
                                history=self.host.config.destinations(plan.destination_collection_id))

        def closed(request: TransferRequest | None) -> None:
            if request is None:
                return
            sent = dialog.sent
            ask_again = None if sent is None else partial(self._open_transfer_dialog, dialog.plan, key, sent)
            self.submit_transfer_request(request, key, ask_again=ask_again)

        self.app.push_screen(dialog, closed)

    def submit_transfer_request(self, request: TransferRequest, key: SendKey,
                                ask_again: Callable[[str], object] | None = None) -> None:
        """Submit in a thread worker; the same request object keeps its submission id across retries.
        ``key`` (the plan's :attr:`~TransferPlan.send_key`) is busy until Globus answers. ``ask_again(why)``
        brings the dialog back with what it sent, when Globus refuses it for good."""
        service = self.host.service
        self._submitting.add(key)

        def submit() -> None:
            try:
                if request.submission_id is None:
                    request.submission_id = service.new_submission_id()
                task_id = service.submit_transfer_once(request)
            except Exception as error:  # noqa: BLE001 - routed to the one error place
                deliver(self.app, self._submit_failed, request, key, error, ask_again)
                return
            deliver(self.app, self._submitted, request, key, task_id)

        self.app.run_worker(submit, thread=True, group="submit", exit_on_error=False, name="submit-transfer")

    def _submitted(self, request: TransferRequest, key: SendKey, task_id: str) -> None:
        self._submitting.discard(key)
        self.app.notify(
            f"Transfer submitted: task {task_id}", title=escape_controls(request.label or "Transfer")
        )
        self._clear_source_selection(request)
        self.after_task(
            task_id, lambda task: self._transfer_ended(request, task), expected_bytes=request.expected_bytes
        )

    def _clear_source_selection(self, request: TransferRequest) -> None:
        """The selection was sent: drop it in the pane(s) still showing the source directory."""
        for pane in self._panes_showing(request.source_collection, source_dirs(request)):
            pane.clear_selection()

    def _transfer_ended(self, request: TransferRequest, task: Task) -> None:
        """List the destination again (also after a failure: some files may be there): see :meth:`_reload_written`."""
        self._reload_written(request.destination_collection, destination_dirs(request), destination_trees(request))

    def _reload_written(self, collection_id: str, directories: set[str], trees: set[str]) -> None:
        """Reload every pane on ``collection_id`` that shows one of ``directories`` (written into) or a directory
        above one, or a directory inside one of ``trees`` (a directory item's destination), as Midnight Commander
        rereads both panels after a copy. Above: a directory typed in the F5 dialog that did not exist was made
        there. Inside: a directory sent adds files down there, and "delete extras" may remove the very directory
        a pane shows; its reload then finds it gone and climbs to the nearest one left (Pane.reload)."""
        for pane in self.panes():
            if pane.collection_id != collection_id or pane.path is None:
                continue
            above = any(paths.is_within(directory, pane.path) for directory in directories)
            if above or any(paths.is_within(pane.path, tree) for tree in trees):
                pane.reload()

    def _submit_failed(self, request: TransferRequest, key: SendKey, error: Exception,
                       ask_again: Callable[[str], object] | None) -> None:
        """A sign-in is asked for and the request goes again; a network or service failure asks whether to
        try again, with everything set in the dialog kept (a closed dialog had lost it all); a refusal the
        same request would meet again brings the dialog back with what was set and why, as F7 and F2's
        prompts come back (where it cannot, over another screen opened meanwhile, a notice says it)."""
        self._submitting.discard(key)

        def send_again() -> None:
            self.submit_transfer_request(request, key, ask_again)

        if not is_retryable(error):
            if ask_again is None or not back_with_error(self, error, ask_again):  # a sign-in: asked, then sent again
                report(self.app, error, context="Transfer", retry=send_again)
            return
        from gterm.tui.screens.prompts import ConfirmPrompt

        def answered(again: bool | None) -> None:
            if again:
                send_again()

        self.app.push_screen(
            ConfirmPrompt(
                "Transfer not submitted",
                f"{describe(error)} Everything set in the dialog is kept: Try again sends the same request "
                "(Globus takes it once, however often it is sent).",
                items=[request.label] if request.label else (),  # the list shows it escaped
                confirm_label="Try again",
            ),
            answered,
        )

    # -- compare --------------------------------------------------------------------------

    def action_compare(self) -> None:
        left, right = self.active_pane, self.inactive_pane
        if left.listing is None or right.listing is None:
            self.app.notify("Compare needs a listing in both panes.", severity="warning")
            return
        if left.pages_pending or right.pages_pending:
            self.app.notify("Compare when both listings are complete: still loading.", severity="warning")
            return
        from gterm.tui.compare import compare_listings

        result = compare_listings(left.listing, right.listing)
        # Midnight Commander's compare selects what to copy, replacing the selection, so F5/F6 act on it
        # at once; the ≠ mark is left for what differs but is not to copy (older copies, file vs directory).
        for pane, side in ((left, result.left), (right, result.right)):
            pane.replace_selection(set(side.send))
            pane.set_marks(set(side.older | side.clash))
        self.app.notify(_compare_notice(left, right, result), title="Compare")

    @on(PaneLocationChanged)
    def _marks_stale(self, event: PaneLocationChanged) -> None:
        """A pane listed a location (navigation or reload): compare marks on both sides are stale.

        Not stopped: the app records the location too.
        """
        for pane in self.panes():
            if pane.has_marks:
                pane.set_marks(set())

    # -- task panel -----------------------------------------------------------------------

    def action_focus_tasks(self) -> None:
        self.task_panel.display = True  # hidden by T: shown again to be worked in
        self.task_panel.focus_table()


def _compare_notice(left: TransferPane, right: TransferPane, result: CompareResult) -> str:
    """What compare did, counting the rows the user can see and saying how many more the filter hides."""
    if result.same:
        return "The directories have the same entries: nothing selected."
    here = _counted(len(result.left.send), len(result.left.send) - left.hidden_selected_count, "selected here")
    there = _counted(len(result.right.send), len(result.right.send) - right.hidden_selected_count, "there")
    text = f"{here}, {there}: the newer copies and what the other side lacks, for F5."
    left_marks, right_marks = result.left.older | result.left.clash, result.right.older | result.right.clash
    if left_marks or right_marks:
        marked_here = _counted(len(left_marks), left.visible_marked_count, "here")
        marked_there = _counted(len(right_marks), right.visible_marked_count, "there")
        text += f" ≠ marks {marked_here}, {marked_there}: older copies, or a file facing a directory; not selected."
    return text


def _counted(total: int, visible: int, what: str) -> str:
    """``3 selected here`` counting only rows the user can see, plus how many more are hidden or filtered out."""
    text = f"{visible:,} {what}"
    if total > visible:
        text += f" (+{total - visible:,} hidden or filtered out)"
    return text
