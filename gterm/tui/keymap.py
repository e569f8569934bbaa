"""Every key binding of the browser, each with a stable id, and the user keymap.

The ids are the public names users write in the config file's ``[keymap]``
table (``delete = "f8,ctrl+d"``); Textual's ``App.set_keymap`` then swaps the
keys of every binding with that id. Defaults follow Midnight Commander (see
DESIGN.md's key table).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from textual.binding import Binding
from textual.dom import DOMNode

# Bindings of the main screen (they act on the active pane).
MAIN_BINDINGS: list[Binding] = [
    Binding("tab", "other_pane", "Other pane", show=False, id="other_pane"),
    Binding("backspace", "parent", "Parent directory", show=False, id="parent"),
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
    Binding("asterisk", "invert_selection", "Invert selection", show=False, id="invert_selection"),
    Binding("ctrl+a", "select_all", "Select all", show=False, id="select_all"),
    Binding("f2", "rename", "Rename", id="rename"),
    Binding("f3", "view", "View", id="view"),
    Binding("f5", "transfer", "Transfer", id="transfer"),
    Binding("f6", "move", "Move", id="move"),
    Binding("f7", "mkdir", "Mkdir", id="mkdir"),
    Binding("f8,delete", "delete", "Delete", id="delete"),
    Binding("ctrl+r", "refresh", "Refresh", show=False, id="refresh"),
    Binding("ctrl+b", "toggle_sidebar", "Bookmarks", id="toggle_sidebar"),
    Binding("b", "add_bookmark", "Bookmark here", show=False, id="add_bookmark"),
    Binding("c", "compare", "Compare", show=False, id="compare"),
    Binding("t", "focus_tasks", "Tasks", show=False, id="focus_tasks"),
    Binding("question_mark,f1", "help", "Help", id="help"),
]

# App-wide bindings.
APP_BINDINGS: list[Binding] = [
    Binding("q,f10", "quit", "Quit", id="quit"),
]

# Bindings of the bookmark sidebar (active while it has focus).
SIDEBAR_BINDINGS: list[Binding] = [
    Binding("f2,r", "rename_bookmark", "Rename bookmark", id="rename_bookmark"),
    Binding("delete,f8,d", "delete_bookmark", "Delete bookmark", id="delete_bookmark"),
]



def binding_ids(*owners: type[DOMNode]) -> frozenset[str]:
    """The ids of the bindings that ``owners`` (widget, screen and app classes) declare."""
    return frozenset(
        binding.id
        for owner in owners
        for binding in owner.BINDINGS
        if isinstance(binding, Binding) and binding.id
    )


def user_keymap(keymap: Mapping[str, str], ids: Collection[str]) -> tuple[dict[str, str], list[str]]:
    """Split a config keymap into the entries gterm knows and the unknown ids.

    Unknown ids are reported to the user rather than silently ignored, because
    a typo in the config file would otherwise look like a broken key.
    """
    known: dict[str, str] = {}
    unknown: list[str] = []
    for binding_id, keys in keymap.items():
        cleaned = ",".join(part.strip() for part in str(keys).split(",") if part.strip())
        if binding_id in ids and cleaned:
            known[binding_id] = cleaned
        else:
            unknown.append(binding_id)
    return known, unknown
