"""The F5 dialog: what will be sent, where, and every option Globus offers.

It returns a :class:`~gterm.globus.transfer.TransferRequest` (without a
submission id: the submitter takes one first and keeps it) or None on Esc.
Enter submits from anywhere in the dialog except the sync-level list (where
Enter opens the choices); Space toggles the checkboxes.

What is submitted is exactly what the form showed when Enter was pressed:
the text fields are :class:`FormInput`, which runs its own editing keys
(ctrl+u, backspace, Enter, ...) in key order (see its docstring), the field
Enter was pressed in is taken from the ``Input.Submitted`` value, and one
dialog submits at most once.

The sync preview lists both sides (a bounded walk, in a thread worker) and
applies the chosen sync level the way Globus does, so the user sees what
would be sent before anything is submitted.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static
from textual.worker import get_current_worker

from gterm.globus.models import Entry
from gterm.globus.transfer import TransferItem, TransferRequest, TransferService, fit_label, label_problem
from gterm.tui import task_format as fmt
from gterm.tui.compare import SyncPreview, preview_directory
from gterm.tui.safe_text import escape_controls
from gterm.tui.widgets.safe_input import SafeInput
from gterm.tui.worker_errors import deliver

SYNC_CHOICES: list[tuple[str, str]] = [
    ("off: always copy", "off"),
    ("exists: skip files already there", "exists"),
    ("size: copy when sizes differ", "size"),
    ("mtime: copy when size differs or source is newer", "mtime"),
    ("checksum: copy when contents differ", "checksum"),
]

#: How many directory listings one sync preview may spend (each side counts).
PREVIEW_LISTING_BUDGET = 60


def _join(directory: str, name: str) -> str:
    return (directory if directory.endswith("/") else directory + "/") + name


def _as_dir(path: str) -> str:
    return path if path.endswith("/") else path + "/"


@dataclass(frozen=True, slots=True)
class TransferPlan:
    """What F5 wants to send: entries of the source directory into the destination directory."""

    source_collection_id: str
    source_name: str
    source_path: str
    destination_collection_id: str
    destination_name: str
    destination_path: str
    entries: tuple[Entry, ...]
    destination_entries: tuple[Entry, ...] | None = None  # the other pane's listing, when known
    # Every entry of the source directory is selected (its whole, complete listing): with
    # "delete extras" the directory itself is sent, so the destination directory is cleaned
    # at that level too, as ``rsync -a --delete src/ dst/`` does.
    whole_directory: bool = False

    @property
    def files(self) -> int:
        return sum(1 for entry in self.entries if not entry.is_dir)

    @property
    def directories(self) -> int:
        return sum(1 for entry in self.entries if entry.is_dir)

    @property
    def known_bytes(self) -> int:
        return sum(entry.size for entry in self.entries if not entry.is_dir)

    def default_label(self) -> str:
        count = len(self.entries)
        what = f"{count:,} item{'s' if count != 1 else ''}" if count != 1 else self.entries[0].name
        # Names come from other people: the label (shown in an Input, sent to Globus) gets their
        # control characters as visible escapes, never raw (QA F11).
        return fit_label(escape_controls(f"gterm: {what} from {self.source_name} to {self.destination_name}"))

    def summary(self) -> str:
        parts = []
        if self.files:
            parts.append(f"{self.files:,} file{'s' if self.files != 1 else ''}")
        if self.directories:
            parts.append(f"{self.directories:,} director{'ies' if self.directories != 1 else 'y'}")
        size = fmt.human_bytes(self.known_bytes)
        extra = " plus directory contents" if self.directories else ""
        return f"{', '.join(parts)} ({size}{extra})"

    def expected_bytes(self, options: DialogOptions) -> int | None:
        """The bytes the task will move, when that is known now: files only, each sent in full.

        Directories' contents are not listed here, a sync level may skip files
        and filter rules may leave some out: then the total is unknown (None).
        """
        if self.directories or options.sync_level != "off" or options.include.strip() or options.exclude.strip():
            return None
        return self.known_bytes

    def sends_directory(self, delete_extra: bool) -> bool:
        """One recursive item for the source directory itself (see ``whole_directory``)."""
        return delete_extra and self.whole_directory

    def cleaned_directories(self, delete_extra: bool = True) -> list[str]:
        """The destination directories whose extras "delete extras" removes (with everything below them).

        Globus deletes extras only inside a recursive item's destination: the
        destination directory itself when the whole source directory is sent,
        otherwise each selected directory's counterpart (selected files clean nothing).
        """
        if self.sends_directory(delete_extra):
            return [_as_dir(self.destination_path)]
        return [_join(self.destination_path, entry.name) + "/" for entry in self.entries if entry.is_dir]

    def delete_warning(self) -> str:
        """The warning shown when "delete extras" is ticked: it names what will really be cleaned."""
        cleaned = self.cleaned_directories()
        if not cleaned:
            return (
                "Delete extras cleans only directories that are sent: with files alone selected, "
                "nothing on the destination is deleted."
            )
        where = ", ".join(f"{self.destination_name}:{path}" for path in cleaned[:4])
        if len(cleaned) > 4:
            where += f" and {len(cleaned) - 4} more"
        return f"Warning: files in {where} (and below) that are not in the source will be DELETED."

    def items(self, delete_extra: bool = False) -> list[TransferItem]:
        if self.sends_directory(delete_extra):
            return [TransferItem(_as_dir(self.source_path), _as_dir(self.destination_path), recursive=True)]
        result = []
        for entry in self.entries:
            src = _join(self.source_path, entry.name)
            dst = _join(self.destination_path, entry.name)
            if entry.is_dir:
                result.append(TransferItem(src + "/", dst + "/", recursive=True))
            else:
                result.append(TransferItem(src, dst, recursive=False))
        return result


@dataclass(slots=True)
class DialogOptions:
    """The option values read from the form (pure data, validated by :func:`build_request`)."""

    label: str = ""
    sync_level: str = "off"
    verify_checksum: bool = True
    preserve_timestamp: bool = False
    encrypt_data: bool = False
    delete_destination_extra: bool = False
    skip_source_errors: bool = False
    fail_on_quota_errors: bool = False
    notify: bool = True
    deadline: str = ""
    include: str = ""
    exclude: str = ""


def split_patterns(text: str) -> list[str]:
    """Comma-separated glob patterns (names may hold spaces, so spaces do not split)."""
    return [part.strip() for part in text.split(",") if part.strip()]


class LabelProblem(ValueError):
    """The typed label is one Globus would refuse (the form focuses the label field)."""


def build_request(plan: TransferPlan, options: DialogOptions, now: datetime) -> TransferRequest:
    """The request the dialog returns; raises ValueError with a message for the form."""
    deadline = fmt.parse_deadline(options.deadline, now)
    problem = label_problem(options.label.strip())
    if problem is not None:
        raise LabelProblem(problem)
    rules: list[tuple[Any, str]] = [("include", p) for p in split_patterns(options.include)]
    # Globus: the first matching rule wins and unmatched names are included, so
    # includes go first (they carve exceptions out of the excludes that follow).
    rules += [("exclude", p) for p in split_patterns(options.exclude)]
    return TransferRequest(
        source_collection=plan.source_collection_id,
        destination_collection=plan.destination_collection_id,
        items=plan.items(options.delete_destination_extra),
        label=options.label.strip() or plan.default_label(),
        sync_level=None if options.sync_level == "off" else options.sync_level,  # type: ignore[arg-type]
        verify_checksum=options.verify_checksum,
        preserve_timestamp=options.preserve_timestamp,
        encrypt_data=options.encrypt_data,
        delete_destination_extra=options.delete_destination_extra,
        skip_source_errors=options.skip_source_errors,
        fail_on_quota_errors=options.fail_on_quota_errors,
        deadline=deadline,
        notify_on_succeeded=options.notify,
        notify_on_failed=options.notify,
        notify_on_inactive=options.notify,
        filter_rules=rules,
        expected_bytes=plan.expected_bytes(options),
    )


def _included(rules: list[tuple[str, str]], entry: Entry) -> bool:
    """Globus filter rules: the first matching rule decides, no match means included."""
    for method, pattern in rules:
        if fnmatch.fnmatchcase(entry.name, pattern):
            return method == "include"
    return True


class OptionBox(Checkbox, inherit_bindings=False):
    """A checkbox toggled by Space only, so Enter is free to submit the dialog."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "toggle_button", "Toggle", show=False)]


