"""FileList at 100,000 entries vs the stock DataTable (prints figures and ratios, asserts nothing).

Builds a 100,000-entry Listing in memory (about 1% directories, a few dot
files, varied sizes and times, in shuffled order), runs a headless App hosting only a FileList
and measures, each up to the moment the frame is painted (the last
``render_line`` call of the refresh that follows the change):

* set_listing -> first paint
* filter keystrokes (one more character in ``filter_text``, then a backspace),
  and the same typed into a filter Input wired to ``filter_text`` (as a pane does)
* re-sort (size, time, reverse, back to name), and by clicking the column headers; the first
  re-sort by a key computes its order on the UI thread (what a key pressed before the pane's
  worker has prepared the orders costs), then the app's path: the orders computed on a thread
  (``other_orders``, timed) and adopted, and the keys pressed again
* space (toggle one), cursor keystroke (down), page down, end, select all
* memory growth: the Listing itself, and FileList's own overhead on top of it
  (tracemalloc, measured in a separate pass so it does not slow the timings)

then, in the same run, the stock DataTable taking the same 100,000 rows with
``add_rows`` until its first paint, and prints the ratios.

Run:  python -m tests.perf.file_list_perf [--entries 100000] [--skip-datatable]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widgets import DataTable, Input

from gterm.globus.models import Entry, Listing
from gterm.tui.listing_view import format_permissions, format_time, human_size
from gterm.tui.widgets.file_list import FileList

SIZE = (120, 40)
T0 = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def build_listing(count: int) -> Listing:
    entries = []
    for i in range(count):
        if i % 100 == 7:
            entries.append(Entry(f"dir_{i:06d}", "dir", 4096, T0 - timedelta(minutes=i), "0755"))
        elif i % 500 == 3:
            entries.append(Entry(f".hidden_{i:06d}", "file", i, T0 - timedelta(minutes=i % 977), "0600"))
        else:
            entries.append(
                Entry(
                    f"Sample File {i:06d}.dat", "file", (i * 7919) % 50_000_000, T0 - timedelta(seconds=i * 37), "0644"
                )
            )
    # the server's order is arbitrary (directory order); shuffling keeps sorts honest
    random.Random(20260115).shuffle(entries)
    return Listing("perf", "/perf/", tuple(entries))


class TimedFileList(FileList):
    """Records when lines are rendered, so a test can tell when a frame is on screen."""

    def __init__(self) -> None:
        super().__init__(id="files")
        self.painted: list[float] = []

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        self.painted.append(time.perf_counter())  # perf_counter only: process_time is a slow syscall here
        return strip


class TimedDataTable(DataTable[Any]):
    def __init__(self) -> None:
        super().__init__(id="table")
        self.painted: list[float] = []

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        self.painted.append(time.perf_counter())  # perf_counter only: process_time is a slow syscall here
        return strip


class FileListHost(App[None]):
    """A FileList under a filter Input wired the way a pane wires it (each edit sets ``filter_text``)."""

    def compose(self) -> ComposeResult:
        yield Input(id="filter")
        yield TimedFileList()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one(TimedFileList).filter_text = event.value


class DataTableHost(App[None]):
    def compose(self) -> ComposeResult:
        yield TimedDataTable()


async def until_painted(
    pilot: Pilot[Any], widget: TimedFileList | TimedDataTable, started: float, cpu_started: float
) -> tuple[float, float]:
    """(wall seconds to the last line painted by the next frame, CPU seconds including one more idle pump)."""
    for _ in range(400):
        await pilot.pause()
        if widget.painted and widget.painted[-1] >= started:
            # let the frame finish (all lines), then take the last line's time
            await pilot.pause()
            return max(widget.painted) - started, time.process_time() - cpu_started
    raise RuntimeError("no frame painted")


async def measure(
    pilot: Pilot[Any], widget: TimedFileList | TimedDataTable, change: Callable[[], Awaitable[None] | None]
) -> tuple[float, float]:
    await pilot.pause()
    widget.painted.clear()
    started, cpu_started = time.perf_counter(), time.process_time()
    result = change()
    if result is not None:
        await result
    return await until_painted(pilot, widget, started, cpu_started)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


async def file_list_timings(listing: Listing) -> dict[str, tuple[float, float]]:
    app = FileListHost()
    figures: dict[str, tuple[float, float]] = {}
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(TimedFileList)
        fl.focus()
        figures["frame baseline (refresh, no change)"] = await measure(
            pilot, fl, lambda: fl.refresh() and None
        )
        figures["set_listing -> first paint"] = await measure(
            pilot, fl, lambda: fl.set_listing(listing, show_parent=True)
        )
        typed = ""
        for char in "1234":
            typed += char
            figures[f"filter keystroke {typed!r}"] = await measure(
                pilot, fl, lambda t=typed: setattr(fl, "filter_text", t)  # type: ignore[misc]
            )
        figures["filter backspace '123'"] = await measure(pilot, fl, lambda: setattr(fl, "filter_text", "123"))
        figures["filter cleared"] = await measure(pilot, fl, lambda: setattr(fl, "filter_text", ""))
        figures["filter keystroke 'd' (from empty)"] = await measure(pilot, fl, lambda: setattr(fl, "filter_text", "d"))
        await measure(pilot, fl, lambda: setattr(fl, "filter_text", ""))
        figures["re-sort size (first time)"] = await measure(pilot, fl, lambda: setattr(fl, "sort_key", "size"))
        figures["re-sort time (first time)"] = await measure(pilot, fl, lambda: setattr(fl, "sort_key", "time"))
        figures["re-sort reverse"] = await measure(pilot, fl, lambda: setattr(fl, "sort_reverse", True))
        figures["re-sort name (cached order)"] = await measure(pilot, fl, lambda: setattr(fl, "sort_key", "name"))
        figures.update(await prepared_orders_timings(pilot, fl, listing))
        figures["show hidden"] = await measure(pilot, fl, lambda: setattr(fl, "show_hidden", True))
        # What a user does: type into the filter box, click a column header, press keys.
        await measure(pilot, fl, lambda: setattr(fl, "show_hidden", False))
        app.query_one(Input).focus()
        for label, key in (("'1'", "1"), ("'12'", "2"), ("backspace '1'", "backspace"), ("backspace ''", "backspace")):
            figures[f"typed filter key {label}"] = await measure(pilot, fl, lambda k=key: pilot.press(k))  # type: ignore[misc]
        fl.focus()
        header = fl.render_line(0).text
        # pilot.click itself waits and moves the mouse: this row click is the reference to subtract.
        figures["click on a row (pilot.click overhead)"] = await measure(
            pilot, fl, lambda: pilot.click(TimedFileList, offset=(10, 3))
        )
        figures["re-sort header click Size"] = await measure(
            pilot, fl, lambda: pilot.click(TimedFileList, offset=(header.index("Size") + 1, 0))
        )
        figures["re-sort header click Size again (reverse)"] = await measure(
            pilot, fl, lambda: pilot.click(TimedFileList, offset=(header.index("Size") + 1, 0))
        )
        figures["re-sort header click Name"] = await measure(
            pilot, fl, lambda: pilot.click(TimedFileList, offset=(header.index("Name") + 1, 0))
        )
        await measure(pilot, fl, lambda: setattr(fl, "show_hidden", True))
        figures["space key (toggle one)"] = await measure(pilot, fl, lambda: pilot.press("space"))
        figures["cursor down key"] = await measure(pilot, fl, lambda: pilot.press("down"))
        figures["page down key"] = await measure(pilot, fl, lambda: pilot.press("pagedown"))
        figures["end key"] = await measure(pilot, fl, lambda: pilot.press("end"))
        figures["select all (ctrl+a equivalent)"] = await measure(pilot, fl, fl.select_all)
    return figures


async def prepared_orders_timings(
    pilot: Pilot[Any], fl: TimedFileList, listing: Listing
) -> dict[str, tuple[float, float]]:
    """The app's path: a pane sorts a whole big listing every way on its listing worker
    (``ListingView.other_orders``, see pane_pages.PREPARED_ORDERS_FROM) and adopts the orders, so a
    sort key pressed afterwards only re-reads an order. The "first time" figures above are what a key
    pressed before the worker is done costs (the UI thread sorts it itself)."""
    figures: dict[str, tuple[float, float]] = {}
    await measure(pilot, fl, lambda: setattr(fl, "sort_reverse", False))
    view = fl.prepare_view(listing)  # a fresh view of the same listing: only its name order is known
    started, cpu_started = time.perf_counter(), time.process_time()
    orders = await asyncio.to_thread(view.other_orders)
    figures["worker: other_orders (size and time)"] = (time.perf_counter() - started, time.process_time() - cpu_started)
    await measure(pilot, fl, lambda: fl.set_listing(listing, show_parent=True, view=view))
    view.adopt_orders(orders)
    for key in ("size", "time", "name"):
        figures[f"re-sort {key} (app: prepared on worker)"] = await measure(
            pilot, fl, lambda k=key: setattr(fl, "sort_key", k)  # type: ignore[misc]
        )
    return figures


async def file_list_memory(listing_count: int) -> tuple[float, float]:
    """(MB held by the Listing, MB FileList adds on top after first paint and a size sort)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    listing = build_listing(listing_count)
    gc.collect()
    with_listing = tracemalloc.get_traced_memory()[0]
    app = FileListHost()
    async with app.run_test(size=SIZE) as pilot:
        fl = app.query_one(TimedFileList)
        await pilot.pause()
        gc.collect()
        app_only = tracemalloc.get_traced_memory()[0]
        fl.set_listing(listing, show_parent=True)
        await pilot.pause()
        fl.sort_key = "size"
        fl.filter_text = "1"
        await pilot.pause()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (with_listing - before) / 2**20, (after - app_only) / 2**20


