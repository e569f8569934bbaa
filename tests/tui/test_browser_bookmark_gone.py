"""A bookmark whose collection was deleted: Enter on it names the bookmark, back in the bookmarks where Del removes
it, and the pane goes on showing where it was (never that place's header over an error about another)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest

from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import LAB_ENDPOINT_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.prompts import ConfirmPrompt
from tests.support.browser_helpers import listing_names, make_app, notices, settled, wait_for
from tests.support.gcs_helpers import create_guest, gcs_client_for
from tests.support.transfer_helpers import unique


@pytest.fixture
def dead_bookmark(sandbox: SandboxHandle, alice_service: TransferService) -> Iterator[str]:
    """A bookmark of Alice's on a guest collection of hers that has since been deleted; its name."""
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
    folder = f"/home/alice/{unique('gone')}/"
    alice_service.mkdir(LAB_STORAGE_ID, folder)
    guest = create_guest(gcs, LAB_STORAGE_ID, folder, f"Short-lived {unique('g')}", public=False)
    name = f"bm-{uuid.uuid4().hex[:8]}"
    created = alice_service.create_bookmark(name, guest, "/")
    gcs.delete_collection(guest)
    yield name
    with contextlib.suppress(Exception):  # deleted by the test when it passed
        alice_service.delete_bookmark(created.id)


async def test_a_bookmark_to_a_deleted_collection_names_the_bookmark(
    alice_service: TransferService, tmp_config: object, dead_bookmark: str
) -> None:
    """QA: Enter on it left the header at "Lab Storage /home/alice/" and the old rows under "Cannot open /: No such
    collection '8287c7ac-…'", as if Lab Storage's / were the problem. Now the bookmark is named, in the bookmarks
    (focused, on it, where Del removes it), and the pane still shows /home/alice/ as it was, with no error."""
    app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:/home/alice/",
                   right=f"{LAB_STORAGE_ID}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        before = listing_names(left)
        await pilot.press("ctrl+b")
        sidebar = app.main_screen.sidebar
        await wait_for(pilot, lambda: any(b.name == dead_bookmark for b in sidebar.bookmarks), "the bookmark")
        index = [b.name for b in sidebar.bookmarks].index(dead_bookmark)
        sidebar.option_list.highlighted = index
        await pilot.pause()
        await pilot.press("enter")
        said = (f"The bookmark '{dead_bookmark}' points to a collection that no longer exists"
                " — Del removes the bookmark.")
        status = sidebar.query_one(".sidebar-status")
        await wait_for(pilot, lambda: not left.fetching and (said in str(status.render()) or bool(left.message_text)),
                       "the answer")
        assert said in str(status.render()) and status.has_class("-error"), left.message_text
        assert sidebar.option_list.has_focus and sidebar.option_list.highlighted == index
        assert (left.collection_id, left.path, listing_names(left)) == (LAB_STORAGE_ID, "/home/alice/", before)
        assert not left.fetching and left.message_text == ""
        assert not any("No such collection" in notice for notice in notices(app))
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "Del asks about the bookmark")
        await pilot.press("enter")
        await wait_for(pilot, lambda: all(b.name != dead_bookmark for b in sidebar.bookmarks), "the bookmark gone")
    assert all(b.name != dead_bookmark for b in alice_service.bookmarks())
