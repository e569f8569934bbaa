"""The footer of key bindings every gterm screen shows: Textual's Footer, rebuilt only when its keys change.

Textual's Footer rebuilds all of its key widgets for every ``bindings_updated``
signal, and a screen sends one on each focus change and another after the next
refresh. At start-up five arrive (Textual's auto-focus, the main screen's own
focus, the screen's resume), and a Tab between the panes sends two more for the
same keys. Each rebuild of the main screen's keys took 45-130 ms of the event
loop here (tests/perf/ls_vs_globus_cli), three of them between the first frame
and the first screenful of a listing. This footer compares what it would show
with what it shows and rebuilds only when they differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey  # not exported by textual.widgets (textual is pinned)

if TYPE_CHECKING:
    from textual.screen import Screen

KeysShown = tuple[object, ...]

PALETTE_COLUMNS = 12
"""What the command palette's key takes on the right ("▏^p palette")."""


class KeyFooter(Footer):
    """Textual's Footer, recomposed only when the keys it would show change.

    With ``short_labels`` (by action), a footer whose keys do not fit its width
    shows those labels instead, and no palette key (ctrl+p still opens it), so
    the last keys (Help, Quit) stay on screen in 80 columns.
    """

    def __init__(
        self,
        *,
        compact: bool = False,
        show_command_palette: bool = True,
        short_labels: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(compact=compact, show_command_palette=show_command_palette)
        self._bindings_announced = False  # Footer composes nothing before its first bindings signal
        self._shown: KeysShown | None = None
        self._short_labels = dict(short_labels or {})
        self._wants_palette = show_command_palette
        self._narrow = False  # the short labels are shown (set with each rebuild, read by compose)

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if self._narrow and isinstance(widget, FooterKey):
                widget.description = self._short_labels.get(widget.action, widget.description)
            yield widget

    def on_resize(self, _event: events.Resize) -> None:
        if self._bindings_announced and self.keys_shown() != self._shown:
            self.call_later(self.recompose)

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_announced = True
        super().bindings_changed(screen)

    def keys_shown(self) -> KeysShown:
        """Everything Footer.compose reads, as one comparable value (whether it is too narrow included)."""
        # every active binding, hidden ones too: compose also shows the command palette's
        bindings = tuple(
            (key, binding.key, self.app.get_key_display(binding), binding.description, binding.action,
             binding.show, binding.group, binding.tooltip, enabled, tooltip)
            for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
        )
        return (self._bindings_announced, self.compact, self._too_narrow(bindings), self.combine_groups, bindings)

    def _too_narrow(self, bindings: tuple[tuple[Any, ...], ...]) -> bool:
        """Whether the full labels overflow the footer: each key shown ("key label ", as the compact style
        draws it; one per action, as Footer shows them) and the palette's."""
        if not self._short_labels:
            return False
        widths: dict[str, int] = {}
        for _key, _keys, display, label, action, show, *_rest in bindings:
            if show:
                widths.setdefault(action, len(display) + len(label) + 2)
        palette = PALETTE_COLUMNS if self._wants_palette else 0
        return sum(widths.values()) + palette > self.app.size.width

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        shown = self.keys_shown()
        if shown == self._shown:
            return
        self._shown = shown
        self._narrow = bool(shown[2])  # keys_shown: (announced, compact, too narrow, ...)
        self.show_command_palette = self._wants_palette and not self._narrow
        await super().recompose()
