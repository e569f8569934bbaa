"""Counts in gterm's messages: one wording ("1 file", "2 files"), never "file(s)" or "1 tasks"."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from gterm.wording import left_out, plural

GTERM = Path(__file__).resolve().parents[2] / "gterm"


def test_plural_words_one_and_many() -> None:
    assert plural(1, "file") == "1 file"
    assert plural(0, "file") == "0 files"
    assert plural(2048, "guest collection") == "2,048 guest collections"
    assert plural(2, "entry", "entries") == "2 entries" and plural(1, "entry", "entries") == "1 entry"


def test_left_out_says_links_and_special_files() -> None:
    assert left_out(0, 0) == ""
    assert left_out(1, 0) == "1 link left out" and left_out(0, 3) == "3 special files left out"
    assert left_out(2, 1) == "2 links and 1 special file left out"


def test_no_message_counts_with_a_parenthesised_s() -> None:
    """The app's strings, docstrings aside (the sandbox's mimic Globus' own error texts, worded as Globus does)."""
    found: list[str] = []
    for path in GTERM.rglob("*.py"):
        if "sandbox" in path.relative_to(GTERM).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)
        }
        found += [
            f"{path.relative_to(GTERM)}:{node.lineno}: {node.value.strip()[:60]}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and re.search(r"\w\(s\)", node.value)
        ]
    assert found == []
