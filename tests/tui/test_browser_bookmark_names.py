"""Bookmarks show the name of their collection (a bookmark document carries only its id)."""

from __future__ import annotations

import uuid

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.browser_helpers import make_app, settled, wait_for

LAB = LAB_STORAGE_ID


async def test_sidebar_rows_name_the_collection(alice_service, tmp_config):
    name = f"where-{uuid.uuid4().hex[:8]}"
    created = alice_service.create_bookmark(name, LAB, "/projects/")
    try:
        app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
        async with app.run_test(size=(120, 36)) as pilot:
            await settled(pilot)
            await pilot.press("ctrl+b")
            sidebar = app.main_screen.sidebar
            await wait_for(pilot, lambda: any(b.name == name for b in sidebar.bookmarks), "the bookmark")
            options = sidebar.option_list
            index = [b.name for b in sidebar.bookmarks].index(name)
            shown = str(options.get_option_at_index(index).prompt)
            assert "Lab Storage:/projects/" in shown
            assert LAB not in shown
    finally:
        alice_service.delete_bookmark(created.id)
