"""``g``: Groups -- the groups I belong to (with my role); Enter shows one's members.

In the groups list: ``n`` creates a group. On either screen, an admin's ``e`` renames the group and sets its
description (a form) and ``d`` deletes it (confirmed, naming its members). In a group's members: ``a`` adds a
member by username (or email used as one), ``i`` invites one, ``r`` changes a
member's role (pick the role, then confirm, as the web app's role list and
Save; one call, straight to that role; your own role warns first when it would
take away your managing), ``x`` removes a member, ``l`` leaves the group.
Every call runs on a worker; refusals say what to do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from gterm.globus.errors import GtermError, NotFound
from gterm.globus.groups import ROLES, Group, GroupsService, Membership
from gterm.globus.sharing import SharingService
from gterm.globus.sharing_input import identity_label, username_problem
from gterm.tui.fixed_columns import add_fitted_row, add_fixed_columns, cursor_place, put_cursor_back
from gterm.tui.keymap import GROUPS_BINDINGS, MEMBERS_BINDINGS
from gterm.tui.safe_text import safe_text
from gterm.tui.screens.group_form import GroupForm
from gterm.tui.screens.modal import GtermModal
from gterm.tui.screens.prompts import ConfirmPrompt, InputPrompt, not_empty
from gterm.tui.worker_errors import AUTH_ERRORS, back_with_error, deliver, describe, report
from gterm.wording import plural


class _GroupsBase(GtermModal[None]):
    """The shared frame: a title, a table, a status line, a hint; loads on a worker."""

    DEFAULT_CSS = """
    _GroupsBase > .modal-frame { width: 100; max-height: 90%; }
    _GroupsBase DataTable { height: auto; max-height: 20; }
    _GroupsBase .groups-status { height: auto; }
    """
    TITLE_TEXT = ""
    HINT = ""
    sharing: SharingService | None = None  # where group rules are named: told of a group deleted here

    def __init__(self, groups: GroupsService) -> None:
        super().__init__()
        self.groups = groups
        self.loaded = False
        self.error: str | None = None
        # What the status line says of the list when no action speaks (None: the list itself could not be read).
        self.summary: str | None = None
        self.noted: str | None = None  # the row the status line speaks of, until the cursor leaves it

    def compose_dialog(self) -> ComposeResult:
        yield self.heading(self.title_line(), id="groups-title")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static(Text("Loading…", style="dim"), classes="groups-status", id="groups-status")
        yield Static(self.HINT, classes="dialog-hint")

    def title_line(self) -> str:
        return self.TITLE_TEXT

    def columns(self, width: int) -> tuple[tuple[str, int], ...]:
        """The table's (label, fixed width) columns for a terminal ``width`` columns wide."""
        raise NotImplementedError

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        add_fixed_columns(table, self.columns(self.app.size.width))
        table.focus()
        self.reload()

    def reload(self) -> None:
        raise NotImplementedError

    def chosen_group(self) -> Group | None:
        """The group ``e`` and ``d`` act on (None: none yet)."""
        raise NotImplementedError

    def group_changed(self, group: Group) -> None:
        """``e`` saved ``group``: show it as it is now."""
        raise NotImplementedError

    def group_deleted(self, group: Group) -> None:
        """``d`` deleted ``group``."""
        raise NotImplementedError

    def _administered(self, group: Group | None, what: str) -> Group | None:
        """``group`` when I am its admin; else None, and the status line says only an admin may ``what``."""
        if group is None:
            return None
        if group.my_role != "admin":
            mine = f"you are a {group.my_role}" if group.my_role else "you are not a member"
            self.status(f"Only an admin of {group.name} may {what}; {mine}.", error=True)
            return None
        return group

    def action_edit_group(self) -> None:
        """``e``: the name and description form (it saves itself, and says a refusal there)."""
        self.back_to_summary()
        group = self._administered(self.chosen_group(), "rename it or change its description")
        if group is not None:
            self.app.push_screen(GroupForm(self.groups, group), self._edited)

    def _edited(self, group: Group | None) -> None:
        if group is not None:
            self.group_changed(group)

    def action_delete_group(self) -> None:
        """``d``: its members are counted first (the confirmation names them), then it is deleted."""
        self.back_to_summary()
        group = self._administered(self.chosen_group(), "delete it")
        if group is not None:
            self.status(f"Counting the members of {group.name}…")
            self._count_for_delete(group.id)

    @work(thread=True, group="groups-change", exit_on_error=False)
    def _count_for_delete(self, group_id: str) -> None:
        try:
            group = self.groups.group(group_id)
        except GtermError as exc:
            deliver(self.app, self.failed, exc, lambda: self._count_for_delete(group_id))
            return
        deliver(self.app, self._confirm_delete, group)

    def _confirm_delete(self, group: Group) -> None:
        if self.app.screen is not self:  # the user went elsewhere meanwhile: no question over that
            return
        if self._administered(group, "delete it") is None:
            return
        self.back_to_summary()  # "Counting the members…" is answered by the question

        def answered(yes: bool | None) -> None:
            if yes:
                self.status(f"Deleting {group.name}…")
                self._delete(group)

        self.app.push_screen(
            ConfirmPrompt(
                "Delete group",
                f"Delete the group {group.name}? It has {member_count(list(group.members))}; they lose what "
                "is shared with the group at once. This cannot be undone.",
                confirm_label="Delete group", danger=True,
            ),
            answered,
        )

    @work(thread=True, group="groups-change", exit_on_error=False)
    def _delete(self, group: Group) -> None:
        try:
            self.groups.delete_group(group.id)
        except GtermError as exc:
            deliver(self.app, self.failed, exc, lambda: self._delete(group))
            return
        if self.sharing is not None:  # the rules and roles naming it say it is deleted now, not its old name
            self.sharing.forget_group(group.id)
        deliver(self.app, self.group_deleted, group)

    def status(self, text: str, *, error: bool = False) -> None:
        self.query_one("#groups-status", Static).update(safe_text(text, "bold red" if error else "dim"))

    def summarize(self, text: str) -> None:
        """The list was read: ``text`` says what it holds, and is what the status line goes back to."""
        self.summary, self.noted = text, None
        self.status(text)

    def note_row(self, key: str, text: str) -> None:
        """Say ``text`` (a refusal) of the row ``key``, until the cursor leaves that row or an action starts."""
        self.status(text, error=True)
        self.noted = key

    def back_to_summary(self) -> None:
        """What an earlier action said goes, the list's summary back: a new action starts, or the prompt a
        refusal brought back was closed (the refusal stayed under the list, as if still standing)."""
        self.noted = None
        if self.summary is not None:
            self.error = None
            self.status(self.summary)

    @on(DataTable.RowHighlighted)
    def _row_moved(self, event: DataTable.RowHighlighted) -> None:
        if self.noted is not None and event.row_key.value != self.noted:
            self.back_to_summary()

    def load_failed(self, error: GtermError, retry: Callable[[], object]) -> None:
        """The list could not be read: that stays said (no summary to go back to) until it is read."""
        self.summary = None
        self.failed(error, retry)

    def failed(self, error: GtermError, retry: Callable[[], object]) -> None:
        self.loaded = True
        self.error = describe(error)
        self.status(self.error, error=True)
        if isinstance(error, AUTH_ERRORS):
            report(self.app, error, context="Groups", retry=retry)

    def failed_asking_again(
        self, error: GtermError, retry: Callable[[], object], ask_again: Callable[[str], object]
    ) -> None:
        """A call a prompt asked for failed: said as :meth:`failed` does, and the prompt comes back with what
        was typed and why (a typo, a name taken, the network gone; see back_with_error)."""
        self.failed(error, retry)
        back_with_error(self, error, ask_again)


