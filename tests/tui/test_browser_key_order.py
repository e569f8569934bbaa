"""Keys apply in the order typed, also in a fast burst (a terminal multiplexer, a paste, a quick typist)."""

from __future__ import annotations

from typing import Any

from textual import events

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.browser_helpers import make_app, settled, wait_for

LAB = LAB_STORAGE_ID


def burst(app: Any, keys: list[str]) -> None:
    """Queue every key at once, as a terminal delivers a fast burst (no waiting between keys)."""
    for key in keys:
        character = key if len(key) == 1 else None
        app.post_message(events.Key(key, character))


async def test_ctrl_l_ctrl_u_then_a_path_in_one_burst(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/climate/", right=f"{LAB}:/projects/")
    target = "/projects/genomics/"  # not where Enter on the list's first row (..) would go
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        left.file_list.focus()
        await pilot.pause()
        burst(app, ["ctrl+l", "ctrl+u", *target, "enter"])
        await wait_for(pilot, lambda: left.path != "/projects/climate/" or bool(left.message_text), "a new path")
        await settled(pilot)
        assert left.path == target and left.message_text == ""
