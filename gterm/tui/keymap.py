"""Every key binding of the browser, each with a stable id, and the user keymap.

The ids are the public names users write in the config file's ``[keymap]``
table (``delete = "f8,ctrl+d"``); Textual's ``App.set_keymap`` then swaps the
keys of every binding with that id. Defaults follow Midnight Commander (see
DESIGN.md's key table).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType
from textual.keys import KEY_NAME_REPLACEMENTS, REPLACED_KEYS, Keys, key_to_character

if TYPE_CHECKING:
    from textual.app import App

# Bindings of the main screen (they act on the active pane).
MAIN_BINDINGS: list[Binding] = [
    Binding("tab", "other_pane", "Other pane", show=False, id="other_pane"),
    Binding("backspace", "parent", "Parent directory", show=False, id="parent"),
    # Not priority, though text is typed after some of them ("ctrl+l ctrl+u /path", "/name"): the
    # App hands on a key only once the one before it is handled (typed_input.py), so the text
    # finds the field focused. Their actions move the focus at once (Screen.set_focus), not after
    # a message as Widget.focus does. In an input, / is text (the input takes it first).
    Binding("ctrl+l", "edit_path", "Edit path", show=False, id="edit_path"),
    Binding("ctrl+o", "pick_collection", "Collections", id="pick_collection"),
    Binding("slash", "filter", "Filter", show=False, id="filter"),
    Binding("escape", "clear_filter", "Clear filter", show=False, id="clear_filter"),
    Binding("full_stop", "toggle_hidden", "Show/hide hidden", show=False, id="toggle_hidden"),
    Binding("s", "cycle_sort", "Sort by name/size/time", show=False, id="cycle_sort"),
    Binding("S", "reverse_sort", "Reverse sort", show=False, id="reverse_sort"),
    Binding("space,insert", "toggle_select", "Select", show=False, id="toggle_select"),
    Binding("plus", "select_glob", "Select glob", show=False, id="select_glob"),
    Binding("minus", "unselect_glob", "Unselect glob", show=False, id="unselect_glob"),
    Binding("asterisk", "invert_selection", "Invert file selection", show=False, id="invert_selection"),
    Binding("ctrl+a", "select_all", "Select all", show=False, id="select_all"),
    Binding("f2", "rename", "Rename", id="rename"),
    Binding("f3", "view", "View", id="view"),
    # Midnight Commander's edit key: not in the footer (it would push Help and Quit off at 80 columns).
    Binding("f4", "edit", "Edit (no editor; F3 views)", show=False, id="edit"),
    Binding("i", "collection_info", "Collection details", show=False, id="collection_info"),
    Binding("m", "admin_view", "Administrator's view", show=False, id="admin_view"),
    Binding("p", "sharing", "Sharing", show=False, id="sharing"),
    Binding("g", "groups", "Groups", show=False, id="groups"),
    Binding("f5", "transfer", "Transfer", id="transfer"),
    Binding("f6", "move", "Move", id="move"),
    Binding("f7", "mkdir", "Mkdir", id="mkdir"),
    Binding("f8,delete", "delete", "Delete", id="delete"),
    Binding("ctrl+r", "refresh", "Refresh", show=False, id="refresh"),
    Binding("ctrl+b", "toggle_sidebar", "Bookmarks", id="toggle_sidebar"),
    Binding("b", "add_bookmark", "Bookmark here", show=False, id="add_bookmark"),
    Binding("c", "compare", "Compare", show=False, id="compare"),
    Binding("t", "focus_tasks", "Tasks", show=False, id="focus_tasks"),
    Binding("T", "toggle_tasks", "Show/hide the task panel", show=False, id="toggle_tasks"),
    Binding("question_mark,f1", "help", "Help", id="help"),
]

# The footer's labels when the full ones do not fit (an 80-column terminal): Midnight Commander's
# kind of words, so F1 Help and q Quit stay on screen. By action; the key help keeps the full ones.
SHORT_LABELS: dict[str, str] = {
    "pick_collection": "Open",
    "rename": "Ren",
    "transfer": "Copy",
    "delete": "Del",
    "toggle_sidebar": "Marks",
}

# App-wide bindings.
APP_BINDINGS: list[Binding] = [
    Binding("q,f10", "quit", "Quit", id="quit"),
    # Any screen without a help key of its own (task details, dialogs): its keys, read live.
    Binding("question_mark,f1", "screen_help", "Help", show=False, id="screen_help"),
]

# Bindings of the bookmark sidebar (active while it has focus).
SIDEBAR_BINDINGS: list[Binding] = [
    Binding("f2,r", "rename_bookmark", "Rename bookmark", id="rename_bookmark"),
    Binding("delete,f8,d", "delete_bookmark", "Delete bookmark", id="delete_bookmark"),
]


# Screens imported only when first opened (not on the first frame) declare their keys here too,
# so the app knows every remappable id at start-up without importing them.

# Every modal dialog (screens/modal.py): Escape backs out, ? / F1 shows that dialog's keys.
# A dialog that declares its own Escape binding (with its own id) replaces the first for itself.
MODAL_BINDINGS: list[Binding] = [
    Binding("escape", "back_out", "Back", show=False, id="modal_back"),
    Binding("question_mark,f1", "help", "Keys", show=False, id="modal_help"),
]

# The key help itself.
HELP_BINDINGS: list[Binding] = [Binding("escape,q,question_mark,f1", "back_out", "Close", id="help_close")]

# The yes/no question (Escape answers no).
CONFIRM_BINDINGS: list[Binding] = [
    Binding("n", "back_out", "No", show=False, id="confirm_no"),
    Binding("y", "answer(True)", "Yes", show=False, id="confirm_yes"),
]

# The collection picker (ctrl+o). The scope keys are priority bindings: the search field keeps
# the focus, and Input binds ctrl+left/right itself (word moves).
PICKER_BINDINGS: list[Binding] = [
    Binding("down", "move(1)", "Next", show=False, id="picker_next"),
    Binding("up", "move(-1)", "Previous", show=False, id="picker_previous"),
    Binding("ctrl+right,ctrl+pagedown", "next_scope(1)", "Next scope", show=False, priority=True,
            id="picker_next_scope"),
    Binding("ctrl+left,ctrl+pageup", "next_scope(-1)", "Previous scope", show=False, priority=True,
            id="picker_previous_scope"),
]

# The F5 transfer dialog.
TRANSFER_DIALOG_BINDINGS: list[Binding] = [
    Binding("escape", "back_out", "Cancel", id="transfer_cancel"),
    Binding("enter", "submit", "Submit", id="transfer_submit"),
    Binding("f3", "preview", "Sync preview", show=False, id="sync_preview"),
]

# The F5 dialog's "to" field (Midnight Commander's copy dialog: completion and a history of targets). They run
# the dialog's actions (``screen.``): Tab completes a directory name, or moves on (see transfer_destination.py).
DESTINATION_FIELD_BINDINGS: list[Binding] = [
    Binding("tab", "screen.complete_destination", "Complete / next field", show=False,
            id="destination_complete"),
    Binding("up", "screen.destination_history(1)", "Earlier destination", show=False, id="destination_earlier"),
    Binding("down", "screen.destination_history(-1)", "Later destination", show=False, id="destination_later"),
    Binding("alt+h", "screen.show_destination_history", "Destination history", show=False,
            id="destination_history"),
]

# The task details screen.
TASK_DETAILS_BINDINGS: list[Binding] = [
    Binding("escape", "close", "Back", id="details_close"),
    Binding("x", "cancel_task", "Cancel task", id="cancel_task"),
    Binding("l", "change_label", "Label", id="change_label"),
    Binding("d", "change_deadline", "Deadline", id="change_deadline"),
    Binding("ctrl+r", "reload", "Refresh", id="details_refresh"),
    Binding("right_square_bracket", "switch_tab(1)", "Next tab", show=False, id="details_next_tab"),
    Binding("left_square_bracket", "switch_tab(-1)", "Previous tab", show=False, id="details_previous_tab"),
]

# One event of a task in full (Enter on the details screen's event log).
EVENT_BINDINGS: list[Binding] = [Binding("escape,enter,q", "back_out", "Close", id="event_close")]

# The file viewer (F3).
VIEWER_BINDINGS: list[Binding] = [
    Binding("escape,q,f3,f10", "close", "Close", id="viewer_close"),
    Binding("down,j", "move(1)", "Line down", show=False, id="viewer_down"),
    Binding("up,k", "move(-1)", "Line up", show=False, id="viewer_up"),
    Binding("pagedown,space", "page(1)", "Page down", show=False, id="viewer_page_down"),
    Binding("pageup,b", "page(-1)", "Page up", show=False, id="viewer_page_up"),
    Binding("home,g", "top", "Top", show=False, id="viewer_top"),
    Binding("end,G", "bottom", "End", show=False, id="viewer_end"),
    Binding("right", "shift(8)", "Scroll right", show=False, id="viewer_right"),
    Binding("left", "shift(-8)", "Scroll left", show=False, id="viewer_left"),
    Binding("slash", "search", "Search", id="viewer_search"),
    Binding("n", "next_match", "Next match", id="viewer_next"),
    Binding("h", "toggle_hex", "Hex/text", id="viewer_hex"),
    Binding("question_mark,f1", "help", "Help", id="viewer_help"),
]

# The directory summary (F3 on a directory).
SUMMARY_BINDINGS: list[Binding] = [Binding("escape,q,f3,enter", "back_out", "Close", id="summary_close")]

# The login screen (sign-in and consent).
LOGIN_BINDINGS: list[Binding] = [
    Binding("escape", "back_out", "Cancel", id="login.cancel"),
    Binding("ctrl+y", "copy_url", "Copy URL", id="login.copy_url"),
]

# Collection details (i).
INFO_BINDINGS: list[Binding] = [
    Binding("escape,q,i", "back_out", "Close", id="info_close"),
    Binding("c", "copy_id", "Copy id", id="info_copy_id"),
    Binding("e", "edit", "Edit settings", id="info_edit"),
    Binding("r,ctrl+r", "reload", "Reload", id="info_reload"),
]

# The collection settings form (e on the details).
SETTINGS_BINDINGS: list[Binding] = [
    Binding("escape", "back_out", "Cancel", id="settings_cancel"),
    Binding("ctrl+s", "ok", "Save", id="settings_save"),
]

# Sharing (p): a guest collection's access rules, or the guests a mapped collection hosts.
SHARING_BINDINGS: list[Binding] = [
    Binding("escape,q", "back_out", "Close", id="sharing_close"),
    Binding("a", "add_rule", "Add rule", id="sharing_add"),
    Binding("e", "edit_rule", "Change rule", id="sharing_edit"),
    Binding("d,delete", "delete_rule", "Delete rule", id="sharing_delete"),
    Binding("s", "share_folder", "Share this folder", id="sharing_share_folder"),
    Binding("D", "delete_guest", "Delete this guest collection", id="sharing_delete_guest"),
    Binding("r", "switch_tab", "Rules / Roles", id="sharing_roles_tab"),
    Binding("ctrl+r", "reload", "Refresh", id="sharing_refresh"),
]

# The sharing forms with a Who field (add a rule, give a role): their groups' sign-in waits for this key,
# never opening by itself while the user types.
WHO_FORM_BINDINGS: list[Binding] = [
    Binding("ctrl+g", "groups_sign_in", "Sign in for your groups", show=False, id="who_groups_sign_in"),
]

# Groups (g): my groups, then one group's members.
GROUPS_BINDINGS: list[Binding] = [
    Binding("escape,q", "back_out", "Close", id="groups_close"),
    Binding("n", "create", "New group", id="groups_create"),
    Binding("e", "edit_group", "Edit group", id="groups_edit"),
    Binding("d", "delete_group", "Delete group", id="groups_delete"),
    Binding("ctrl+r", "refresh", "Refresh", id="groups_refresh"),
]
MEMBERS_BINDINGS: list[Binding] = [
    Binding("escape,q", "back_out", "Back", id="members_close"),
    Binding("a", "add('add')", "Add member", id="members_add"),
    Binding("i", "add('invite')", "Invite", id="members_invite"),
    Binding("r", "change_role", "Change role", id="members_role"),
    Binding("x,delete", "remove", "Remove", id="members_remove"),
    Binding("l", "leave", "Leave group", id="members_leave"),
    Binding("e", "edit_group", "Edit group", id="members_edit_group"),
    Binding("d", "delete_group", "Delete group", id="members_delete_group"),
    Binding("ctrl+r", "refresh", "Refresh", id="members_refresh"),
]
# The form that renames a group and sets its description (e on the groups screens).
GROUP_FORM_BINDINGS: list[Binding] = [
    Binding("escape", "back_out", "Cancel", id="group_form_cancel"),
    Binding("ctrl+s", "ok", "Save", id="group_form_save"),
]

# The administrator's view (m).
ADMIN_BINDINGS: list[Binding] = [
    Binding("escape", "close", "Back", id="admin_close"),
    Binding("space", "toggle_select", "Select", id="admin_select"),
    Binding("p", "pause", "Pause", id="admin_pause"),
    Binding("r", "resume", "Resume", id="admin_resume"),
    Binding("x", "cancel_tasks", "Cancel tasks", id="admin_cancel"),
    Binding("u", "pause_rules", "Pause rules", id="admin_pause_rules"),
    Binding("ctrl+r", "reload", "Refresh", id="admin_refresh"),
]

# What the administrator's footer says when its keys do not fit (80 columns).
ADMIN_SHORT_LABELS: dict[str, str] = {
    "toggle_select": "Sel",
    "cancel_tasks": "Cancel",
    "pause_rules": "Rules",
    "reload": "Reload",
}

# An endpoint's pause rules (u in the administrator's view), and the form of one rule.
PAUSE_RULES_BINDINGS: list[Binding] = [
    Binding("escape", "close", "Back", id="pause_rules_close"),
    Binding("n", "new_rule", "New rule", id="pause_rules_new"),
    # Priority: the focused rule table would take Enter (select the row) before the screen sees it.
    Binding("enter", "edit_rule", "Edit", id="pause_rules_edit", priority=True),
    Binding("delete,f8,d", "delete_rule", "Delete", id="pause_rules_delete"),
    Binding("ctrl+r", "reload", "Refresh", id="pause_rules_refresh"),
]
PAUSE_RULE_FORM_BINDINGS: list[Binding] = [
    Binding("escape", "back_out", "Cancel", id="pause_rule_cancel"),
    Binding("ctrl+s", "ok", "Save", id="pause_rule_save"),
]

#: Every table above: the ids a user's ``[keymap]`` may name (with those of the widgets that
#: declare their own keys, see ``app.remappable_binding_ids``), known without importing a screen.
SCREEN_BINDINGS: tuple[list[Binding], ...] = (
    MAIN_BINDINGS,
    APP_BINDINGS,
    SIDEBAR_BINDINGS,
    MODAL_BINDINGS,
    HELP_BINDINGS,
    CONFIRM_BINDINGS,
    PICKER_BINDINGS,
    TRANSFER_DIALOG_BINDINGS,
    DESTINATION_FIELD_BINDINGS,
    TASK_DETAILS_BINDINGS,
    EVENT_BINDINGS,
    VIEWER_BINDINGS,
    SUMMARY_BINDINGS,
    LOGIN_BINDINGS,
    INFO_BINDINGS,
    SETTINGS_BINDINGS,
    SHARING_BINDINGS,
    WHO_FORM_BINDINGS,
    GROUPS_BINDINGS,
    MEMBERS_BINDINGS,
    GROUP_FORM_BINDINGS,
    ADMIN_BINDINGS,
    PAUSE_RULES_BINDINGS,
    PAUSE_RULE_FORM_BINDINGS,
)


def binding_ids(*groups: Iterable[BindingType]) -> frozenset[str]:
    """The ids of the bindings in ``groups`` (binding lists, such as a class's ``BINDINGS``)."""
    return frozenset(binding.id for group in groups for binding in group if isinstance(binding, Binding) and binding.id)


MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
KEY_NAMES = frozenset(key.value for key in Keys)  # Textual's names of the keys that are no character


def usable_key(key: str) -> str | None:
    """``key`` as Textual names it (``F5`` -> ``f5``, ``Ctrl+T`` -> ``ctrl+t``), or None when no key has that
    name: Textual takes any string as a key, and a misspelt one simply never fires."""
    *modifiers, base = key.split("+")
    modifiers = [modifier.lower() for modifier in modifiers]
    if not base or any(modifier not in MODIFIERS for modifier in modifiers):
        return None
    if len(base) > 1:  # a name (f5, delete, question_mark); a single character keeps its case (S is shift+s)
        base = base.lower()
        if base not in KEY_NAMES and not _names_a_character(base):
            return None
    elif modifiers:
        base = base.lower()
    return "+".join((*modifiers, base))


def _names_a_character(name: str) -> bool:
    """Whether Textual names a character's key ``name`` (``question_mark``, ``plus``). Unicode's aliases
    resolve too (``esc``, ``del``), but Textual never sends those names: only its own spelling counts."""
    character = key_to_character(REPLACED_KEYS.get(name, name))
    if character is None:
        return False
    own = unicodedata.name(character, "").lower().replace("-", "_").replace(" ", "_")
    return KEY_NAME_REPLACEMENTS.get(own, own) == name


def user_keymap(keymap: Mapping[str, str], ids: Collection[str]) -> tuple[dict[str, str], list[str]]:
    """Split a config keymap into the entries gterm knows and what it cannot use, said.

    Unknown ids and keys no key is named are reported to the user rather than silently
    ignored, because a typo in the config file would otherwise look like a broken key.
    """
    known: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, keys in keymap.items():
        if binding_id not in ids:
            problems.append(f"unknown binding id {binding_id}")
            continue
        typed = [part.strip() for part in str(keys).split(",") if part.strip()]
        usable = [usable_key(part) for part in typed]
        unusable = [part for part, name in zip(typed, usable, strict=True) if name is None]
        if unusable:
            problems.append(f"{binding_id}: no key is named {', '.join(unusable)}")
        cleaned = ",".join(name for name in usable if name)
        if cleaned:
            known[binding_id] = cleaned
        elif not unusable:
            problems.append(f"{binding_id}: no keys given")
    return known, problems


def shown_keys(app: App[Any], binding: Binding, keymap: Mapping[str, str]) -> str:
    """How ``binding``'s keys read on screen (``f8, delete``), with ``keymap`` (binding id -> keys) applied."""
    keys = keymap.get(binding.id or "", binding.key).split(",")
    return ", ".join(app.get_key_display(binding.with_key(key.strip())) for key in keys)
