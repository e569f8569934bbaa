"""80x24: every dialog is usable: its buttons are on screen and reachable by keyboard (the middle scrolls)."""

from __future__ import annotations

from typing import Any

from textual.containers import VerticalScroll
from textual.widgets import Button, Input, Select, Static

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.prompts import ConfirmPrompt
from gterm.tui.screens.sharing_dialogs import AddRuleDialog
from gterm.tui.screens.transfer_dialog import TransferDialog
from tests.support.browser_helpers import make_app, settled, wait_for
from tests.support.sharing_helpers import alice_guest, open_sharing, sharing_for
from tests.support.transfer_live import service_for

LAB = LAB_STORAGE_ID
SMALL = (80, 24)


def on_screen(app: Any, widget: Any) -> bool:
    region = widget.region
    return region.height > 0 and region.y >= 0 and region.bottom <= app.size.height


async def tab_to(pilot: Any, app: Any, button_id: str, limit: int = 30) -> None:
    for _ in range(limit):
        if app.focused is not None and app.focused.id == button_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached #{button_id}")


async def test_transfer_dialog_buttons_fit_and_tab_reaches_submit(alice_service, tmp_config, lab_dir):
    _, path = lab_dir({f"file-{i:02}.txt": "x" for i in range(40)})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SMALL) as pilot:
        await settled(pilot)
        app.main_screen.left_pane.file_list.focus()
        await pilot.press("ctrl+a", "f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        await pilot.pause()
        for button in app.screen.query(Button):
            assert on_screen(app, button), button.id
        # Every Tab stop shows where it is: the scrolling form was one that showed nothing (Enter there
        # submitted the transfer).
        assert not [w for w in app.screen.focus_chain if isinstance(w, VerticalScroll)]
        # The "to" directory (Midnight Commander's copy dialog) is on screen, focused first, and Tab comes
        # back to it from the buttons.
        destination = app.screen.query_one("#destination", Input)
        assert on_screen(app, destination) and app.focused is destination
        assert destination.value == "/projects/"
        await tab_to(pilot, app, "submit")
        await tab_to(pilot, app, "destination")
        await tab_to(pilot, app, "submit")
        # F3's preview is brought into view (it sits below the fold of the form at this size).
        dialog = app.screen
        dialog.query_one("#sync-level", Select).value = "size"
        await pilot.pause()
        await pilot.press("f3")
        await wait_for(pilot, lambda: dialog.preview is not None, "the sync preview")
        await wait_for(pilot, lambda: on_screen(app, dialog.query_one("#preview")), "the preview on screen")
        await pilot.press("escape")


async def test_delete_confirm_with_many_items_fits(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({f"file-{i:02}.txt": "x" for i in range(40)})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SMALL) as pilot:
        await settled(pilot)
        app.main_screen.left_pane.file_list.focus()
        await pilot.press("ctrl+a", "f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the confirmation")
        await pilot.pause()
        for button in app.screen.query(Button):
            assert on_screen(app, button), button.id
        await tab_to(pilot, app, "no")
        await pilot.press("enter")  # Cancel, by keyboard
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmPrompt), "closed")
        assert len(list(disk.iterdir())) == 40


async def test_add_rule_form_keeps_its_buttons_and_error_on_screen(sandbox: SandboxHandle) -> None:
    with alice_guest(sandbox, "Small terminal") as guest:
        app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/", right=f"{guest}:/")
        async with app.run_test(size=SMALL) as pilot:
            await open_sharing(pilot)
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, AddRuleDialog), "the add-rule dialog")
            dialog = app.screen
            await pilot.press("enter")  # nothing typed: the form says what Who takes, on its error line
            await pilot.pause()
            error = dialog.query_one("#rule-error", Static)
            assert "Type who to share with" in str(error.render())
            await wait_for(pilot, lambda: on_screen(app, dialog.frame), "the form to fit again")  # error: 2 lines
            assert on_screen(app, error)
            for button in dialog.query(Button):
                assert on_screen(app, button), button.id
            await tab_to(pilot, app, "rule-message")  # the last field scrolls into view, in the form
            assert on_screen(app, app.focused) and on_screen(app, dialog.frame) and dialog.frame.region.y >= 0
            await tab_to(pilot, app, "cancel")
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, AddRuleDialog), "closed")


