"""The same names, one of them not UTF-8, in the same order in a collection's pane and in the Local pane.

The live sandbox lists ``b"caf\\xe9.bin"`` in Transfer's spelling (U+FFFD first), this computer in
Python's; both panes show ``caf\\xe9.bin`` and put it in the same place: between ``bin.dat`` and
``esc.txt``, not last behind its U+FFFD.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.tui.safe_text import escape_controls
from tests.support.browser_helpers import make_app, settled, wait_for

LAB = LAB_STORAGE_ID
RAW_NAMES = [b"bin.dat", b"esc.txt", "\u6570\u636e.csv".encode(), b"caf\xe9.bin", b"Notes.txt", b"r\xe9sultats"]
EXPECTED = ["r\\xe9sultats/", "bin.dat", "caf\\xe9.bin", "esc.txt", "Notes.txt", "\u6570\u636e.csv"]


def fill(disk: Path) -> None:
    for raw in RAW_NAMES:
        target = os.path.join(os.fsencode(disk), raw)
        if raw.startswith(b"r"):
            os.mkdir(target)
        else:
            with open(target, "wb") as handle:
                handle.write(b"x")


async def rows_shown(pilot: Any, pane: Any) -> list[str]:
    """The names down the pane, top to bottom, as shown (escaped; a directory's ending in /), by the cursor."""
    file_list = pane.file_list
    file_list.focus()
    await pilot.press("home")
    shown: list[str] = []
    for _ in range(len(pane.listing.entries) + 1):
        entry = file_list.cursor_entry
        if entry is not None:
            shown.append(escape_controls(entry.name) + ("/" if entry.is_dir else ""))
        await pilot.press("down")
    return list(dict.fromkeys(shown))


async def test_both_panes_sort_the_names_alike(alice_service, tmp_config, tmp_path, lab_dir):
    disk, path = lab_dir()
    fill(disk)
    local = tmp_path / "here"
    local.mkdir()
    fill(local)
    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:{path}", right=f"local:{local}")
    async with app.run_test(size=(120, 36)) as pilot:
        screen = app.main_screen
        await wait_for(pilot, lambda: screen.left_pane.listing is not None and screen.right_pane.listing is not None,
                       "both listings")
        await settled(pilot)
        collection_rows = await rows_shown(pilot, screen.left_pane)
        local_rows = await rows_shown(pilot, screen.right_pane)
    assert local_rows == EXPECTED
    assert collection_rows == local_rows

