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

from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from gterm.globus import paths
from gterm.globus.collection_settings import FIELD_BY_NAME, display_name_problem
from gterm.globus.errors import GtermError
from gterm.globus.models import Collection, Rule
from gterm.globus.sharing import SharingService
from gterm.tui.fixed_columns import add_fitted_row, add_fixed_columns, cursor_place, put_cursor_back
from gterm.tui.keymap import SHARING_BINDINGS
from gterm.tui.messages import CollectionDeleted
from gterm.tui.safe_text import escape_controls, safe_text
from gterm.tui.screens.modal import GtermModal
from gterm.tui.screens.prompts import ConfirmPrompt
from gterm.tui.screens.sharing_dialogs import PERMISSION_LABELS, AddRuleDialog, EditRuleDialog, day_of
from gterm.tui.screens.sharing_roles import RolesPanel
from gterm.tui.worker_errors import deliver, describe, report
from gterm.wording import plural

#: Fixed widths: the columns do not jump as answers arrive (and every picture of them is the same).
Columns = tuple[tuple[str, int], ...]
RULE_COLUMNS: Columns = (("Who", 36), ("Path", 20), ("Permissions", 11), ("Expires", 10), ("Created", 10))
#: Under 100 columns (80x24): shorter Who and Path, and no Created, so Expires (red once past) stays on screen.
NARROW_RULE_COLUMNS: Columns = (("Who", 26), ("Path", 14), ("Permissions", 11), ("Expires", 10))
NARROW = 100
GUEST_COLUMNS = (("Guest collection", 40), ("Shares", 54))

MAIN_TAB = "tab-main"
ROLES_TAB = "tab-roles"


#: Principals whose rules reach a rule's principal too: everyone signed in (a person, a group) and the public.
_REACHES: dict[str, tuple[str, ...]] = {
    "identity": ("all_authenticated_users", "anonymous"),
    "group": ("all_authenticated_users", "anonymous"),
    "all_authenticated_users": ("anonymous",),
}


def still_granted(rule: Rule, rules: list[Rule], now: datetime) -> Rule | None:
    """Another unexpired rule (or a role's access) that still grants ``rule``'s principal access on its path
    once it is gone: the same principal's, or everyone's, on that path or one above it; read/write first.

    Group membership is not known for others, so a group of which the person is a member is not counted.
    """
    def reaches(other: Rule) -> bool:
        same = (other.principal_type, other.principal) == (rule.principal_type, rule.principal)
        return ((same or other.principal_type in _REACHES.get(rule.principal_type, ()))
                and other.key != rule.key and not other.has_expired(now) and paths.is_within(rule.path, other.path))

    keepers = [other for other in rules if reaches(other)]
    return max(keepers, key=lambda other: other.permissions == "rw", default=None)


def _through(rule: Rule) -> str:
    """How a keeper rule is named in a sentence ("the rule on /", "the administrator role")."""
    if rule.from_role:
        return f"the {rule.role_type} role"
    whose = {"all_authenticated_users": " for all users", "anonymous": " for the public"}.get(rule.principal_type, "")
    return f"the rule{whose} on {rule.path}"


def rule_loss(label: str, rule: Rule, rules: list[Rule], now: datetime) -> str:
    """What deleting ``rule`` takes from its principal, exactly: what another rule still grants is kept."""
    perms = PERMISSION_LABELS.get(rule.permissions, rule.permissions)
    keeper = still_granted(rule, rules, now)
    if keeper is None:
        return f"{label} loses {perms} access to {rule.path} at once."
    kept = PERMISSION_LABELS.get(keeper.permissions, keeper.permissions)
    if rule.permissions == "rw" and keeper.permissions != "rw":
        return f"{label} loses write access to {rule.path}; keeps read through {_through(keeper)}."
    return f"{label} keeps {kept} access to {rule.path} through {_through(keeper)}; only this rule goes."


def is_guest(collection: Collection) -> bool:
    """Guest collections (GCSv5 guests and Globus Connect Personal shares) are the ones with rules."""
    return collection.host_endpoint_id is not None or collection.entity_type.endswith("guest_collection")


