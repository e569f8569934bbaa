"""``p``: Sharing for the focused pane's collection.

On a guest collection: its access rules (who -- by name, never a bare id when a
name can be found --, path, read or read/write, expiry, created), with ``a`` to
add one, ``e`` to change permissions or expiry, ``d`` to delete one (confirmed).
On a mapped collection: the guest collections I manage that it hosts; Enter
opens one's rules.

Every call runs on a worker (thread) and lands through ``deliver``: a slow
service shows "Loading…", an error shows what to do, and the screen never freezes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import Button, DataTable, Input, Select, Static
from textual.worker import get_current_worker

from gterm.globus.errors import GtermError
from gterm.globus.models import Collection, Rule
from gterm.globus.sharing import (
    Grantee,
    Permissions,
    SharingService,
    parse_expiry,
)
from gterm.tui.keymap import SHARING_BINDINGS
from gterm.tui.safe_text import safe_text
from gterm.tui.screens.modal import GtermModal
from gterm.tui.screens.prompts import ConfirmPrompt, Prompt
from gterm.tui.worker_errors import deliver, describe

PERMISSION_LABELS: dict[str, str] = {"r": "read", "rw": "read/write"}


def is_guest(collection: Collection) -> bool:
    """Guest collections (GCSv5 guests and Globus Connect Personal shares) are the ones with rules."""
    return collection.host_endpoint_id is not None or collection.entity_type.endswith("guest_collection")


def _day(text: str | None) -> str:
    """An ISO time as its date (what the rules table has room for); "" for none."""
    if not text:
        return ""
    try:
        return datetime.fromisoformat(text).strftime("%Y-%m-%d")
    except ValueError:
        return text[:10]


@dataclass(frozen=True, slots=True)
class NewRule:
    """What the add-rule dialog collected (the grantee is resolved when it is submitted)."""

    who: str
    path: str
    permissions: Permissions
    expires: datetime | None
    notify_email: str
    notify_message: str


class SharingScreen(GtermModal[None]):
    """Access rules of a guest collection, or the guests a mapped collection hosts."""

    BINDINGS: ClassVar[list[BindingType]] = [*SHARING_BINDINGS]
    DEFAULT_CSS = """
    SharingScreen > .modal-frame { width: 110; max-height: 90%; }
    SharingScreen DataTable { height: auto; max-height: 20; }
    SharingScreen #sharing-status { height: auto; }
    """

    def __init__(self, sharing: SharingService, collection: Collection, directory: str) -> None:
        super().__init__()
        self.sharing = sharing
        self.collection = collection
        self.directory = directory  # the pane's directory: the proposed rule path on a guest
        self.mode: Literal["rules", "guests"] = "rules" if is_guest(collection) else "guests"
        self.rules: list[Rule] = []
        self.labels: dict[str, str] = {}
        self.guests: list[Collection] = []
        self.loaded = False
        self.error: str | None = None

    def compose_dialog(self) -> ComposeResult:
        what = "access rules" if self.mode == "rules" else "guest collections I manage here"
        yield self.heading(f"Sharing — {self.collection.display_name}: {what}", id="sharing-title")
        yield DataTable(id="sharing-table", cursor_type="row", zebra_stripes=True)
        yield Static(Text("Loading…", style="dim"), id="sharing-status")
        hint = (
            "a add · e change · d delete · D delete this guest collection · ctrl+r refresh · Esc closes"
            if self.mode == "rules"
            else "s shares this folder · Enter opens a guest's rules · ctrl+r refresh · Esc closes"
        )
        yield Static(hint, classes="dialog-hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        if self.mode == "rules":
            table.add_columns("Who", "Path", "Permissions", "Expires", "Created")
        else:
            table.add_columns("Guest collection", "Shares", "Id")
        table.focus()
        self._load()

    # --- loading -----------------------------------------------------------------------

    @work(thread=True, group="sharing", exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        worker = get_current_worker()
        try:
            if self.mode == "rules":
                rules = self.sharing.rules(self.collection.id)
                labels = self.sharing.principal_labels(rules)
                result: tuple[Any, ...] = (rules, labels)
            else:
                result = (self.sharing.shared_by_me(self.collection.id),)
        except GtermError as exc:
            if not worker.is_cancelled:
                deliver(self.app, self._failed, exc)
            return
        if not worker.is_cancelled:
            deliver(self.app, self._show, *result)

    def _failed(self, error: GtermError) -> None:
        self.loaded = True
        self.error = describe(error)
        self.query_one("#sharing-status", Static).update(Text(self.error, style="bold red"))

    def _show(self, *result: Any) -> None:
        self.loaded = True
        self.error = None
        table = self.query_one(DataTable)
        table.clear()
        if self.mode == "rules":
            self.rules, self.labels = result[0], result[1]
            for rule in self.rules:
                table.add_row(
                    safe_text(self.labels.get(rule.id, rule.principal)),
                    safe_text(rule.path),
                    PERMISSION_LABELS.get(rule.permissions, rule.permissions),
                    _day(rule.expiration_date) or "never",
                    _day(rule.create_time),
                    key=rule.id,
                )
            count = len(self.rules)
            status = f"{count} rule{'s' if count != 1 else ''}." if count else "No rules yet: a adds one."
        else:
            self.guests = result[0]
            for guest in self.guests:
                table.add_row(safe_text(guest.display_name), safe_text(guest.host_path or "/"), guest.id,
                              key=guest.id)
            status = f"{len(self.guests)} guest collection(s)." if self.guests else "No guest collections here."
        self.query_one("#sharing-status", Static).update(Text(status, style="dim"))

    def _selected_rule(self) -> Rule | None:
        if self.mode != "rules" or not self.rules:
            return None
        row = self.query_one(DataTable).cursor_row
        return self.rules[row] if 0 <= row < len(self.rules) else None

    # --- actions -------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.sharing.forget_names()
        self.query_one("#sharing-status", Static).update(Text("Loading…", style="dim"))
        self._load()

    @on(DataTable.RowSelected)
    def _open_guest(self, event: DataTable.RowSelected) -> None:
        if self.mode != "guests":
            return
        event.stop()
        index = event.cursor_row
        if 0 <= index < len(self.guests):
            self.app.push_screen(SharingScreen(self.sharing, self.guests[index], "/"))

    def action_share_folder(self) -> None:
        """``s`` on a mapped collection: a new guest collection rooted at the pane's directory."""
        if self.mode != "guests":
            return
        from gterm.tui.screens.prompts import InputPrompt

        folder = self.directory.rstrip("/").rsplit("/", 1)[-1] or self.collection.display_name
        proposal = f"{folder} (shared by gterm)" if folder else "Shared folder"

        def named(name: str | None) -> None:
            if name:
                self.query_one("#sharing-status", Static).update(Text("Creating the guest collection…", style="dim"))
                self._create_guest(name.strip())

        self.app.push_screen(
            InputPrompt(
                f"Share {self.directory} as a new guest collection",
                value=proposal,
                details="Its display name (you can change it later). Then add who may use it.",
            ),
            named,
        )

    @work(thread=True, group="sharing-change", exit_on_error=False)
    def _create_guest(self, name: str) -> None:
        try:
            guest_id = self.sharing.share_folder(self.collection.id, self.directory, name)
        except GtermError as exc:
            deliver(self.app, self._share_failed, exc, name)
            return
        deliver(self.app, self._guest_created, guest_id, name)

    def _share_failed(self, error: GtermError, name: str) -> None:
        from gterm.tui.worker_errors import report

        self._failed(error)
        # A consent (manage_collections, data_access) is asked for in the app, then the creation is retried.
        report(self.app, error, context="Share this folder", retry=lambda: self._create_guest(name))

    def _guest_created(self, guest_id: str, name: str) -> None:
        guest = Collection(id=guest_id, display_name=name, host_endpoint_id=self.collection.id,
                           host_path=self.directory)
        self._load()
        self.app.push_screen(SharingScreen(self.sharing, guest, "/"))

    def action_delete_guest(self) -> None:
        """``D``: delete this guest collection, confirmed by typing its name (its rules go with it)."""
        if self.mode != "rules" or not self.loaded:
            return
        from gterm.tui.screens.prompts import InputPrompt

        name = self.collection.display_name
        count = len(self.rules)

        def check(value: str) -> str | None:
            return None if value == name else f"Type the name exactly ({name}) to delete it."

        def typed(value: str | None) -> None:
            if value == name:
                self.query_one("#sharing-status", Static).update(Text("Deleting the guest collection…", style="dim"))
                self._delete_guest()

        self.app.push_screen(
            InputPrompt(
                f"Delete the guest collection {name}?",
                placeholder=name,
                check=check,
                details=f"Its {count} access rule{'s' if count != 1 else ''} go with it; the files stay "
                "where they are. Type its name to confirm.",
            ),
            typed,
        )

    @work(thread=True, group="sharing-change", exit_on_error=False)
    def _delete_guest(self) -> None:
        try:
            self.sharing.delete_guest(self.collection.id)
        except GtermError as exc:
            deliver(self.app, self._failed, exc)
            return
        deliver(self.app, self._guest_deleted)

    def _guest_deleted(self) -> None:
        self.app.notify(f"Deleted the guest collection {self.collection.display_name}.", title="Sharing",
                        markup=False)
        self.dismiss()

    def action_add_rule(self) -> None:
        if self.mode != "rules":
            return
        self.app.push_screen(AddRuleDialog(self.sharing, self.collection, self.directory), self._after_change)

    def action_edit_rule(self) -> None:
        rule = self._selected_rule()
        if rule is None:
            return
        label = self.labels.get(rule.id, rule.principal)
        self.app.push_screen(EditRuleDialog(self.sharing, self.collection.id, rule, label), self._after_change)

    def action_delete_rule(self) -> None:
        rule = self._selected_rule()
        if rule is None:
            return
        label = self.labels.get(rule.id, rule.principal)
        perms = PERMISSION_LABELS.get(rule.permissions, rule.permissions)

        def answered(yes: bool | None) -> None:
            if yes:
                self.query_one("#sharing-status", Static).update(Text("Deleting…", style="dim"))
                self._delete(rule.id)

        self.app.push_screen(
            ConfirmPrompt(
                "Delete access rule",
                f"{label} loses {perms} access to {rule.path} at once.",
                confirm_label="Delete",
                danger=True,
            ),
            answered,
        )

    @work(thread=True, group="sharing-change", exit_on_error=False)
    def _delete(self, rule_id: str) -> None:
        try:
            self.sharing.delete_rule(self.collection.id, rule_id)
        except GtermError as exc:
            deliver(self.app, self._failed, exc)
            return
        deliver(self.app, self._after_change, True)

    def _after_change(self, changed: bool | None) -> None:
        if changed:
            self._load()