#: The frame's width (``_GroupsBase``'s CSS: 100 columns, at most 95% of the screen) less its border and padding.
FRAME_WIDTH, FRAME_SHARE, FRAME_EDGES = 100, 95, 4
ROLE_WIDTH = len("manager") + 1
STATUS_WIDTH = len("declined")  # the longest membership status


def table_room(width: int, fixed: int, columns: int) -> int:
    """What a terminal ``width`` columns wide leaves, in the frame's table, to the columns that share it:
    the frame's inside less ``fixed`` columns' widths, each cell's padding and the scrollbar."""
    inside = min(FRAME_WIDTH, width * FRAME_SHARE // 100) - FRAME_EDGES
    return max(inside - fixed - 2 * columns - 2, 24)


def group_columns(width: int) -> tuple[tuple[str, int], ...]:
    """The groups list: "My role" whole, the name and the description sharing the rest (cut with "…")."""
    room = table_room(width, ROLE_WIDTH, 3)
    name = room * 45 // 100
    return ("Group", name), ("My role", ROLE_WIDTH), ("Description", room - name)


def member_columns(width: int) -> tuple[tuple[str, int], ...]:
    """The members: role and status whole (at 80 columns too: an invitation reads as one), the name and
    the username sharing the rest (cut with "…")."""
    room = table_room(width, ROLE_WIDTH + STATUS_WIDTH, 4)
    name = room * 45 // 100
    return ("Name", name), ("Username", room - name), ("Role", ROLE_WIDTH), ("Status", STATUS_WIDTH)


def member_count(members: list[Membership]) -> str:
    """"2 members, 1 invited": active members, then each other status apart (an invitation is no member)."""
    others = Counter(m.status for m in members)
    active = others.pop("active", 0)
    return ", ".join([plural(active, "member"), *(f"{count} {status}" for status, count in others.items())])


#: What each role may do, as Groups has it (admins and managers manage members; admins also make admins).
ROLE_MEANINGS: dict[str, str] = {
    "member": "uses what is shared with the group",
    "manager": "also adds, invites and removes members",
    "admin": "also makes admins and changes the group's settings",
}
#: What a person gives up when their role drops to the key.
LOST_BY_DROPPING_TO: dict[str, str] = {
    "member": "add, invite, remove members or change their roles",
    "manager": "make admins or change the group's settings",
}


class GroupRolePicker(GtermModal[str]):
    """``r`` on a member: the roles, the cursor on the current one; Enter picks one (asked next), Esc: None."""

    DEFAULT_CSS = """
    GroupRolePicker > .modal-frame { width: 72; }
    GroupRolePicker OptionList { height: auto; margin: 1 0; }
    """

    def __init__(self, who: str, group_name: str, current: str) -> None:
        super().__init__()
        self.who = who
        self.group_name = group_name
        self.current = current

    def compose_dialog(self) -> ComposeResult:
        yield self.heading(f"Role of {self.who} in {self.group_name} (now {self.current or 'none'})")
        yield OptionList(*[Option(Text(f"{role:<8} {ROLE_MEANINGS[role]}"), id=role) for role in ROLES],
                         id="role-choices")
        yield Static("Enter chooses (a confirmation follows) · Esc cancels", classes="dialog-hint")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        choices.highlighted = ROLES.index(self.current) if self.current in ROLES else 0
        choices.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)


