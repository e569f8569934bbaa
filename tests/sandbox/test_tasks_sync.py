"""The pure sync-level and filter-rule decisions (gterm.sandbox.sync)."""

from __future__ import annotations

import pytest

from gterm.sandbox.sync import FileFacts, FilterRule, is_included, parse_filter_rules, parse_sync_level, should_transfer

SRC = FileFacts(size=10, mtime=1000.0)


@pytest.mark.parametrize("raw, expected", [(None, None), (0, 0), (3, 3), ("exists", 0), ("size", 1),
                                           ("mtime", 2), ("checksum", 3), ("2", 2)])
def test_parse_sync_level(raw, expected):
    assert parse_sync_level(raw) == expected


@pytest.mark.parametrize("raw", [4, -1, "fast", True, 1.5])
def test_parse_sync_level_rejects(raw):
    with pytest.raises(ValueError):
        parse_sync_level(raw)


def test_no_sync_or_missing_destination_always_transfers():
    assert should_transfer(None, SRC, FileFacts(10, 1000.0))
    for level in range(4):
        assert should_transfer(level, SRC, None)


@pytest.mark.parametrize(
    "level, dest, equal, expected",
    [
        (0, FileFacts(3, 0.0), False, False),  # exists: any existing file is skipped
        (1, FileFacts(10, 0.0), False, False),  # size: same size skipped whatever the time
        (1, FileFacts(11, 5000.0), True, True),
        (2, FileFacts(10, 1000.9), False, False),  # mtime: same second counts as not older
        (2, FileFacts(10, 999.0), True, True),  # older destination is replaced even with equal content
        (2, FileFacts(10, 2000.0), False, False),  # newer destination is kept
        (2, FileFacts(9, 2000.0), True, True),  # ...unless the size differs
        (3, FileFacts(10, 0.0), True, False),
        (3, FileFacts(10, 9999.0), False, True),
        (3, FileFacts(12, 0.0), True, True),
    ],
)
def test_sync_levels_follow_globus(level, dest, equal, expected):
    assert should_transfer(level, SRC, dest, lambda: equal) is expected


def test_checksums_only_computed_when_needed():
    calls = []
    should_transfer(3, SRC, FileFacts(99, 0.0), lambda: calls.append(1) or True)
    should_transfer(2, SRC, FileFacts(10, 0.0), lambda: calls.append(1) or True)
    assert calls == []


def test_filter_rules_first_match_wins_and_default_is_include():
    rules = parse_filter_rules([
        {"DATA_TYPE": "filter_rule", "method": "include", "name": "*.txt", "type": "file"},
        {"DATA_TYPE": "filter_rule", "method": "exclude", "name": "*"},
    ])
    assert rules == [FilterRule("include", "*.txt", "file"), FilterRule("exclude", "*", None)]
    assert is_included(rules, "a.txt", is_dir=False)
    assert not is_included(rules, "a.csv", is_dir=False)
    assert not is_included(rules, "a.txt", is_dir=True)  # the include rule is for files only
    assert is_included([], "anything", is_dir=True)


@pytest.mark.parametrize("pattern, name, hit", [("f?.dat", "f1.dat", True), ("f?.dat", "f10.dat", False),
                                                ("[ab]*", "beta", True), ("[!ab]*", "beta", False),
                                                ("*.TXT", "a.txt", False)])
def test_filter_patterns_are_shell_wildcards(pattern, name, hit):
    rules = [FilterRule("exclude", pattern)]
    assert is_included(rules, name, is_dir=False) is not hit


@pytest.mark.parametrize("raw", ["x", [{"method": "drop", "name": "a"}], [{"method": "exclude"}],
                                 [{"method": "exclude", "name": "a", "type": "link"}]])
def test_bad_filter_rules_are_rejected(raw):
    with pytest.raises(ValueError):
        parse_filter_rules(raw)
