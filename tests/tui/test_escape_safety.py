"""Control characters in server-supplied names never reach the terminal, even through editable fields.

A folder called ``t-\\x1b]2;PWNED\\x07-x`` (OSC: set the terminal title), one
holding a CSI colour sequence and one with a C1 CSI (U+009B) are made on the
collection's disk, then opened, renamed, moved and bookmarked through the UI
against the live sandbox. After every step the whole screen (the app's own
SVG export, which keeps any raw ESC/C1 it was given) and every Input value
are checked: the escaped spelling is shown, the raw characters never are.
"""

from __future__ import annotations

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input

from gterm.globus import paths
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.safe_text import escape_controls
from gterm.tui.screens.prompts import InputPrompt
from gterm.tui.widgets.path_bar import PathBar
from gterm.tui.widgets.safe_input import CONTROLS_REFUSED, SafeInput, from_display, refuse_controls
from gterm.tui.widgets.safe_text_area import SafeTextArea
from tests.support.browser_helpers import cursor_to, listing_names, make_app, screen_lines, settled, wait_for

LAB = LAB_STORAGE_ID
SIZE = (140, 36)

OSC_DIR = "t-\x1b]2;PWNED\x07-x"
CSI_DIR = "dir-\x1b[41mBG-end"
C1_FILE = "c1-\x9b31m-csi.txt"
RAW_CONTROLS = ("\x1b", "\x07", "\x9b")


def assert_no_raw_controls(app) -> str:
    """No raw control character on screen or in any Input; returns the screen text for more checks."""
    svg = app.export_screenshot()
    leaked = [repr(c) for c in RAW_CONTROLS if c in svg]
    assert not leaked, f"raw control characters rendered: {leaked}"
    for screen in app.screen_stack:
        for box in screen.query(Input):
            assert not any(c in box.value for c in RAW_CONTROLS), f"raw control character in {box!r}"
            assert not any(c in box._suggestion for c in RAW_CONTROLS)
    return "\n".join(screen_lines(app))


async def start(pilot, path: str) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.main_screen.left_pane.path == path, f"left at {path}")
    await wait_for(pilot, lambda: app.main_screen.right_pane.listing is not None, "right listing")
    await settled(pilot)


async def prompt_box(pilot) -> SafeInput:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, InputPrompt), "input prompt")
    await pilot.pause()
    return pilot.app.screen.query_one("#prompt-input", SafeInput)


# --- pure helpers ---------------------------------------------------------------


def test_from_display_maps_unchanged_text_and_known_prefixes_back():
    assert from_display(escape_controls(OSC_DIR), OSC_DIR) == OSC_DIR
    assert from_display("plain", OSC_DIR) == "plain"
    # An edit keeps the control characters it leaves alone; what is typed is literal.
    assert from_display(escape_controls(OSC_DIR) + "-2", OSC_DIR) == OSC_DIR + "-2"
    assert from_display(escape_controls(OSC_DIR) + "\\x1b", OSC_DIR) == OSC_DIR + "\\x1b"
    raw_dir = f"/a/{CSI_DIR}/"
    assert from_display(escape_controls(raw_dir) + "new.txt", "", [raw_dir]) == raw_dir + "new.txt"


def test_refuse_controls_allows_only_what_came_from_the_original():
    assert refuse_controls("plain") is None
    assert refuse_controls(OSC_DIR, OSC_DIR) is None
    assert refuse_controls(OSC_DIR + "-copy", OSC_DIR) is None  # kept from the original where left alone
    assert refuse_controls(OSC_DIR + "\x9b", OSC_DIR) == CONTROLS_REFUSED  # one it never had
    assert refuse_controls(f"/a/{CSI_DIR}/x", "", [f"/a/{CSI_DIR}/"]) is None


class _OneInput(App[None]):
    def compose(self) -> ComposeResult:
        yield SafeInput(C1_FILE, id="box")


