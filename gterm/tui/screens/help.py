"""The key help (? / F1), built from the bindings that are active right now.

Reading the live bindings (after the user keymap is applied) means the help
can never disagree with what the keys actually do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Label, Static

from gterm.tui.keymap import HELP_BINDINGS, shown_keys
from gterm.tui.screens.modal import GtermModal


@dataclass(frozen=True, slots=True)
class KeyHelp:
    keys: str
    description: str
    binding_id: str = ""  # what the config file's [keymap] table uses


def collect_key_help(
    screen: Screen[Any],
    extra: Sequence[tuple[str, Sequence[Binding]]] = (),
    keymap: Mapping[str, str] | None = None,
) -> list[KeyHelp]:
    """One row per action of ``screen``'s active bindings, keys merged (``f8, delete``).

    Only bindings with an id are listed: those are gterm's own (and remappable);
    Textual's generic scrolling and focus keys would only add noise. ``extra``
    adds bindings of widgets that are not focused now (the bookmark sidebar),
    as ``(section, bindings)``, with the user ``keymap`` (binding id -> keys) applied.
    """
    app = screen.app
    rows: dict[tuple[int, str], tuple[list[str], str, str]] = {}
    order: list[tuple[int, str]] = []
    for active in screen.active_bindings.values():
        binding: Binding = active.binding
        if not binding.description or binding.system or not binding.id:
            continue
        key = (id(active.node), binding.action)
        if key not in rows:
            rows[key] = ([], binding.description, binding.id)
            order.append(key)
        shown = app.get_key_display(binding)
        if shown not in rows[key][0]:
            rows[key][0].append(shown)
    result = [KeyHelp(", ".join(rows[k][0]), rows[k][1], rows[k][2]) for k in order]
    keymap = keymap or {}
    for section, bindings in extra:
        for binding in bindings:
            shown = shown_keys(app, binding, keymap)
            result.append(KeyHelp(shown, f"{section}: {binding.description}", binding.id or ""))
    return result


def show_key_help(screen: Screen[Any]) -> None:
    """Open the key help of ``screen`` (its live bindings); nothing when it is the help already."""
    if isinstance(screen, HelpScreen):
        return
    screen.app.push_screen(HelpScreen(collect_key_help(screen)))


class HelpScreen(GtermModal[None]):
    """A scrollable two-column table of keys; any of Esc, q, ? or F1 closes it."""

    DEFAULT_CSS = """
    HelpScreen > .modal-frame {
        width: 90;
        height: 90%;
    }
    HelpScreen .dialog-title, HelpScreen .dialog-note {
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [*HELP_BINDINGS]

    def __init__(self, rows: list[KeyHelp]) -> None:
        super().__init__()
        self.rows = rows

    def compose_dialog(self) -> ComposeResult:
        table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
        table.add_column("Key", no_wrap=True, style="bold", ratio=2)
        table.add_column("Action", ratio=3)
        table.add_column("Binding id", style="dim", no_wrap=True, ratio=3)
        for row in self.rows:
            table.add_row(Text(row.keys), Text(row.description), Text(row.binding_id))
        yield Label("gterm keys", classes="dialog-title")
        with VerticalScroll():
            yield Static(table, id="help-table")
        # A Static, not a Label: it wraps where the dialog is narrow (80 columns cut it at "Es").
        yield Static(
            Text("Remap keys in the config file's [keymap] table (binding id = keys).  Esc closes."),
            classes="dialog-note",
        )
