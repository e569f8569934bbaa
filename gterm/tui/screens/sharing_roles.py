"""The sharing screen's Roles tab: who administers or manages access on this collection.

People and groups by name (a bare id only when Auth or Groups has none); ``a``
gives a role and ``d`` takes one away where I am an administrator, through the
GCS Manager for a GCSv5 collection and Transfer's endpoint roles otherwise
(``gterm.globus.collection_roles``). Calls run on workers: a slow service shows
"Loading…", a refusal says who may change roles.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.worker import get_current_worker

from gterm.globus.collection_roles import ROLE_HELP, RoleAssignment, RolesPlace, held_by_me
from gterm.globus.errors import GtermError
from gterm.globus.models import Collection
from gterm.globus.sharing import SharingService
from gterm.tui.fixed_columns import add_fitted_row, add_fixed_columns, cursor_place, put_cursor_back
from gterm.tui.safe_text import safe_text
from gterm.tui.screens.prompts import ConfirmPrompt
from gterm.tui.screens.sharing_dialogs import AddRoleDialog
from gterm.tui.worker_errors import AUTH_ERRORS, deliver, describe, report
from gterm.wording import plural

ROLE_COLUMNS = (("Who", 50), ("Role", 18))

#: What each role lets its holder do, said as what I can no longer do once my own is gone.
LOST_WITH_ROLE: dict[str, str] = {
    "administrator": "change this collection's roles or settings",
    "access_manager": "see or change this guest collection's access rules",
    "activity_manager": "see or control other people's tasks on this collection",
    "activity_monitor": "see other people's tasks on this collection",
}
#: How Globus may make me an administrator without a role listed here (is_guest -> which ways).
ANOTHER_WAY = {True: "as the guest collection's creator", False: "as an administrator of its endpoint"}


class RolesPanel(Vertical):
    """The roles table and its status line; loaded when the tab is first shown."""

    DEFAULT_CSS = """
    RolesPanel { height: auto; }
    RolesPanel DataTable { height: auto; max-height: 18; }
    RolesPanel #roles-status { height: auto; }
    """

    def __init__(self, sharing: SharingService, collection: Collection) -> None:
        super().__init__()
        self.sharing = sharing
        self.collection = collection
        self.place: RolesPlace | None = None
        self.assignments: list[RoleAssignment] = []
        self.labels: dict[str, str] = {}
        # The assignments that give a role to me (None: Auth could not say who I am; the plain question then).
        self.mine: frozenset[str] | None = None
        # The last change took my own administrator role away: the next load says if Globus still counts me one.
        self.removed_own_admin = False
        self.started = False
        self.loaded = False
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        yield DataTable(id="roles-table", cursor_type="row", zebra_stripes=True)
        yield Static(Text("Loading…", style="dim"), id="roles-status")

    def on_mount(self) -> None:
        add_fixed_columns(self.query_one(DataTable), ROLE_COLUMNS)

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#roles-table", DataTable)

    def _status(self, text: str, *, error: bool = False) -> None:
        self.query_one("#roles-status", Static).update(safe_text(text, "bold red" if error else "dim"))

    def load(self) -> None:
        self.started = True
        self._status("Loading…")
        self._load()

    @work(thread=True, group="sharing-roles", exclusive=True, exit_on_error=False)
    def _load(self) -> None:
        worker = get_current_worker()
        try:
            # Read at every load (r reloads, and after each change): giving or taking away a role of my own
            # changes what I may do here.
            place = self.sharing.roles.place(self.collection.id)
            assignments = self.sharing.roles.roles(place)
            names = self.sharing.principal_names((a.principal_type, a.principal) for a in assignments)
        except GtermError as exc:
            if not worker.is_cancelled:
                deliver(self.app, self._failed, exc)
            return
        labels = {a.id: names[(a.principal_type, a.principal)] for a in assignments}
        mine = self._held_by_me(assignments)
        if not worker.is_cancelled:
            deliver(self.app, self._show, place, assignments, labels, mine)

    def _held_by_me(self, assignments: list[RoleAssignment]) -> frozenset[str] | None:
        """Which assignments are mine (my identities, my groups); on the worker. None when Auth cannot say."""
        try:
            me = self.sharing.my_identity_ids()
        except GtermError:
            return None  # the list still shows; taking a role away then asks the plain question
        groups = [g.id for g in self.sharing.my_groups()] if any(a.principal_type == "group" for a in assignments) \
            else []
        return held_by_me(assignments, me, groups)

    def _failed(self, error: GtermError) -> None:
        self.loaded = True
        self.error = describe(error)
        self._status(self.error, error=True)
        if isinstance(error, AUTH_ERRORS):
            # The GCS Manager's manage_collections consent is asked for in the app, then the list is read again.
            report(self.app, error, context="Roles", retry=self._load)

    def _show(self, place: RolesPlace, assignments: list[RoleAssignment], labels: dict[str, str],
              mine: frozenset[str] | None) -> None:
        order = {role: n for n, role in enumerate(ROLE_HELP)}
        assignments = sorted(assignments, key=lambda a: (order.get(a.role, len(order)), labels[a.id].casefold()))
        self.place, self.assignments, self.labels = place, assignments, labels
        self.mine = mine
        removed_own_admin, self.removed_own_admin = self.removed_own_admin, False
        self.loaded = True
        self.error = None
        table = self.table
        cursor = cursor_place(table)
        table.clear()
        for assignment in assignments:
            add_fitted_row(table, (safe_text(labels[assignment.id]), assignment.role), key=assignment.id)
        put_cursor_back(table, [a.id for a in assignments], cursor)
        # Transfer lists my roles broadest first: the first says what I may do here.
        held = f"you are {place.my_roles[0]} here" if place.my_roles else "you hold no role here"
        where = "the GCS Manager" if place.api == "gcs" else "Transfer"  # a proper name takes no article
        if place.may_change:
            count = f"{plural(len(assignments), 'role')} given" if assignments else "No roles given"
            kept = (" Your administrator role is gone, but Globus still counts you as administrator here "
                    f"({ANOTHER_WAY[place.is_guest]})." if removed_own_admin else "")
            self._status(f"{count} (through {where}); {held}. a gives a role, d takes one away.{kept}")
        else:  # Globus shows anyone else only their own roles: a count would read as everyone's
            self._status(f"Your roles (through {where}): {held}. Only administrators see and change "
                         "everyone's roles.")

    def selected(self) -> RoleAssignment | None:
        row = self.table.cursor_row
        return self.assignments[row] if self.assignments and 0 <= row < len(self.assignments) else None

    # --- actions (the screen routes a and d here while this tab is shown) ------------------

    def _only_administrators(self, place: RolesPlace, what: str) -> bool:
        """Whether Globus lets me change roles here; if not, say so at once (the tab already says it), not
        after a dialog or a confirmation Globus would refuse."""
        if not place.may_change:
            self._status(f"Only an administrator of this collection may {what} "
                         f"(your roles here: {', '.join(place.my_roles) or 'none'}).", error=True)
        return place.may_change

    def give(self) -> None:
        if self.place is None or not self._only_administrators(self.place, "give roles"):
            return
        self.app.push_screen(AddRoleDialog(self.sharing, self.collection, self.place), self._after_change)

    def take_away(self) -> None:
        assignment = self.selected()
        if assignment is None or self.place is None or not self._only_administrators(self.place, "take roles away"):
            return
        place = self.place
        label = self.labels.get(assignment.id, assignment.principal)
        own = self.mine is not None and assignment.id in self.mine

        def answered(yes: bool | None) -> None:
            if yes:
                self._status("Taking the role away…")
                self.removed_own_admin = own and assignment.role == "administrator"
                self._remove(place, assignment.id)

        if own:
            prompt = ConfirmPrompt("Remove your own role", self._own_role_loss(assignment, place),
                                   confirm_label="Remove my role", danger=True)
        else:
            prompt = ConfirmPrompt("Remove role", f"{label} loses the {assignment.role} role on "
                                   f"{self.collection.display_name}.", confirm_label="Remove", danger=True)
        self.app.push_screen(prompt, answered)

    def _own_role_loss(self, assignment: RoleAssignment, place: RolesPlace) -> str:
        """What I lose with a role of my own: what it lets me do, unless another of mine covers it, and, for the
        last administrator, that nobody can manage the collection's roles through it any more."""
        role, name = assignment.role, self.collection.display_name
        through = (f" (given to {self.labels.get(assignment.id, assignment.principal)}, a group you belong to)"
                   if assignment.principal_type == "group" else "")
        said = f"You are removing your own {role} role on {name}{through}."
        loss = LOST_WITH_ROLE.get(role, "do what this role allows")
        if role == "administrator" and place.is_guest:
            loss = "change this guest collection's roles, access rules or settings"
        kept = [a for a in self.assignments if self.mine and a.id in self.mine and a.id != assignment.id
                and a.role in (role, "administrator")]
        if kept:  # another assignment of mine (mine directly, or a group's) gives the same or everything
            other = kept[0]
            return (f"{said} You keep the {other.role} role through "
                    f"{self.labels.get(other.id, other.principal)}, so you can still {loss}.")
        if role != "administrator":
            return f"{said} You will no longer be able to {loss} through this role."
        # Globus may count me an administrator another way, which no list shows: said, not guessed (the tab
        # says what Globus reports once the role is gone).
        said += (f" You will no longer be able to {loss}, unless Globus also makes you an administrator another "
                 f"way ({ANOTHER_WAY[place.is_guest]}).")
        if not any(a.role == "administrator" and a.id != assignment.id for a in self.assignments):
            return (f"{said} Nobody else is an administrator of {name}: after this, nobody else will be able to "
                    "manage its roles through this collection.")
        return f"{said} Otherwise only another administrator can give you the role back."

    @work(thread=True, group="sharing-roles-change", exit_on_error=False)
    def _remove(self, place: RolesPlace, role_id: str) -> None:
        try:
            self.sharing.roles.remove(place, role_id)
        except GtermError as exc:
            deliver(self.app, self._change_failed, exc, lambda: self._remove(place, role_id))
            return
        deliver(self.app, self._after_change, True)

    def _change_failed(self, error: GtermError, again: Callable[[], object]) -> None:
        self.removed_own_admin = False
        self._status(describe(error), error=True)
        if isinstance(error, AUTH_ERRORS):  # a consent or a new sign-in: asked for in the app, then sent again
            report(self.app, error, context="Take a role away", retry=again)

    def _after_change(self, changed: bool | None) -> None:
        if changed:
            self.load()
