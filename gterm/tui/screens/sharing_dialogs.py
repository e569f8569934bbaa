"""The sharing screen's forms: add an access rule, change one, give a role.

Every field has a label beside it (the placeholder only shows an example).
Enter or the primary button accepts, Esc or Cancel dismisses (False); with a
Who field, only a whole name is sent (part of one is replaced by its best match
first, to be sent by the next Enter); one call
runs at a time on a worker, and a refusal is shown in the dialog with what was
typed kept. While that call is out, Esc and Cancel say "Still saving…" and the
form stays: its answer closes it (and the list behind reloads) or says why not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static

from gterm.globus.collection_roles import ROLE_HELP, PrincipalKind, RolesPlace
from gterm.globus.collection_settings import looks_like_email
from gterm.globus.errors import ConsentNeeded, GtermError
from gterm.globus.models import Collection, Rule
from gterm.globus.sharing import Grantee, Permissions, SharingService
from gterm.globus.sharing_input import parse_expiry
from gterm.tui.keymap import WHO_FORM_BINDINGS
from gterm.tui.safe_text import safe_text
from gterm.tui.screens.prompts import Prompt
from gterm.tui.widgets.who_field import WhoField
from gterm.tui.worker_errors import AUTH_ERRORS, deliver, describe, report
from gterm.wording import first_few

PERMISSION_LABELS: dict[str, str] = {"r": "read", "rw": "read/write"}
_PERMISSION_CHOICES: list[tuple[str, Permissions]] = [("read", "r"), ("read/write", "rw")]
EXPIRY_EXAMPLE = "+30d, +2w or YYYY-MM-DD (empty: never)"
GROUPS_CONSENT_NOTE = "Your groups need your consent to be matched: ctrl+g signs in for them."
GROUPS_SIGN_IN_NOTE = "Your groups need a new sign-in to be matched: ctrl+g signs in."


def day_of(text: str | None) -> str:
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


def row(label: str, field: Widget) -> Horizontal:
    """A labelled field: the label on the left, the field filling the rest of the line."""
    return Horizontal(Label(label, classes="form-label"), field, classes="form-row")


class _SharingForm(Prompt[bool]):
    """The dialogs' shared plumbing (accept once, refusals shown in place); Esc or Cancel: False."""

    # The fields scroll; on a short terminal (80x24) they give up rows so the error line and the buttons
    # below them stay on screen.
    FIT = (".form-fields", 24)
    DEFAULT_CSS = """
    _SharingForm > .modal-frame { width: 84; max-width: 95%; padding: 0 2; }
    _SharingForm .form-fields { height: auto; }
    _SharingForm .form-row { height: auto; }
    _SharingForm .form-label { width: 13; padding: 1 1 0 0; text-align: right; color: $text-muted; }
    _SharingForm .form-row > Input, _SharingForm .form-row > Select, _SharingForm .form-row > WhoField { width: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__(no_result=False)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_ok()

    def action_ok(self) -> None:
        if not self.saving:
            self.accept()

    def still_saving(self) -> None:
        self.say("Still saving… this closes when Globus answers, or says here why not.")

    def accept(self) -> None:
        raise NotImplementedError

    @staticmethod
    def fields(*rows: Widget) -> VerticalScroll:
        """The form's rows, in the part that scrolls (never a Tab stop itself: Tab goes field to field)."""
        return VerticalScroll(*rows, classes="form-fields", can_focus=False)

    def say(self, text: str, *, dim: bool = False) -> None:
        # Refusals may quote a server's names (a person's, a group's): escaped, never raw.
        self.query_one("#rule-error", Static).update(safe_text(text, "dim" if dim else ""))

    def refused(self, error: GtermError) -> None:
        self.saving = False
        if isinstance(error, AUTH_ERRORS):
            # A consent or a new sign-in is asked for now (the user asked to save), then the form is sent
            # again with what was typed; a cancelled sign-in leaves the form as it was.
            self.say(f"{describe(error)} Signing in, then this is sent again…", dim=True)
            report(self.app, error, context=self.heading_text, retry=self._send_again)
            return
        self.say(describe(error))

    @property
    def heading_text(self) -> str:
        return str(self.query_one(".dialog-title", Static).render())

    def _send_again(self) -> None:
        if self.app.screen is self and not self.saving:  # not after the form was closed meanwhile
            self.accept()

    @on(Input.Changed)
    def _edited(self, _event: Input.Changed) -> None:
        """A field was edited: what the error line said about the old values no longer stands."""
        if not self.saving:
            self.say("")


