"""The command palette provider (ctrl+p): the actions of the screen it was opened over, then
(over the main screen) the bookmarks and recent collections.

Actions come from the same binding list the screen uses, so the palette shows
the real keys (after the user keymap) next to each command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from gterm.tui.keymap import APP_BINDINGS, MAIN_BINDINGS, shown_keys
from gterm.tui.safe_text import escape_controls

if TYPE_CHECKING:
    from gterm.tui.app import GtermApp


class GtermCommands(Provider):
    """Actions first, then "Open bookmark: …", then "Open recent collection: …"."""

    def _commands(self) -> Iterator[tuple[str, Callable[[], Any], str, bool]]:
        """(text, command, help, is_action); only action texts are ours, the rest is server text.

        The main screen's commands (and bookmarks, recent collections) are offered only while the
        main screen is the one the palette was opened over: run from the administrator's view,
        "Delete" would otherwise ask to delete the file under the hidden main screen's cursor.
        Any other screen offers its own keys, read live as its key help reads them.
        """
        from gterm.tui.app import GtermApp  # the app registers this provider: imported late
        from gterm.tui.screens.main import MainScreen

        app = self.app
        if not isinstance(app, GtermApp):
            return
        main = self.screen if isinstance(self.screen, MainScreen) else None
        if main is None:
            yield from self._screen_commands(app)
            return
        listed: set[str] = set()
        for binding in [*MAIN_BINDINGS, *APP_BINDINGS]:
            if binding.description in listed:
                continue  # one command each ("Help" is the main screen's and any other screen's)
            listed.add(binding.description)
            if binding in MAIN_BINDINGS:
                if main.check_action(binding.action, ()) is False:
                    continue
                command: Callable[[], Awaitable[object]] = partial(main.run_action, binding.action)
            else:
                command = partial(app.run_action, binding.action)
            yield binding.description, command, f"key: {shown_keys(app, binding, app.keymap)}", True
        for bookmark in app.bookmarks:
            label = f"Open bookmark: {escape_controls(bookmark.name)}"
            yield label, partial(main.open_bookmark, bookmark), main.sidebar.leads_to(bookmark), False
        for collection_id in app.config.recent_collections:
            known = app.collections.get(collection_id)
            name = escape_controls(known.display_name) if known else collection_id
            yield f"Open recent collection: {name}", partial(
                main.open_in_active, collection_id, None
            ), collection_id, False

    def _screen_commands(self, app: GtermApp) -> Iterator[tuple[str, Callable[[], Any], str, bool]]:
        """The keys in effect on the screen under the palette (gterm's own: those with an id), then Quit/Help."""
        listed: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.system or not binding.id or not active.enabled:
                continue
            if binding.description in listed:
                continue
            listed.add(binding.description)
            # Run where the key would run: the focused widget, the screen or the app.
            command = partial(app.run_action, binding.action, active.node)
            yield binding.description, command, f"key: {shown_keys(app, binding, app.keymap)}", True
        for binding in APP_BINDINGS:
            if binding.description not in listed:
                listed.add(binding.description)
                yield binding.description, partial(app.run_action, binding.action), \
                    f"key: {shown_keys(app, binding, app.keymap)}", True

    async def discover(self) -> Hits:
        for text, command, help_text, _ in self._commands():
            yield DiscoveryHit(Content(text), command, text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text, is_action in self._commands():
            score = matcher.match(text)
            if score > 0:
                # highlight() parses markup, so only our own action names go through it.
                display = matcher.highlight(text) if is_action else Content(text)
                yield Hit(score, display, command, text=text, help=help_text)
