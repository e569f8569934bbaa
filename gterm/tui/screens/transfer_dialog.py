"""The F5 dialog: what will be sent, where, and every option Globus offers.

Where is a field, as in Midnight Commander's copy dialog: it proposes the
other pane's directory, selected (typing replaces it), and takes an absolute
path on the destination collection or one relative to that directory
(:func:`~gterm.tui.transfer_plan.retarget`). A directory that does not exist
is created by Globus ("All intermediate / parent directories on the dest will
be automatically created if they don't exist", docs.globus.org/cli/reference/
transfer), so it is sent into, not refused. A refused path is said under the
form, and the dialog stays with what was typed. The proposal itself may be
refused: F5 opens the dialog when both panes show the source directory (or the
other pane is inside a directory sent), so that a subdirectory can be typed, and
Enter on the proposal unchanged says why not, as Midnight Commander's copy does.

It returns a :class:`~gterm.globus.transfer.TransferRequest` (without a
submission id: the submitter takes one first and keeps it) or None on Esc.
When Globus refuses a submission for good, the screen opens a new dialog with
the form it sent (``again``: :attr:`TransferDialog.sent`) and why, as F7 and
F2's prompts come back (gterm.tui.worker_errors.back_with_error).
Enter submits from anywhere in the dialog except the sync-level list (where
Enter opens the choices); Space toggles the checkboxes.

What is submitted is exactly what the form showed when Enter was pressed:
the text fields are :class:`FormInput`, which runs its own editing keys
(ctrl+u, backspace, Enter, ...) in key order (see its docstring), the field
Enter was pressed in is taken from the ``Input.Submitted`` value, and one
dialog submits at most once.

In the "to" field Tab completes directory names and Up / Down recall earlier destinations on that
collection (:mod:`gterm.tui.screens.transfer_destination`); what Enter sends into joins that history.

The sync preview lists both sides (a bounded walk, in a thread worker) and
applies the chosen sync level the way Globus does, so the user sees what
would be sent before anything is submitted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select, Static
from textual.worker import get_current_worker

from gterm.globus import paths
from gterm.globus.errors import CollectionGone, NotFound
from gterm.globus.models import Entry
from gterm.globus.transfer import TransferService
from gterm.globus.transfer_requests import TransferRequest
from gterm.tui.compare import SyncPreview
from gterm.tui.keymap import TRANSFER_DIALOG_BINDINGS
from gterm.tui.messages import DestinationChosen
from gterm.tui.safe_text import escape_controls, safe_text
from gterm.tui.screens.modal import GtermModal
from gterm.tui.screens.transfer_destination import (
    DESTINATION_NOTE,
    DestinationInput,
    DestinationKeys,
    DestinationState,
    FormInput,
)
from gterm.tui.transfer_plan import (
    SYNC_CHOICES,
    LabelProblem,
    TargetProblem,
    TransferOptions,
    TransferPlan,
    build_request,
    preview_sync,
    retarget,
)
from gterm.tui.widgets.checkbox import ClearCheckbox
from gterm.tui.worker_errors import deliver
from gterm.wording import first_few, hidden_by_filter


class OptionBox(ClearCheckbox, inherit_bindings=False):
    """A checkbox toggled by Space only, so Enter is free to submit the dialog."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "toggle_button", "Toggle", show=False)]


#: The form's height when the terminal has room (it scrolls within it).
FORM_ROWS = 20

#: The delete-extras warning while the directory typed is refused: Enter would send nothing, so no directory is named
#: (neither the other pane's nor the last one accepted: neither is where the request would go).
DELETE_WARNING_NO_TARGET = (
    "Warning: Delete extras DELETES files that are not in the source from the directories sent into; "
    "the directory typed is not valid yet (Enter says why), so none is named here."
)

#: The text fields and the TransferOptions attribute each one fills.
TEXT_FIELDS: dict[str, str] = {"label": "label", "deadline": "deadline", "include": "include", "exclude": "exclude"}

#: The checkboxes and the TransferOptions attribute each one fills.
CHECKBOXES: dict[str, str] = {
    "verify-checksum": "verify_checksum", "preserve-timestamp": "preserve_timestamp", "encrypt-data": "encrypt_data",
    "delete-extra": "delete_destination_extra", "skip-source-errors": "skip_source_errors",
    "fail-on-quota": "fail_on_quota_errors", "notify": "notify",
}


