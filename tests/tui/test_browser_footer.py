"""The key footer at 80 columns: short labels, so Help and Quit stay on screen (live sandbox)."""

from __future__ import annotations

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.widgets.key_footer import KeyFooter
from tests.support.browser_helpers import make_app, settled, wait_for

LAB = LAB_STORAGE_ID


def shown(app) -> list[tuple[str, str]]:
    footer = app.main_screen.query_one(KeyFooter)
    return [(key.key_display, key.description) for key in footer.children]


async def test_80_columns_shows_every_key_with_short_labels_and_120_the_full_ones(alice_service, tmp_config):
    """At 80 columns the footer was 111 wide and cut after "f8 Del": ^b, ? Help and q Quit were off screen."""
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        assert ("f5", "Transfer") in shown(app) and ("^p", "palette") in shown(app)
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: ("f5", "Copy") in shown(app), "the short labels")
        await pilot.pause()
        footer = app.main_screen.query_one(KeyFooter)
        assert footer.virtual_size.width <= 80
        assert [key for key, _label in shown(app)] == ["^o", "f2", "f3", "f5", "f6", "f7", "f8", "^b", "?", "q"]
        assert ("?", "Help") in shown(app) and ("q", "Quit") in shown(app)
        await pilot.resize_terminal(120, 36)
        await wait_for(pilot, lambda: ("f5", "Transfer") in shown(app), "the full labels back")
