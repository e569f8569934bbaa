"""Pure decisions of a Globus transfer: sync levels and filter rules.

Kept free of I/O so the rules can be read and tested on their own. The
semantics follow Globus (and GridFTP's ``globus-url-copy -sync-level``, which
Globus Transfer inherits): the levels are cumulative, each one adds a test on
top of "the destination file exists":

====  ========  ==========================================================
 0    exists    skip when the destination file exists
 1    size      skip when it exists with the same size
 2    mtime     skip when it exists with the same size and is not older
                than the source (whole seconds, as Globus lists times)
 3    checksum  skip when it exists with the same size and the same checksum
====  ========  ==========================================================
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

SYNC_LEVEL_NAMES: dict[str, int] = {"exists": 0, "size": 1, "mtime": 2, "checksum": 3}


def parse_sync_level(value: Any) -> int | None:
    """Map the wire value (None, 0..3 or a level name) to an int; ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"invalid sync_level {value!r}")
    if isinstance(value, str):
        if value in SYNC_LEVEL_NAMES:
            return SYNC_LEVEL_NAMES[value]
        if value.isascii() and value.isdigit():  # "٣" is a digit to str.isdigit, not to Globus
            value = int(value)
        else:
            raise ValueError(f"invalid sync_level {value!r}")
    if isinstance(value, int) and 0 <= value <= 3:
        return value
    raise ValueError(f"invalid sync_level {value!r}; use 0-3 or exists, size, mtime, checksum")


@dataclass(frozen=True)
class FileFacts:
    """What the sync decision needs to know about one regular file."""

    size: int
    mtime: float


def should_transfer(
    level: int | None,
    source: FileFacts,
    destination: FileFacts | None,
    checksums_equal: Callable[[], bool] | None = None,
) -> bool:
    """True when the file must be copied under ``level`` (None = no sync: always copy).

    ``checksums_equal`` is only called for level 3 once sizes match, so the
    expensive hashing happens only when it can change the answer.
    """
    if level is None or destination is None:
        return True
    if level == 0:
        return False
    if source.size != destination.size:
        return True
    if level == 1:
        return False
    if level == 2:
        return int(destination.mtime) < int(source.mtime)
    if checksums_equal is None:
        return True
    return not checksums_equal()


FilterMethod = Literal["include", "exclude"]


@dataclass(frozen=True)
class FilterRule:
    method: FilterMethod
    name: str
    type: Literal["file", "dir"] | None = None  # None applies to both

    def to_doc(self) -> dict[str, Any]:
        return {"DATA_TYPE": "filter_rule", "method": self.method, "name": self.name, "type": self.type}


def parse_filter_rules(raw: Any) -> list[FilterRule]:
    """Validate ``filter_rules`` as TransferData.add_filter_rule sends them."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ValueError("filter_rules must be a list")
    rules: list[FilterRule] = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError("each filter rule must be an object")
        method = item.get("method", "exclude")
        name = item.get("name")
        kind = item.get("type")
        if method not in ("include", "exclude"):
            raise ValueError(f"invalid filter rule method {method!r}")
        if not isinstance(name, str) or not name:
            raise ValueError("a filter rule needs a name pattern")
        if kind not in (None, "file", "dir"):
            raise ValueError(f"invalid filter rule type {kind!r}")
        rules.append(FilterRule(method=method, name=name, type=kind))
    return rules


def is_included(rules: list[FilterRule], name: str, is_dir: bool) -> bool:
    """First matching rule decides; no match means included (Globus semantics).

    Patterns match the entry's name (not its path) with shell wildcards:
    ``*``, ``?``, ``[...]`` and ``[!...]`` -- exactly fnmatchcase.
    """
    kind = "dir" if is_dir else "file"
    for rule in rules:
        if rule.type is not None and rule.type != kind:
            continue
        if fnmatch.fnmatchcase(name, rule.name):
            return rule.method == "include"
    return True
