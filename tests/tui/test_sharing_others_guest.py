"""``D`` on someone else's guest collection (Alice administers its host): the confirmation says whose it is, and
the pane that showed it lands somewhere Alice can read.

Bob makes the guest (the GCS Manager, as Globus makes them) on a folder of his on Lab Storage, which Alice, an
administrator of Lab Storage, may delete but not read: ``/shared/bob/...`` is his.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import globus_sdk
import pytest

from gterm.sandbox.seed_ids import ALICE_ID, BOB_NAME, LAB_ENDPOINT_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.prompts import InputPrompt
from gterm.tui.widgets.pane_message import PaneMessage
from tests.support.browser_helpers import make_app, notices, type_text, wait_for
from tests.support.gcs_helpers import create_guest, gcs_client_for
from tests.support.sandbox_login import transfer_client_for
from tests.support.sharing_helpers import open_sharing, sharing_for
from tests.support.transfer_helpers import api_error, unique
from tests.support.transfer_live import service_for


@pytest.fixture
def bobs_guest(sandbox: SandboxHandle) -> Iterator[tuple[str, str, str]]:
    """A guest of Bob's on a fresh folder of his, shared with Alice (read): (its id, its name, the folder)."""
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "bob", data_access=[LAB_STORAGE_ID])
    bob = transfer_client_for(sandbox, "bob")
    folder = f"/shared/bob/{unique('others')}/"
    bob.operation_mkdir(LAB_STORAGE_ID, folder)
    name = f"Bob's {unique('results')}"
    guest = create_guest(gcs, LAB_STORAGE_ID, folder, name, public=False)
    bob.add_endpoint_acl_rule(guest, {"DATA_TYPE": "access", "principal_type": "identity",
                                      "principal": ALICE_ID, "path": "/", "permissions": "r"})
    try:
        yield guest, name, folder
    finally:
        with contextlib.suppress(globus_sdk.GCSAPIError):  # deleted by the test when it passed
            gcs.delete_collection(guest)


async def test_the_confirmation_says_whose_guest_collection_it_is(
    sandbox: SandboxHandle, bobs_guest: tuple[str, str, str]
) -> None:
    """QA: D on Bob's guest asked for its name as if it were Alice's own; deleting it ends every share Bob made
    with it. The confirmation now names its owner (Transfer does not: the GCS Manager's ``identity_id`` does).
    Esc: nothing is deleted. (On a guest of one's own it says nothing of an owner: test_sharing.)"""
    guest, _name, _folder = bobs_guest
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        sharing = await open_sharing(pilot)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the confirmation")
        prompt = app.screen
        assert isinstance(prompt, InputPrompt)
        assert prompt.details.startswith(
            f"It is owned by {BOB_NAME} (bob@example.org): deleting it removes their sharing for everyone."
        ), prompt.details
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is sharing, "back to the rules")
    assert transfer_client_for(sandbox, "alice").get_endpoint(guest)["id"] == guest


async def test_after_deleting_bobs_guest_the_pane_lands_where_alice_can_read(
    sandbox: SandboxHandle, bobs_guest: tuple[str, str, str]
) -> None:
    """QA: after D on Bob's guest the pane tried the folder it shared, which is Bob's, and said "Cannot open
    /shared/bob/: Permission denied" over an empty pane. Now it shows Lab Storage's default directory (Alice's
    home) with a plain note saying why."""
    guest, name, folder = bobs_guest
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        left = app.main_screen.left_pane
        sharing = await open_sharing(pilot)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the confirmation")
        await type_text(pilot, name)
        await pilot.press("enter")
        await wait_for(pilot, lambda: sharing not in app.screen_stack, "the sharing screen to close")
        await wait_for(pilot, lambda: left.collection_id != guest and not left.fetching, "the pane to leave it")
        assert (left.collection_id, left.path) == (LAB_STORAGE_ID, "/home/alice/"), left.message_text
        assert "-error" not in left.query_one(PaneMessage).classes
        assert left.message_text == (f"{name} was deleted; the folder it shared, {folder}, is not yours to read:"
                                     " showing its host collection's default directory")
        assert not any("Permission denied" in notice for notice in notices(app))
    assert api_error(lambda: transfer_client_for(sandbox, "alice").get_endpoint(guest)).http_status == 404
