"""How gterm words a count in what it says: one form for every message ("1 file", "2,048 files")."""

from __future__ import annotations


def plural(count: int, word: str, words: str | None = None) -> str:
    """``count`` with ``word``, or with its plural (``words``, else ``word`` + "s") when it is not 1."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def hidden_by_filter(count: int) -> str:
    """What a confirmation says when ``count`` of the entries it acts on are selected but hidden by the filter."""
    if not count:
        return ""
    return f"{count:,} of them {'is' if count == 1 else 'are'} selected but hidden by the filter."


def skipped(files: int, directories: int) -> str:
    """``1 file and 2 directories skipped``; "" when nothing was skipped."""
    said = [plural(files, "file")] if files else []
    if directories:
        said.append(plural(directories, "directory", "directories"))
    return f"{' and '.join(said)} skipped" if said else ""
