"""gterm's checkbox reads without colour: an X only when it is on."""

from __future__ import annotations

from textual.app import App, ComposeResult

from gterm.tui.widgets.checkbox import ClearCheckbox


class Boxes(App[None]):
    def compose(self) -> ComposeResult:
        yield ClearCheckbox("Delete extras", False, id="off")
        yield ClearCheckbox("Verify checksum", True, id="on")


async def test_the_box_holds_an_x_only_when_on() -> None:
    """Textual's Checkbox draws an X both ways (dim when off): 'Delete extras' looked ticked."""
    app = Boxes()
    async with app.run_test(size=(40, 6)) as pilot:
        off, on = app.query_one("#off", ClearCheckbox), app.query_one("#on", ClearCheckbox)
        assert str(off.render()).startswith("▐ ▌") and str(on.render()).startswith("▐X▌")
        off.toggle()
        on.toggle()
        await pilot.pause()
        assert str(off.render()).startswith("▐X▌") and str(on.render()).startswith("▐ ▌")
