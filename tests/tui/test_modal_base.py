"""The one modal base: every dialog backs out on Escape with its "no result", shows its own keys on
F1 / ?, keeps its buttons reachable by keyboard at 80x24, and declares its keys with ids the user's
keymap can name (and a remap reaches the dialog)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Button

import gterm.tui.screens
from gterm.globus.collection_settings import FIELDS, CollectionSettings, SettingsService
from gterm.globus.endpoint_manager import EndpointManager
from gterm.globus.models import Event
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.app import remappable_binding_ids
from gterm.tui.screens.collection_settings import CollectionSettingsForm
from gterm.tui.screens.dir_summary import DirectorySummary
from gterm.tui.screens.groups import GroupsScreen
from gterm.tui.screens.help import HelpScreen
from gterm.tui.screens.modal import GtermModal
from gterm.tui.screens.pause_rules import PauseRuleForm
from gterm.tui.screens.prompts import ChoicePrompt, ConfirmPrompt, InputPrompt
from gterm.tui.screens.task_details import EventScreen
from tests.support.browser_helpers import make_app, settled, wait_for
from tests.support.groups_helpers import groups_client_for
from tests.support.transfer_live import service_for

SMALL = (80, 24)


class ModalHost(App[None]):
    """A bare app that opens one dialog and records what it was dismissed with."""

    def __init__(self, make: Callable[[], GtermModal[Any]]) -> None:
        super().__init__()
        self.make = make
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.make(), self.results.append)


def no_client() -> Any:
    raise AssertionError("these tests never save")


def settings_form() -> CollectionSettingsForm:
    values: dict[str, str | bool] = {field.name: (False if field.kind == "flag" else "") for field in FIELDS}
    settings = CollectionSettings("c0ffee00-0000-4000-8000-000000000001", "Lab \x1b[31mStorage", "transfer", values)
    return CollectionSettingsForm(settings, SettingsService(no_client, None))


EVENT = Event(code="ERROR", description="it failed", details="line one\nline two", is_error=True,
              time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))

# (dialog, what Escape answers, a binding id its key help must list)
DIALOGS: list[tuple[str, Callable[[], GtermModal[Any]], object, str]] = [
    ("confirm", lambda: ConfirmPrompt("Delete?", "Two files go.", items=["a", "b"]), False, "confirm_yes"),
    ("input", lambda: InputPrompt("Name", value="report.csv"), None, "modal_back"),
    ("choice", lambda: ChoicePrompt("Exists", "What now?", [("skip", "Skip"), ("overwrite", "Overwrite")]), None,
     "modal_back"),
    # A download's name conflict (transfer_actions): the most buttons a prompt has.
    ("choice of five", lambda: ChoicePrompt("1 name already in Lab Storage", "/home/alice/ already has this.", [
        ("overwrite", "Overwrite"), ("skip", "Skip"), ("rename", "Rename"), ("resume", "Continue")]), None,
     "modal_back"),
    ("event", lambda: EventScreen(EVENT), None, "event_close"),
    ("pause rule", lambda: PauseRuleForm(EndpointManager(no_client), "ep-1", "Lab endpoint"), None,
     "pause_rule_save"),
    ("summary", lambda: DirectorySummary("Lab:/data", "/data/", lambda directory: []), None, "summary_close"),
    ("settings", settings_form, False, "settings_save"),
]


@pytest.mark.parametrize(("make", "no_result"), [(d[1], d[2]) for d in DIALOGS], ids=[d[0] for d in DIALOGS])
async def test_escape_backs_out_with_the_dialogs_no_result(make: Callable[[], GtermModal[Any]], no_result: object):
    app = ModalHost(make)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, GtermModal)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results, "the dialog to close")
        assert app.results == [no_result]
        assert not isinstance(app.screen, GtermModal)


@pytest.mark.parametrize(("make", "binding_id"), [(d[1], d[3]) for d in DIALOGS], ids=[d[0] for d in DIALOGS])
async def test_f1_shows_that_dialogs_keys_and_escape_returns_to_it(
    make: Callable[[], GtermModal[Any]], binding_id: str
):
    app = ModalHost(make)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        dialog = app.screen
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the key help")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        ids = {row.binding_id for row in help_screen.rows}
        assert binding_id in ids and "modal_help" in ids
        await pilot.press("escape")  # closes the help only
        await wait_for(pilot, lambda: app.screen is dialog, "back to the dialog")
        assert app.results == []


async def test_question_mark_in_a_dialog_without_a_text_field_shows_its_keys():
    app = ModalHost(lambda: ConfirmPrompt("Delete?", "Two files go."))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the key help")
        await pilot.press("question_mark")  # ? again closes the help, not the dialog
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "back to the question")


async def test_a_servers_title_is_shown_escaped_never_as_markup():
    app = ModalHost(settings_form)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        title = str(app.screen.query_one("#settings-title").render())
        assert "\x1b" not in title and "\\x1b[31mStorage" in title


ON_SCREEN = ["confirm", "input", "choice", "choice of five", "pause rule", "settings"]


@pytest.mark.parametrize("make", [d[1] for d in DIALOGS if d[0] in ON_SCREEN], ids=ON_SCREEN)
async def test_every_button_is_reachable_by_tab_and_on_screen_at_80x24(make: Callable[[], GtermModal[Any]]):
    app = ModalHost(make)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        dialog = app.screen
        wanted = {button.id for button in dialog.query(Button)}
        assert wanted
        seen: set[str | None] = set()
        for _ in range(60):
            focused = dialog.focused
            if isinstance(focused, Button):
                await pilot.pause()
                region, frame = focused.region, dialog.query_one(".modal-frame").content_region
                assert region.height > 0 and region.y >= 0 and region.bottom <= app.size.height, focused.id
                assert frame.x <= region.x and region.right <= frame.right, f"{focused.id} is cut off"
                seen.add(focused.id)
            if seen >= wanted:
                break
            await pilot.press("tab")
        assert seen >= wanted


def _screen_classes() -> list[type[Screen[Any]]]:
    for module in pkgutil.iter_modules(gterm.tui.screens.__path__):
        importlib.import_module(f"gterm.tui.screens.{module.name}")
    found: list[type[Screen[Any]]] = []
    pending: list[type[Screen[Any]]] = [Screen]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub.__module__.startswith("gterm."):
                found.append(sub)
            pending.append(sub)
    return found


def test_every_screens_described_keys_have_ids_the_keymap_knows():
    known = remappable_binding_ids()
    screens = _screen_classes()
    assert {"SharingScreen", "GroupsScreen", "CollectionInfo", "PauseRulesScreen", "AdminTasksScreen",
            "FileViewer", "TransferDialog"} <= {cls.__name__ for cls in screens}
    for cls in screens:
        for binding in cls.__dict__.get("BINDINGS", []):  # gterm's own declarations (Textual's tab/shift+tab aside)
            assert isinstance(binding, Binding)
            if binding.description:
                assert binding.id in known, f"{cls.__name__}: {binding.key} -> {binding.action} has no known id"


async def test_a_keymap_remap_reaches_the_groups_screen(sandbox: SandboxHandle, tmp_config: Any) -> None:
    from gterm.globus.groups import GroupsService

    client = groups_client_for(sandbox, "alice")
    tmp_config.keymap = {"groups_create": "ctrl+n"}
    app = make_app(service_for(sandbox), config=tmp_config, groups=GroupsService(lambda: client),
                   left=f"{LAB_STORAGE_ID}:/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen), "the groups screen")
        groups_screen = app.screen
        await pilot.press("n")  # no longer the key
        await pilot.pause()
        assert app.screen is groups_screen
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the new-group prompt via the keymap")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is groups_screen, "back to the groups")


# (dialog, the button pressed, what the dialog answers)
BUTTON_ANSWERS: list[tuple[str, Callable[[], GtermModal[Any]], str, object]] = [
    ("confirm yes", lambda: ConfirmPrompt("Delete?", "Two files go."), "yes", True),
    ("confirm cancel", lambda: ConfirmPrompt("Delete?", "Two files go."), "no", False),
    ("input ok", lambda: InputPrompt("Name", value="report.csv"), "ok", "report.csv"),
    ("input cancel", lambda: InputPrompt("Name", value="report.csv"), "cancel", None),
    ("choice", lambda: ChoicePrompt("Exists", "What now?", [("skip", "Skip"), ("overwrite", "Overwrite")]),
     "choice-overwrite", "overwrite"),
    ("choice cancel", lambda: ChoicePrompt("Exists", "What now?", [("skip", "Skip")]), "choice-cancel", None),
    ("settings cancel", settings_form, "cancel", False),
]


@pytest.mark.parametrize(("make", "button_id", "answer"), [d[1:] for d in BUTTON_ANSWERS],
                         ids=[d[0] for d in BUTTON_ANSWERS])
async def test_a_dialogs_buttons_run_its_actions(make: Callable[[], GtermModal[Any]], button_id: str, answer: object):
    app = ModalHost(make)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        app.screen.query_one(f"#{button_id}", Button).press()
        await wait_for(pilot, lambda: app.results, "the dialog to close")
        assert app.results == [answer]


def test_buttons_map_to_actions_in_one_place():
    """A dialog names what its buttons do in ``BUTTON_ACTIONS`` (or ``button_action``); only the base
    handles Button.Pressed, so a press always stops at the dialog and runs the mapped action."""
    handlers = [
        f"{cls.__name__}.{name}"
        for cls in _screen_classes()
        if issubclass(cls, GtermModal) and cls is not GtermModal
        for name, value in vars(cls).items()
        if any(message is Button.Pressed for message, _ in getattr(value, "_textual_on", ()))
        or name == "on_button_pressed"
    ]
    assert handlers == []