async def test_safe_input_escapes_initial_set_and_pasted_text():
    app = _OneInput()
    async with app.run_test() as pilot:
        box = app.query_one(SafeInput)
        assert box.value == escape_controls(C1_FILE) and box.raw_value == C1_FILE
        box.value = OSC_DIR  # any code path that sets a raw value still gets the escaped form
        assert box.value == escape_controls(OSC_DIR)
        box.focus()
        box.value = ""
        box.post_message(events.Paste("p-\x1b[2Jq"))
        await pilot.pause()
        assert box.value == "p-\\x1b[2Jq" and box.raw_value == "p-\\x1b[2Jq"
        assert_no_raw_controls(app)


async def test_an_input_prompts_refusal_quoting_a_raw_name_is_shown_escaped():
    app = App[None]()
    async with app.run_test() as pilot:
        app.push_screen(InputPrompt("Name", check=lambda value: f"Not {OSC_DIR}: {value}"))
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the prompt")
        await pilot.press("x", "enter")
        await wait_for(pilot, lambda: bool(str(app.screen.query_one("#prompt-error").render())), "the refusal")
        assert escape_controls(OSC_DIR) in assert_no_raw_controls(app)


class _OneTextArea(App[None]):
    def compose(self) -> ComposeResult:
        yield SafeTextArea("one\n\ttwo \x1b[2J\n", id="area")


async def test_safe_text_area_keeps_lines_and_tabs_and_escapes_the_rest():
    """Multi-line text: newlines and tabs stay; ESC shows escaped and is kept where left alone; a paste's
    CRLF is a line break and its control characters arrive escaped (typed text is literal)."""
    app = _OneTextArea()
    async with app.run_test() as pilot:
        area = app.query_one(SafeTextArea)
        assert area.text == "one\n\ttwo \\x1b[2J\n" and area.raw_text == "one\n\ttwo \x1b[2J\n"
        area.focus()
        area.move_cursor((0, 3))
        app.post_message(events.Paste("!\r\nnew\x07"))  # as the terminal delivers it: to the app
        await pilot.pause()
        assert area.text == "one!\nnew\\x07\n\ttwo \\x1b[2J\n"
        assert area.raw_text == "one!\nnew\\x07\n\ttwo \x1b[2J\n"
        area.text = "set \x1b"  # any code path that loads raw text still gets the escaped form
        assert area.text == "set \\x1b"
        svg = app.export_screenshot()
        assert not any(c in svg for c in RAW_CONTROLS)


# --- against the sandbox ----------------------------------------------------------


async def test_path_bar_shows_escaped_path_and_still_navigates(alice_service, tmp_config, lab_dir):
    _disk, path = lab_dir({f"{CSI_DIR}/inner.txt": "i", f"{OSC_DIR}/{C1_FILE}": "c"}, dirs=("plain",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, path)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, OSC_DIR)
        await pilot.press("enter")
        await wait_for(pilot, lambda: left.path == f"{path}{OSC_DIR}/", "inside the OSC directory")
        await settled(pilot)
        assert left.path_bar.value == escape_controls(f"{path}{OSC_DIR}/")
        shown = assert_no_raw_controls(app)
        assert escape_controls(OSC_DIR) in shown and escape_controls(C1_FILE) in shown

        # Unchanged Enter in the path bar stays here (the escaped text maps back to the real path).
        await pilot.press("ctrl+l")
        await pilot.press("enter")
        await settled(pilot)
        assert left.path == f"{path}{OSC_DIR}/" and not left.path_bar.has_class("-bad-path")

        # A path typed in the escaped spelling of a listed directory goes there.
        await pilot.press("ctrl+l")
        left.path_bar.value = escape_controls(f"{path}{CSI_DIR}")
        await pilot.press("enter")
        await wait_for(pilot, lambda: left.path == f"{path}{CSI_DIR}/", "inside the CSI directory")
        await settled(pilot)
        assert listing_names(left) == ["inner.txt"]
        shown = assert_no_raw_controls(app)
        assert escape_controls(CSI_DIR) in shown

        # Completion offers the escaped spelling too (ghost text and Tab).
        await pilot.press("ctrl+l")
        left.path_bar.value = f"{path}dir-"
        await pilot.press("tab")
        await wait_for(pilot, lambda: left.path_bar.value == escape_controls(f"{path}{CSI_DIR}/"), "completed")
        assert_no_raw_controls(app)
        await pilot.press("escape")