class SharingScreen(GtermModal[None]):
    """Access rules of a guest collection, or the guests a mapped collection hosts."""

    BINDINGS: ClassVar[list[BindingType]] = [*SHARING_BINDINGS]
    # The tables give up rows on a short terminal (80x24), so the status and key hints under them stay on
    # screen: a long list pushed them under the bottom edge.
    FIT = ("DataTable", 18)
    DEFAULT_CSS = """
    SharingScreen > .modal-frame { width: 110; }
    SharingScreen DataTable { height: auto; max-height: 18; }
    SharingScreen TabbedContent, SharingScreen TabPane, SharingScreen ContentSwitcher { height: auto; }
    SharingScreen TabPane { padding: 0; }
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
        self.summary = Text("")  # what the status line says of the list (the rules or guests counted)
        self.noted: str | None = None  # the rule the status line speaks of instead, until the cursor leaves it

    def compose_dialog(self) -> ComposeResult:
        yield self.heading(f"Sharing — {self.collection.display_name}", id="sharing-title")
        with TabbedContent(id="sharing-tabs"):
            with TabPane("Access rules" if self.mode == "rules" else "Guest collections I manage here",
                         id=MAIN_TAB):
                yield DataTable(id="sharing-table", cursor_type="row", zebra_stripes=True)
                yield Static(Text("Loading…", style="dim"), id="sharing-status")
            with TabPane("Roles", id=ROLES_TAB):
                yield RolesPanel(self.sharing, self.collection)
        yield Static(self._hint(MAIN_TAB), classes="dialog-hint", id="sharing-hint")

    def _hint(self, tab: str) -> str:
        if tab == ROLES_TAB:
            return "a give a role · d take one away · r back to the rules · ctrl+r refresh · Esc closes"
        if self.mode == "rules":
            return ("a add · e change · d delete · D delete this guest collection · r roles · ctrl+r refresh"
                    " · Esc closes")
        return "s shares this folder · Enter opens a guest's rules · r roles · ctrl+r refresh · Esc closes"

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#sharing-table", DataTable)

    @property
    def roles(self) -> RolesPanel:
        return self.query_one(RolesPanel)

    @property
    def on_roles_tab(self) -> bool:
        return self.query_one(TabbedContent).active == ROLES_TAB

    def on_mount(self) -> None:
        table = self.table
        if self.mode == "rules":
            # The narrow set under NARROW columns; each row is cut to the columns the table has.
            add_fixed_columns(table, NARROW_RULE_COLUMNS if self.app.size.width < NARROW else RULE_COLUMNS)
        else:
            add_fixed_columns(table, GUEST_COLUMNS)  # by name: a collection's id is in its details (i)
        table.focus()
        self._load()

    def action_switch_tab(self) -> None:
        """``r``: between the rules (or guests) and the roles."""
        self.query_one(TabbedContent).active = MAIN_TAB if self.on_roles_tab else ROLES_TAB

    @on(TabbedContent.TabActivated)
    def _tab_shown(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id or MAIN_TAB
        self.query_one("#sharing-hint", Static).update(self._hint(tab))
        if tab == ROLES_TAB:
            if not self.roles.started:
                self.roles.load()
            self.roles.table.focus()
        else:
            self.table.focus()

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
        self.query_one("#sharing-status", Static).update(safe_text(self.error, "bold red"))

    def _show(self, *result: Any) -> None:
        self.loaded = True
        self.error = None
        table = self.table
        place = cursor_place(table)
        table.clear()
        if self.mode == "rules":
            self.labels = result[1]
            # The rules one manages, then the access roles carry (fixed: they go with the role); each part
            # everyone, then groups, then people, by name, then path: the order a person scans for.
            kinds = {"anonymous": 0, "all_authenticated_users": 1, "group": 2, "identity": 3}
            self.rules = sorted(result[0], key=lambda r: (r.from_role, kinds.get(r.principal_type, 4),
                                                          self.labels.get(r.key, r.principal).casefold(), r.path))
            now = datetime.now(UTC)
            expired = 0
            for rule in self.rules:
                ended = rule.has_expired(now)
                expired += ended
                cells = (
                    safe_text(self._who(rule)),
                    safe_text(rule.path),
                    PERMISSION_LABELS.get(rule.permissions, rule.permissions),
                    Text(day_of(rule.expiration_date), style="bold red") if ended
                    # A role's access lasts as long as the role.
                    else "with role" if rule.from_role
                    else day_of(rule.expiration_date) or "never",
                    day_of(rule.create_time),
                )
                add_fitted_row(table, cells, key=rule.key)
            count = sum(not rule.from_role for rule in self.rules)
            status = f"{plural(count, 'rule')}." if count else "No rules yet: a adds one."
            from_roles = len(self.rules) - count
            if from_roles:
                status += (f" {plural(from_roles, 'role')} also {'gives' if from_roles == 1 else 'give'}"
                           " read-write access to / (changed in the Roles tab, r).")
            if expired:
                status += (f" Expired (in red): {expired}. An expired rule grants nothing until e gives it a later"
                           " date or none.")
            if self.sharing.groups_need_consent and any(r.principal_type == "group" for r in self.rules):
                status += (" Groups are shown by id: their names need your consent to Globus Groups"
                           " (g on the main screen asks for it).")
        else:
            self.guests = sorted(result[0], key=lambda g: (g.display_name.casefold(), g.id))
            for guest in self.guests:
                add_fitted_row(table, (safe_text(guest.display_name), safe_text(guest.host_path or "/")), key=guest.id)
            status = f"{plural(len(self.guests), 'guest collection')}." if self.guests else "No guest collections here."
        keys = [r.key for r in self.rules] if self.mode == "rules" else [g.id for g in self.guests]
        put_cursor_back(table, keys, place)  # after a change the next key acts where it did, not on row one
        self.summary = Text(status, style="dim")
        self.noted = None
        self.query_one("#sharing-status", Static).update(self.summary)

    def _who(self, rule: Rule) -> str:
        """A rule's Who cell; a role's access names the role first, as the column cuts a long name's end
        ("Alice Researcher (alice@example.org) (as access_manager)" lost what told two such rows apart)."""
        label = self.labels.get(rule.key, rule.principal)
        return f"{rule.role_type}: {label}" if rule.from_role else label

    def _not_from_role(self, rule: Rule) -> bool:
        """A rule a role implies changes only with the role: say so instead of asking Transfer."""
        if rule.from_role:
            self.query_one("#sharing-status", Static).update(Text(
                f"This access comes with the {rule.role_type} role: take the role away in the Roles tab (r).",
                style="bold red"))
            self.noted = rule.key
        return not rule.from_role

    def _drop_note(self) -> None:
        """What the status line said of one rule goes (back to the list's summary): the cursor left that rule,
        or another action starts (it stayed under the next dialog, as if about that one)."""
        if self.noted is not None:
            self.noted = None
            self.query_one("#sharing-status", Static).update(self.summary)

    @on(DataTable.RowHighlighted, "#sharing-table")
    def _row_moved(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value != self.noted:
            self._drop_note()

    def _selected_rule(self) -> Rule | None:
        if self.mode != "rules" or not self.rules:
            return None
        row = self.table.cursor_row
        return self.rules[row] if 0 <= row < len(self.rules) else None

    # --- actions -------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.noted = None  # "Loading…" replaces it, and the answer the summary
        self.sharing.forget_names()
        self.query_one("#sharing-status", Static).update(Text("Loading…", style="dim"))
        self._load()
        if self.roles.started:
            self.roles.load()

    @on(DataTable.RowSelected)
    def _open_guest(self, event: DataTable.RowSelected) -> None:
        if self.mode != "guests":
            return
        event.stop()
        index = event.cursor_row
        if 0 <= index < len(self.guests):
            self._push_guest(self.guests[index])

    def _push_guest(self, guest: Collection) -> None:
        """A guest's rules over this list, which is read again when they close (``D`` may have deleted it)."""
        def closed(_: None) -> None:
            self._load()

        self.app.push_screen(SharingScreen(self.sharing, guest, "/"), closed)

    def action_share_folder(self) -> None:
        """``s`` on a mapped collection: a new guest collection rooted at the pane's directory."""
        self._drop_note()
        if self.mode != "guests":
            return
        from gterm.tui.screens.prompts import InputPrompt

        # Proposed from the name as shown: a folder name's control bytes never become the new collection's.
        folder = escape_controls(self.directory.rstrip("/").rsplit("/", 1)[-1] or self.collection.display_name)
        suffix = " (shared by gterm)"
        room = FIELD_BY_NAME["display_name"].limit - len(suffix)  # a long folder name is cut: the proposal fits
        if len(folder) > room:
            folder = folder[: room - 1] + "…"
        proposal = f"{folder}{suffix}" if folder else "Shared folder"

        def named(name: str | None) -> None:
            if name:
                self.query_one("#sharing-status", Static).update(Text("Creating the guest collection…", style="dim"))
                self._create_guest(name.strip())

        self.app.push_screen(
            InputPrompt(
                f"Share {self.directory} as a new guest collection",
                value=proposal,
                details="Its display name (you can change it later). Then add who may use it.",
                check=display_name_problem,  # the settings form's check: refused here, before anything is created
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
        self._failed(error)
        # A consent (manage_collections, data_access) is asked for in the app, then the creation is retried.
        report(self.app, error, context="Share this folder", retry=lambda: self._create_guest(name))

    def _guest_created(self, guest_id: str, name: str) -> None:
        guest = Collection(id=guest_id, display_name=name, host_endpoint_id=self.collection.id,
                           host_path=self.directory)
        self._load()
        self._push_guest(guest)

    def action_delete_guest(self) -> None:
        """``D``: delete this guest collection, confirmed by typing its name (its rules go with it).

        Whose it is is asked first: an administrator of its host may delete someone else's guest collection,
        and the confirmation must say so (their sharing goes for everyone they shared it with).
        """
        self._drop_note()
        if self.mode != "rules" or not self.loaded:
            return
        status = self.query_one("#sharing-status", Static)
        before = status.content
        status.update(Text("Checking whose guest collection this is…", style="dim"))
        self._confirm_delete(before)

    @work(thread=True, group="sharing-owner", exclusive=True, exit_on_error=False)
    def _confirm_delete(self, status_before: object) -> None:
        try:
            owner = self.sharing.owner_elsewhere(self.collection.id)
        except GtermError:
            owner = None  # a warning worth giving when it can be, not a condition of deleting
        if not get_current_worker().is_cancelled:
            deliver(self.app, self._ask_delete, owner, status_before)

    def _ask_delete(self, owner: str | None, status_before: Any) -> None:
        from gterm.tui.screens.prompts import InputPrompt

        if not self.is_attached:  # closed (Esc) while its owner was asked for
            return
        self.query_one("#sharing-status", Static).update(status_before)
        if self.app.screen is not self:  # another screen over it meanwhile: no question over that
            return
        whose = f"It is owned by {owner}: deleting it removes their sharing for everyone. " if owner else ""
        name = self.collection.display_name
        # The name as the screen shows it (control characters escaped) is what a person can type.
        shown = escape_controls(name)
        count = sum(not rule.from_role for rule in self.rules)  # a role's access goes with the role
        if self.error is not None:  # the rules could not be read: "no rules" would be a guess
            rules_going = "Its access rules, which could not be read here, go with it. "
        elif count:
            rules_going = f"Its {plural(count, 'access rule')} {'goes' if count == 1 else 'go'} with it. "
        else:  # no rules: nothing to say about them ("Its 0 access rules go with it" said nothing useful)
            rules_going = ""

        def confirmed(value: str | None) -> bool:
            return value is not None and value in (name, shown)

        def check(value: str) -> str | None:
            return None if confirmed(value) else f"Type the name exactly ({shown}) to delete it."

        def typed(value: str | None) -> None:
            if confirmed(value):
                self.query_one("#sharing-status", Static).update(Text("Deleting the guest collection…", style="dim"))
                self._delete_guest()

        self.app.push_screen(
            InputPrompt(
                f"Delete the guest collection {name}?",
                placeholder=name,
                check=check,
                details=f"{whose}{rules_going}The files stay where they are. Type its name to confirm.",
            ),
            typed,
        )

    @work(thread=True, group="sharing-change", exit_on_error=False)
    def _delete_guest(self) -> None:
        try:
            self.sharing.delete_guest(self.collection.id)
        except GtermError as exc:
            deliver(self.app, self._delete_guest_failed, exc)
            return
        deliver(self.app, self._guest_deleted)

    def _delete_guest_failed(self, error: GtermError) -> None:
        # The status line says why; a consent (the host's data_access under manage_collections: a guest has
        # no data_access scope of its own) or a new sign-in is asked for in the app and the deletion runs
        # again after it, as a creation does (the status line alone left the user pressing D into the same
        # refusal).
        self.query_one("#sharing-status", Static).update(safe_text(describe(error), "bold red"))
        report(self.app, error, context="Delete this guest collection", retry=self._delete_guest)

    def _guest_deleted(self) -> None:
        guest = self.collection
        kept = " Its files stay on its host collection." if guest.host_endpoint_id and guest.host_path else ""
        self.app.notify(f"Deleted the guest collection {guest.display_name}.{kept}", title="Sharing")
        # The panes showing it follow it to the folder it shared (or let it go) at once, not on the next ctrl+r.
        # Posted to the app, where it would bubble to: this screen is dismissed (and removed) at once.
        self.app.post_message(CollectionDeleted(guest, by_gterm=True))
        self.dismiss()

    def action_add_rule(self) -> None:
        self._drop_note()
        if self.on_roles_tab:
            self.roles.give()
            return
        if self.mode != "rules":
            return
        self.app.push_screen(AddRuleDialog(self.sharing, self.collection, self.directory), self._after_change)

    def action_edit_rule(self) -> None:
        self._drop_note()
        if self.on_roles_tab:
            return  # a role is given or taken away, never changed
        rule = self._selected_rule()
        if rule is None or not self._not_from_role(rule):
            return
        label = self.labels.get(rule.key, rule.principal)
        self.app.push_screen(EditRuleDialog(self.sharing, self.collection.id, rule, label), self._after_change)

    def action_delete_rule(self) -> None:
        self._drop_note()
        if self.on_roles_tab:
            self.roles.take_away()
            return
        rule = self._selected_rule()
        if rule is None or not self._not_from_role(rule):
            return
        label = self.labels.get(rule.key, rule.principal)

        def answered(yes: bool | None) -> None:
            if yes:
                self.query_one("#sharing-status", Static).update(Text("Deleting…", style="dim"))
                self._delete(rule.id)

        self.app.push_screen(
            ConfirmPrompt(
                "Delete access rule",
                rule_loss(label, rule, self.rules, datetime.now(UTC)),
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
