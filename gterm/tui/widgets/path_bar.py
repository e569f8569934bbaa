"""The editable path above each file list (ctrl+l), with directory-name completion.

Completion never blocks on the network: names come from directory listings the
pane already has (the current one, and any fetched earlier for completion).
When a directory is not known yet, Tab asks the pane to list it in a worker and
completes when the answer arrives.

The value is user text: ``Input`` renders it literally, so names with markup
characters are safe here. Control characters are not: the bar is a
:class:`SafeInput`, so it shows paths and completions in their escaped
spelling, and :meth:`PathBar.raw_path` maps what the user submits back to the
real names (unchanged text, the current path as a prefix, or any path
component that is the escaped spelling of a directory the pane has listed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.strip import Strip
from textual.suggester import Suggester

from gterm.tui.safe_text import has_controls, safe_text
from gterm.tui.widgets.file_columns import cut_left
from gterm.tui.widgets.safe_input import SafeInput, from_display, to_display

# Looks up the directory names known for an absolute directory path (None: unknown).
DirLookup = Callable[[str], "list[str] | None"]


def split_for_completion(value: str) -> tuple[str, str]:
    """``/a/b/na`` -> (``/a/b/``, ``na``); the directory part keeps its trailing slash."""
    head, sep, tail = value.rpartition("/")
    if not sep:
        return "", value
    return head + "/", tail


def common_prefix(names: list[str]) -> str:
    if not names:
        return ""
    first, last = min(names), max(names)
    for index, char in enumerate(first):
        if index >= len(last) or last[index] != char:
            return first[:index]
    return first


class DirNameSuggester(Suggester):
    """Ghost-text suggestion of the single directory name that fits (accept with →)."""

    def __init__(self, lookup: DirLookup) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._lookup = lookup

    async def get_suggestion(self, value: str) -> str | None:
        directory, prefix = split_for_completion(value)
        if not directory:
            return None
        names = self._lookup(directory)
        if not names:
            return None
        matches = [name for name in names if name.startswith(prefix)]
        if not prefix and len(matches) != 1:
            return None
        if len(matches) == 1:
            return directory + matches[0] + "/"
        shared = common_prefix(matches)
        return directory + shared if len(shared) > len(prefix) else None


MAX_CANDIDATES_SHOWN = 30  # completion candidates listed in one notice


class PathBar(SafeInput):
    """An ``Input`` holding the pane's path; Enter asks to go there, Esc gives up editing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "complete", "Complete", show=False),
        Binding("escape", "cancel", "Cancel", show=False),
    ]

    # Compact (one line, no border). "-bad-path" rather than Input's own "-invalid",
    # which belongs to Input validation and brings a tall border.
    DEFAULT_CSS = """
    PathBar, PathBar.-textual-compact {
        padding: 0 1;
        background: $surface;
    }
    PathBar:focus {
        background: $boost;
    }
    PathBar.-bad-path {
        background: $error 30%;
    }
    """

    @dataclass
    class PathRequested(Message):
        """Enter was pressed: the pane should try ``path`` (relative to ``base``)."""

        path_bar: PathBar
        path: str

    @dataclass
    class EditCancelled(Message):
        path_bar: PathBar

    @dataclass
    class CompletionNeeded(Message):
        """Tab on a directory the pane has not listed yet: list ``directory`` and call back."""

        path_bar: PathBar
        directory: str

    def __init__(self, lookup: DirLookup, *, id: str | None = None) -> None:
        self._lookup = lookup
        super().__init__(
            value="",
            placeholder="path (ctrl+l)",
            suggester=DirNameSuggester(self._shown_names),
            id=id,
            select_on_focus=False,
            compact=True,
        )
        self.current_path = ""

    def show_path(self, path: str, *, keep_typing: bool = False) -> None:
        """Show the pane's real location (after a successful load), control characters escaped.

        ``keep_typing``: the listing was not asked for from this bar (start-up, a reload after a
        change), so it may land while the user types here. Their text then stays -- only the path
        it is relative to changes -- and an untouched proposal is replaced and selected again, so
        typing still replaces it.
        """
        editing = keep_typing and self.has_focus
        self.current_path = path
        if editing and self.value != to_display(self.original):
            return
        self.remove_class("-bad-path")
        self.tooltip = None
        self.set_raw(path)
        if editing:
            self.select_proposal(show_end=True)
        else:
            self.cursor_position = len(self.value)
            self.call_after_refresh(self._show_tail)

    def _show_tail(self) -> None:
        """Where a long path does not fit (80 columns, the sidebar open), its last directories are what says
        where the pane is: the bar shows them, as Midnight Commander shortens a path from its left."""
        if not self.has_focus:
            self.scroll_to(x=self.max_scroll_x, animate=False)

    def on_resize(self) -> None:
        self.call_after_refresh(self._show_tail)

    def render_line(self, y: int) -> Strip:
        """Not being edited, a path too long for the bar shows its end after a "…" where it is cut: the
        scrolled tail alone (``n-outputs-2026/run-042/``) read like a real, shorter path. (Drawn from the
        value, not the scroll: one that just fits is not scrolled by the cell an Input keeps for its cursor.)"""
        width = self.scrollable_content_region.width
        if y != 0 or self.has_focus or not self.value or width <= 0:
            return super().render_line(y)
        shown = cut_left(Text(self.value, end="", no_wrap=True), width)  # the value is already escaped
        strip = Strip(self.app.console.render(shown, self.app.console_options.update_width(width + 1)))
        return strip.extend_cell_length(width + 1).apply_style(self.rich_style)

    # --- escaped (shown) <-> raw (real) paths ------------------------------

    def raw_path(self, shown: str) -> str:
        """The real path meant by ``shown`` (text in the bar's escaped spelling).

        The current path (whole or as a prefix) maps back first; then each
        component that is the escaped spelling of a directory name the pane
        knows is replaced by that name. A component that exists literally wins:
        typed text is taken literally whenever it can be.
        """
        mapped = from_display(shown, self.current_path, (self.current_path,))
        head, sep, rest = mapped.partition("/") if mapped.startswith("/") else ("", "", mapped)
        resolved = head + sep
        parts = rest.split("/")
        for index, part in enumerate(parts):
            if part and not has_controls(part):
                names = self._lookup(resolved) or []
                if part not in names:
                    part = next((name for name in names if has_controls(name) and to_display(name) == part), part)
            resolved += part + ("/" if index < len(parts) - 1 else "")
        return resolved

    def _shown_names(self, shown_directory: str) -> list[str] | None:
        """Directory names inside ``shown_directory`` (escaped spelling), None when not listed yet."""
        names = self._lookup(self.raw_path(shown_directory))
        return None if names is None else [to_display(name) for name in names]

    def mark_invalid(self, reason: str) -> None:
        """Keep what the user typed, tint it, and say why it was refused."""
        self.add_class("-bad-path")
        self.tooltip = safe_text(reason)  # server text: never parsed as markup

    async def action_submit(self) -> None:
        shown = self.value.strip()
        self.post_message(self.PathRequested(self, self.raw_path(shown) if shown else self.current_path))

    def action_cancel(self) -> None:
        self.show_path(self.current_path)
        self.post_message(self.EditCancelled(self))

    def action_complete(self) -> None:
        directory, prefix = split_for_completion(self.value)
        if not directory:
            return
        names = self._shown_names(directory)
        if names is None:
            self.post_message(self.CompletionNeeded(self, self.raw_path(directory)))
            return
        self.complete_from(directory, prefix, names)

    def complete_from(self, directory: str, prefix: str, names: list[str]) -> None:
        """Extend the value by the longest unambiguous completion of ``prefix`` in ``names``.

        All three are in the bar's escaped spelling.
        """
        matches = [name for name in names if name.startswith(prefix)]
        if not matches:
            self.app.bell()
            return
        if len(matches) > 1 and common_prefix(matches) == prefix:
            # Nothing more is common to them: say what there is to choose from, as a shell's second Tab does.
            shown = matches[:MAX_CANDIDATES_SHOWN]
            more = f"  … and {len(matches) - len(shown)} more" if len(matches) > len(shown) else ""
            self.app.notify("  ".join(name + "/" for name in shown) + more, title="Completions")
            return
        completed = directory + matches[0] + "/" if len(matches) == 1 else directory + common_prefix(matches)
        self.value = completed
        self.cursor_position = len(completed)

    def completion_arrived(self, directory: str) -> None:
        """The pane listed ``directory`` (raw): finish a pending Tab if the user has not moved on."""
        current_dir, prefix = split_for_completion(self.value)
        if self.raw_path(current_dir) != directory:
            return
        names = self._shown_names(current_dir)
        if names is not None:
            self.complete_from(current_dir, prefix, names)
