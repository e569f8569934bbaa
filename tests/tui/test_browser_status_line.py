"""The status line under each pane at 80x24: 36 columns, so it takes a shorter wording instead of
losing its end (the sort order was cut off), and it rewords when the terminal grows or shrinks."""

from __future__ import annotations

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.browser_helpers import make_app, settled, wait_for

LAB = LAB_STORAGE_ID


def _shown(pane) -> str:
    return str(pane.status_line.render())


async def test_the_status_line_fits_a_narrow_pane_and_rewords_on_resize(alice_service, tmp_config, lab_dir) -> None:
    _, path = lab_dir({f"file-{i}.txt": "x" * i for i in range(1, 10)})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=(80, 24)) as pilot:
        left = app.main_screen.left_pane
        await wait_for(pilot, lambda: left.listing is not None and left.path == path, "listed")
        await settled(pilot)
        await pilot.press("down", "space")  # the first file (after ..), selected
        await settled(pilot)
        assert _shown(left) == "9 items · 1 selected (1 B) · name ▲"
        assert len(_shown(left)) <= left.status_line.content_size.width

        await pilot.resize_terminal(160, 40)
        await settled(pilot)
        assert _shown(left) == "9 items · 1 selected (1 B) · sort: name ▲"
