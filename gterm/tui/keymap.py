"""Every key binding of the browser, each with a stable id, and the user keymap.

The ids are the public names users write in the config file's ``[keymap]``
table (``delete = "f8,ctrl+d"``); Textual's ``App.set_keymap`` then swaps the
keys of every binding with that id. Defaults follow Midnight Commander (see
DESIGN.md's key table).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from textual.binding import Binding, BindingType

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
    Binding("question_mark,f1", "help", "Help", id="help"),
]

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


# Screens imported only when first opened (not on the first frame) declare their keys here,
# so the app knows every remappable id at start-up without importing them.

# The F5 transfer dialog.
TRANSFER_DIALOG_BINDINGS: list[Binding] = [
    Binding("escape", "cancel", "Cancel", id="transfer_cancel"),
    Binding("enter", "submit", "Submit", id="transfer_submit"),
    Binding("f3", "preview", "Sync preview", show=False, id="sync_preview"),
]

# The task details screen.
TASK_DETAILS_BINDINGS: list[Binding] = [
    Binding("escape", "close", "Back", id="details_close"),
    Binding("x", "cancel_task", "Cancel task", id="cancel_task"),
    Binding("l", "change_label", "Label", id="change_label"),
    Binding("d", "change_deadline", "Deadline", id="change_deadline"),
    Binding("ctrl+r", "reload", "Refresh", id="details_refresh"),
]

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
SUMMARY_BINDINGS: list[Binding] = [Binding("escape,q,f3,enter", "close", "Close", id="summary_close")]

# The login screen (sign-in and consent).
LOGIN_BINDINGS: list[Binding] = [
    Binding("escape", "cancel", "Cancel", id="login.cancel"),
    Binding("ctrl+y", "copy_url", "Copy URL", id="login.copy_url"),
]


def binding_ids(*groups: Iterable[BindingType]) -> frozenset[str]:
    """The ids of the bindings in ``groups`` (binding lists, such as a class's ``BINDINGS``)."""
    return frozenset(binding.id for group in groups for binding in group if isinstance(binding, Binding) and binding.id)


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
