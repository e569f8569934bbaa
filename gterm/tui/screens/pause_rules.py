"""The pause rules of one endpoint (``u`` in the administrator's view): list, create, edit, delete.

A pause rule stops the chosen operations (ls, mkdir, rename, symlink, delete,
transfer read/write) for everyone or one identity, from its start time, and
tells those users its message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Label, Static
from textual.worker import get_current_worker

from gterm.globus.endpoint_manager import PAUSE_OPERATIONS, EndpointManager, PauseRule, PauseRuleDraft
from gterm.globus.errors import GtermError, InvalidInput
from gterm.globus.sharing import SharingService
from gterm.globus.sharing_input import is_identity_id
from gterm.tui.fixed_columns import add_fitted_row, add_fixed_columns, shared_widths
from gterm.tui.keymap import PAUSE_RULE_FORM_BINDINGS, PAUSE_RULES_BINDINGS
from gterm.tui.listing_view import format_time
from gterm.tui.safe_text import escape_controls, safe_text
from gterm.tui.screens.prompts import ConfirmPrompt
from gterm.tui.screens.saving_form import SavingForm
from gterm.tui.widgets.checkbox import ClearCheckbox
from gterm.tui.widgets.key_footer import KeyFooter
from gterm.tui.widgets.safe_input import SafeInput
from gterm.tui.worker_errors import deliver, describe, report
from gterm.wording import plural

START_FORMAT = "%Y-%m-%d %H:%M"  # what the form takes and the list shows (UTC)


RULE_COLUMN_WEIGHTS = (40, 30, 30)  # Message, Pauses, For: what each gets of the room when all are cut


def rule_columns(width: int, wants: Sequence[int] = (0, 0, 0)) -> tuple[tuple[str, int], ...]:
    """The list's columns for a screen ``width``: "From" whole, the rest shared so all four stay on screen
    (a long message or operation list is cut with "…"; Enter shows the rule whole). ``wants``: the widest
    message, operation list and "For" of the rules shown: a column narrower than its share (a username,
    "everyone") takes only that and leaves the rest to the others (bob@example.org was cut to
    bob@example.o… at 80 columns while the message had room to spare)."""
    start = len("2031-01-02 03:04")
    room = max(width - 4 * 2 - 2 - start, 36)  # each cell's padding, the scrollbar
    labels = ("Message", "Pauses", "For")
    wanted = [max(want, len(label)) if any(wants) else room for want, label in zip(wants, labels, strict=True)]
    message, operations, who = shared_widths(room, wanted, RULE_COLUMN_WEIGHTS)
    return ("Message", message), ("Pauses", operations), ("For", who), ("From", start)


class PauseRuleForm(SavingForm[PauseRuleDraft, PauseRule | None]):
    """Create or edit a pause rule. The form sends it and stays open until Transfer accepts it,
    showing a refusal (a bad identity, a service error) under the fields as typed; it dismisses
    with the rule Transfer saved (Esc: None)."""

    BINDINGS: ClassVar[list[BindingType]] = [*PAUSE_RULE_FORM_BINDINGS]
    DEFAULT_CSS = """
    PauseRuleForm #rule-fields { height: auto; }
    PauseRuleForm .rule-buttons { height: auto; align-horizontal: right; }
    """
    # The fields scroll; on a short terminal (80x24) they give up rows so Save and Cancel stay on screen.
    FIT = ("#rule-fields", 40)
    STATUS_ID = "rule-error"

    def __init__(
        self,
        manager: EndpointManager,
        endpoint_id: str,
        endpoint_name: str,
        rule: PauseRule | None = None,
        *,
        names: SharingService | None = None,
        identity_label: str = "",
    ) -> None:
        """:param names: looks a username typed for the identity up in Auth (None: ids only).
        :param identity_label: how the edited rule's identity is shown (its username when known)."""
        super().__init__()
        self.manager = manager
        self.endpoint_id = endpoint_id
        self.endpoint_name = endpoint_name
        self.rule = rule
        self.names = names
        self.identity_label = identity_label or (rule.identity_id or "" if rule else "")
        self.start_text = format_time(rule.start_time) if rule else ""  # as START_FORMAT reads it back

    def compose_dialog(self) -> ComposeResult:
        rule = self.rule
        verb = "Edit the pause rule" if rule else "New pause rule"
        yield self.heading(f"{verb} on {self.endpoint_name}")
        with VerticalScroll(id="rule-fields", can_focus=False):  # its fields take the focus (and scroll it)
            yield Label("Message (users see it when refused)")
            # The rule's message and identity are server text: shown escaped, mapped back when unchanged.
            yield SafeInput(rule.message if rule else "", id="rule-message")
            yield Label("Pause these operations")
            for key, words in PAUSE_OPERATIONS.items():
                yield ClearCheckbox(words, bool(rule and key in rule.operations), id=f"rule-{key}", compact=True)
            yield Label("Only for this user: username or identity id (empty: everyone)")
            yield SafeInput(self.identity_label, id="rule-identity")
            yield Label("Starting at (UTC, YYYY-MM-DD HH:MM; empty: now)")
            yield SafeInput(self.start_text, id="rule-start")
        yield self.status_line()
        yield self.buttons("Save", classes="rule-buttons")

    def on_mount(self) -> None:
        self.query_one("#rule-message", SafeInput).focus()

    def draft(self) -> PauseRuleDraft | str:
        """The rule as typed (the identity as typed too: :meth:`_identity_id` resolves it), or what is wrong."""
        start_text = self.query_one("#rule-start", SafeInput).value.strip()
        start: datetime | None = None
        if self.rule is not None and start_text == self.start_text:
            start = self.rule.start_time  # unchanged: the rule's own start, to the second
        elif start_text:
            try:
                start = datetime.strptime(start_text, START_FORMAT).replace(tzinfo=UTC)
            except ValueError:
                return "The start time reads YYYY-MM-DD HH:MM (UTC), e.g. 2026-12-24 18:00."
        draft = PauseRuleDraft(
            endpoint_id=self.endpoint_id,
            message=self.query_one("#rule-message", SafeInput).raw_value,
            operations=tuple(key for key in PAUSE_OPERATIONS if self.query_one(f"#rule-{key}", Checkbox).value),
            identity_id=self.query_one("#rule-identity", SafeInput).raw_value.strip() or None,
            start_time=start,
        )
        return draft.check() or draft

    def save(self, draft: PauseRuleDraft) -> PauseRule:
        sent = replace(draft, identity_id=self._identity_id(draft.identity_id))
        if self.rule is None:
            return self.manager.create_pause_rule(sent)
        return self.manager.update_pause_rule(self.rule.id, sent)

    def _identity_id(self, text: str | None) -> str | None:
        """The identity id Transfer takes for what the identity field holds (runs in the worker:
        a username is looked up in Auth, as the owner filter of the administrator's view does)."""
        if not text or is_identity_id(text):
            return text
        if self.rule is not None and self.rule.identity_id and text == self.identity_label:
            return self.rule.identity_id  # unchanged: shown by its username
        if self.names is None:
            raise InvalidInput(f"Give the identity id: {text} cannot be looked up here.")
        identity = self.names.identity_named(text)
        if identity is None:
            raise InvalidInput(f"No Globus identity is named {text}.")
        return identity.id

    @property
    def save_context(self) -> str:
        return "Saving the pause rule" if self.rule else "Creating the pause rule"

    def reports(self, error: GtermError) -> bool:
        return not isinstance(error, InvalidInput)  # a form problem is said in the form, once


