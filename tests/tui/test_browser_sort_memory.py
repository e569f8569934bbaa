"""The sort order is remembered with the last locations: gterm opens again sorted as it was left."""

from __future__ import annotations

from gterm.config import GtermConfig
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.browser_helpers import make_app, settled, wait_for

LAB = LAB_STORAGE_ID


async def test_sort_order_comes_back_next_time(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        app.main_screen.left_pane.file_list.focus()
        await pilot.press("s", "S")  # by size, reversed
        left = app.main_screen.left_pane
        assert (left.file_list.sort_key, left.file_list.sort_reverse) == ("size", True)
        await wait_for(pilot, lambda: not any(w.group == "config" and w.is_running for w in app.workers), "saved")
    again = GtermConfig.load(tmp_config.path, state_path=tmp_config.state_file())
    assert again.last_left_sort == "-size"
    app = make_app(alice_service, config=again)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.main_screen.left_pane.path == "/projects/", "the last location")
        await settled(pilot)
        left, right = app.main_screen.left_pane, app.main_screen.right_pane
        assert (left.file_list.sort_key, left.file_list.sort_reverse) == ("size", True)
        assert (right.file_list.sort_key, right.file_list.sort_reverse) == ("name", False)
        assert "size" in left.status_line.info.render_text()