class _WithWho(_SharingForm):
    """A form whose first field names a person or group (my groups are loaded for the matches)."""

    BINDINGS: ClassVar[list[BindingType]] = [*WHO_FORM_BINDINGS]
    SEND_WORDS = ""  # what Enter then does ("shares with them")

    def __init__(self, sharing: SharingService) -> None:
        super().__init__()
        self.sharing = sharing
        self.groups_sign_in: GtermError | None = None  # why my groups could not be read: a sign-in would help

    @property
    def who(self) -> WhoField:
        return self.query_one(WhoField)

    @property
    def matches(self) -> list[str]:
        return self.who.matches

    def on_mount(self) -> None:
        self.who.input.focus()
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
        deliver(self.app, self._groups_loaded)

    def _groups_loaded(self) -> None:
        self.groups_sign_in = None
        self.who.show_note("")
        self.who.refresh_matches()

    def _groups_failed(self, error: GtermError) -> None:
        if isinstance(error, AUTH_ERRORS):
            # Never a login of its own while the user types: its code field would take the keys meant for
            # Who. The matches say so; ctrl+g (or naming a group and saving) asks for the sign-in.
            self.groups_sign_in = error
            self.who.show_note(GROUPS_CONSENT_NOTE if isinstance(error, ConsentNeeded) else GROUPS_SIGN_IN_NOTE)

    def action_groups_sign_in(self) -> None:
        """``ctrl+g``: the sign-in my groups need, then they are read again and match as I type."""
        if self.groups_sign_in is not None:
            report(self.app, self.groups_sign_in, context="Your groups", retry=self._load_groups)

    def action_ok(self) -> None:
        """Enter (in any field) or the primary button: sent only when Who names someone exactly.

        Part of a name is never sent as if it were the whole one ("esearch" gave Alice Researcher a role):
        the best match is put in Who, the form says so, and the next Enter sends that."""
        if self.saving:
            return
        typed = self.who.value
        suggestions = self.sharing.suggestions(typed, words=self.who.words)
        if not suggestions:
            self.accept()
            return
        best, *others = suggestions
        self.who.fill(best)
        also = f" Also matching {typed!r}: {first_few([self.sharing.match_label(m) for m in others], 3)}." \
            if others else ""
        self.say(f"Who now reads {self.sharing.match_label(best)}, the closest match to {typed!r}: Enter again "
                 f"{self.SEND_WORDS}, or change it.{also}")


class AddRuleDialog(_WithWho):
    """Who (username, email, group, all users, public -- live matches), path, permissions, expiry, notify."""

    SEND_WORDS = "shares with them"

    def __init__(self, sharing: SharingService, collection: Collection, directory: str) -> None:
        super().__init__(sharing)
        self.collection = collection
        self.directory = directory
        self.created: str | None = None

    def compose_dialog(self) -> ComposeResult:
        yield self.heading(f"Share {self.collection.display_name}")
        yield self.fields(
            row("Who", WhoField(self.sharing, prefix="rule",
                                placeholder="username, email, group, 'all users', 'public'")),
            row("Path", Input(value=self.directory or "/", placeholder="a folder in this collection",
                              id="rule-path")),
            row("Permissions", Select(_PERMISSION_CHOICES, value="r", allow_blank=False, id="rule-permissions")),
            row("Expires", Input(placeholder=EXPIRY_EXAMPLE, id="rule-expiry")),
            row("Notify email", Input(placeholder="optional: who is told about the new access", id="rule-notify")),
            row("Message", Input(placeholder="optional: a note for that email", id="rule-message")),
        )
        yield Static("", classes="dialog-error", id="rule-error")
        yield self.buttons("Share")

    def _form(self) -> NewRule | str:
        who = self.who.value
        if not who:
            return "Type who to share with: a username, an email address, a group name, 'all users' or 'public'."
        permissions = self.query_one("#rule-permissions", Select).value
        try:
            expires = parse_expiry(self.query_one("#rule-expiry", Input).value)
        except GtermError as exc:
            return str(exc)
        notify_email = self.query_one("#rule-notify", Input).value.strip()
        if notify_email and not looks_like_email(notify_email):
            return f"The notify email {notify_email!r} is not an email address (name@example.org)."
        return NewRule(
            who=who,
            path=self.query_one("#rule-path", Input).value.strip() or "/",
            permissions="rw" if permissions == "rw" else "r",
            expires=expires,
            notify_email=notify_email,
            notify_message=self.query_one("#rule-message", Input).value.strip(),
        )

    def accept(self) -> None:
        form = self._form()
        if isinstance(form, str):
            self.say(form)
            return
        self.saving = True
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
            deliver(self.app, self.refused, exc)
            return
        deliver(self.app, self._done, rule_id)

    def _done(self, rule_id: str) -> None:
        self.created = rule_id
        self.dismiss(True)