def deletion_text(rule: PauseRule, who: str) -> str:
    """What deleting ``rule`` does, said in full: whom it was for, that the tasks it holds go on
    (Transfer resumes them unless another rule or an administrator's pause still holds them) and
    that what it refused works again."""
    parts = [f"The rule is for {who or 'everyone'}."]
    if any(op.startswith("pause_task_") for op in rule.operations):
        parts.append("The tasks it paused resume, unless another pause rule or an administrator's pause "
                     "still holds them.")
    if any(not op.startswith("pause_task_") for op in rule.operations):
        parts.append("What it refused works again.")
    parts.append(f"Users are no longer told: {rule.message}")
    return " ".join(parts)


class PauseRulesScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [*PAUSE_RULES_BINDINGS]
    DEFAULT_CSS = """
    PauseRulesScreen DataTable { height: 1fr; }
    PauseRulesScreen #rules-status { height: 1; color: $text-muted; }
    """

    def __init__(
        self, manager: EndpointManager, endpoint_id: str, endpoint_name: str, names: SharingService | None = None
    ) -> None:
        """:param names: names the rules' identities (the "For" column) and resolves usernames in the form."""
        super().__init__()
        self.manager = manager
        self.endpoint_id = endpoint_id
        self.endpoint_name = endpoint_name
        self.names = names
        self.rules: list[PauseRule] = []
        self.usernames: dict[str, str] = {}  # identity id -> username, for the rules' identities Auth named
        self.loaded = False
        self._keep_cursor_on: str | None = None  # the rule just saved: the cursor stays on it

    def compose(self) -> ComposeResult:
        yield Label(safe_text(f"Pause rules of {self.endpoint_name}"))
        yield DataTable[Text](id="rules", cursor_type="row", zebra_stripes=True)
        yield Static("", id="rules-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#rules", DataTable)
        add_fixed_columns(table, rule_columns(self.app.size.width))
        table.focus()
        self.action_reload()

    def action_reload(self) -> None:
        self.loaded = False
        self._load()

    @work(thread=True, group="pause-rules", exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        worker = get_current_worker()
        try:
            rules = self.manager.pause_rules(self.endpoint_id)
        except GtermError as exc:
            if not worker.is_cancelled:
                deliver(self.app, self._failed, exc)
            return
        usernames: dict[str, str] = {}
        ids = [rule.identity_id for rule in rules if rule.identity_id]
        if ids and self.names is not None:
            # One Auth call for all of them (cached for the session); without names the ids are shown.
            with contextlib.suppress(GtermError):
                usernames = {i: who.username for i, who in self.names.identities_by_id(ids).items() if who.username}
        if not worker.is_cancelled:
            deliver(self.app, self._show, rules, usernames)

    def _failed(self, error: GtermError) -> None:
        self.query_one("#rules-status", Static).update(safe_text(f"Could not list pause rules: {describe(error)}"))
        report(self.app, error, context="Pause rules", retry=self.action_reload)

    def _show(self, rules: list[PauseRule], usernames: dict[str, str]) -> None:
        self.rules = rules
        self.usernames = usernames
        self.loaded = True
        table = self.query_one("#rules", DataTable)
        rows = [(
            Text(escape_controls(rule.message)),
            Text(rule.operations_text()),
            Text(escape_controls(self.identity_label(rule) or "everyone")),
            Text(format_time(rule.start_time)),
        ) for rule in rules]
        # The columns follow what they hold (a short "For" leaves its room to the message).
        wants = [max((row[n].cell_len for row in rows), default=0) for n in range(3)]
        table.clear(columns=True)
        add_fixed_columns(table, rule_columns(self.app.size.width, wants))
        for row in rows:
            add_fitted_row(table, row)
        kept = next((n for n, rule in enumerate(rules) if rule.id == self._keep_cursor_on), None)
        if kept is not None:
            table.move_cursor(row=kept)
        self._keep_cursor_on = None
        count = len(rules)
        self.query_one("#rules-status", Static).update(
            Text(f"{plural(count, 'rule')} · n new · Enter edit · d delete")
        )

    def identity_label(self, rule: PauseRule) -> str:
        """Whom the rule is for: the username Auth gave, else the identity id ("" for everyone)."""
        return self.usernames.get(rule.identity_id or "", rule.identity_id or "")

    def cursor_rule(self) -> PauseRule | None:
        row = self.query_one("#rules", DataTable).cursor_row
        return self.rules[row] if 0 <= row < len(self.rules) else None

    def _saved(self, rule: PauseRule | None) -> None:
        if rule is not None:
            self._keep_cursor_on = rule.id
            self.action_reload()

    def action_new_rule(self) -> None:
        self.app.push_screen(
            PauseRuleForm(self.manager, self.endpoint_id, self.endpoint_name, names=self.names), self._saved
        )

    def action_edit_rule(self) -> None:
        """Enter: the rule under the cursor in the form, as it is now."""
        rule = self.cursor_rule()
        if rule is None:
            self.notify("No pause rule here: n makes one.", severity="warning")
            return
        if not rule.editable:
            self.notify("This pause rule was set by the host endpoint's manager: only they can change it.",
                        severity="warning")
            return
        form = PauseRuleForm(self.manager, self.endpoint_id, self.endpoint_name, rule,
                             names=self.names, identity_label=self.identity_label(rule))
        self.app.push_screen(form, self._saved)

    def action_delete_rule(self) -> None:
        rule = self.cursor_rule()
        if rule is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._run("Deleting the pause rule", lambda: self.manager.delete_pause_rule(rule.id))

        self.app.push_screen(
            ConfirmPrompt("Delete this pause rule?", deletion_text(rule, self.identity_label(rule)),
                          items=[rule.operations_text()], confirm_label="Delete", danger=True),
            answered,
        )

    @work(thread=True, group="pause-rule-change", exit_on_error=False)
    def _run(self, context: str, call: Callable[[], object]) -> None:
        try:
            call()
        except GtermError as exc:
            deliver(self.app, report, self.app, exc, context=context)
            return
        deliver(self.app, self.action_reload)

    def action_close(self) -> None:
        self.dismiss()