_PERMISSION_CHOICES: list[tuple[str, Permissions]] = [("read", "r"), ("read/write", "rw")]


class _RuleForm(Prompt[bool]):
    """The add and edit dialogs' shared plumbing: Enter or OK accepts, Esc or Cancel dismisses (False),
    one call at a time, and a refusal is shown in the dialog (what was typed stays)."""

    DEFAULT_CSS = """
    _RuleForm > .modal-frame { width: 80; max-width: 95%; max-height: 95%; padding: 0 2; }
    _RuleForm Input, _RuleForm Select { margin-bottom: 0; }
    _RuleForm #rule-matches { color: $text-muted; height: auto; min-height: 1; }
    """

    def __init__(self) -> None:
        super().__init__(no_result=False)
        self.busy = False

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.before_submit(event.input)
        self._accept()

    def before_submit(self, field: Input) -> None:
        """A hook for what Enter in ``field`` does before the form is accepted."""

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self._accept()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_back_out()

    def _accept(self) -> None:
        if not self.busy:
            self.accept()

    def accept(self) -> None:
        raise NotImplementedError

    def say(self, text: str, *, dim: bool = False) -> None:
        self.query_one("#rule-error", Static).update(Text(text, style="dim" if dim else ""))

    def _refused(self, error: GtermError) -> None:
        self.busy = False
        self.say(describe(error))


