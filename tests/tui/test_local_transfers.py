"""F5 between This computer and a collection: HTTPS tasks in the task panel, over the live sandbox.

The app talks to the sandbox's Transfer API and its HTTPS data server with
real tokens; nothing of gterm or the SDK is mocked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gterm.sandbox.seed_ids import ALICES_LAPTOP_ID, HPC_SCRATCH_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.prompts import ChoicePrompt, ConfirmPrompt
from gterm.tui.screens.task_details import TaskDetailsScreen
from tests.support.browser_helpers import (
    cursor_to,
    f5_to_this_computer,
    listing_names,
    make_app,
    make_https_app,
    notices,
    settled,
    wait_for,
    wait_for_exit,
)
from tests.support.transfer_live import collection_root, make_lab_dir

SIZE = (120, 36)


def _app(sandbox: SandboxHandle, tmp_config, left: str, right: str):  # type: ignore[no-untyped-def]
    return make_https_app(sandbox, config=tmp_config, left=left, right=right)


async def both_listed(pilot: Any, app: Any, left_path: str, right_path: str) -> None:
    """Both panes are at their start-up directories, listed and settled."""
    screen = app.main_screen
    await wait_for(pilot, lambda: (screen.left_pane.path, screen.right_pane.path) == (left_path, right_path),
                   "both panes")
    await settled(pilot)


def _task_rows(app) -> list[str]:  # type: ignore[no-untyped-def]
    panel = app.main_screen.task_panel
    return [f"{t.type} {t.status}" for t in panel.tasks if t.task_id.startswith("local-")]


async def test_download_a_directory_then_upload_a_file_back(sandbox: SandboxHandle, tmp_config, tmp_path: Path):
    disk, path = make_lab_dir(
        sandbox, {"results/a.txt": "alpha\n", "results/deep/b.bin": b"\x00" * 70_000, "results/ü.txt": "u"}
    )
    local = tmp_path / "here"
    local.mkdir()
    app = _app(sandbox, tmp_config, f"{LAB_STORAGE_ID}:{path}", f"local:{local}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        left, right = screen.left_pane, screen.right_pane
        await both_listed(pilot, app, path, f"{local}/")
        await cursor_to(pilot, left, "results")
        await pilot.press("insert")  # selected, then sent: the selection goes, as after a Globus transfer
        assert left.file_list.selected_names == {"results"}
        await f5_to_this_computer(pilot)
        await wait_for(pilot, lambda: "DOWNLOAD SUCCEEDED" in _task_rows(app), "download in the panel, ended")
        assert left.file_list.selected_names == set()
        assert (local / "results" / "a.txt").read_text() == "alpha\n"
        assert (local / "results" / "deep" / "b.bin").read_bytes() == b"\x00" * 70_000
        assert (local / "results" / "ü.txt").read_text() == "u"
        await wait_for(pilot, lambda: "results" in listing_names(right), "destination pane reloaded")
        task = next(t for t in screen.task_panel.tasks if t.type == "DOWNLOAD")
        assert task.files_transferred == 3 and task.bytes_transferred == 6 + 70_000 + 1
        # Named as a Globus task is (two downloads of one item each were both "Download 1 item").
        assert task.label == "results from Lab Storage to This computer"

        # Upload a file back: from the local pane into the collection directory.
        (local / "new.txt").write_text("from here\n")
        right.reload()
        await wait_for(pilot, lambda: "new.txt" in listing_names(right), "new local file listed")
        await pilot.press("tab")  # the local pane is active
        await cursor_to(pilot, right, "new.txt")
        await f5_to_this_computer(pilot)
        await wait_for(pilot, lambda: "UPLOAD SUCCEEDED" in _task_rows(app), "upload ended")
        assert (disk / "new.txt").read_text() == "from here\n"
        upload = next(t for t in screen.task_panel.tasks if t.type == "UPLOAD")
        assert upload.label == "new.txt from This computer to Lab Storage"
        await wait_for(pilot, lambda: "new.txt" in listing_names(left), "collection pane reloaded")

        # The task's details: its fields and events, from the task itself.
        screen.task_panel.focus_table()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TaskDetailsScreen), "details")
        details = app.screen
        assert isinstance(details, TaskDetailsScreen)
        await wait_for(pilot, lambda: bool(details.data.events), "the task's events")
        assert details.data.task.type in ("UPLOAD", "DOWNLOAD")
        assert {"STARTED", "SUCCEEDED"} <= {event.code for event in details.data.events}


async def test_existing_names_are_asked_about(sandbox: SandboxHandle, tmp_config, tmp_path: Path):
    _disk, path = make_lab_dir(sandbox, {"same.txt": "new content\n"})
    local = tmp_path / "here"
    local.mkdir()
    (local / "same.txt").write_text("old\n")
    app = _app(sandbox, tmp_config, f"{LAB_STORAGE_ID}:{path}", f"local:{local}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        left = screen.left_pane
        await both_listed(pilot, app, path, f"{local}/")
        await cursor_to(pilot, left, "same.txt")
        await f5_to_this_computer(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, ChoicePrompt), "asked first")
        prompt = app.screen
        assert isinstance(prompt, ChoicePrompt)
        # Overwrite, skip, rename, or (a download only) continue what is there with a Range request.
        assert [answer for answer, _label in prompt.choices] == ["overwrite", "skip", "rename", "resume"]
        # Both sides, as Midnight Commander's overwrite question shows them: sizes and times.
        listed = str(prompt.query_one("#prompt-items").render())
        assert "same.txt · new: 12 B " in listed and " · here: 4 B " in listed, listed
        assert (local / "same.txt").read_text() == "old\n"
        await pilot.press("r")  # rename: keep both
        await wait_for(pilot, lambda: "DOWNLOAD SUCCEEDED" in _task_rows(app), "download ended")
        assert (local / "same.txt").read_text() == "old\n"
        renamed = [p for p in local.iterdir() if p.name != "same.txt"]
        assert len(renamed) == 1 and renamed[0].read_text() == "new content\n"


async def test_collection_without_https_says_why(sandbox: SandboxHandle, tmp_config, tmp_path: Path):
    local = tmp_path / "here"
    local.mkdir()
    (local / "f.txt").write_text("x")
    app = _app(sandbox, tmp_config, f"local:{local}", f"{ALICES_LAPTOP_ID}:/~/")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        left, right = screen.left_pane, screen.right_pane
        await wait_for(pilot, lambda: left.path == f"{local}/" and right.collection is not None, "both panes")
        await settled(pilot)
        await cursor_to(pilot, left, "f.txt")
        await pilot.press("f5")
        await wait_for(pilot, lambda: any("Globus Connect Personal" in n for n in notices(app)), "refusal")
        said = next(n for n in notices(app) if "Globus Connect Personal" in n)
        assert "no HTTPS access" in said and "install Globus Connect Personal here" in said
        assert not _task_rows(app)


@pytest.mark.parametrize("where", ["lab-storage", "hpc-scratch"])
async def test_f5_download_asks_for_the_collections_consent_in_the_app_then_runs(
    where: str, sandbox: SandboxHandle, tmp_path: Path, memory_keyring, monkeypatch
):
    """A real session without the collection's https consent: F5 -> the login screen (auto-approved) -> the task.

    HPC Scratch is a mapped collection that requires data_access: its https token carries that scope too
    (and its listing needed a consent of its own first).
    """
    from gterm.config import GtermConfig
    from gterm.globus.https_access import data_access_scope, https_scope
    from gterm.globus.session import GtermSession
    from tests.support.sandbox_login import new_native_client

    monkeypatch.setenv("GTERM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("GTERM_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("GTERM_NATIVE_CLIENT_ID", new_native_client(sandbox, f"https consent test {where}"))
    for name in ("GTERM_CLIENT_ID", "GTERM_CLIENT_SECRET", "GTERM_TOKEN_STORE", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    if where == "lab-storage":
        collection_id = LAB_STORAGE_ID
        _disk, path = make_lab_dir(sandbox, {"wanted/a.txt": "alpha\n", "wanted/b.txt": "beta\n"})
        wanted, expected = "wanted", {"a.txt": b"alpha\n", "b.txt": b"beta\n"}
        scopes = {https_scope(LAB_STORAGE_ID)}
    else:
        collection_id, path, wanted = HPC_SCRATCH_ID, "/home/alice/", "job-1234"
        job = collection_root(sandbox, HPC_SCRATCH_ID) / "home" / "alice" / "job-1234"
        expected = {p.name: p.read_bytes() for p in job.iterdir()}
        scopes = {https_scope(HPC_SCRATCH_ID), data_access_scope(HPC_SCRATCH_ID)}
    local = tmp_path / "here"
    local.mkdir()
    config = GtermConfig.load()
    session = GtermSession(config, auto_approve=True, persist_config=False)
    try:
        assert session.start_login().try_automatic(30)  # signed in for Transfer only
        app = make_app(
            session.transfer_service(), session=session, config=config,
            left=f"{collection_id}:{path}", right=f"local:{local}",
        )
        async with app.run_test(size=SIZE) as pilot:
            screen = app.main_screen
            left = screen.left_pane
            await both_listed(pilot, app, path, f"{local}/")
            await cursor_to(pilot, left, wanted)
            await f5_to_this_computer(pilot)
            await wait_for(pilot, lambda: "DOWNLOAD SUCCEEDED" in _task_rows(app), "the download, after the consent")
            # The consent was asked for inside the app (the coordinator's login), then the F5 ran again.
            assert app.reauth.reason.startswith("More consent")
            assert scopes <= set(session.scope_requirements.get(collection_id, []))
            # The notice says what the login was for (in the demo a consent needs no keys: it came unasked).
            assert "Consent given; retrying what failed (download)." in notices(app)
            assert _task_rows(app) == ["DOWNLOAD SUCCEEDED"]  # one task, no failed first attempt
            assert {p.name: p.read_bytes() for p in (local / wanted).iterdir()} == expected
    finally:
        session.close()


async def test_a_file_the_pane_did_not_list_yet_is_not_overwritten(sandbox: SandboxHandle, tmp_config, tmp_path: Path):
    _disk, path = make_lab_dir(sandbox, {"late.txt": "from the collection\n"})
    local = tmp_path / "here"
    local.mkdir()
    app = _app(sandbox, tmp_config, f"{LAB_STORAGE_ID}:{path}", f"local:{local}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        left = screen.left_pane
        await both_listed(pilot, app, path, f"{local}/")
        (local / "late.txt").write_text("mine, made after the listing\n")  # the pane does not show it
        await cursor_to(pilot, left, "late.txt")
        await f5_to_this_computer(pilot)
        await wait_for(pilot, lambda: "DOWNLOAD SUCCEEDED" in _task_rows(app), "download ended")
        assert not isinstance(app.screen, ChoicePrompt)  # nothing was seen to ask about
        assert (local / "late.txt").read_text() == "mine, made after the listing\n"
        assert (local / "late (1).txt").read_text() == "from the collection\n"


async def test_broken_links_chosen_for_an_upload_are_named_as_skipped(
    sandbox: SandboxHandle, tmp_config, tmp_path: Path
):
    """QA: a broken link selected with other files in the Local pane was left out of the upload without
    a word (a Globus transfer says so; gterm's own tasks did not)."""
    disk, path = make_lab_dir(sandbox, {})
    local = tmp_path / "here"
    local.mkdir()
    (local / "f.txt").write_text("f")
    (local / "dangling").symlink_to("nowhere")
    app = _app(sandbox, tmp_config, f"local:{local}", f"{LAB_STORAGE_ID}:{path}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        left = screen.left_pane
        await both_listed(pilot, app, f"{local}/", path)
        await pilot.press("ctrl+a")
        assert left.file_list.selected_names == {"f.txt", "dangling"}
        question = await f5_to_this_computer(pilot)
        assert "1 broken link skipped (nothing behind it to send): dangling" in question, question
        await wait_for(pilot, lambda: "UPLOAD SUCCEEDED" in _task_rows(app), "upload ended")
        assert sorted(p.name for p in disk.iterdir()) == ["f.txt"]
        assert any("1 broken link skipped" in n and "dangling" in n for n in notices(app)), notices(app)


async def test_an_upload_onto_a_name_the_pane_did_not_list_asks_first(
    sandbox: SandboxHandle, tmp_config, tmp_path: Path
):
    """QA: an upload whose name was on the collection but not in the pane's listing (stale, or a page
    not loaded yet) replaced the file there without a question. The collection is asked (stat) now."""
    disk, path = make_lab_dir(sandbox, {"other.txt": "o"})
    local = tmp_path / "here"
    local.mkdir()
    (local / "same.txt").write_text("new from here\n")
    (local / "fresh.txt").write_text("f")
    app = _app(sandbox, tmp_config, f"local:{local}", f"{LAB_STORAGE_ID}:{path}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await both_listed(pilot, app, f"{local}/", path)
        (disk / "same.txt").write_text("theirs\n")  # on the collection; its pane does not show it
        assert "same.txt" not in listing_names(screen.right_pane)
        await pilot.press("ctrl+a")
        await f5_to_this_computer(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, ChoicePrompt), "asked, as for a listed name")
        prompt = app.screen
        assert isinstance(prompt, ChoicePrompt)
        listed = str(prompt.query_one("#prompt-items").render())
        assert "same.txt · new: 14 B " in listed and " · here: 7 B " in listed and "fresh.txt" not in listed, listed
        await pilot.press("enter")  # skip
        await wait_for(pilot, lambda: "UPLOAD SUCCEEDED" in _task_rows(app), "upload ended")
        assert (disk / "same.txt").read_text() == "theirs\n"
        assert (disk / "fresh.txt").read_text() == "f"


async def test_f5_again_while_an_upload_checks_its_names_says_so_and_starts_one_task(
    sandbox: SandboxHandle, tmp_config, tmp_path: Path
):
    """Review: the upload's look at the collection's names (a stat per name) showed nothing on a slow
    network, and F5 + Enter again started a second check, then a second upload of the same files."""
    import asyncio
    import threading

    from tests.support.outages import gated

    disk, path = make_lab_dir(sandbox, {})
    local = tmp_path / "here"
    local.mkdir()
    (local / "one.txt").write_text("1")
    release, stats = threading.Event(), []

    async def slow_stat(scope: Any, receive: Any, send: Any, inner: Any) -> None:
        if str(scope.get("path", "")).endswith("/stat"):
            stats.append(scope["path"])
            await asyncio.to_thread(release.wait, 60)
        await inner(scope, receive, send)

    app = _app(sandbox, tmp_config, f"local:{local}", f"{LAB_STORAGE_ID}:{path}")
    try:
        with gated(sandbox, slow_stat):
            async with app.run_test(size=SIZE) as pilot:
                screen = app.main_screen
                await both_listed(pilot, app, f"{local}/", path)
                await cursor_to(pilot, screen.left_pane, "one.txt")
                await f5_to_this_computer(pilot)
                await wait_for(pilot, lambda: bool(stats), "the names being checked")
                await pilot.press("f5")
                await wait_for(pilot, lambda: any("Still preparing this upload" in n for n in notices(app)),
                               "said")
                assert app.screen is screen  # no second where-to question
                release.set()
                await wait_for(pilot, lambda: "UPLOAD SUCCEEDED" in _task_rows(app), "upload ended")
                assert len(screen.task_panel.local_tasks) == 1 and len(stats) == 1
                assert (disk / "one.txt").read_text() == "1"
    finally:
        release.set()


async def test_an_empty_directory_uploaded_is_made_there_and_said(sandbox: SandboxHandle, tmp_config, tmp_path: Path):
    """As cp -r and Globus do: the directory is made, and the task says so instead of "0 files"."""
    disk, path = make_lab_dir(sandbox, {})
    local = tmp_path / "here"
    (local / "empty").mkdir(parents=True)
    app = _app(sandbox, tmp_config, f"local:{local}", f"{LAB_STORAGE_ID}:{path}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await both_listed(pilot, app, f"{local}/", path)
        await cursor_to(pilot, screen.left_pane, "empty")
        await f5_to_this_computer(pilot)
        await wait_for(pilot, lambda: "UPLOAD SUCCEEDED" in _task_rows(app), "upload ended")
        assert (disk / "empty").is_dir() and not list((disk / "empty").iterdir())
        await wait_for(pilot, lambda: "empty" in listing_names(screen.right_pane), "the collection pane reloaded")
        (task,) = screen.task_panel.local_tasks.values()
        assert [e.description for e in task.events()] == ["1 directory, 0 files, 0 bytes", "1 directory made, no files"]
        assert any("Upload succeeded" in n and "1 directory made, no files" in n for n in notices(app)), notices(app)


async def test_an_upload_left_with_nothing_to_send_starts_no_task(sandbox: SandboxHandle, tmp_config, tmp_path: Path):
    """QA: Skip on an upload whose every name was there already started an "Upload 0 items" task that did
    nothing and said "All files moved"."""
    disk, path = make_lab_dir(sandbox, {"a.txt": "theirs", "b.txt": "theirs"})
    local = tmp_path / "here"
    local.mkdir()
    (local / "a.txt").write_text("mine")
    (local / "b.txt").write_text("mine")
    app = _app(sandbox, tmp_config, f"local:{local}", f"{LAB_STORAGE_ID}:{path}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await both_listed(pilot, app, f"{local}/", path)
        await pilot.press("ctrl+a")
        await f5_to_this_computer(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, ChoicePrompt), "asked first")
        await pilot.press("enter")  # skip
        await wait_for(pilot, lambda: any("Nothing to upload" in n for n in notices(app)), "said why")
        said = next(n for n in notices(app) if "Nothing to upload" in n)
        assert "both names are already in Lab Storage and were skipped" in said, said
        await settled(pilot)
        assert not screen.task_panel.local_tasks and not _task_rows(app)
        assert screen.left_pane.file_list.selected_names == {"a.txt", "b.txt"}  # nothing was sent: kept
        assert (disk / "a.txt").read_text() == "theirs"


async def test_the_conflict_dialog_of_a_copy_speaks_of_copies_and_enter_skips(
    sandbox: SandboxHandle, tmp_config, tmp_path: Path
):
    source, destination = tmp_path / "src", tmp_path / "dst"
    source.mkdir()
    destination.mkdir()
    (source / "a.txt").write_text("new\n")
    (destination / "a.txt").write_text("old\n")
    app = _app(sandbox, tmp_config, f"local:{source}", f"local:{destination}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        left = screen.left_pane
        await both_listed(pilot, app, f"{source}/", f"{destination}/")
        await cursor_to(pilot, left, "a.txt")
        await f5_to_this_computer(pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, ChoicePrompt), "asked first")
        prompt = app.screen
        assert isinstance(prompt, ChoicePrompt)
        assert "download" not in prompt.message
        await pilot.press("enter")  # the focused answer: the safe one
        await wait_for(pilot, lambda: "COPY SUCCEEDED" in _task_rows(app), "copy ended")
        assert (destination / "a.txt").read_text() == "old\n"
        assert sorted(p.name for p in destination.iterdir()) == ["a.txt"]
        task = next(t for t in screen.task_panel.tasks if t.type == "COPY")
        assert task.files_skipped == 1


async def test_quitting_stops_a_download_at_once_and_keeps_what_arrived(
    sandbox: SandboxHandle, tmp_config, tmp_path: Path
) -> None:
    """QA: q, Enter during a 6 GB download restored the terminal, then the process went on downloading
    (its worker thread kept it alive) until the whole file was in. The quit question says it stops."""
    import time

    disk, path = make_lab_dir(sandbox, {})
    with open(disk / "huge.bin", "wb") as sparse:  # 2 GB of holes: quick to make, minutes to download here
        sparse.truncate(2 * 1024**3)
    local = tmp_path / "here"
    local.mkdir()
    app = _app(sandbox, tmp_config, f"{LAB_STORAGE_ID}:{path}", f"local:{local}")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        await both_listed(pilot, app, path, f"{local}/")
        await cursor_to(pilot, screen.left_pane, "huge.bin")
        await f5_to_this_computer(pilot)
        await wait_for(pilot, lambda: bool(screen.task_panel.local_tasks), "the download")
        (task,) = screen.task_panel.local_tasks.values()
        await wait_for(pilot, lambda: task.snapshot().bytes_transferred > 0, "the first bytes")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the quit question")
        await pilot.press("enter")
        await wait_for_exit(app)
    deadline = time.monotonic() + 20
    while task.is_active and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not task.is_active and task.status != "SUCCEEDED"
    assert not (local / "huge.bin").exists()  # not completed behind the user's back
    parts = list(local.glob(".huge.bin*"))
    assert parts and 0 < parts[0].stat().st_size < 2 * 1024**3  # what arrived is kept for F5 to resume
