"""The command palette provider (ctrl+p): every action, the bookmarks, recent collections.

Actions come from the same binding list the screen uses, so the palette shows
the real keys (after the user keymap) next to each command.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from gterm.tui.keymap import APP_BINDINGS, MAIN_BINDINGS
from gterm.tui.safe_text import escape_controls


class GtermCommands(Provider):
    """Actions first, then "Open bookmark: …", then "Open recent collection: …"."""

    def _commands(self) -> Iterator[tuple[str, Callable[[], Any], str, bool]]:
        """(text, command, help, is_action); only action texts are ours, the rest is server text."""
        from gterm.tui.app import GtermApp  # the app registers this provider: imported late

        app = self.app
        if not isinstance(app, GtermApp):
            return
        main = app.main_screen
        listed: set[str] = set()
        for binding in [*MAIN_BINDINGS, *APP_BINDINGS]:
            if binding.description in listed:
                continue  # one command each ("Help" is the main screen's and any other screen's)
            listed.add(binding.description)
            if main is not None and binding in MAIN_BINDINGS:
                if main.check_action(binding.action, ()) is False:
                    continue
                command: Callable[[], Awaitable[object]] = partial(main.run_action, binding.action)
            else:
                command = partial(app.run_action, binding.action)
            keys = app.keymap.get(binding.id or "", binding.key)
            shown = ", ".join(app.get_key_display(binding.with_key(k)) for k in keys.split(","))
            yield binding.description, command, f"key: {shown}", True
        if main is None:
            return
        for bookmark in app.bookmarks:
            label = f"Open bookmark: {escape_controls(bookmark.name)}"
            yield label, partial(
                main.open_in_active, bookmark.endpoint_id, bookmark.path
            ), escape_controls(bookmark.path), False
        for collection_id in app.config.recent_collections:
            known = app.collections.get(collection_id)
            name = escape_controls(known.display_name) if known else collection_id
            yield f"Open recent collection: {name}", partial(
                main.open_in_active, collection_id, None
            ), collection_id, False

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
