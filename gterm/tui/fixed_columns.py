"""DataTables filled by a service's answer: columns of fixed widths, and the cursor kept across a refill.

A DataTable sizes automatic columns to their rows on an Idle event after the rows
arrive, so they jump once the answer is in (and a picture may catch either width).
A cell wider than its column is cut by the table without a sign: :func:`add_fitted_row`
ends it in "…" instead, so a cut name never reads as a whole, shorter one.
Refilled after a change (``clear()``, then the rows again), its cursor goes back to
the first row, and the next key acts on another entry: :func:`cursor_place` and
:func:`put_cursor_back` keep it on its row, or on the row that took its place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from gterm.tui.widgets.file_columns import fit_cells


def shared_widths(room: int, wants: Sequence[int], weights: Sequence[int]) -> list[int]:
    """``room`` cells shared among columns that would like ``wants``: a column whose want is within its
    share (by ``weights``) takes just that, and what it leaves is shared again among the others; the rest
    split what remains by weight (and are cut with "…"). So a short column ("everyone", "ls") gives room to
    a long one instead of sitting on a fixed fraction of the screen."""
    widths: dict[int, int] = {}
    open_ = list(range(len(wants)))
    left = room
    while open_:
        total = sum(weights[n] for n in open_) or 1
        fitting = [n for n in open_ if wants[n] <= left * weights[n] // total]
        if not fitting:
            break
        for n in fitting:
            widths[n] = wants[n]
            left -= wants[n]
        open_ = [n for n in open_ if n not in fitting]
    if open_:
        total = sum(weights[n] for n in open_) or 1
        for n in open_:
            widths[n] = left * weights[n] // total
        widths[open_[0]] += left - sum(widths[n] for n in open_)  # the rounding, to the first
    else:
        widths[0] += left  # every column whole: the first takes the spare room
    return [widths[n] for n in range(len(wants))]


def add_fixed_columns(table: DataTable[Any], columns: Iterable[tuple[str, int]]) -> None:
    for label, width in columns:
        table.add_column(label, width=width)


def add_fitted_row(table: DataTable[Any], cells: Sequence[str | Text], key: str | None = None) -> None:
    """A row of ``cells``, each cut to its fixed column with "…" (cells past the last column are left out)."""
    columns = list(table.columns.values())
    fitted = [_cut(cell, column.width) for cell, column in zip(cells, columns, strict=False)]
    table.add_row(*fitted, key=key)


def _cut(cell: str | Text, width: int) -> str | Text:
    text = cell if isinstance(cell, Text) else Text(cell)
    return cell if text.cell_len <= width else fit_cells(text.copy(), width)


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
