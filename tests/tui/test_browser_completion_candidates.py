"""Tab in the path bar lists the candidates when they share no longer prefix (as a shell's second Tab)."""

from __future__ import annotations

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.browser_helpers import clear_and_type, make_app, settled, wait_for

LAB = LAB_STORAGE_ID


async def test_tab_lists_the_candidates(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/home/alice/experiments/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        left = app.main_screen.left_pane
        runs = sorted(e.name for e in left.listing.entries if e.is_dir and e.name.startswith("run-"))
        assert len(runs) >= 2
        await pilot.press("ctrl+l")
        await clear_and_type(pilot, left.path_bar, "/home/alice/experiments/run-")
        await pilot.press("tab")  # the common part first: run-00
        await wait_for(pilot, lambda: left.path_bar.value.endswith("run-00"), "the common part")
        await pilot.press("tab")  # nothing more in common: the candidates are listed
        await wait_for(pilot, lambda: any(n.title == "Completions" for n in app._notifications), "the candidates")
        notice = next(n for n in app._notifications if n.title == "Completions")
        assert all(run + "/" in notice.message for run in runs if run.startswith("run-00"))
        assert left.path_bar.value.endswith("run-00")
