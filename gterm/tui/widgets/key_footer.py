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

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen

KeysShown = tuple[object, ...]


class KeyFooter(Footer):
    """Textual's Footer, recomposed only when the keys it would show change."""

    def __init__(self, *, compact: bool = False, show_command_palette: bool = True) -> None:
        super().__init__(compact=compact, show_command_palette=show_command_palette)
        self._bindings_announced = False  # Footer composes nothing before its first bindings signal
        self._shown: KeysShown | None = None

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_announced = True
        super().bindings_changed(screen)

    def keys_shown(self) -> KeysShown:
        """Everything Footer.compose reads, as one comparable value."""
        # every active binding, hidden ones too: compose also shows the command palette's
        bindings = tuple(
            (key, binding.key, self.app.get_key_display(binding), binding.description, binding.action,
             binding.show, binding.group, binding.tooltip, enabled, tooltip)
            for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
        )
        return (self._bindings_announced, self.compact, self.show_command_palette, self.combine_groups, bindings)

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        shown = self.keys_shown()
        if shown == self._shown:
            return
        self._shown = shown
        await super().recompose()
