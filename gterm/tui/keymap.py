"""Every key binding of the browser, each with a stable id, and the user keymap.

The ids are the public names users write in the config file's ``[keymap]``
table (``delete = "f8,ctrl+d"``); Textual's ``App.set_keymap`` then swaps the
keys of every binding with that id. Defaults follow Midnight Commander (see
DESIGN.md's key table).
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding

# Bindings of the main screen (they act on the active pane).
MAIN_BINDINGS: list[Binding] = [
    Binding("tab", "other_pane", "Other pane", show=False, id="other_pane"),
    Binding("backspace", "parent", "Parent directory", show=False, id="parent"),
    # Priority: it runs when the App reads the key, before the keys typed after it are handed to the
    # focused widget, so a fast "ctrl+l ctrl+u /path" all lands in the path bar (see Pane.edit_path).
    Binding("ctrl+l", "edit_path", "Edit path", show=False, id="edit_path", priority=True),
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
    Binding("i", "collection_info", "Collection details", show=False, id="collection_info"),
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

ALL_BINDINGS: list[Binding] = [*MAIN_BINDINGS, *APP_BINDINGS, *SIDEBAR_BINDINGS]

BINDING_IDS: frozenset[str] = frozenset(b.id for b in ALL_BINDINGS if b.id)


def known_binding_ids() -> frozenset[str]:
    """The browser's ids plus those the other parts of the TUI declare (task panel, dialogs)."""
    ids = set(BINDING_IDS)
    for module_name, attribute in (
        ("gterm.tui.transfer_actions", "TRANSFER_BINDINGS"),
        ("gterm.tui.widgets.task_panel", "TaskPanel"),
        ("gterm.tui.widgets.file_list", "FileList"),
        ("gterm.tui.screens.login", "LoginScreen"),
    ):
        try:
            module = __import__(module_name, fromlist=[attribute])
        except ImportError:
            continue
        found = getattr(module, attribute, [])
        bindings = getattr(found, "BINDINGS", found)
        ids.update(b.id for b in bindings if isinstance(b, Binding) and b.id)
    return frozenset(ids)


def user_keymap(keymap: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Split a config keymap into the entries gterm knows and the unknown ids.

    Unknown ids are reported to the user rather than silently ignored, because
    a typo in the config file would otherwise look like a broken key.
    """
    ids = known_binding_ids()
    known: dict[str, str] = {}
    unknown: list[str] = []
    for binding_id, keys in keymap.items():
        cleaned = ",".join(part.strip() for part in str(keys).split(",") if part.strip())
        if binding_id in ids and cleaned:
            known[binding_id] = cleaned
        else:
            unknown.append(binding_id)
    return known, unknown
