"""DataTables filled by a service's answer: columns of fixed widths, and the cursor kept across a refill.

A DataTable sizes automatic columns to their rows on an Idle event after the rows
arrive, so they jump once the answer is in (and a picture may catch either width).
Refilled after a change (``clear()``, then the rows again), its cursor goes back to
the first row, and the next key acts on another entry: :func:`cursor_place` and
:func:`put_cursor_back` keep it on its row, or on the row that took its place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from textual.coordinate import Coordinate
from textual.widgets import DataTable


def add_fixed_columns(table: DataTable[Any], columns: Iterable[tuple[str, int]]) -> None:
    for label, width in columns:
        table.add_column(label, width=width)


def cursor_place(table: DataTable[Any]) -> tuple[str | None, int]:
    """Where the cursor is, to put it back after a refill: its row's key and its index."""
    row = table.cursor_row
    if not 0 <= row < table.row_count:
        return None, 0
    return table.coordinate_to_cell_key(Coordinate(row, 0)).row_key.value, row


def put_cursor_back(table: DataTable[Any], keys: Sequence[str], place: tuple[str | None, int]) -> None:
    """On the same row if its key is still there; else on the row now at its index (the one after a row
    deleted), never back on the first."""
    key, row = place
    if keys:
        table.move_cursor(row=keys.index(key) if key in keys else min(row, len(keys) - 1), animate=False)
