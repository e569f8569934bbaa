"""How gterm words a count in what it says: one form for every message ("1 file", "2,048 files")."""

from __future__ import annotations

from collections.abc import Sequence


def plural(count: int, word: str, words: str | None = None) -> str:
    """``count`` with ``word``, or with its plural (``words``, else ``word`` + "s") when it is not 1."""
    return f"{count:,} {word if count == 1 else words or word + 's'}"


def hidden_by_filter(count: int) -> str:
    """What a confirmation says when ``count`` of the entries it acts on are selected but hidden by the filter."""
    if not count:
        return ""
    return f"{count:,} of them {'is' if count == 1 else 'are'} selected but hidden by the filter."


def directories(count: int) -> str:
    return plural(count, "directory", "directories")


def skipped(files: int, dirs: int) -> str:
    """``1 file and 2 directories skipped``; "" when nothing was skipped."""
    said = [plural(files, "file")] if files else []
    if dirs:
        said.append(directories(dirs))
    return f"{' and '.join(said)} skipped" if said else ""


def first_few(names: Sequence[str], shown: int = 5) -> str:
    """``a, b, c and 12 more``: the first ``shown`` of ``names``, and how many more (a message stays short;
    the full list goes where there is room for it)."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more:,} more" if more > 0 else "")


def broken_links_skipped(names: Sequence[str]) -> str:
    """``2 broken links skipped (nothing behind them to send): a, b``: the same words before a task
    (F5's question) and in its events."""
    them = "it" if len(names) == 1 else "them"
    return f"{plural(len(names), 'broken link')} skipped (nothing behind {them} to send): {first_few(names)}"


def left_out(links: int, special: int) -> str:
    """``2 links and 1 special file left out``: what a task's tree walk did not take (its events say
    which and why); "" when it took everything."""
    said = [plural(links, "link")] if links else []
    if special:
        said.append(plural(special, "special file"))
    return f"{' and '.join(said)} left out" if said else ""