class EditRuleDialog(_SharingForm):
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
        # Public access is read-only at Globus: the list offers only what it would accept.
        choices = _PERMISSION_CHOICES[:1] if self.rule.principal_type == "anonymous" else _PERMISSION_CHOICES
        yield self.fields(
            row("Permissions", Select(choices, value=value, allow_blank=False, id="rule-permissions")),
            row("Expires", Input(value=day_of(self.rule.expiration_date), placeholder=EXPIRY_EXAMPLE,
                                 id="rule-expiry")),
        )
        yield Static("", classes="dialog-error", id="rule-error")
        yield self.buttons("Save")

    def on_mount(self) -> None:
        self.query_one("#rule-permissions", Select).focus()

    def accept(self) -> None:
        permissions: Permissions = "rw" if self.query_one("#rule-permissions", Select).value == "rw" else "r"
        expiry_text = self.query_one("#rule-expiry", Input).value.strip()
        try:
            unchanged = expiry_text and expiry_text == day_of(self.rule.expiration_date)
            expires = (
                datetime.fromisoformat(self.rule.expiration_date)
                if unchanged and self.rule.expiration_date
                else parse_expiry(expiry_text)
            )
        except GtermError as exc:
            self.say(str(exc))
            return
        self.saving = True
        self.say("Saving…", dim=True)
        self._save(permissions, expires)

    @work(thread=True, group="rule-edit", exit_on_error=False)
    def _save(self, permissions: Permissions, expires: datetime | None) -> None:
        try:
            self.sharing.update_rule(self.guest_id, self.rule.id, permissions=permissions, expires=expires)
        except GtermError as exc:
            deliver(self.app, self.refused, exc)
            return
        deliver(self.app, self.dismiss, True)


class AddRoleDialog(_WithWho):
    """Give a person or one of my groups a role on this collection (administrators only, at Globus)."""

    SEND_WORDS = "gives them the role"

    def __init__(self, sharing: SharingService, collection: Collection, place: RolesPlace) -> None:
        super().__init__(sharing)
        self.collection = collection
        self.place = place

    def compose_dialog(self) -> ComposeResult:
        choices = [(f"{name} — {ROLE_HELP[name]}", name) for name in self.place.roles_offered]
        default = "access_manager" if self.place.is_guest else "activity_monitor"
        yield self.heading(f"Give a role on {self.collection.display_name}")
        yield self.fields(
            row("Who", WhoField(self.sharing, prefix="role", placeholder="username, email or group name",
                                words=False)),
            row("Role", Select(choices, value=default, allow_blank=False, id="role-name")),
        )
        yield Static("", classes="dialog-error", id="rule-error")
        yield self.buttons("Give role")

    def accept(self) -> None:
        who = self.who.value
        if not who:
            self.say("Type who gets the role: a username, an email address or one of your groups.")
            return
        self.saving = True
        self.say("Giving the role…", dim=True)
        self._give(who, str(self.query_one("#role-name", Select).value))

    @work(thread=True, group="role-create", exit_on_error=False)
    def _give(self, who: str, role: str) -> None:
        try:
            grantee = self.sharing.resolve_person_or_group(who)
            kind: PrincipalKind = "group" if grantee.principal_type == "group" else "identity"
            self.sharing.roles.add(self.place, kind, grantee.principal, role, label=grantee.label)
        except GtermError as exc:
            deliver(self.app, self.refused, exc)
            return
        deliver(self.app, self.dismiss, True)