async def test_rename_and_bookmark_a_directory_with_control_characters(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir(dirs=(OSC_DIR,))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    created: list[str] = []
    try:
        async with app.run_test(size=SIZE) as pilot:
            await start(pilot, path)
            left = app.main_screen.left_pane
            await cursor_to(pilot, left, OSC_DIR)

            # F2: the field shows the escaped name; unchanged Enter changes nothing.
            await pilot.press("f2")
            box = await prompt_box(pilot)
            assert box.value == escape_controls(OSC_DIR) and box.raw_value == OSC_DIR
            shown = assert_no_raw_controls(app)
            assert escape_controls(OSC_DIR) in shown and "Control characters are shown as" in shown
            await pilot.press("enter")
            await wait_for(pilot, lambda: not isinstance(app.screen, InputPrompt), "prompt closed")
            await settled(pilot)
            assert (disk / OSC_DIR).is_dir() and listing_names(left) == [OSC_DIR]

            # Open it and bookmark it: the default name is the escaped (literal, harmless) spelling.
            await pilot.press("enter")
            await wait_for(pilot, lambda: left.path == f"{path}{OSC_DIR}/", "inside")
            await settled(pilot)
            await pilot.press("b")
            box = await prompt_box(pilot)
            assert box.value == escape_controls(OSC_DIR)
            assert_no_raw_controls(app)
            await pilot.press("enter")
            sidebar = app.main_screen.sidebar
            await wait_for(
                pilot, lambda: any(b.path == f"{path}{OSC_DIR}/" for b in sidebar.bookmarks), "bookmark listed"
            )
            mark = next(b for b in sidebar.bookmarks if b.path == f"{path}{OSC_DIR}/")
            created.append(mark.id)
            assert mark.name == escape_controls(OSC_DIR)  # no control characters sent to Globus
            await settled(pilot)
            assert_no_raw_controls(app)

            # Back up and rename it to a plain name: the raw old name reaches the service.
            left.file_list.focus()
            await pilot.press("backspace")
            await wait_for(pilot, lambda: left.path == path, "back in the parent")
            await settled(pilot)
            await cursor_to(pilot, left, OSC_DIR)
            await pilot.press("f2")
            box = await prompt_box(pilot)
            box.value = ""
            await pilot.press(*"plain-name")
            await pilot.press("enter")
            await wait_for(pilot, lambda: listing_names(left) == ["plain-name"], "renamed")
            assert (disk / "plain-name").is_dir() and not (disk / OSC_DIR).exists()
            assert_no_raw_controls(app)
    finally:
        for bookmark_id in created:
            alice_service.delete_bookmark(bookmark_id)


async def test_rename_bookmark_whose_name_holds_control_characters(alice_service, tmp_config, lab_dir):
    _, path = lab_dir()
    raw_name = "bm-\x1b]2;BOOKMARK-PWN\x07-\x1b[42mgreen"
    bookmark = alice_service.create_bookmark(raw_name, LAB, path)
    try:
        app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
        async with app.run_test(size=SIZE) as pilot:
            await start(pilot, path)
            await pilot.press("ctrl+b")
            sidebar = app.main_screen.sidebar
            await wait_for(pilot, lambda: any(b.id == bookmark.id for b in sidebar.bookmarks), "bookmark listed")
            await settled(pilot)
            index = next(i for i, b in enumerate(sidebar.bookmarks) if b.id == bookmark.id)
            sidebar.option_list.highlighted = index
            await pilot.pause()
            await pilot.press("f2")
            box = await prompt_box(pilot)
            assert box.value == escape_controls(raw_name) and box.raw_value == raw_name
            assert escape_controls(raw_name) in assert_no_raw_controls(app)
            await pilot.press("enter")  # unchanged: nothing to do
            await wait_for(pilot, lambda: not isinstance(app.screen, InputPrompt), "prompt closed")
            assert any(b.name == raw_name for b in alice_service.bookmarks())
            assert_no_raw_controls(app)
    finally:
        alice_service.delete_bookmark(bookmark.id)


async def test_move_file_with_c1_name_into_directory_with_controls(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({C1_FILE: "c"}, dirs=(CSI_DIR,))
    target = f"{path}{CSI_DIR}/"
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:{target}")
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, path)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, C1_FILE)
        await pilot.press("f6")
        box = await prompt_box(pilot)
        # The suggestion is the other pane's directory, shown escaped, meaning the real one.
        assert box.value == escape_controls(target) and box.raw_value == target
        assert escape_controls(target) in assert_no_raw_controls(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: listing_names(left) == [CSI_DIR], "moved away")
        assert (disk / CSI_DIR / C1_FILE).read_text() == "c"
        assert_no_raw_controls(app)