async def test_the_help_note_is_whole_at_80x24(alice_service, tmp_config):
    """Its last line was one Label, cut at "Esc" by the dialog's width."""
    from gterm.tui.screens.help import HelpScreen
    from tests.support.browser_helpers import screen_lines

    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SMALL) as pilot:
        await settled(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        await pilot.pause()
        shown = " ".join(" ".join(line.split()) for line in screen_lines(app))
        assert "Esc closes." in shown


async def test_the_footer_keeps_help_and_quit_with_the_task_panel_focused(alice_service, tmp_config):
    """The panel's x (cancel) in the footer pushed Help and Quit off an 80-column screen: the panel says its
    keys on its border instead, while it has the focus."""
    from textual.widgets._footer import FooterKey

    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", right=f"{LAB}:/projects/")
    async with app.run_test(size=SMALL) as pilot:
        await settled(pilot)
        panel = app.main_screen.task_panel
        await pilot.press("t")
        await wait_for(pilot, lambda: panel.has_focus_within, "the task panel focused")
        await pilot.pause()
        shown = {key.action for key in app.screen.query(FooterKey) if on_screen(app, key)
                 and key.region.right <= app.size.width}
        assert {"help", "quit"} <= shown
        assert "x cancel" in str(panel.border_subtitle)
        await pilot.press("tab")
        await wait_for(pilot, lambda: not panel.has_focus_within, "back to the panes")
        assert not panel.border_subtitle


def whole_text(app: Any, widget: Any) -> str:
    """What ``widget`` shows, read back from its own lines, once it is on screen and not covered or clipped."""
    from textual.geometry import Region

    region = widget.region
    assert on_screen(app, widget) and region.right <= app.size.width, widget.id
    assert app.screen.get_widget_at(region.x, region.bottom - 1)[0] is widget, widget.id  # not clipped
    lines = widget.render_lines(Region(0, 0, region.width, region.height))
    return " ".join(" ".join(line.text.split()) for line in lines).strip()


async def test_every_sharing_hint_is_whole_at_80x24(sandbox: SandboxHandle) -> None:
    """The key hints of the rules, roles and guests tabs ended at "r roles ·" or "ctrl+r" (Esc, refresh and
    more cut off at the right edge), and a long list pushed them under the bottom; the add-rule form's Who
    said "'all users' or " without 'public'."""
    from tests.support.sandbox_login import transfer_client_for

    folders = tuple(f"f{i:02}/" for i in range(24))
    with alice_guest(sandbox, "Small terminal hints", folders=folders) as guest:
        alice = transfer_client_for(sandbox, "alice")
        for folder in folders:  # more rules than 24 rows hold
            alice.add_endpoint_acl_rule(guest, {"DATA_TYPE": "access", "principal_type": "all_authenticated_users",
                                                "principal": "", "path": f"/{folder}", "permissions": "r"})
        await _sharing_hints_are_whole(sandbox, f"{guest}:/", add_rule=True)  # a guest: rules and roles
        await _sharing_hints_are_whole(sandbox, f"{LAB}:/home/alice/", add_rule=False)  # mapped: guests, roles


async def _sharing_hints_are_whole(sandbox: SandboxHandle, left: str, *, add_rule: bool) -> None:
    from gterm.tui.screens.sharing import MAIN_TAB, ROLES_TAB

    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=left, right=left)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sharing(pilot)
        await pilot.pause()
        hint = screen.query_one("#sharing-hint", Static)
        assert whole_text(app, hint) == screen._hint(MAIN_TAB)
        assert whole_text(app, hint).endswith("ctrl+r refresh · Esc closes")
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.roles.loaded, "the roles")
        await pilot.pause()
        assert whole_text(app, hint) == screen._hint(ROLES_TAB)
        assert "d takes one away" in whole_text(app, screen.query_one("#roles-status", Static))
        await pilot.press("r")
        await pilot.pause()
        if add_rule:
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, AddRuleDialog), "the add-rule dialog")
            await pilot.pause()
            who = app.screen.query_one("#rule-who", Input)
            assert len(who.placeholder) <= who.content_size.width  # the last word ('public') shown
            await pilot.press("escape")


async def test_the_collection_details_scroll_by_keyboard_with_their_hint_on_screen(sandbox: SandboxHandle) -> None:
    """i at 80x24: the box stopped at "Access" and no key scrolled it (nothing had the focus), and the hint
    that says c and e was under the frame's bottom edge."""
    from gterm.sandbox.seed_ids import BOB_SHARED_ID
    from gterm.tui.screens.collection_info import HINT, CollectionInfo
    from tests.support.browser_helpers import open_details, screen_lines

    app = make_app(service_for(sandbox), left=f"{LAB}:/", right=f"{BOB_SHARED_ID}:/")
    async with app.run_test(size=SMALL) as pilot:
        info = await open_details(pilot, app)
        await pilot.pause()
        body = info.query_one(VerticalScroll)
        assert app.focused is body
        assert whole_text(app, info.query_one("#info-hint", Static)) == HINT
        assert on_screen(app, info.frame) and body.max_scroll_y > 0  # more than fits: it scrolls
        assert "You may edit settings" not in "\n".join(screen_lines(app))
        await pilot.press("down")
        await wait_for(pilot, lambda: body.scroll_y == 1, "Down scrolls a line")
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: body.scroll_y > 1, "PageDown scrolls a page")
        await pilot.press("end")
        await wait_for(pilot, lambda: body.scroll_y == body.max_scroll_y, "End to the last line")
        shown = "\n".join(screen_lines(app))
        assert "You may edit settings" in shown and "Activity" in shown
        assert whole_text(app, info.query_one("#info-hint", Static)) == HINT
        await pilot.press("home")
        await wait_for(pilot, lambda: body.scroll_y == 0, "Home to the top")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CollectionInfo), "closed")


async def test_t_upper_hides_the_task_panel_for_more_rows_and_t_brings_it_back(alice_service, tmp_config, lab_dir):
    """80x24: the task panel's lines left 9 files a pane (Midnight Commander shows about 18), and no key hid it."""
    _, path = lab_dir({f"file-{i:02}.txt": "x" for i in range(40)})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:{path}")
    async with app.run_test(size=SMALL) as pilot:
        await settled(pilot)
        screen = app.main_screen
        files = screen.left_pane.file_list
        rows_with_panel = files.scrollable_content_region.height
        await pilot.press("t")  # into the panel, then T hides it: the focus goes back to the pane
        await pilot.press("T")
        await pilot.pause()
        assert not screen.task_panel.display
        assert files.scrollable_content_region.height >= rows_with_panel + 7  # the panel's 7 lines at 80x24
        assert app.focused is screen.active_pane.file_list
        await pilot.press("T")
        await pilot.pause()
        assert screen.task_panel.display and files.scrollable_content_region.height == rows_with_panel
        await pilot.press("T", "t")  # hidden again, and t shows it to work in
        await pilot.pause()
        assert screen.task_panel.display and screen.task_panel.has_focus_within
