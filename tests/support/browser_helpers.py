"""Helpers for the browser's Pilot and snapshot tests (waiting without timing asserts, reading panes)."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

# Pilot waits are bounded so a broken app fails a test instead of hanging the run.
WAIT_LIMIT = 30.0

ScreenT = TypeVar("ScreenT")


async def wait_for(pilot: Any, condition: Callable[[], bool], what: str = "condition") -> None:
    """Pump the app until ``condition()`` holds (bounded; not a timing assert)."""
    deadline = time.monotonic() + WAIT_LIMIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)
    await pilot.pause()


async def wait_for_exit(app: Any, what: str = "the app to exit") -> None:
    """Wait until ``app`` has been asked to exit (its ``return_code`` is set; bounded).

    This one does not pump through the pilot: the widgets of an app that is
    closing stop taking messages, so ``pilot.pause()`` would wait its whole
    30 s for them (``WaitForScreenTimeout``). Leaving ``run_test`` then waits
    for the app to finish.
    """
    deadline = time.monotonic() + WAIT_LIMIT
    while app.return_code is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def key_opens(pilot: Any, app: Any, key: str, screen_type: type[ScreenT], what: str) -> ScreenT:
    """``key`` pressed: the ``screen_type`` screen it opens, once it is the app's screen (``what`` names it)."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, screen_type), what)
    screen = app.screen
    assert isinstance(screen, screen_type)
    return screen


async def settled(pilot: Any) -> None:
    """Wait until both panes have finished loading and the listing workers are idle."""
    screen = pilot.app.main_screen

    def idle() -> bool:
        busy = [w for w in pilot.app.workers if w.group in ("listing", "operations", "startup") and w.is_running]
        return not busy and not screen.left_pane.fetching and not screen.right_pane.fetching

    await wait_for(pilot, idle, "panes to settle")


async def f5_to_this_computer(pilot: Any) -> str:
    """F5 with This computer on a side: it asks where to first (as Midnight Commander's copy dialog
    does); Enter goes ahead, into the other pane's directory as proposed. Returns the question asked."""
    from gterm.tui.screens.local_task_dialog import LocalTaskDialog

    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, LocalTaskDialog), "F5's where-to question")
    question = str(pilot.app.screen.message)
    await pilot.press("enter")
    return question


async def wait_for_path(pilot: Any, pane: Any, path: str) -> None:
    """Until ``pane`` shows ``path``, or says why it could not ("Loading …" on its message line is no answer yet)."""
    await wait_for(pilot, lambda: pane.path == path or (bool(pane.message_text) and not pane.fetching), path)


def listing_names(pane: Any) -> list[str]:
    return [e.name for e in pane.listing.entries] if pane.listing else []


def disk_exists(path: Path) -> bool:
    return os.path.lexists(path)



def make_app(service: Any, **kwargs: Any) -> Any:
    """A GtermApp for tests (imported late so collection works even when the TUI is half-built)."""
    from gterm.tui.app import GtermApp

    return GtermApp(service, **kwargs)


def make_https_app(sandbox: Any, **kwargs: Any) -> Any:
    """A GtermApp signed in to ``sandbox`` as Alice that also reaches collections over HTTPS (local F5, F3)."""
    from gterm.globus.https_access import HttpsAccess
    from tests.support.sandbox_login import LoginHttpsTokens
    from tests.support.transfer_live import service_for

    return make_app(service_for(sandbox), https=HttpsAccess(LoginHttpsTokens(sandbox)), **kwargs)


def status_text(pane: Any) -> str:
    return pane.status_line.info.render_text() if pane.listing is not None else ""


async def cursor_to(pilot: Any, pane: Any, name: str) -> None:
    """Move the file list cursor onto ``name`` with the keyboard (Home, then Down)."""
    file_list = pane.file_list
    file_list.focus()
    await pilot.press("home")
    for _ in range(len(pane.listing.entries) + 2):
        entry = file_list.cursor_entry
        if entry is not None and entry.name == name:
            return
        await pilot.press("down")
    raise AssertionError(f"{name!r} is not in the list")


async def open_details(pilot: Any, app: Any) -> Any:
    """``i`` in the settled browser: the collection details screen, its collection document read."""
    from gterm.tui.screens.collection_info import CollectionInfo

    await settled(pilot)
    info = await key_opens(pilot, app, "i", CollectionInfo, "the details")
    await wait_for(pilot, lambda: info.details is not None, "the collection document")
    return info


