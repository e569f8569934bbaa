"""Snapshot tests of F3: a source file with syntax colours and a search, and a binary file as hex.

Deterministic: fixed files under /tui-snapshots-viewer/ in Lab Storage (content,
names and times fixed), fixed terminal size, no animation, cursor blink off.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from gterm.globus.https_access import HttpsAccess
from gterm.globus.transfer import TransferService
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.app import GtermApp
from gterm.tui.screens.viewer import FileViewer
from tests.support.browser_helpers import cursor_to, settled, type_text, wait_for
from tests.support.sandbox_login import LoginHttpsTokens, transfer_client_for

SIZE = (100, 30)
ROOT = "/tui-snapshots-viewer/"
SOURCE = '''"""A small module to look at."""

from dataclasses import dataclass


@dataclass
class Sample:
    """One measurement."""

    name: str
    value: float = 0.0  # in metres

    def scaled(self, factor: float) -> float:
        return self.value * factor


def load(path: str) -> list[Sample]:
    samples = []
    with open(path) as handle:
        for line in handle:
            name, _, value = line.partition(",")
            samples.append(Sample(name, float(value)))
    return samples
'''


class QuietApp(GtermApp):
    CSS = "TaskPanel { display: none; }"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.animation_level = "none"


@pytest.fixture(scope="session")
def viewer_tree(sandbox: SandboxHandle) -> str:
    root = next(Path(c["root"]) for c in sandbox.info["collections"] if c["id"] == LAB_STORAGE_ID)
    base = root / ROOT.strip("/")
    base.mkdir(parents=True, exist_ok=True)
    (base / "samples.py").write_text(SOURCE)
    (base / "header.bin").write_bytes(bytes(range(256)) * 3)
    for path in (base / "samples.py", base / "header.bin", base):
        os.utime(path, (1_768_478_400, 1_768_478_400))
    return ROOT


@pytest.fixture(scope="session")
def viewer_app_parts(sandbox: SandboxHandle) -> tuple[TransferService, HttpsAccess]:
    client = transfer_client_for(sandbox, "alice")
    return TransferService(lambda: client), HttpsAccess(LoginHttpsTokens(sandbox))


def _app(parts: tuple[TransferService, HttpsAccess], root: str) -> QuietApp:
    service, https = parts
    return QuietApp(service, left=f"{LAB_STORAGE_ID}:{root}", right=f"{LAB_STORAGE_ID}:{root}", https=https)


def _view(name: str, keys: str = "") -> Any:
    async def run_before(pilot: Any) -> None:
        await pilot.pause()
        await settled(pilot)
        await cursor_to(pilot, pilot.app.main_screen.left_pane, name)
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FileViewer), "the viewer")
        viewer = pilot.app.screen
        await wait_for(pilot, lambda: viewer.page_shown is not None, "the first page")
        if keys:
            shown = viewer.page_shown
            await pilot.press("slash")
            await type_text(pilot, keys)
            await pilot.press("enter")
            await wait_for(pilot, lambda: viewer.page_shown is not shown, "the search")
        await pilot.pause()

    return run_before


def test_viewer_text_with_search(snap_compare: Any, viewer_tree: str, viewer_app_parts: Any) -> None:
    app = _app(viewer_app_parts, viewer_tree)
    assert snap_compare(app, terminal_size=SIZE, run_before=_view("samples.py", "scaled"))


def test_viewer_hex(snap_compare: Any, viewer_tree: str, viewer_app_parts: Any) -> None:
    assert snap_compare(_app(viewer_app_parts, viewer_tree), terminal_size=SIZE, run_before=_view("header.bin"))
