"""F3: the file viewer (text, hex, search, End on a big file) and the directory summary, over the live sandbox."""

from __future__ import annotations

import os

from gterm.globus.https_access import HttpsAccess
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.dir_summary import DirectorySummary
from gterm.tui.screens.viewer import FileViewer, Page
from tests.support.browser_helpers import (
    cursor_to,
    make_app,
    screen_lines,
    settled,
    type_text,
    wait_for,
)
from tests.support.sandbox_login import LoginHttpsTokens
from tests.support.transfer_live import make_lab_dir, service_for

SIZE = (100, 30)


def _app(sandbox: SandboxHandle, path: str):  # type: ignore[no-untyped-def]
    return make_app(
        service_for(sandbox),
        left=f"{LAB_STORAGE_ID}:{path}",
        right=f"{LAB_STORAGE_ID}:{path}",
        https=HttpsAccess(LoginHttpsTokens(sandbox)),
    )


def _page(viewer: FileViewer) -> Page:
    """The page on screen (after ``_open``, which waits for the first one)."""
    assert viewer.page_shown is not None
    return viewer.page_shown


def _lines(viewer: FileViewer) -> list[str]:
    return [line.plain for line in _page(viewer).lines]


async def _open(pilot, name: str) -> FileViewer:  # type: ignore[no-untyped-def]
    screen = pilot.app.main_screen
    await cursor_to(pilot, screen.left_pane, name)
    await pilot.press("f3")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, FileViewer), "the viewer")
    viewer = pilot.app.screen
    assert isinstance(viewer, FileViewer)
    await wait_for(pilot, lambda: viewer.page_shown is not None, "the first page")
    return viewer


async def test_text_file_pages_and_search(sandbox: SandboxHandle) -> None:
    text = "".join(f"line {i:05d} {'needle' if i == 700 else ''}\n" for i in range(1000))
    _, path = make_lab_dir(sandbox, {"notes.txt": text})
    app = _app(sandbox, path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        viewer = await _open(pilot, "notes.txt")
        assert _lines(viewer)[0].startswith("line 00000")
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: not _lines(viewer)[0].startswith("line 00000"), "page down")
        first_after_page = _lines(viewer)[0]
        assert first_after_page.startswith("line 000")
        await pilot.press("end")
        await wait_for(pilot, lambda: _lines(viewer)[-1].startswith("line 00999"), "the end of the file")
        await pilot.press("home")
        await wait_for(pilot, lambda: _lines(viewer)[0].startswith("line 00000"), "the top")
        await pilot.press("slash")
        await type_text(pilot, "NEEDLE")
        await pilot.press("enter")
        await wait_for(pilot, lambda: _lines(viewer)[0].startswith("line 00700"), "the match")
        await pilot.press("n")
        await wait_for(pilot, lambda: "Not found" in (viewer.page_shown.status if viewer.page_shown else ""), "no more")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, FileViewer), "the viewer to close")


