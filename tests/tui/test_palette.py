"""The command palette lists each command once (gterm's own Help and Quit, not Textual's copies too)."""

from __future__ import annotations

from textual.command import CommandList, CommandPalette

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.browser_helpers import make_app, settled, wait_for

LAB = LAB_STORAGE_ID


async def test_each_command_once(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
        commands = app.screen.query_one(CommandList)
        await wait_for(pilot, lambda: commands.option_count > 20, "the commands")
        await pilot.pause(0.5)
        titles = [str(commands.get_option_at_index(i).prompt).split("\n")[0] for i in range(commands.option_count)]
        assert len(titles) == len(set(titles)), sorted(t for t in titles if titles.count(t) > 1)
        assert "Help" in titles and "Quit" in titles and "Keys" not in titles
        await pilot.press("escape")
