"""DataTable columns of fixed widths, for tables filled by a service's answer.

A DataTable sizes automatic columns to their rows on an Idle event after the rows
arrive, so they jump once the answer is in (and a picture may catch either width).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import DataTable


def add_fixed_columns(table: DataTable[Any], columns: Iterable[tuple[str, int]]) -> None:
    for label, width in columns:
        table.add_column(label, width=width)