class FormInput(SafeInput):
    """An Input whose own key bindings run in the order the keys arrived.

    Textual inserts a printable key as soon as the Input reads it from its
    queue, but resolves a non-printable key (ctrl+u, backspace, Enter) only
    after the Key event has bubbled up to the App. In a fast burst
    (``ctrl+u`` ``2020-01-01`` ``Enter``, as a terminal multiplexer or a
    quick typist sends it) the characters typed after ctrl+u landed first and
    ctrl+u then erased them, so Enter read an empty deadline and a transfer
    went out with no deadline (QA F5). Running the Input's own bindings here,
    in the Input's queue, keeps every key in order.
    """

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable:
            return  # Input._on_key (next in the MRO) inserts it, in order
        for key in event.aliases:
            for binding in self._bindings.key_to_bindings.get(key, ()):
                if binding.priority:
                    continue  # priority bindings were already offered by the App
                if await self.app.run_action(binding.action, self):
                    event.stop()
                    event.prevent_default()
                    return


#: The text fields and the DialogOptions attribute each one fills.
TEXT_FIELDS: dict[str, str] = {"label": "label", "deadline": "deadline", "include": "include", "exclude": "exclude"}


class TransferDialog(ModalScreen[TransferRequest | None]):
    """Confirm a transfer and choose its options."""

    DEFAULT_CSS = """
    TransferDialog { align: center middle; }
    TransferDialog > #dialog {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; background: $panel; padding: 0 1;
    }
    TransferDialog #summary { margin-bottom: 1; }
    TransferDialog #form { height: auto; max-height: 20; }
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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="transfer_cancel"),
        Binding("enter", "submit", "Submit", id="transfer_submit"),
        Binding("f3", "preview", "Sync preview", show=False, id="sync_preview"),
    ]

    def __init__(
        self,
        plan: TransferPlan,
        *,
        service: TransferService | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__()
        self.plan = plan
        self.service = service
        self.clock = clock or (lambda: datetime.now().astimezone())
        self.preview: SyncPreview | None = None
        self._done = False  # dismissed (submit or cancel): later Enters and clicks do nothing

    # -- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        plan = self.plan
        with Vertical(id="dialog") as dialog:
            dialog.border_title = "Transfer"
            summary = Text()
            summary.append("Send ")
            summary.append(plan.summary(), style="bold")
            summary.append("\nfrom ")
            summary.append(escape_controls(f"{plan.source_name}:{plan.source_path}"), style="bold")
            summary.append("\nto   ")
            summary.append(escape_controls(f"{plan.destination_name}:{plan.destination_path}"), style="bold")
            names = ", ".join(entry.name + ("/" if entry.is_dir else "") for entry in plan.entries[:6])
            if len(plan.entries) > 6:
                names += f", … ({len(plan.entries) - 6} more)"
            summary.append("\n" + escape_controls(names), style="dim")
            yield Static(summary, id="summary")
            with VerticalScroll(id="form"):
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
                    yield FormInput(placeholder="none; +2h, +1d or 2026-12-01T18:00", id="deadline", compact=True)
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
        self.query_one("#label", Input).focus()

    # -- reading the form ---------------------------------------------------------------

    def options(self) -> DialogOptions:
        def checked(widget_id: str) -> bool:
            return self.query_one(f"#{widget_id}", OptionBox).value

        def text(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value

        level = self.query_one("#sync-level", Select).value
        return DialogOptions(
            label=text("label"),
            sync_level=str(level) if isinstance(level, str) else "off",
            verify_checksum=checked("verify-checksum"),
            preserve_timestamp=checked("preserve-timestamp"),
            encrypt_data=checked("encrypt-data"),
            delete_destination_extra=checked("delete-extra"),
            skip_source_errors=checked("skip-source-errors"),
            fail_on_quota_errors=checked("fail-on-quota"),
            notify=checked("notify"),
            deadline=text("deadline"),
            include=text("include"),
            exclude=text("exclude"),
        )

    # -- events -------------------------------------------------------------------------

    @on(Checkbox.Changed, "#delete-extra")
    def _delete_extra_changed(self, event: Checkbox.Changed) -> None:
        self.query_one("#delete-warning").set_class(event.value, "shown")

    @on(Select.Changed, "#sync-level")
    def _sync_changed(self, event: Select.Changed) -> None:
        self.query_one("#preview-button", Button).disabled = event.value == "off" or self.service is None
        self.query_one("#preview", Static).update("")

    @on(Input.Submitted)
    def _input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        # The field Enter was pressed in counts with the value it had at that key
        # (event.value), not with anything typed after it.
        options = self.options()
        attribute = TEXT_FIELDS.get(event.input.id or "")
        if attribute is not None:
            setattr(options, attribute, event.value)
        self.submit_options(options)

    @on(Button.Pressed, "#submit")
    def _submit_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#preview-button")
    def _preview_pressed(self) -> None:
        self.action_preview()

    def action_submit(self) -> None:
        self.submit_options(self.options())

    def submit_options(self, options: DialogOptions) -> None:
        """Validate ``options`` (the form as read now) and dismiss with the request, once."""
        if self._done:
            return
        try:
            request = build_request(self.plan, options, self.clock())
        except ValueError as problem:
            self.query_one("#form-error", Static).update(Text(str(problem)))
            self.query_one("#label" if isinstance(problem, LabelProblem) else "#deadline", Input).focus()
            return
        self._done = True
        self.dismiss(request)

    def action_cancel(self) -> None:
        if self._done:
            return
        self._done = True
        self.dismiss(None)

    # -- sync preview -------------------------------------------------------------------

    def action_preview(self) -> None:
        options = self.options()
        if options.sync_level == "off" or self.service is None:
            return
        self.query_one("#preview", Static).update(Text("Comparing source and destination…"))
        self._run_preview(options)

    @work(thread=True, group="sync-preview", exclusive=True, exit_on_error=False)
    def _run_preview(self, options: DialogOptions) -> None:
        worker = get_current_worker()
        try:
            preview = self.compute_preview(options)
        except Exception as error:  # noqa: BLE001 - shown in the preview line
            from gterm.tui.worker_errors import describe

            result = Text(f"Sync preview failed: {describe(error)}", style="red")
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
            deliver(self.app, self.query_one("#preview", Static).update, result)

    def compute_preview(self, options: DialogOptions) -> SyncPreview:
        """Walk source and destination (thread side) and apply the sync level. Bounded by a listing budget."""
        plan = self.plan
        level = None if options.sync_level == "off" else options.sync_level
        rules = [("include", p) for p in split_patterns(options.include)]
        rules += [("exclude", p) for p in split_patterns(options.exclude)]
        service = self.service
        budget = [PREVIEW_LISTING_BUDGET]
        total = SyncPreview()
        if service is None:  # fixed data (snapshots): nothing to compare against
            total.incomplete = True
            return total

        def listing(collection_id: str, path: str) -> tuple[Entry, ...] | None:
            if budget[0] <= 0:
                total.incomplete = True
                return None
            budget[0] -= 1
            return service.ls(collection_id, path).entries

        def kept(entries: tuple[Entry, ...] | list[Entry]) -> list[Entry]:
            return [entry for entry in entries if _included(rules, entry)]

        destination_top = plan.destination_entries
        if destination_top is None:
            destination_top = listing(plan.destination_collection_id, plan.destination_path) or ()
        selected = {entry.name for entry in plan.entries}
        if plan.sends_directory(options.delete_destination_extra):
            # The directory itself is sent: its destination's extras are part of the transfer.
            top, dirs = preview_directory(level, kept(plan.entries), kept(destination_top))
        else:
            top, dirs = preview_directory(level, kept(plan.entries), [e for e in destination_top if e.name in selected])
            top.extra = []  # siblings outside the selection are not part of the transfer
        total.merge(top)
        queue = [(name, exists, name + "/") for name, exists in dirs]
        while queue:
            _name, exists, rel = queue.pop(0)
            src_entries = listing(plan.source_collection_id, _join(plan.source_path, rel))
            if src_entries is None:
                break
            dst_entries: tuple[Entry, ...] = ()
            if exists:
                found = listing(plan.destination_collection_id, _join(plan.destination_path, rel))
                if found is None:
                    break
                dst_entries = found
            # Names a filter rule excludes are left alone on the destination too (as Globus does).
            part, sub = preview_directory(level, kept(src_entries), kept(dst_entries), prefix=rel)
            total.merge(part)
            queue.extend((child, child_exists, rel + child + "/") for child, child_exists in sub)
        return total
