"""The pause rules of one endpoint (``u`` in the administrator's view): list, create, edit, delete.

A pause rule stops the chosen operations (ls, mkdir, rename, symlink, delete,
transfer read/write) for everyone or one identity, from its start time, and
tells those users its message.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Input, Label, Static
from textual.worker import get_current_worker

from gterm.globus.endpoint_manager import PAUSE_OPERATIONS, EndpointManager, PauseRule, PauseRuleDraft
from gterm.globus.errors import GtermError
from gterm.tui.keymap import PAUSE_RULE_FORM_BINDINGS, PAUSE_RULES_BINDINGS
from gterm.tui.safe_text import escape_controls, safe_text
from gterm.tui.screens.modal import GtermModal
from gterm.tui.screens.prompts import ConfirmPrompt
from gterm.tui.widgets.checkbox import ClearCheckbox
from gterm.tui.widgets.key_footer import KeyFooter
from gterm.tui.worker_errors import deliver, describe, report
from gterm.wording import plural


class PauseRuleForm(GtermModal[PauseRuleDraft]):
    """Create or edit a pause rule; dismisses with the draft once it passes its checks (Esc: None)."""

    BINDINGS: ClassVar[list[BindingType]] = [*PAUSE_RULE_FORM_BINDINGS]
    DEFAULT_CSS = """
    PauseRuleForm #rule-fields { height: auto; }
    PauseRuleForm .rule-buttons { height: auto; align-horizontal: right; }
    """
    # The fields scroll; on a short terminal (80x24) they give up rows so Save and Cancel stay on screen.
    FIT = ("#rule-fields", 40)

    def __init__(self, endpoint_id: str, endpoint_name: str, rule: PauseRule | None = None) -> None:
        super().__init__()
        self.endpoint_id = endpoint_id
        self.endpoint_name = endpoint_name
        self.rule = rule

    def compose_dialog(self) -> ComposeResult:
        rule = self.rule
        verb = "Edit the pause rule" if rule else "New pause rule"
        yield self.heading(f"{verb} on {self.endpoint_name}")
        with VerticalScroll(id="rule-fields"):
            yield Label("Message (users see it when refused)")
            yield Input(rule.message if rule else "", id="rule-message")
            yield Label("Pause these operations")
            for key, words in PAUSE_OPERATIONS.items():
                yield ClearCheckbox(words, bool(rule and key in rule.operations), id=f"rule-{key}", compact=True)
            yield Label("Only for this identity id (empty: everyone)")
            yield Input(rule.identity_id or "" if rule else "", id="rule-identity")
            yield Label("Starting at (UTC, YYYY-MM-DD HH:MM; empty: now)")
            start = rule.start_time.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if rule and rule.start_time else ""
            yield Input(start, id="rule-start")
        yield Static("", id="rule-error", classes="dialog-error", markup=False)
        yield self.buttons("Save", classes="rule-buttons")

    def on_mount(self) -> None:
        self.query_one("#rule-message", Input).focus()

    def draft(self) -> PauseRuleDraft | str:
        """The rule as typed, or what is wrong with it."""
        start_text = self.query_one("#rule-start", Input).value.strip()
        start: datetime | None = None
        if start_text:
            try:
                start = datetime.strptime(start_text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
            except ValueError:
                return "The start time reads YYYY-MM-DD HH:MM (UTC), e.g. 2026-12-24 18:00."
        draft = PauseRuleDraft(
            endpoint_id=self.endpoint_id,
            message=self.query_one("#rule-message", Input).value,
            operations=tuple(key for key in PAUSE_OPERATIONS if self.query_one(f"#rule-{key}", Checkbox).value),
            identity_id=self.query_one("#rule-identity", Input).value.strip() or None,
            start_time=start,
        )
        return draft.check() or draft

    def action_ok(self) -> None:
        """Save (or ctrl+s): the draft, once it passes its checks."""
        draft = self.draft()
        if isinstance(draft, str):
            self.query_one("#rule-error", Static).update(Text(draft))
            return
        self.dismiss(draft)



class PauseRulesScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [*PAUSE_RULES_BINDINGS]
    DEFAULT_CSS = """
    PauseRulesScreen DataTable { height: 1fr; }
    PauseRulesScreen #rules-status { height: 1; color: $text-muted; }
    """

    def __init__(self, manager: EndpointManager, endpoint_id: str, endpoint_name: str) -> None:
        super().__init__()
        self.manager = manager
        self.endpoint_id = endpoint_id
        self.endpoint_name = endpoint_name
        self.rules: list[PauseRule] = []
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Label(safe_text(f"Pause rules of {self.endpoint_name}"))
        yield DataTable[Text](id="rules", cursor_type="row", zebra_stripes=True)
        yield Static("", id="rules-status", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        table = self.query_one("#rules", DataTable)
        table.add_columns("Message", "Pauses", "For", "From")
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
        if not worker.is_cancelled:
            deliver(self.app, self._show, rules)

    def _failed(self, error: GtermError) -> None:
        self.query_one("#rules-status", Static).update(Text(f"Could not list pause rules: {describe(error)}"))
        report(self.app, error, context="Pause rules", retry=self.action_reload)

    def _show(self, rules: list[PauseRule]) -> None:
        self.rules = rules
        self.loaded = True
        table = self.query_one("#rules", DataTable)
        table.clear()
        for rule in rules:
            start = rule.start_time.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if rule.start_time else ""
            table.add_row(
                Text(escape_controls(rule.message)[:60]),
                Text(rule.operations_text()),
                Text(escape_controls(rule.identity_id or "everyone")),
                Text(start),
            )
        count = len(rules)
        self.query_one("#rules-status", Static).update(
            Text(f"{plural(count, 'rule')} · n new · Enter edit · d delete")
        )

    def cursor_rule(self) -> PauseRule | None:
        row = self.query_one("#rules", DataTable).cursor_row
        return self.rules[row] if 0 <= row < len(self.rules) else None

    def action_new_rule(self) -> None:
        def done(draft: PauseRuleDraft | None) -> None:
            if draft is not None:
                self._change("Creating the pause rule", lambda: self.manager.create_pause_rule(draft))

        self.app.push_screen(PauseRuleForm(self.endpoint_id, self.endpoint_name), done)

    def action_edit_rule(self) -> None:
        rule = self.cursor_rule()
        if rule is None:
            return

        def done(draft: PauseRuleDraft | None) -> None:
            if draft is not None:
                self._change("Saving the pause rule", lambda: self.manager.update_pause_rule(rule.id, draft))

        self.app.push_screen(PauseRuleForm(self.endpoint_id, self.endpoint_name, rule), done)

    def action_delete_rule(self) -> None:
        rule = self.cursor_rule()
        if rule is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._change("Deleting the pause rule", lambda: self.manager.delete_pause_rule(rule.id))

        self.app.push_screen(
            ConfirmPrompt("Delete this pause rule?", f"Users are no longer told: {rule.message}",
                          items=[rule.operations_text()], confirm_label="Delete", danger=True),
            answered,
        )

    def _change(self, context: str, call: Callable[[], object]) -> None:
        self._run(context, call)

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
