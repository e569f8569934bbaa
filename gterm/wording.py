"""How gterm words a count in what it says: one form for every message ("1 file", "2,048 files")."""

from __future__ import annotations


def plural(count: int, word: str, words: str | None = None) -> str:
    """``count`` with ``word``, or with its plural (``words``, else ``word`` + "s") when it is not 1."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"