async def test_keys_apply_in_order_on_a_big_file(sandbox: SandboxHandle) -> None:
    disk, path = make_lab_dir(sandbox)
    with open(disk / "big.log", "wb") as out:  # 20 MB: pages are read where they are shown
        out.writelines(b"".join(b"row %07d\n" % (block * 10_000 + i) for i in range(10_000)) for block in range(200))
    app = _app(sandbox, path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        viewer = await _open(pilot, "big.log")
        for _ in range(5):
            await pilot.press("down")
        await wait_for(pilot, lambda: _lines(viewer)[0] == "row 0000005", "five lines down")
        await pilot.press("end")
        await wait_for(pilot, lambda: _lines(viewer)[-1] == "row 1999999", "the last line")
        assert "100%" in _page(viewer).status


async def test_binary_file_shows_hex(sandbox: SandboxHandle) -> None:
    _, path = make_lab_dir(sandbox, {"blob.bin": bytes(range(256)) * 4})
    app = _app(sandbox, path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        viewer = await _open(pilot, "blob.bin")
        assert _lines(viewer)[0].startswith("00000000  00 01 02 03 04 05 06 07  08 09")
        assert "hex" in _page(viewer).status


async def test_a_search_in_hex_shows_the_row_of_the_match_and_marks_its_bytes(sandbox: SandboxHandle) -> None:
    """QA: in hex, / jumped to the start of the "line" holding the match (its last newline byte, up to
    4 KiB before it, hundreds of rows up), so the match was not on the page and n went nowhere."""
    data = b"\n" + bytes(3000) + b"NeedLE" + bytes(40) + b"needle" + bytes(2000)
    first, second = 3001, 3001 + 6 + 40
    _, path = make_lab_dir(sandbox, {"blob.bin": data})
    app = _app(sandbox, path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        viewer = await _open(pilot, "blob.bin")
        await pilot.press("slash")
        await type_text(pilot, "needle")
        await pilot.press("enter")
        await wait_for(pilot, lambda: _lines(viewer)[0].startswith(f"{first // 16 * 16:08x}"), "the match's row")
        assert "match at byte 3,001" in _page(viewer).status
        row = _page(viewer).lines[0]
        spans = sorted((span.start, span.end) for span in row.spans if "reverse" in str(span.style))
        assert "".join(row.plain[start:end] for start, end in spans) == "4e6565644c45" + "NeedLE"  # pairs, characters
        await pilot.press("n")
        await wait_for(pilot, lambda: _lines(viewer)[0].startswith(f"{second // 16 * 16:08x}"), "the next match")
        assert f"match at byte {second:,}" in _page(viewer).status


async def test_control_characters_in_content_are_escaped(sandbox: SandboxHandle) -> None:
    _, path = make_lab_dir(sandbox, {"evil.txt": "safe \x1b]0;pwned\x07 \x9b31m \u202etxt.exe\n"})
    app = _app(sandbox, path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        viewer = await _open(pilot, "evil.txt")
        shown = _lines(viewer)[0]
        assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown
        assert "\\x1b" in shown and "\\x9b" in shown and "\\u202e" in shown


async def test_a_latin_1_file_is_shown_as_latin_1_and_said_so(sandbox: SandboxHandle) -> None:
    text = "".join(f"line {i:03d}\n" for i in range(40)) + "café résumé \u2013 “quoted” naïve\n"
    _, path = make_lab_dir(sandbox, {"old.txt": text.encode("cp1252")})
    app = _app(sandbox, path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        viewer = await _open(pilot, "old.txt")
        assert "latin-1" in _page(viewer).status
        await pilot.press("slash")
        await type_text(pilot, "résumé")
        await pilot.press("enter")
        await wait_for(pilot, lambda: _lines(viewer)[0].startswith("café"), "the match")
        assert _lines(viewer)[0] == "café résumé \u2013 “quoted” naïve"


async def test_a_byte_that_is_not_utf_8_in_a_utf_8_file_is_shown_as_its_value(sandbox: SandboxHandle) -> None:
    _, path = make_lab_dir(sandbox, {"mixed.txt": "ünïcode ok\n".encode() + b"stray \xff byte\n"})
    app = _app(sandbox, path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        viewer = await _open(pilot, "mixed.txt")
        assert _lines(viewer) == ["ünïcode ok", "stray \\xff byte"]  # as less's <FF>; a name's \xff alike
        assert "latin-1" not in _page(viewer).status  # its ü says UTF-8


async def test_f3_on_a_directory_counts_files_and_bytes(sandbox: SandboxHandle) -> None:
    files = {f"sub/a{i}.dat": os.urandom(100) for i in range(7)} | {"sub/deeper/b.dat": b"x" * 1000}
    _, path = make_lab_dir(sandbox, files)
    app = _app(sandbox, path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        await cursor_to(pilot, app.main_screen.left_pane, "sub")
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, DirectorySummary), "the summary")
        summary = app.screen
        assert isinstance(summary, DirectorySummary)
        await wait_for(pilot, lambda: summary.totals.done, "the count")
        assert (summary.totals.files, summary.totals.bytes, summary.totals.directories) == (8, 1700, 2)


async def test_long_lines_never_wrap_so_page_down_skips_nothing(sandbox: SandboxHandle) -> None:
    text = "".join(f"L{i:04d} " + "x" * 300 + "\n" for i in range(200))  # each line three screens wide
    _, path = make_lab_dir(sandbox, {"wide.txt": text})
    app = _app(sandbox, path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        viewer = await _open(pilot, "wide.txt")
        page = viewer.query_one("#viewer-page")

        def rows() -> list[str]:
            return [page.render_line(y).text for y in range(page.size.height)]

        await pilot.pause()
        assert [row[:5] for row in rows()] == [f"L{i:04d}" for i in range(page.size.height)]
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: not _lines(viewer)[0].startswith("L0000"), "page down")
        await pilot.pause()
        # The last row of the first page is the first of the next: nothing between was skipped.
        assert rows()[0][:5] == f"L{page.size.height - 1:04d}"
        await pilot.press("end")
        await wait_for(pilot, lambda: _lines(viewer)[-1].startswith("L0199"), "the end")
        await pilot.pause()
        assert rows()[-1][:5] == "L0199"  # End shows the last line, not a page cut short by wrapped rows


async def test_the_percent_is_the_pages_byte_offset_and_100_at_the_end_with_long_lines(
    sandbox: SandboxHandle,
) -> None:
    # Lines over the line-length limit are shown as several: the page's end, not its top, says "the end".
    text = "".join(f"L{i:04d} " + "x" * 5000 + "\n" for i in range(40))
    _, path = make_lab_dir(sandbox, {"long.txt": text})
    app = _app(sandbox, path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        viewer = await _open(pilot, "long.txt")

        def status() -> str:
            assert viewer.page_shown is not None
            return viewer.page_shown.status

        assert f"  0%  ·  byte 0 of {len(text):,}" in status()
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: "byte 0 " not in status(), "page down")
        top = int(status().split("byte ")[1].split(" ")[0].replace(",", ""))
        assert f"  {100 * top // len(text)}%  " in status()  # the top's byte offset against the size
        await pilot.press("end")
        await wait_for(pilot, lambda: _lines(viewer)[-1].endswith("x"), "the end")
        await wait_for(pilot, lambda: "  100%  " in status(), "100% at the end")
        await pilot.press("up")
        await wait_for(pilot, lambda: "  100%  " not in status(), "a line up from the end")


async def test_a_file_that_fits_on_one_page_is_100_percent_shown(sandbox: SandboxHandle) -> None:
    _, path = make_lab_dir(sandbox, {"short.txt": "".join("z" * 2000 + "\n" for _ in range(5))})
    app = _app(sandbox, path)
    async with app.run_test(size=SIZE) as pilot:
        await settled(pilot)
        viewer = await _open(pilot, "short.txt")
        assert "text  ·  100%  ·  byte 0 of 10,005" in _page(viewer).status


async def test_a_search_says_it_is_searching_while_it_reads(sandbox: SandboxHandle) -> None:
    """A search through a big remote file read on for seconds under the old status line, then said "Not
    found": it now says at once what it looks for."""
    import asyncio
    import threading

    from textual.widgets import Static

    from gterm.sandbox.https_data import PREFIX
    from tests.support.outages import gated

    text = "".join(f"line {i:05d}\n" for i in range(20_000))
    _, path = make_lab_dir(sandbox, {"long.txt": text})
    release, holding = threading.Event(), threading.Event()

    async def held_reads(scope, receive, send, inner):  # type: ignore[no-untyped-def]  # ASGI callables
        if holding.is_set() and str(scope.get("path", "")).startswith(PREFIX):
            await asyncio.to_thread(release.wait, 30)
        await inner(scope, receive, send)

    app = _app(sandbox, path)
    try:
        with gated(sandbox, held_reads):
            async with app.run_test(size=SIZE) as pilot:
                await settled(pilot)
                viewer = await _open(pilot, "long.txt")
                holding.set()  # the file's next reads wait: the search is under way for as long
                await pilot.press("slash")
                await type_text(pilot, "absent")
                await pilot.press("enter")
                status = viewer.query_one("#viewer-status", Static)
                await wait_for(pilot, lambda: "Searching for absent" in str(status.render()), "the search said")
                release.set()
                await wait_for(pilot, lambda: "Not found" in str(status.render()), "the end of the search")
    finally:
        release.set()


async def test_a_first_read_that_fails_says_why_in_the_viewer(sandbox: SandboxHandle) -> None:
    """Review: the first page's read (its size came from a HEAD that worked) failed outside the pager's
    error handling: the worker died, the viewer stayed blank and the HTTPS session was left open."""
    from gterm.sandbox.https_data import PREFIX
    from tests.support.outages import answer_error, gated

    _, path = make_lab_dir(sandbox, {"notes.txt": "hello\n"})

    async def refused_reads(scope, receive, send, inner):  # type: ignore[no-untyped-def]  # ASGI callables
        if scope.get("method") == "GET" and str(scope.get("path", "")).startswith(PREFIX):
            await answer_error(send, 403, "PermissionDenied", "Reading refused here.")
            return
        await inner(scope, receive, send)

    app = _app(sandbox, path)
    with gated(sandbox, refused_reads):
        async with app.run_test(size=SIZE) as pilot:
            await settled(pilot)
            await cursor_to(pilot, app.main_screen.left_pane, "notes.txt")
            await pilot.press("f3")
            await wait_for(pilot, lambda: isinstance(app.screen, FileViewer), "the viewer")
            viewer = app.screen
            assert isinstance(viewer, FileViewer)
            page = viewer.query_one("#viewer-page")
            await wait_for(pilot, lambda: "refused" in str(page.render()).lower(), "the reason in the viewer")
            assert viewer.page_shown is None


async def test_a_long_title_shows_the_file_name_cut_from_the_left_at_80_columns(sandbox: SandboxHandle) -> None:
    """At 80 columns the title wrapped its words into one row: F3 on a file deep in a long path showed
    only ' Lab'. It shows the end of the location (the file's name), cut from the left with '…'."""
    deep = "simulation-outputs-2026/ensemble-member-042"
    _, path = make_lab_dir(sandbox, {f"{deep}/snapshot_000123.h5.txt": "hello\n"})
    app = _app(sandbox, f"{path}{deep}/")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await _open(pilot, "snapshot_000123.h5.txt")
        await pilot.pause()
        title = screen_lines(app)[0].rstrip()
        assert title.endswith(f"{deep}/snapshot_000123.h5.txt")
        assert title.lstrip().startswith("…")
        assert len(title) <= 80
