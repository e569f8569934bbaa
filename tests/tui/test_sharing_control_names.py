"""``p`` with names that hold control characters (a guest collection's, a folder's), over the live sandbox.

Such a name is shown escaped (``\\x1b``): the typed-name confirmation of ``D`` takes it as shown, its
refusal never sends the raw ESC to the terminal, and "share this folder" never proposes control bytes
as a new guest collection's display name.
"""

from __future__ import annotations

import contextlib
from typing import Any

import globus_sdk
from textual.widgets import Static

from gterm.globus.groups import GroupsService
from gterm.sandbox.seed_ids import LAB_ENDPOINT_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.safe_text import escape_controls, has_controls
from gterm.tui.screens.groups import GroupsScreen
from gterm.tui.screens.prompts import InputPrompt
from gterm.tui.screens.sharing import SharingScreen
from gterm.tui.screens.sharing_dialogs import AddRuleDialog
from gterm.tui.widgets.safe_input import SafeInput
from gterm.tui.widgets.who_field import WhoField
from tests.support.browser_helpers import clear_and_type, make_app, notices, settled, type_text, wait_for
from tests.support.gcs_helpers import create_guest, gcs_client_for
from tests.support.groups_helpers import delete_made_group, groups_client_for, no_group_left_behind
from tests.support.sharing_helpers import alice_guest, open_sharing, sharing_for
from tests.support.transfer_helpers import api_error, unique
from tests.support.transfer_live import service_for


def no_raw_escape_on_screen(app: Any) -> bool:
    """The app's own SVG export keeps any raw ESC it was given: none may be there."""
    return "\x1b" not in app.export_screenshot()


async def test_a_guest_named_with_an_escape_is_deleted_by_typing_its_name_as_shown(
    sandbox: SandboxHandle, alice_tc: Any
) -> None:
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
    folder = f"/home/alice/{unique('del')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder)
    name = f"Doomed \x1b[31mred {unique('g')}"
    guest = create_guest(gcs, LAB_STORAGE_ID, folder, name, public=False)
    try:
        app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/",
                       right=f"{LAB_STORAGE_ID}:/")
        async with app.run_test(size=(120, 40)) as pilot:
            sharing = await open_sharing(pilot)
            await pilot.press("D")
            await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the confirmation")
            prompt = app.screen
            assert isinstance(prompt, InputPrompt) and "access rule" not in prompt.details  # none: nothing said
            await type_text(pilot, "Doomed")
            await pilot.press("enter")  # not the name: refused, and the refusal names it escaped
            await wait_for(pilot, lambda: bool(str(prompt.query_one("#prompt-error").render())), "the refusal")
            assert escape_controls(name) in str(prompt.query_one("#prompt-error").render())
            assert no_raw_escape_on_screen(app)
            # What the screen shows is what a person types (the field escapes nothing typed by hand).
            await clear_and_type(pilot, prompt.query_one("#prompt-input", SafeInput), escape_controls(name))
            await pilot.press("enter")
            await wait_for(pilot, lambda: sharing not in app.screen_stack, "the sharing screen to close")
        assert api_error(lambda: alice_tc.get_endpoint(guest)).http_status == 404
    finally:
        with contextlib.suppress(globus_sdk.GlobusAPIError):  # gone already when the test passed
            gcs.delete_collection(guest)


async def test_share_this_folder_proposes_a_name_without_control_bytes(sandbox: SandboxHandle,
                                                                      alice_tc: Any) -> None:
    leaf = f"{unique('s')}-\x1b[1mbold"
    folder = f"/home/alice/{leaf}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder)
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{LAB_STORAGE_ID}:{folder}",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        mapped = await open_sharing(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the name prompt")
        await pilot.pause()
        proposal = app.screen.query_one("#prompt-input", SafeInput).raw_value  # what Enter would send
        assert not has_controls(proposal) and escape_controls(leaf) in proposal
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SharingScreen) and app.screen is not mapped,
                       "the new guest's rules")
        screen = app.screen
        assert isinstance(screen, SharingScreen)
        guest_id = screen.collection.id
    try:
        shown = str(alice_tc.get_endpoint(guest_id)["display_name"])
        assert not has_controls(shown) and shown == proposal
    finally:
        gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID]).delete_collection(guest_id)


HOSTILE = "\x1b]0;pwned\x07 \x1b[31mred \x9b2J \u202eevil"
"""An OSC that retitles the terminal, a colour, a C1 CSI and a right-to-left override."""


def no_raw_control_on_screen(app: Any) -> bool:
    screen = app.export_screenshot()
    return not any(char in screen for char in ("\x1b", "\x07", "\x9b", "\u202e"))


async def test_the_who_fields_matches_show_a_groups_name_escaped(sandbox: SandboxHandle) -> None:
    """QA: a group named with an OSC retitled the terminal from the "Matches:" line of Add rule."""
    name = f"Evil {unique('g')} {HOSTILE}"
    with no_group_left_behind(sandbox) as client, alice_guest(sandbox, "Who escapes") as guest:
        try:
            client.create_group({"name": name})
            app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/",
                           right=f"{LAB_STORAGE_ID}:/")
            async with app.run_test(size=(120, 40)) as pilot:
                await open_sharing(pilot)
                await pilot.press("a")
                await wait_for(pilot, lambda: isinstance(app.screen, AddRuleDialog), "the add-rule dialog")
                dialog = app.screen
                await type_text(pilot, name.split(" ")[1])  # the unique part: this group alone matches
                await wait_for(pilot, lambda: bool(dialog.query_one(WhoField).matches), "the group among the matches")
                assert escape_controls(name) in str(dialog.query_one("#rule-matches", Static).render())
                assert no_raw_control_on_screen(app)
        finally:
            delete_made_group(client, name)


async def test_a_notice_and_a_status_line_show_control_characters_escaped(sandbox: SandboxHandle) -> None:
    """QA: a deleted guest's name in a notice, and a member's name in the groups screen's status line,
    reached the terminal raw (GtermApp.notify made notices literal but left control characters in)."""
    groups = groups_client_for(sandbox, "alice")
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), groups=GroupsService(lambda: groups),
                   left=f"{LAB_STORAGE_ID}:/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        app.notify(f"Deleted the guest collection {HOSTILE}.", title=f"Sharing {HOSTILE}")
        await pilot.press("g")
        await wait_for(pilot, lambda: isinstance(app.screen, GroupsScreen) and app.screen.loaded, "the groups")
        screen = app.screen
        assert isinstance(screen, GroupsScreen)
        screen.status(f"Bob {HOSTILE}: added.")
        await pilot.pause()
        assert notices(app) == [f"Deleted the guest collection {escape_controls(HOSTILE)}."]
        assert escape_controls(HOSTILE) in str(screen.query_one("#groups-status", Static).render())
        assert no_raw_control_on_screen(app)