class GroupsScreen(_GroupsBase):
    """My groups with my role."""

    BINDINGS: ClassVar[list[BindingType]] = [*GROUPS_BINDINGS]
    TITLE_TEXT = "Groups — the groups I belong to"
    HINT = "Enter shows members · n new group · e edit · d delete · ctrl+r refresh · Esc closes"

    def columns(self, width: int) -> tuple[tuple[str, int], ...]:
        return group_columns(width)

    def __init__(self, groups: GroupsService, sharing: SharingService | None = None) -> None:
        super().__init__(groups)
        self.sharing = sharing
        self.rows: list[Group] = []

    def reload(self) -> None:
        self._load()

    def action_refresh(self) -> None:
        self.status("Loading…")
        self._load()

    def chosen_group(self) -> Group | None:
        row = self.query_one(DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def group_changed(self, group: Group) -> None:
        self.app.notify(f"Saved the group {group.name}.", title="Groups")
        self._load()

    def group_deleted(self, group: Group) -> None:
        self.app.notify(f"Deleted the group {group.name}.", title="Groups")
        self._load()

    @work(thread=True, group="groups", exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        worker = get_current_worker()
        try:
            rows = self.groups.my_groups()
        except GtermError as exc:
            if not worker.is_cancelled:
                deliver(self.app, self.load_failed, exc, self._load)
            return
        if not worker.is_cancelled:
            deliver(self.app, self._show, rows)

    def _show(self, rows: list[Group]) -> None:
        self.loaded, self.error, self.rows = True, None, rows
        table = self.query_one(DataTable)
        table.clear()
        for group in rows:
            add_fitted_row(table, (safe_text(group.name), group.my_role, safe_text(group.description)), key=group.id)
        self.summarize(f"{plural(len(rows), 'group')}." if rows else "You belong to no groups yet: n creates one.")

    @on(DataTable.RowSelected)
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self.rows):
            # Back from it, the list is read again: the group may be renamed, deleted or left meanwhile.
            self.app.push_screen(GroupMembersScreen(self.groups, self.rows[event.cursor_row], self.sharing),
                                 self._back_from_members)

    def _back_from_members(self, _: None) -> None:
        self._load()

    def action_create(self) -> None:
        self.back_to_summary()
        self._ask_group_name()

    def _ask_group_name(self, name: str = "", error: str = "") -> None:
        def named(typed: str | None) -> None:
            if typed:
                self.status("Creating…")
                self._create(typed.strip())
            else:
                self.back_to_summary()

        self.app.push_screen(InputPrompt("New group", value=name, placeholder="group name", error=error), named)

    @work(thread=True, group="groups-change", exit_on_error=False)
    def _create(self, name: str) -> None:
        try:
            self.groups.create_group(name)
        except GtermError as exc:
            deliver(self.app, self.failed_asking_again, exc, lambda: self._create(name),
                    lambda error: self._ask_group_name(name, error))
            return
        deliver(self.app, self._load)


class GroupMembersScreen(_GroupsBase):
    """One group's members (name, username, role, status) and the membership actions."""

    BINDINGS: ClassVar[list[BindingType]] = [*MEMBERS_BINDINGS]
    HINT = "a add · i invite · r role · x remove · l leave · e edit group · d delete group · ctrl+r refresh · Esc back"

    def columns(self, width: int) -> tuple[tuple[str, int], ...]:
        return member_columns(width)

    def __init__(self, groups: GroupsService, group: Group, sharing: SharingService | None) -> None:
        super().__init__(groups)
        self.group = group
        self.sharing = sharing
        self.members: list[Membership] = []
        self.names: dict[str, str] = {}

    def title_line(self) -> str:
        return f"Group {self.group.name} — members"

    def reload(self) -> None:
        self._load()

    def action_refresh(self) -> None:
        if self.sharing is not None:
            self.sharing.forget_names()
        self.status("Loading…")
        self._load()

    @work(thread=True, group="group-members", exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        worker = get_current_worker()
        try:
            group = self.groups.group(self.group.id)
            names: dict[str, str] = {}
            if self.sharing is not None:
                try:
                    people = self.sharing.identities_by_id([m.identity_id for m in group.members])
                    names = {i: person.name for i, person in people.items() if person.name}
                except GtermError:
                    names = {}  # usernames still show who is who
        except GtermError as exc:
            if not worker.is_cancelled:
                deliver(self.app, self.load_failed, exc, self._load)
            return
        if not worker.is_cancelled:
            deliver(self.app, self._show, group, names)

    def chosen_group(self) -> Group | None:
        return self.group if self.loaded else None

    def group_changed(self, group: Group) -> None:
        self.app.notify(f"Saved the group {group.name}.", title="Groups")
        self.status("Loading…")
        self._load()

    def group_deleted(self, group: Group) -> None:
        self.app.notify(f"Deleted the group {group.name}.", title="Groups")
        self.dismiss()

    def _show(self, group: Group, names: dict[str, str]) -> None:
        self.loaded, self.error, self.group = True, None, group
        self.query_one("#groups-title", Static).update(safe_text(self.title_line()))
        table = self.query_one(DataTable)
        place = cursor_place(table)  # the same person after a reload; one removed: the one now in their place
        self.members = list(group.members)
        self.names = names
        table.clear()
        for member in self.members:
            add_fitted_row(
                table,
                (safe_text(names.get(member.identity_id, "")), safe_text(member.username or member.identity_id),
                 member.role, member.status),
                key=member.identity_id,
            )
        put_cursor_back(table, [m.identity_id for m in self.members], place)
        self.summarize(f"{member_count(self.members)}.")

    def _current(self) -> Membership | None:
        row = self.query_one(DataTable).cursor_row
        return self.members[row] if 0 <= row < len(self.members) else None

    def action_add(self, how: str) -> None:
        self.back_to_summary()
        if self.sharing is None:
            self.status("Adding members needs identity lookups (a signed-in session).", error=True)
            return

        self._ask_member(how)

    def _ask_member(self, how: str, who: str = "", error: str = "") -> None:
        def typed(name: str | None) -> None:
            if name:
                self.status("Looking up…")
                self._add(name.strip(), how)
            else:
                self.back_to_summary()

        title = "Add a member" if how == "add" else "Invite a member"
        self.app.push_screen(
            InputPrompt(title, value=who, placeholder="username or email, e.g. bob@example.org", error=error,
                        check=lambda text: not_empty(text) or username_problem(text)),  # before Auth is asked
            typed,
        )

    @work(thread=True, group="groups-change", exit_on_error=False)
    def _add(self, who: str, how: str) -> None:
        assert self.sharing is not None
        try:
            identity = self.sharing.identities_by_username([who]).get(who.lower())
            if identity is None:
                raise NotFound(f"No Globus user is called {who!r}; check the spelling (user@example.org).")
            if how == "invite":
                self.groups.invite_member(self.group.id, identity.id)
            else:
                self.groups.add_member(self.group.id, identity.id)
        except GtermError as exc:
            deliver(self.app, self.failed_asking_again, exc, lambda: self._add(who, how),
                    lambda error: self._ask_member(how, who, error))
            return
        deliver(self.app, self._changed, f"{identity_label(identity)}: {'invited' if how == 'invite' else 'added'}.")

    def _who(self, member: Membership) -> str:
        return self.names.get(member.identity_id) or member.username or member.identity_id

    def action_change_role(self) -> None:
        """``r``: pick the member's new role, confirm, then one call makes it so."""
        self.back_to_summary()
        member = self._current()
        if member is None:
            return
        if member.status != "active":  # Groups changes an active membership's role only: no choice to offer
            self.note_row(member.identity_id, f"{self._who(member)} is {member.status}, not an active member: "
                          "only an active membership's role can change.")
            return

        def picked(role: str | None) -> None:
            if role and role != member.role:
                self._confirm_role(member, role)

        self.app.push_screen(GroupRolePicker(self._who(member), self.group.name, member.role), picked)

    def _confirm_role(self, member: Membership, role: str) -> None:
        rank: dict[str, int] = {name: n for n, name in enumerate(ROLES)}
        lower = rank.get(role, 0) < rank.get(member.role, 0)
        mine = member.identity_id in self.group.my_identity_ids
        if mine:
            message = f"Change your own role in {self.group.name} from {member.role} to {role}?"
            if lower:
                message += (f" You may lose the ability to manage this group: as a {role} you can no longer "
                            f"{LOST_BY_DROPPING_TO[role]}, and only another admin can give the role back.")
        else:
            message = f"{self._who(member)} becomes a {role} in {self.group.name} (now a {member.role})."

        def answered(yes: bool | None) -> None:
            if yes:
                self.status(f"Changing the role to {role}…")
                self._role(member.identity_id, role)

        self.app.push_screen(
            ConfirmPrompt("Change your own role" if mine else "Change role", message, confirm_label="Change role",
                          danger=mine and lower),
            answered,
        )

    @work(thread=True, group="groups-change", exit_on_error=False)
    def _role(self, identity_id: str, role: str) -> None:
        try:
            self.groups.change_role(self.group.id, identity_id, role)  # type: ignore[arg-type]  # one of ROLES
        except GtermError as exc:
            deliver(self.app, self.failed, exc, lambda: self._role(identity_id, role))
            return
        deliver(self.app, self._changed, f"Role changed to {role}.")

    def action_remove(self) -> None:
        self.back_to_summary()
        member = self._current()
        if member is None:
            return
        who = self._who(member)

        def answered(yes: bool | None) -> None:
            if yes:
                self._remove(member.identity_id)

        self.app.push_screen(
            ConfirmPrompt("Remove member", f"Remove {who} from {self.group.name}? The access rules and roles "
                          "given to the group (a collection's administrator role, say) stop applying to them "
                          "at once.", confirm_label="Remove", danger=True),
            answered,
        )

    @work(thread=True, group="groups-change", exit_on_error=False)
    def _remove(self, identity_id: str) -> None:
        try:
            self.groups.remove_member(self.group.id, identity_id)
        except GtermError as exc:
            deliver(self.app, self.failed, exc, lambda: self._remove(identity_id))
            return
        deliver(self.app, self._changed, "Removed.")

    def action_leave(self) -> None:
        self.back_to_summary()
        mine = list(self.group.my_identity_ids)
        if not mine:
            self.status("You are not an active member of this group.", error=True)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._leave(mine[0])

        self.app.push_screen(
            ConfirmPrompt("Leave group", f"Leave {self.group.name}?", confirm_label="Leave", danger=True), answered
        )

    @work(thread=True, group="groups-change", exit_on_error=False)
    def _leave(self, identity_id: str) -> None:
        try:
            self.groups.leave(self.group.id, identity_id)
        except GtermError as exc:
            deliver(self.app, self.failed, exc, lambda: self._leave(identity_id))
            return
        deliver(self.app, self.dismiss)

    def _changed(self, message: str) -> None:
        self.status(message)
        self._load()