async def datatable_timing(listing: Listing) -> tuple[float, float]:
    rows = [
        (
            entry.name + ("/" if entry.is_dir else ""),
            "<DIR>" if entry.is_dir else human_size(entry.size),
            format_time(entry.last_modified),
            format_permissions(entry.permissions, entry.type),
        )
        for entry in listing.entries
    ]
    app = DataTableHost()
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(TimedDataTable)
        table.add_columns("Name", "Size", "Modified", "Perms")

        def load() -> None:
            table.add_rows(rows)

        return await measure(pilot, table, load)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--skip-datatable", action="store_true")
    args = parser.parse_args()

    started = time.perf_counter()
    listing = build_listing(args.entries)
    print(f"built a {len(listing.entries):,}-entry Listing in {ms(time.perf_counter() - started)}")

    figures = asyncio.run(file_list_timings(listing))
    print(f"\nFileList, {args.entries:,} entries, terminal {SIZE[0]}x{SIZE[1]} (until the frame is painted)")
    print(f"  {'':<42} {'wall':>11} {'CPU':>11}")
    for label, (wall, cpu) in figures.items():
        print(f"  {label:<42} {ms(wall)} {ms(cpu)}")

    listing_mb, filelist_mb = asyncio.run(file_list_memory(args.entries))
    print(f"\nmemory (tracemalloc): Listing of Entry objects {listing_mb:7.1f} MB;"
          f" FileList on top of it {filelist_mb:7.1f} MB; total growth {listing_mb + filelist_mb:7.1f} MB")

    first_paint = figures["set_listing -> first paint"][0]
    worst_filter = max(v for k, v in figures.items() if k.startswith(("filter", "typed filter")))
    # header clicks carry pilot.click's own waits (see the row-click reference), so they are listed, not ranked
    worst_sort = max(v for k, v in figures.items() if k.startswith("re-sort") and "click" not in k)
    worst_prepared = max(v for k, v in figures.items() if k.startswith("re-sort") and "app:" in k)
    print("\ntargets: filter keystroke < 50 ms, re-sort < 150 ms, memory growth < 150 MB")
    print(f"  worst filter keystroke {ms(worst_filter[0])} wall {ms(worst_filter[1])} CPU;"
          f"  worst re-sort {ms(worst_sort[0])} wall {ms(worst_sort[1])} CPU;"
          f"  memory {listing_mb + filelist_mb:.1f} MB")
    print(f"  worst re-sort with the orders prepared on the worker (the app's path) {ms(worst_prepared[0])} wall;"
          f" the worker's other_orders {ms(figures['worker: other_orders (size and time)'][0])} wall")

    if not args.skip_datatable:
        table_wall, table_cpu = asyncio.run(datatable_timing(listing))
        print(f"\nbaseline: stock DataTable add_rows({args.entries:,}) -> first paint {ms(table_wall)} wall"
              f" {ms(table_cpu)} CPU")
        print(f"ratio DataTable / FileList (first paint): {table_wall / first_paint:6.1f}x wall,"
              f" {table_cpu / figures['set_listing -> first paint'][1]:6.1f}x CPU")
    print(f"\nload average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (other processes share the machine)")


if __name__ == "__main__":
    main()
