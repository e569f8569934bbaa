"""The command palette lists each command once (gterm's own Help and Quit, not Textual's copies too)."""

from __future__ import annotations

from textual.command import CommandList, CommandPalette

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.browser_helpers import make_app, settled, type_text, wait_for

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


async def palette_titles(pilot, app) -> list[str]:
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    commands = app.screen.query_one(CommandList)
    await wait_for(pilot, lambda: commands.option_count > 3, "the commands")
    await pilot.pause(0.5)
    return [str(commands.get_option_at_index(i).prompt).split("\n")[0] for i in range(commands.option_count)]


async def test_over_another_screen_the_palette_offers_that_screens_commands_not_the_main_screens(
    alice_service, tmp_config
):
    """From the administrator's view, "Delete" asked to delete the file under the hidden main screen's
    cursor and "Edit path" focused its path bar: the palette offers the admin view's own keys there."""
    from gterm.tui.screens.admin_tasks import AdminTasksScreen

    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=(120, 36)) as pilot:
        await settled(pilot)
        assert "Delete" in await palette_titles(pilot, app)  # over the main screen: its commands
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main_screen, "the palette closed")

        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, AdminTasksScreen), "the administrator's view")
        admin = app.screen
        await wait_for(pilot, lambda: not admin.fetching, "the task list")
        titles = await palette_titles(pilot, app)
        assert not {"Delete", "Edit path", "Mkdir", "Transfer", "Collections"} & set(titles), titles
        assert not any(t.startswith(("Open bookmark", "Open recent")) for t in titles), titles
        assert {"Pause rules", "Cancel tasks", "Refresh", "Help", "Quit"} <= set(titles), titles

        asked = admin.queries
        await type_text(pilot, "Refresh")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is admin and admin.queries > asked, "the admin view refreshed")