async def select_with_space(pilot: Any, pane: Any, *names: str) -> None:
    """Select ``names`` in ``pane`` as a user does (cursor onto each, space) and wait until they are selected."""
    for name in names:
        await cursor_to(pilot, pane, name)
        await pilot.press("space")
    await wait_for(pilot, lambda: pane.file_list.selected_names == set(names), "the selection")


async def type_text(pilot: Any, text: str) -> None:
    """Type literal characters (pilot.press takes key names; single characters are keys too)."""
    for char in text:
        await pilot.press(char)


def field_text(field: Any) -> str:
    """What a text field holds as shown: an Input's value or a TextArea's text."""
    from textual.widgets import TextArea

    return str(field.text if isinstance(field, TextArea) else field.value)


def clear_field(field: Any) -> None:
    """Empty an Input or a TextArea."""
    from textual.widgets import TextArea

    if isinstance(field, TextArea):
        field.text = ""
    else:
        field.value = ""


async def clear_and_type(pilot: Any, widget: Any, text: str) -> None:
    """Replace the value of an Input (or the text of a TextArea) the way a user would, then type ``text``."""
    widget.focus()
    clear_field(widget)
    await pilot.pause()
    await type_text(pilot, text)


def screen_lines(app: Any) -> list[str]:
    """The screen as plain text lines, read back from the app's own SVG export."""
    import html
    import re

    svg = app.export_screenshot()
    lines: dict[float, list[str]] = {}
    for y, body in re.findall(r'<text [^>]*?y="([\d.]+)"[^>]*>(.*?)</text>', svg, flags=re.S):
        lines.setdefault(float(y), []).append(html.unescape(body).replace("\xa0", " "))
    return ["".join(parts) for _, parts in sorted(lines.items())]


def notices(app: Any) -> list[str]:
    """The notifications the app has shown (their text)."""
    return [str(notification.message) for notification in app._notifications]


def field_problems(form: Any) -> set[str]:
    """The fields of a form (the settings form) that show a problem under them now (``#error-<field>``)."""
    from textual.widgets import Static

    return {str(line.id).removeprefix("error-") for line in form.query(".dialog-error").results(Static)
            if str(line.id).startswith("error-") and str(line.render())}


SUBMITTED = re.compile(r"^Transfer submitted: task (\S+)$")


def submitted_task_id(shown: Sequence[str]) -> str | None:
    """The task id the user was last told was submitted ("Transfer submitted: task <id>"), or None.

    Tests learn what they submitted the way the user does, from the notice, not from an
    attribute production code keeps for them.
    """
    for notice in reversed(shown):
        found = SUBMITTED.match(notice)
        if found:
            return found.group(1)
    return None


def burst(app: Any, keys: list[str]) -> None:
    """Queue every key at once, as a terminal delivers a fast burst (no waiting between keys).

    Each key comes with the character a terminal sends for it (``slash`` is ``/``): an input takes a
    printable key as text."""
    from textual import events
    from textual.keys import key_to_character

    for key in keys:
        app.post_message(events.Key(key, key_to_character(key)))


async def burst_type(pilot: Any, field: Any, text: str) -> None:
    """Type ``text`` into the focused input (or text area) ``field`` as one burst of key events; wait until it holds it.

    ``type_text`` presses one key at a time, and each ``pilot.press`` waits for the
    process to look idle twice (20 ms at least, up to 1 s while anything else in it
    runs) and for every widget on the screen to take a message: a form's worth of
    text cost ~10 s. Here the same key events arrive through the app in order, as a
    fast typist's do, and the wait is for what they should produce.
    """
    burst(pilot.app, list(text))
    await wait_for(pilot, lambda: field_text(field) == text, f"{text!r} typed")


async def answer_prompt(pilot: Any, text: str, *, replace: bool = True) -> None:
    """Type ``text`` into the input prompt once it is up (its proposal cleared first) and press Enter."""
    from textual.widgets import Input

    from gterm.tui.screens.prompts import InputPrompt

    await wait_for(pilot, lambda: isinstance(pilot.app.screen, InputPrompt), "the input prompt")
    if replace:
        pilot.app.screen.query_one("#prompt-input", Input).value = ""
    await type_text(pilot, text)
    await pilot.press("enter")


def prompt_error(app: Any) -> str:
    """The input prompt's error line ("" when none, or while the prompt is still being put together)."""
    from textual.widgets import Static

    found = app.screen.query("#prompt-error")
    return str(found.first(Static).render()) if found else ""