class SentForm(NamedTuple):
    """What a dialog submitted: the directory typed (raw) and the options as chosen, to fill it again."""

    destination: str
    options: TransferOptions


class TransferDialog(DestinationKeys, GtermModal[TransferRequest]):
    """Confirm a transfer and choose its options."""

    DEFAULT_CSS = """
    TransferDialog > .modal-frame { width: 100; max-width: 100%; background: $panel; }
    TransferDialog #summary { margin-bottom: 1; }
    TransferDialog #destination-row { height: auto; }
    TransferDialog #destination-row > Label { width: 14; }
    TransferDialog #destination-row > Input { width: 1fr; }
    TransferDialog #destination-note { color: $text-muted; margin-bottom: 1; }
    TransferDialog #form { height: auto; max-height: 20; }  /* FORM_ROWS; fewer on a short terminal */
    TransferDialog .row { height: auto; margin-bottom: 1; }
    TransferDialog .row > Label { width: 14; }
    TransferDialog .row > Input, TransferDialog .row > Select { width: 1fr; }
    TransferDialog .checks { height: auto; margin-bottom: 1; }
    TransferDialog .checks > OptionBox { width: 1fr; }
    TransferDialog #delete-warning { color: $error; text-style: bold; display: none; height: auto; margin-bottom: 1; }
    TransferDialog #delete-warning.shown { display: block; }
    TransferDialog #form-error { color: $error; height: auto; }
    TransferDialog #preview { height: auto; max-height: 8; color: $text-muted; }
    TransferDialog #buttons { height: auto; align-horizontal: right; margin-top: 1; }
    TransferDialog #buttons > Button { margin-left: 2; min-width: 18; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [*TRANSFER_DIALOG_BINDINGS]
    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {
        **GtermModal.BUTTON_ACTIONS,
        "submit": "submit",
        "preview-button": "preview",
    }
    FIT = ("#form", FORM_ROWS)

    def __init__(
        self,
        plan: TransferPlan,
        *,
        service: TransferService | None = None,
        clock: Callable[[], datetime] | None = None,
        again: SentForm | None = None,
        error: str = "",
        history: Sequence[str] = (),
    ) -> None:
        """``again``: the form a submission Globus refused held (the dialog comes back with it), ``error`` why;
        ``history``: the destination collection's earlier "to" directories, most recent first (Up recalls them)."""
        super().__init__()
        if service is not None and plan.destination_home is None:
            # Where ~ is on the destination collection, when a listing there has said: a "~" typed in the
            # field is resolved with it (transfer_plan.retarget), never guessed.
            plan = replace(plan, destination_home=service.home_directory(plan.destination_collection_id))
        self.plan = plan
        self.service = service
        self.clock = clock or (lambda: datetime.now().astimezone())
        self.preview: SyncPreview | None = None
        self._done = False  # dismissed (submit or cancel): later Enters and clicks do nothing
        # The label the form proposes: it follows the destination typed until the user edits the label.
        self._label_proposal = plan.default_label()
        # The line under the form says why the destination typed was refused (Enter): it then follows the field,
        # so a target corrected is not still called wrong.
        self._target_refused = False
        self.again = again
        self.error = error
        self.sent: SentForm | None = None  # what Enter submitted (for the dialog to come back with)
        self.destination = DestinationState(list(history))  # the "to" field's completion and history (Tab, Up)

    # -- layout -------------------------------------------------------------------------

    def summary(self, *, elsewhere: bool = False) -> Text:
        """What is sent, from where, to which collection; ``elsewhere``: a directory other than the other
        pane's is typed, so what its listing showed already there is not said."""
        plan = self.plan
        summary = Text()
        summary.append("Send ")
        summary.append(plan.summary(), style="bold")
        summary.append("\nfrom ")
        summary.append(escape_controls(f"{plan.source_name}:{plan.source_path}"), style="bold")
        summary.append("\nto   ")
        summary.append(escape_controls(plan.destination_name), style="bold")
        summary.append("  (directory below)", style="dim")
        summary.append("\n" + plan.items_line(), style="dim")
        if hidden := hidden_by_filter(plan.hidden_by_filter):
            summary.append("\n" + hidden, style="bold yellow")
        if (there := plan.already_there()) and not elsewhere and plan.destination_problem() is None:
            # Transfer replaces them without asking (as cp does); said before Enter, as MC's copy asks. Not said
            # when the proposal is the source directory itself (both panes on it): Enter refuses that one.
            shown = first_few([escape_controls(name) for name in there], 4)
            them = "it" if len(there) == 1 else "them"
            summary.append(f"\nAlready at the destination: {shown}. Sent over {them}, unless a sync level finds {them} "
                           "the same.", style="bold yellow")
        return summary

    def compose_dialog(self) -> ComposeResult:
        plan = self.plan
        yield Static(self.summary(), id="summary")
        with Horizontal(id="destination-row"):
            yield Label("To directory")
            yield DestinationInput(value=plan.destination_path, id="destination", compact=True,
                                   select_on_focus=False, raw_prefixes=(plan.destination_path,))
        # Globus creates a missing destination directory (see the module docstring): said, not asked. Tab's
        # candidates and the history are listed here too (transfer_destination.py).
        yield Static(DESTINATION_NOTE, id="destination-note", markup=False)
        with VerticalScroll(id="form", can_focus=False):  # a focus stop with no highlight: Enter there submitted
            with Horizontal(classes="row"):
                yield Label("Label")
                yield FormInput(value=plan.default_label(), id="label", compact=True)
            with Horizontal(classes="row"):
                yield Label("Sync level")
                yield Select(SYNC_CHOICES, value="off", allow_blank=False, id="sync-level", compact=True)
            with Horizontal(classes="checks"):
                yield OptionBox("Verify checksum", value=True, id="verify-checksum", compact=True)
                yield OptionBox("Preserve mtime", id="preserve-timestamp", compact=True)
                yield OptionBox("Encrypt", id="encrypt-data", compact=True)
            with Horizontal(classes="checks"):
                yield OptionBox("Delete extras", id="delete-extra", compact=True)
                yield OptionBox("Skip source errors", id="skip-source-errors", compact=True)
                yield OptionBox("Fail on quota", id="fail-on-quota", compact=True)
            yield Static(Text(escape_controls(plan.delete_warning())), id="delete-warning")
            with Horizontal(classes="checks"):
                yield OptionBox("Email notifications", value=True, id="notify", compact=True)
            with Horizontal(classes="row"):
                yield Label("Deadline")
                yield FormInput(placeholder="none; +2h, +1d or YYYY-MM-DDTHH:MM", id="deadline", compact=True)
            with Horizontal(classes="row"):
                yield Label("Include")
                yield FormInput(
                    placeholder="exceptions to Exclude, comma separated (keep.tmp)", id="include", compact=True
                )
            with Horizontal(classes="row"):
                yield Label("Exclude")
                yield FormInput(placeholder="patterns, comma separated (*.tmp)", id="exclude", compact=True)
            yield Static("", id="preview")
        yield Static("", id="form-error")
        with Horizontal(id="buttons"):
            yield Button("Sync preview F3", id="preview-button", disabled=True)
            yield Button("Cancel", id="cancel")
            yield Button("Submit", variant="primary", id="submit")

    def on_mount(self) -> None:
        self.frame.border_title = "Transfer"
        # As Midnight Commander's copy dialog: the "to" field has the focus, its proposal selected.
        field = self.query_one("#destination", FormInput)
        field.focus()
        if self.again is not None:
            self._fill(self.again)
        else:
            field.select_proposal(show_end=True)  # a path: its end says where
        self._show_delete_warning(self._typed_plan(field.value)[0])

    def _fill(self, form: SentForm) -> None:
        """Back after a refusal: the form as it was submitted, why under it, the cursor at the directory's end
        (to be corrected, as a refused path is)."""
        options = form.options
        field = self.query_one("#destination", FormInput)
        field.set_raw(form.destination)
        field.cursor_position = len(field.value)
        try:
            proposal: str | None = retarget(self.plan, form.destination).default_label()
        except TargetProblem:
            proposal = None
        if proposal is not None and options.label == proposal:  # proposed: it goes on following the directory
            self._label_proposal = proposal
        for widget_id, attribute in TEXT_FIELDS.items():
            self.query_one(f"#{widget_id}", FormInput).value = getattr(options, attribute)
        self.query_one("#sync-level", Select).value = options.sync_level
        for widget_id, attribute in CHECKBOXES.items():
            self.query_one(f"#{widget_id}", OptionBox).value = getattr(options, attribute)
        self._form_error(self.error)  # Globus's reason: not checked again as the field is edited

    # -- reading the form ---------------------------------------------------------------

    def options(self) -> TransferOptions:
        """The form as it is now, read through the same tables ``_fill`` writes it back with."""
        level = self.query_one("#sync-level", Select).value
        options = TransferOptions(sync_level=str(level) if isinstance(level, str) else "off")
        for widget_id, attribute in TEXT_FIELDS.items():
            setattr(options, attribute, self.query_one(f"#{widget_id}", Input).value)
        for widget_id, attribute in CHECKBOXES.items():
            setattr(options, attribute, self.query_one(f"#{widget_id}", OptionBox).value)
        return options

    # -- events -------------------------------------------------------------------------

    @on(Checkbox.Changed, "#delete-extra")
    def _delete_extra_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#delete-warning").set_class(event.value, "shown")

    @on(Select.Changed, "#sync-level")
    def _sync_changed(self, event: Select.Changed) -> None:
        self.query_one("#preview-button", Button).disabled = event.value == "off" or self.service is None
        self.query_one("#preview", Static).update("")

    @on(Input.Changed, "#destination")
    def _destination_changed(self, event: Input.Changed) -> None:
        """The label proposal names the directory typed (unless the user has written a label of their own);
        the "already there" warning is about the other pane's directory, so it goes while another is typed."""
        self.destination_edited(event.value)
        plan, problem = self._typed_plan(event.value)
        if self._target_refused:  # a refusal said on Enter follows the field: the new reason, or gone
            self._form_error(problem, target=bool(problem))
        self.query_one("#summary", Static).update(self.summary(elsewhere=plan is not self.plan))
        self._show_delete_warning(plan)
        label = self.query_one("#label", FormInput)
        if plan is not None and label.value == self._label_proposal:
            self._label_proposal = plan.default_label()
            label.set_raw(self._label_proposal)
            label.select_proposal()  # read from its start (set_raw leaves the cursor at the end), typing replaces it

    def _typed_plan(self, shown: str) -> tuple[TransferPlan | None, str]:
        """The plan sent where the field (holding ``shown``) says, or None and why not (said on Enter)."""
        try:
            return retarget(self.plan, self.destination_typed(shown)), ""
        except TargetProblem as refused:
            return None, str(refused)

    def _form_error(self, message: str, *, target: bool = False) -> None:
        """Say ``message`` under the form (``target``: it is about the destination field)."""
        self._target_refused = target
        self.query_one("#form-error", Static).update(Text(message))

    def _show_delete_warning(self, plan: TransferPlan | None) -> None:
        """The delete-extras warning names exactly what the request would clean: ``plan``'s (the retargeted one),
        as the target is typed. ``None`` (refused): no directory is named, unless files alone are selected, which
        clean nothing wherever they go."""
        if plan is None and self.plan.cleaned_directories():
            warning = DELETE_WARNING_NO_TARGET
        else:
            warning = (plan or self.plan).delete_warning()
        self.query_one("#delete-warning", Static).update(Text(escape_controls(warning)))

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        # The field Enter was pressed in counts with the value it had at that key
        # (event.value), not with anything typed after it.
        options = self.options()
        attribute = TEXT_FIELDS.get(event.input.id or "")
        if attribute is not None:
            setattr(options, attribute, event.value)
        typed = self.destination_typed(event.value if event.input.id == "destination" else None)
        self.submit_options(options, typed)

    def action_submit(self) -> None:
        self.submit_options(self.options(), self.destination_typed())

    def submit_options(self, options: TransferOptions, destination: str) -> None:
        """Validate ``options`` and the ``destination`` typed (the form as read now; the proposal too is checked:
        it may be the source directory itself) and dismiss with the request, once. A refusal is said and the
        form stays as it is."""
        if self._done:
            return
        try:
            plan = retarget(self.plan, destination)
        except TargetProblem as problem:
            self.refuse_target(str(problem))
            return
        if options.label == self._label_proposal:
            options.label = plan.default_label()  # the proposal names where the files really go
        try:
            request = build_request(plan, options, self.clock())
        except ValueError as problem:
            self._form_error(str(problem))
            field = self.query_one("#label" if isinstance(problem, LabelProblem) else "#deadline", FormInput)
            field.focus()
            # The refused text is the field's proposal again: selected, so typing replaces it
            # (focus selects it too, but only when the field was not focused already).
            field.select_proposal()
            return
        self._done = True
        self.sent = SentForm(destination, replace(options))
        # First in the collection's "to" history (Up in the next dialog), as resolved: the same directory
        # whichever pane it was typed relative to. To the app, which outlives this screen and keeps the state.
        self.app.post_message(DestinationChosen(plan.destination_collection_id, plan.destination_path))
        self.dismiss(request)

    def action_back_out(self) -> None:
        if self._done:
            return
        self._done = True
        self.dismiss(None)

    # -- sync preview -------------------------------------------------------------------

    def action_preview(self) -> None:
        options = self.options()
        if self.service is None:  # fixed data (snapshots): nothing to compare with
            return
        if options.sync_level == "off":  # F3 did nothing at all, the button greyed out
            self._show_preview(Text("The sync preview shows what a sync level would send: choose one first "
                                    "(with sync off every file is sent)."))
            return
        try:
            plan = retarget(self.plan, self.destination_typed())
        except TargetProblem as problem:
            self._show_preview(Text(str(problem)))
            return
        self._show_preview(Text("Comparing source and destination…"))
        self._run_preview(plan, options)

    @work(thread=True, group="sync-preview", exclusive=True, exit_on_error=False)
    def _run_preview(self, plan: TransferPlan, options: TransferOptions) -> None:
        worker = get_current_worker()
        try:
            preview = self.compute_preview(options, plan)
        except Exception as error:  # noqa: BLE001 - shown in the preview line
            from gterm.tui.worker_errors import describe

            result = safe_text(f"Sync preview failed: {describe(error)}", "red")
        else:
            level = None if options.sync_level == "off" else options.sync_level
            result = Text(escape_controls(preview.summary(level, options.delete_destination_extra)))
            if preview.send:
                shown = ", ".join(preview.send[:8]) + (" …" if len(preview.send) > 8 else "")
                result.append("\nsend: " + escape_controls(shown), style="bold")
            if preview.extra and options.delete_destination_extra:
                more = len(preview.extra) - 8
                shown = ", ".join(preview.extra[:8]) + (f" … ({more} more)" if more > 0 else "")
                result.append("\ndelete: " + escape_controls(shown), style="bold red")
            self.preview = preview
        if not worker.is_cancelled:
            deliver(self.app, self._show_preview, result)

    def _show_preview(self, text: Text) -> None:
        """The preview, scrolled into view: at 80x24 it sits below the fold of the form, where F3 seemed
        to do nothing."""
        preview = self.query_one("#preview", Static)
        preview.update(text)
        self.call_after_refresh(preview.scroll_visible, animate=False)

    def compute_preview(self, options: TransferOptions, plan: TransferPlan | None = None) -> SyncPreview:
        """The sync preview of ``plan`` (this dialog's, sent where the form says; thread side: see
        ``transfer_plan.preview_sync``)."""
        service = self.service
        if service is None:  # fixed data (snapshots): nothing to compare against
            return SyncPreview(incomplete=True)
        target = plan or self.plan

        def ls(collection_id: str, path: str) -> tuple[Entry, ...]:
            try:
                return service.ls(collection_id, path).entries
            except NotFound as missing:
                at_destination = collection_id == target.destination_collection_id and paths.is_within(
                    path, target.destination_path)
                if isinstance(missing, CollectionGone) or not at_destination:
                    raise
                return ()  # a destination directory typed that is not there yet: Globus creates it, empty

        return preview_sync(target, options, ls)
