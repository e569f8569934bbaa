"""No frozen screen: the sharing and groups screens over a slow and then a failing sandbox.

The sandbox's API answers are held until the test releases them (``held_answers``: a slow
service, with no clock to outrun on a loaded machine) and, with ``api_fault_rate`` 1.0, every
API request is answered 503 (sign-in spared). While a call is out, the screen says "Loading…"
and keys still work (the tabs switch, the screen closes); a failure is said on the screen in
words, and ctrl+r after the service recovers shows the data. Every call runs on a worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gterm.globus.groups import GroupsService
from gterm.sandbox.seed_ids import LAB_GROUP_NAME, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.groups import GroupsScreen
from gterm.tui.screens.sharing_dialogs import AddRuleDialog
from tests.support.browser_helpers import make_app, settled, type_text, wait_for
from tests.support.groups_helpers import groups_client_for
from tests.support.sharing_helpers import (
    HeldAnswers,
    alice_guest,
    api_conditions,
    held_answers,
    open_sharing,
    own_rules,
    sharing_for,
)
from tests.support.transfer_live import service_for


@pytest.fixture
def weather(sandbox: SandboxHandle) -> Iterator[SandboxHandle]:
    with api_conditions(sandbox):
        yield sandbox


@pytest.fixture
def slow(weather: SandboxHandle) -> Iterator[HeldAnswers]:
    with held_answers(weather) as held:
        yield held


def _text(widget: Any) -> str:
    return str(widget.render())


async def test_a_slow_service_shows_loading_and_the_keys_still_work(weather: SandboxHandle, slow: HeldAnswers) -> None:
    app = make_app(service_for(weather), sharing=sharing_for(weather), left=f"{LAB_STORAGE_ID}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        slow.hold()
        screen = await open_sharing(pilot, loaded=False)
        assert not screen.loaded and "Loading…" in _text(screen.query_one("#sharing-status"))
        await pilot.press("r")  # while the guests are still being asked for: the Roles tab shows at once
        assert screen.on_roles_tab and not screen.roles.loaded
        assert "Loading…" in _text(screen.roles.query_one("#roles-status"))
        slow.release()
        await wait_for(pilot, lambda: screen.loaded and screen.roles.loaded, "both answers")
        assert screen.error is None and screen.roles.error is None and screen.roles.place is not None
        await pilot.press("r")
        assert not screen.on_roles_tab
        slow.hold()
        await pilot.press("ctrl+r")  # a refresh while slow: Loading… again, then the data
        assert "Loading…" in _text(screen.query_one("#sharing-status"))
        await pilot.press("escape")  # closing while a call is out is fine: its answer is dropped
        await wait_for(pilot, lambda: screen not in app.screen_stack, "the screen to close")
        slow.release()
        await wait_for(pilot, lambda: not [w for w in app.workers if w.group == "sharing" and w.is_running],
                       "the dropped call to end")


async def test_a_failing_service_says_so_then_recovers(weather: SandboxHandle, slow: HeldAnswers) -> None:
    app = make_app(service_for(weather), sharing=sharing_for(weather, max_retries=1), left=f"{LAB_STORAGE_ID}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        slow.hold()
        weather.state.config.api_fault_rate = 1.0
        screen = await open_sharing(pilot, loaded=False)
        assert "Loading…" in _text(screen.query_one("#sharing-status"))
        await pilot.press("r")
        slow.release()
        await wait_for(pilot, lambda: screen.loaded and screen.roles.loaded, "both refusals")
        for error in (screen.error, screen.roles.error):
            assert error is not None and "unavailable right now" in error and "try again" in error
        assert "unavailable right now" in _text(screen.roles.query_one("#roles-status"))
        assert app.screen is screen  # no crash, no login screen: the error is on the screen

        weather.state.config.api_fault_rate = 0.0
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.loaded and screen.error is None and screen.roles.loaded
                       and screen.roles.error is None, "the data after the outage")
        assert screen.roles.place is not None and screen.roles.place.may_change


async def test_the_groups_screen_slow_then_failing(weather: SandboxHandle, slow: HeldAnswers) -> None:
    client = groups_client_for(weather, "alice")
    client.retry_config.max_retries = 1
    groups = GroupsService(lambda: client)
    app = make_app(service_for(weather), sharing=sharing_for(weather), groups=groups,
                   left=f"{LAB_STORAGE_ID}:/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        slow.hold()
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen), "the groups screen")
        screen = app.screen
        assert isinstance(screen, GroupsScreen)
        assert not screen.loaded and "Loading…" in _text(screen.query_one("#groups-status"))
        slow.release()
        await wait_for(pilot, lambda: screen.loaded, "my groups, slowly")
        assert LAB_GROUP_NAME in [g.name for g in screen.rows]

        weather.state.config.api_fault_rate = 1.0
        slow.hold()
        await pilot.press("ctrl+r")
        assert "Loading…" in _text(screen.query_one("#groups-status"))
        slow.release()
        await wait_for(pilot, lambda: screen.error is not None, "the refusal")
        assert "unavailable right now" in (screen.error or "")
        assert "unavailable right now" in _text(screen.query_one("#groups-status"))
        weather.state.config.api_fault_rate = 0.0
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.loaded and screen.error is None, "my groups again")
        assert LAB_GROUP_NAME in [g.name for g in screen.rows]


async def test_esc_while_a_rule_is_saving_keeps_the_form_until_the_answer(weather: SandboxHandle,
                                                                          slow: HeldAnswers) -> None:
    with alice_guest(weather, "Saving slowly") as guest:
        app = make_app(service_for(weather), sharing=sharing_for(weather), left=f"{guest}:/", right=f"{guest}:/")
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_sharing(pilot)
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, AddRuleDialog), "the add-rule dialog")
            dialog = app.screen
            assert isinstance(dialog, AddRuleDialog)
            await type_text(pilot, "bob@example.org")
            await wait_for(pilot, lambda: "bob@example.org" in dialog.matches, "Bob looked up")
            slow.hold()
            await pilot.press("enter")
            await wait_for(pilot, lambda: dialog.saving, "the rule to be on its way")
            await pilot.press("escape")  # the rule was sent: backing out now would hide what Globus does with it
            await pilot.click("#cancel")
            await pilot.pause()
            assert app.screen is dialog
            assert "Still saving" in _text(dialog.query_one("#rule-error"))
            slow.release()
            await wait_for(pilot, lambda: app.screen is screen and len(own_rules(screen.rules)) == 1,
                           "the form to close and the list to show the new rule")
