"""``p`` with names that hold control characters (a guest collection's, a folder's), over the live sandbox.

Such a name is shown escaped (``\\x1b``): the typed-name confirmation of ``D`` takes it as shown, its
refusal never sends the raw ESC to the terminal, and "share this folder" never proposes control bytes
as a new guest collection's display name.
"""

from __future__ import annotations

import contextlib
from typing import Any

import globus_sdk

from gterm.sandbox.seed_ids import LAB_ENDPOINT_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.safe_text import escape_controls, has_controls
from gterm.tui.screens.prompts import InputPrompt
from gterm.tui.screens.sharing import SharingScreen
from gterm.tui.widgets.safe_input import SafeInput
from tests.support.browser_helpers import clear_and_type, make_app, type_text, wait_for
from tests.support.gcs_helpers import create_guest, gcs_client_for
from tests.support.sharing_helpers import open_sharing, sharing_for
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