async def test_move_rename_keeps_real_directory_prefix(alice_service, tmp_config, lab_dir):
    disk, path = lab_dir({f"{CSI_DIR}/{C1_FILE}": "c"})
    inside = f"{path}{CSI_DIR}/"
    # Both panes in the same directory: the suggestion is the entry's own path.
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{inside}", right=f"{LAB}:{inside}")
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, inside)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, C1_FILE)
        await pilot.press("f6")
        box = await prompt_box(pilot)
        assert box.value == escape_controls(paths.child(inside, C1_FILE, is_dir=False))
        # Keep the (escaped) directory, type a new plain name: the directory maps back to the real one.
        box.value = escape_controls(inside) + "renamed.txt"
        await pilot.press("enter")
        await wait_for(pilot, lambda: listing_names(left) == ["renamed.txt"], "renamed in place")
        assert (disk / CSI_DIR / "renamed.txt").read_text() == "c"
        assert_no_raw_controls(app)


def test_path_bar_is_a_safe_input():
    assert issubclass(PathBar, SafeInput)


async def test_transfer_dialog_default_label_is_escaped(alice_service, tmp_config, lab_dir):
    """F5 on a directory with an OSC name: the Label field (and the label sent) hold no control characters."""
    from gterm.tui.screens.transfer_dialog import TransferDialog

    _, path = lab_dir({f"{OSC_DIR}/a.txt": "a"}, dirs=("dest",))
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:{path}dest/")
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, path)
        await cursor_to(pilot, app.main_screen.left_pane, OSC_DIR)
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "transfer dialog")
        await pilot.pause()
        label = app.screen.query_one("#label", Input)
        assert escape_controls(OSC_DIR) in label.value
        assert_no_raw_controls(app)
        await pilot.press("escape")


async def test_f2_appending_to_a_name_with_a_control_character_keeps_it(alice_service, tmp_config, lab_dir):
    """QA: F2 on "\\x07bell.txt", End, X, Enter made the file literally "\\x07bell.txtX" (backslash, x, 0, 7).
    The part of the name left alone keeps its BEL; only the typed X is new."""
    bell = "\x07bell.txt"
    disk, path = lab_dir({bell: "b"})
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"{LAB}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        await start(pilot, path)
        left = app.main_screen.left_pane
        await cursor_to(pilot, left, bell)
        await pilot.press("f2")
        box = await prompt_box(pilot)
        assert box.value == "\\x07bell.txt"
        await pilot.press("end", "X")
        assert box.raw_value == bell + "X"
        assert_no_raw_controls(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: listing_names(left) == [bell + "X"], "renamed")
        assert_no_raw_controls(app)
    assert sorted(entry.name for entry in disk.iterdir()) == [bell + "X"]
    assert (disk / (bell + "X")).read_text() == "b"