class AddRuleDialog(_RuleForm):
    """Who (username, email, group, all users, public -- live matches), path, permissions, expiry, notify."""

    def __init__(self, sharing: SharingService, collection: Collection, directory: str) -> None:
        super().__init__()
        self.sharing = sharing
        self.collection = collection
        self.directory = directory
        self.matches: list[str] = []
        self.created: str | None = None

    def compose_dialog(self) -> ComposeResult:
        yield self.heading(f"Share {self.collection.display_name}")
        yield Input(placeholder="username, email, group name, 'all users' or 'public'", id="rule-who")
        yield Static("", id="rule-matches")
        yield Input(value=self.directory or "/", placeholder="path in this collection", id="rule-path")
        yield Select(_PERMISSION_CHOICES, value="r", allow_blank=False, id="rule-permissions")
        yield Input(placeholder="expires: +30d, +2w or 2027-01-31 (empty: never)", id="rule-expiry")
        yield Input(placeholder="notify email (optional)", id="rule-notify")
        yield Input(placeholder="message for the notification (optional)", id="rule-message")
        yield Static("", classes="dialog-error", id="rule-error")
        with Horizontal(classes="dialog-buttons"):
            yield Button("Cancel", id="cancel")
            yield Button("Share", variant="primary", id="ok")

    def on_mount(self) -> None:
        self.query_one("#rule-who", Input).focus()
        self._load_groups()

    @work(thread=True, group="rule-groups", exclusive=True, exit_on_error=False)
    def _load_groups(self) -> None:
        """My groups, so their names match as I type (once per session; the service caches them)."""
        try:
            self.sharing.load_my_groups()
        except GtermError as exc:
            # A Groups consent is asked for in the app (then this reruns); other failures only cost the matches.
            deliver(self.app, self._groups_failed, exc)
            return
        deliver(self.app, self._refresh_matches)

    def _groups_failed(self, error: GtermError) -> None:
        from gterm.tui.worker_errors import AUTH_ERRORS, report

        if isinstance(error, AUTH_ERRORS):
            report(self.app, error, context="Your groups", retry=self._load_groups)

    def _refresh_matches(self) -> None:
        value = self.query_one("#rule-who", Input).value
        if value.strip():
            self._show_matches(self.sharing.matches(value))

    # --- live matches ----------------------------------------------------------------------

    @on(Input.Changed, "#rule-who")
    def _who_changed(self, event: Input.Changed) -> None:
        self._show_matches(self.sharing.matches(event.value))
        text = event.value.strip()
        if "@" in text and "." in text.rpartition("@")[2]:
            self._look_up(text)

    @work(thread=True, group="rule-lookup", exclusive=True, exit_on_error=False)
    def _look_up(self, username: str) -> None:
        worker = get_current_worker()
        try:
            found = self.sharing.identities_by_username([username]).get(username.lower())
        except GtermError:
            return  # a lookup while typing is a nicety; submitting says what went wrong
        if found is not None and not worker.is_cancelled:
            deliver(self.app, self._lookup_done, username)

    def _lookup_done(self, username: str) -> None:
        if self.query_one("#rule-who", Input).value.strip() == username:
            self._show_matches(self.sharing.matches(username))

    def _show_matches(self, matches: list[str]) -> None:
        self.matches = matches
        labels = []
        known = {i.username: i for i in self.sharing.known_identities()}
        for match in matches:
            person = known.get(match)
            labels.append(f"{person.name} ({match})" if person and person.name else match)
        self.query_one("#rule-matches", Static).update(
            Text("Matches: " + " · ".join(labels)) if labels else Text("")
        )

    # --- submit --------------------------------------------------------------------------

    def before_submit(self, field: Input) -> None:
        if field.id == "rule-who" and field.value.strip() and len(self.matches) == 1:
            field.value = self.matches[0]  # Enter takes the one match

    def _form(self) -> NewRule | str:
        who = self.query_one("#rule-who", Input).value.strip()
        if not who:
            return "Type who to share with: a username, an email address, a group name, 'all users' or 'public'."
        permissions = self.query_one("#rule-permissions", Select).value
        try:
            expires = parse_expiry(self.query_one("#rule-expiry", Input).value)
        except GtermError as exc:
            return str(exc)
        return NewRule(
            who=who,
            path=self.query_one("#rule-path", Input).value.strip() or "/",
            permissions="rw" if permissions == "rw" else "r",
            expires=expires,
            notify_email=self.query_one("#rule-notify", Input).value.strip(),
            notify_message=self.query_one("#rule-message", Input).value.strip(),
        )

    def accept(self) -> None:
        form = self._form()
        if isinstance(form, str):
            self.say(form)
            return
        self.busy = True
        self.say("Sharing…", dim=True)
        self._create(form)

    @work(thread=True, group="rule-create", exit_on_error=False)
    def _create(self, form: NewRule) -> None:
        try:
            grantee: Grantee = self.sharing.resolve_grantee(form.who)
            rule_id = self.sharing.add_rule(
                self.collection.id,
                grantee,
                form.path,
                form.permissions,
                expires=form.expires,
                notify_email=form.notify_email or None,
                notify_message=form.notify_message or None,
            )
        except GtermError as exc:
            deliver(self.app, self._refused, exc)
            return
        deliver(self.app, self._done, rule_id)


    def _done(self, rule_id: str) -> None:
        self.created = rule_id
        self.dismiss(True)


