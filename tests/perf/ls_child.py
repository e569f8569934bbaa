"""The measured process of tests/perf/ls_vs_globus_cli.py: gterm itself, headless, until the listing is painted.

Started as ``python tests/perf/ls_child.py --collection C --path P --expect N --variant V``
and timed from its spawn by the parent, it must reach gterm's first step as
soon as ``gterm`` does: so this module imports, before ``cli.tui_app``
spawns the head-start helper, only what ``gterm.cli`` imports by then
(argparse, contextlib, json, os, time). asyncio (about 40 ms) and the rest
of the harness come after, once Textual has loaded them anyway; a harness
that imported them first would start the helper late and time its own
imports as gterm's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time
from typing import Any

SIZE = (160, 50)
VARIANTS = ("app", "user", "list")


def helper_cpu() -> float:
    """CPU seconds of this process's finished children: gterm's head-start helper (gterm.globus.head_start)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def rss_now() -> int:
    """This process's resident set (bytes), from /proc."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def burst_end(moments: list[float]) -> float | None:
    """The end of the frame that drew the first of ``moments``: the last line drawn in one burst."""
    if not moments:
        return None
    end = moments[0]
    for moment in moments[1:]:
        if moment - end > 0.02:
            break
        end = moment
    return end


def child_main(args: argparse.Namespace) -> None:
    """Runs in a fresh process: gterm, headless, until the listing is painted.

    ``--variant app`` is what ``gterm --left LOC`` runs, through the same code:
    ``cli.tui_app`` (settings, a GtermSession in client-credentials mode from
    GTERM_CLIENT_ID / _SECRET, its credentials checked after the first frame,
    ``cli.build_tui``: the start-up listing leaves before the UI is imported);
    only ``app.run()`` becomes a headless ``run_test``. After the listing is on
    screen it also times keystrokes in the full app (``/`` and typing a
    filter, Esc, ``s`` / ``S``). The instrumentation goes through gterm's own
    seams, so globus-sdk is still imported only where gterm imports it (the
    early listing's thread), never on the main thread before the UI.
    ``--variant user`` is the same app signed in as a person, as
    ``gterm --token-store file --left LOC`` runs it: the session's tokens were
    stored by an earlier login, so (like ``globus ls`` with its stored tokens)
    it starts without asking Globus Auth for a token.
    ``--variant list`` is the bare path: a thread worker calls
    TransferService.ls and hands the Listing to a FileList.
    """
    import threading

    # Milestones of the listing path (first call of each for the measured directory).
    milestones: dict[str, float] = {}

    def instrument_listing() -> None:
        """Time the listing path through gterm's seams (imports gterm.globus.transfer)."""
        import gterm.globus.transfer as transfer_module
        from gterm.globus.transfer import TransferService

        original_ls = TransferService._ls
        on_thread = threading.local()  # is this thread's _ls call for the measured directory?

        def timed_ls(self: TransferService, collection_id: str, path: str, **kwargs: Any) -> Any:
            mine = on_thread.mine = path == args.path
            if mine:
                milestones.setdefault("ls_start", time.time())
            try:
                return original_ls(self, collection_id, path, **kwargs)
            finally:
                if mine:
                    milestones.setdefault("ls_end", time.time())  # the first answer (a first page)
                    milestones["last_ls_end"] = time.time()  # the last page

        TransferService._ls = timed_ls  # type: ignore[method-assign]  # instrumentation only
        original_get_collection = TransferService.get_collection

        def timed_get_collection(self: TransferService, collection_id: str) -> Any:
            try:
                return original_get_collection(self, collection_id)
            finally:
                milestones.setdefault("collection_end", time.time())  # the pane's lookup, answered

        TransferService.get_collection = timed_get_collection  # type: ignore[method-assign]  # instrumentation only

        # The body received (the SDK call returned, or the head-start helper handed its answer over),
        # then the Entry records decoded: both go through listing_from_body.
        original_from_body = transfer_module.listing_from_body

        def timed_from_body(collection_id: str, path: str, offset: int, body: bytes) -> Any:
            mine = path == args.path
            if mine:
                milestones.setdefault("body_received", time.time())
                milestones["last_body_received"] = time.time()  # (the body is decoded when it may be)
            try:
                return original_from_body(collection_id, path, offset, body)
            finally:
                if mine:
                    milestones.setdefault("entries_decoded", time.time())
                    milestones["last_decoded"] = time.time()

        setattr(transfer_module, "listing_from_body", timed_from_body)  # noqa: B010 - the name transfer.py calls

    app: Any
    session_open = contextlib.ExitStack()
    if args.variant in ("app", "user"):
        from gterm import cli

        # Instrumented once the helper is spawned: gterm spawns it before importing anything more
        # (the listing code), and so does it here.
        spawn_head_start = cli.spawn_head_start

        def spawn_then_instrument(*given: Any) -> Any:
            started = spawn_head_start(*given)
            instrument_listing()
            return started

        cli.spawn_head_start = spawn_then_instrument  # instrumentation only

        argv = ["--token-store", "file"] if args.variant == "user" else []
        app = session_open.enter_context(
            cli.tui_app(cli.build_parser().parse_args([*argv, "--left", f"{args.collection}:{args.path}"]))
        )
        from gterm.tui.widgets.pane import Pane

        original_open, original_load_done = Pane.open, Pane._load_done

        def timed_open(self: Pane, collection_id: str, path: str | None = None, **kwargs: Any) -> None:
            if path == args.path:
                milestones.setdefault("pane_open", time.time())
            original_open(self, collection_id, path, **kwargs)

        def timed_load_done(self: Pane, generation: int, collection: Any, listing: Any, *rest: Any) -> None:
            if listing.path == args.path:
                milestones.setdefault("load_done", time.time())
            original_load_done(self, generation, collection, listing, *rest)

        Pane.open = timed_open  # type: ignore[method-assign]  # instrumentation only
        Pane._load_done = timed_load_done  # type: ignore[method-assign,assignment]  # instrumentation only
        after_first_frame = app._after_first_frame

        def timed_after_first_frame() -> None:
            milestones.setdefault("first_frame", time.time())
            after_first_frame()

        app._after_first_frame = timed_after_first_frame  # instrumentation only
    else:
        instrument_listing()
    imported = time.time()

    import asyncio  # loaded by now (Textual's import, or the app's): see the module's docstring

    from textual.app import App, ComposeResult

    from gterm.globus.transfer import TransferService
    from gterm.tui.widgets.file_list import FileList

    class ListOnly(App[None]):
        def __init__(self, service: TransferService) -> None:
            super().__init__()
            self.service = service

        def compose(self) -> ComposeResult:
            yield FileList()

        def on_mount(self) -> None:
            self.run_worker(self._load, thread=True, group="listing")

        def _load(self) -> None:
            file_list = self.query_one(FileList)
            listing = self.service.ls(args.collection, args.path)
            view = file_list.prepare_view(listing)  # the sort off the event loop, as the Pane does
            self.call_from_thread(file_list.set_listing, listing, show_parent=True, view=view)

    painted: list[float] = []
    first_painted: list[float] = []
    rss: dict[str, int] = {"imported": rss_now()}
    lines_drawn: list[float] = []
    original = FileList.render_line
    ready = asyncio.Event()
    cpu_at_paint: list[float] = []
    cpu_at_first: list[float] = []  # the process's CPU (all threads) when the first screenful was drawn

    def watching_render_line(self: FileList, y: int) -> Any:
        strip = original(self, y)
        lines_drawn.append(time.perf_counter())
        listing = self.listing
        if listing is not None and listing.path == args.path and self.visible_count and y > 0:
            if not first_painted:
                rss["first_screenful"] = rss_now()
                cpu_at_first.append(time.process_time())
            first_painted.append(time.time())
        if self.visible_count >= args.expect:
            painted.append(time.time())
            if not ready.is_set():
                cpu_at_paint.append(time.process_time())
            ready.set()
        return strip

    FileList.render_line = watching_render_line  # type: ignore[method-assign]  # instrumentation only
    original_set_listing = FileList.set_listing

    def timed_set_listing(self: FileList, listing: Any, **kwargs: Any) -> None:
        mine = len(listing.entries) >= args.expect
        if mine:
            milestones.setdefault("set_listing_start", time.time())
        original_set_listing(self, listing, **kwargs)
        if mine:
            milestones.setdefault("set_listing_end", time.time())

    FileList.set_listing = timed_set_listing  # type: ignore[method-assign]

    if args.variant == "list":
        import globus_sdk

        client_id = os.environ["GTERM_CLIENT_ID"]
        secret = os.environ["GTERM_CLIENT_SECRET"]
        scope = os.environ["GTERM_PERF_SCOPE"]

        def make_client() -> globus_sdk.TransferClient:
            auth = globus_sdk.ConfidentialAppAuthClient(client_id, secret)
            return globus_sdk.TransferClient(authorizer=globus_sdk.ClientCredentialsAuthorizer(auth, scope))

        app = ListOnly(TransferService(make_client))

    async def frame_after(pilot: Any, started: float) -> float | None:
        """Seconds from ``started`` to the end of the first frame drawn after it (None: none drawn)."""
        for _ in range(400):
            if lines_drawn and lines_drawn[-1] >= started:
                break
            await asyncio.sleep(0.002)
        else:
            return None
        await pilot.pause()
        moments = [moment for moment in lines_drawn if moment >= started]
        frame_end = moments[0]
        for moment in moments[1:]:
            if moment - frame_end > 0.02:
                break
            frame_end = moment
        return frame_end - started

    async def keystrokes(pilot: Any) -> dict[str, float | None]:
        timings: dict[str, float | None] = {}
        for label, key in (("'/' opens the filter", "slash"), ("filter keystroke '1'", "1"),
                           ("filter keystroke '2'", "2"), ("filter backspace", "backspace"),
                           ("Esc clears the filter", "escape"), ("'s' re-sorts (size)", "s"),
                           ("'s' re-sorts (time)", "s"), ("'S' reverses", "S"), ("'s' back to name", "s"),
                           # back to ascending: the sort is remembered, and the next run's first page asks in it
                           ("'S' back to ascending", "S")):
            await pilot.pause()
            await asyncio.sleep(0.05)
            started = time.perf_counter()
            await pilot.press(key)
            timings[label] = await frame_after(pilot, started)
        return timings

    async def run() -> dict[str, Any]:
        async with app.run_test(size=SIZE) as pilot:
            # Wait without polling: a busy wait would steal the GIL from the listing worker.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ready.wait(), timeout=180)
            await pilot.pause()  # the frame that drew the first full line finishes
            rss["complete"] = rss_now()
            shown = max((file_list.visible_count for file_list in app.query(FileList)), default=0)
            keys = await keystrokes(pilot) if args.variant == "app" and shown >= args.expect else {}
        return {"imported": imported, "painted": burst_end(painted), "first_painted": burst_end(first_painted),
                "first_line": first_painted[0] if first_painted else None,
                "entries": shown, "keys": keys, "rss": rss,
                "cpu": cpu_at_paint[0] if cpu_at_paint else None,
                "cpu_first": cpu_at_first[0] if cpu_at_first else None,
                "helper_cpu": helper_cpu(), **milestones}

    with session_open:
        result = asyncio.run(run())
    print(json.dumps(result), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--collection", required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--expect", type=int, default=0)
    parser.add_argument("--variant", choices=VARIANTS, default="app")
    child_main(parser.parse_args())


if __name__ == "__main__":
    main()
