"""The footer of keys (gterm.tui.widgets.key_footer): rebuilt when its keys change, and only then.

Textual's Footer rebuilds every key widget on each bindings signal; a focus
change sends two, so a Tab between the panes rebuilt the main screen's footer
twice for the same keys (45-130 ms of the event loop each, measured in
tests/perf/ls_vs_globus_cli). These tests hold both halves: the same keys keep
the same widgets, and a real change (other focus, a key turned off, a keymap
entry) is shown.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets._footer import FooterKey

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.widgets.key_footer import KeyFooter
from tests.support.browser_helpers import make_app, settled, wait_for

LAB = LAB_STORAGE_ID
SIZE = (160, 40)


def footer_keys(app: App[object]) -> list[FooterKey]:
    return list(app.screen.query_one(KeyFooter).query(FooterKey))


def shown(app: App[object]) -> list[tuple[str, str, bool]]:
    return [(key.key_display, key.description, key.has_class("-disabled")) for key in footer_keys(app)]


async def test_tab_between_the_panes_keeps_the_footer_and_the_sidebar_changes_it(alice_service, tmp_config):
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.main_screen.right_pane.listing is not None)
        await settled(pilot)
        screen = app.main_screen
        pane_keys = footer_keys(app)
        descriptions = [key.description for key in pane_keys]
        assert "Transfer" in descriptions and "Mkdir" in descriptions and "Quit" in descriptions

        await pilot.press("tab")
        await settled(pilot)
        assert screen.active_pane is screen.right_pane
        assert footer_keys(app) == pane_keys  # the very same widgets: nothing was rebuilt
        await pilot.press("tab")
        await settled(pilot)
        assert footer_keys(app) == pane_keys

        await pilot.press("ctrl+b")  # the bookmark sidebar takes the focus: its keys join the footer
        await settled(pilot)
        assert screen.query_one("BookmarkSidebar").has_focus_within
        assert "Rename bookmark" in [key.description for key in footer_keys(app)]
        await pilot.press("ctrl+b")
        await settled(pilot)
        assert "Rename bookmark" not in [key.description for key in footer_keys(app)]
        assert [key.description for key in footer_keys(app)] == descriptions


class Switchable(Widget, can_focus=True):
    """A focusable widget whose one binding can be turned off (check_action: None = shown, dimmed)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "act", "Act", id="act")]

    def __init__(self, *, widget_id: str) -> None:
        super().__init__(id=widget_id)
        self.enabled = True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "act" and not self.enabled else True

    def action_act(self) -> None:
        pass


class Other(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("y", "other", "Other", id="other")]

    def action_other(self) -> None:
        pass


class FooterHost(App[None]):
    def compose(self) -> ComposeResult:
        yield Switchable(widget_id="first")
        yield Switchable(widget_id="second")
        yield Other()
        yield KeyFooter()


async def test_the_footer_follows_focus_a_disabled_key_and_the_keymap() -> None:
    app = FooterHost()
    async with app.run_test(size=(80, 10)) as pilot:
        app.query_one("#first").focus()
        await wait_for(pilot, lambda: ("x", "Act", False) in shown(app), "the first widget's key")
        first_keys = footer_keys(app)

        app.query_one("#second").focus()  # the same keys: kept
        await pilot.pause(0.1)
        await pilot.pause(0.1)
        assert footer_keys(app) == first_keys

        second = app.query_one("#second", Switchable)
        second.enabled = False
        second.refresh_bindings()  # a key turned off: shown dimmed
        await wait_for(pilot, lambda: ("x", "Act", True) in shown(app), "the key dimmed")

        app.query_one(Other).focus()  # other keys
        await wait_for(pilot, lambda: ("y", "Other", False) in shown(app), "the other widget's key")
        assert all(description != "Act" for _, description, _ in shown(app))

        app.update_keymap({"other": "z"})  # a keymap entry: the new key is shown
        await wait_for(pilot, lambda: ("z", "Other", False) in shown(app), "the key from the keymap")
