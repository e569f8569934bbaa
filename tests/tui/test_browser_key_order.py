"""Keys apply in the order typed, also in a fast burst (a terminal multiplexer, a paste, a quick typist)."""

from __future__ import annotations

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.browser_helpers import burst, make_app, settled, wait_for

LAB = LAB_STORAGE_ID


async def test_ctrl_l_ctrl_u_then_a_path_in_one_burst(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/climate/", right=f"{LAB}:/projects/")
    target = "/projects/genomics/"  # not where Enter on the list's first row (..) would go
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        left.file_list.focus()
        await pilot.pause()
        burst(app, ["ctrl+l", "ctrl+u", *target, "enter"])
        await wait_for(
            pilot,
            lambda: left.path != "/projects/climate/" or (bool(left.message_text) and not left.loading),
            "a new path",
        )
        await settled(pilot)
        assert left.path == target and left.message_text == ""