class EditRuleDialog(_RuleForm):
    """Change a rule's permissions or expiry (who and path of a rule cannot change at Globus)."""

    def __init__(self, sharing: SharingService, guest_id: str, rule: Rule, label: str) -> None:
        super().__init__()
        self.sharing = sharing
        self.guest_id = guest_id
        self.rule = rule
        self.label = label

    def compose_dialog(self) -> ComposeResult:
        yield self.heading(f"Change the rule for {self.label} on {self.rule.path}")
        value: Permissions = "rw" if self.rule.permissions == "rw" else "r"
        yield Select(_PERMISSION_CHOICES, value=value, allow_blank=False, id="rule-permissions")
        yield Input(
            value=_day(self.rule.expiration_date),
            placeholder="expires: +30d, +2w or 2027-01-31 (empty: never)",
            id="rule-expiry",
        )
        yield Static("", classes="dialog-error", id="rule-error")
        with Horizontal(classes="dialog-buttons"):
            yield Button("Cancel", id="cancel")
            yield Button("Save", variant="primary", id="ok")

    def on_mount(self) -> None:
        self.query_one("#rule-permissions", Select).focus()

    def accept(self) -> None:
        permissions: Permissions = "rw" if self.query_one("#rule-permissions", Select).value == "rw" else "r"
        expiry_text = self.query_one("#rule-expiry", Input).value.strip()
        try:
            unchanged = expiry_text and expiry_text == _day(self.rule.expiration_date)
            expires = (
                datetime.fromisoformat(self.rule.expiration_date)
                if unchanged and self.rule.expiration_date
                else parse_expiry(expiry_text)
            )
        except GtermError as exc:
            self.say(str(exc))
            return
        self.busy = True
        self.say("Saving…", dim=True)
        self._save(permissions, expires)

    @work(thread=True, group="rule-edit", exit_on_error=False)
    def _save(self, permissions: Permissions, expires: datetime | None) -> None:
        try:
            self.sharing.update_rule(self.guest_id, self.rule.id, permissions=permissions, expires=expires)
        except GtermError as exc:
            deliver(self.app, self._refused, exc)
            return
        deliver(self.app, self.dismiss, True)


