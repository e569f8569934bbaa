"""gterm.globus.paths: Globus-style absolute paths, directories ending in "/", "~" left to the service."""

from __future__ import annotations

import pytest

from gterm.globus import paths


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "/"),
        ("/", "/"),
        ("//", "/"),
        ("/a//b/./c/", "/a/b/c/"),
        ("/a/b/../c", "/a/c"),
        ("/a/..", "/"),
        ("/../..", "/"),
        ("..", "/"),
        ("a/b", "/~/a/b"),
        ("./a", "/~/a"),
        ("~", "/~/"),
        ("~/", "/~/"),
        ("/~", "/~/"),
        ("~/data/x.txt", "/~/data/x.txt"),
        ("/~/data/", "/~/data/"),
        ("/~/a/../b/", "/~/b/"),
        ("/~/..", "/~/../"),
        ("~alice/x", "/~/~alice/x"),  # relative: a literal name under home
        ("/home/alice/with space/", "/home/alice/with space/"),
        ("/home/ünï cødé/[bold]x[/bold]", "/home/ünï cødé/[bold]x[/bold]"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert paths.normalise(raw) == expected


def test_normalise_directory_flag() -> None:
    assert paths.normalise("/a/b", directory=True) == "/a/b/"
    assert paths.normalise("/a/b/", directory=False) == "/a/b"
    assert paths.normalise("/", directory=False) == "/"
    assert paths.normalise("~", directory=False) == "/~/"
    assert paths.as_dir("/x") == "/x/"
    assert paths.is_dir_path("/x/") and not paths.is_dir_path("/x")


def test_names_are_literal() -> None:
    weird = "[red]not markup[red] \x1b[31m  trailing space "
    assert paths.basename(paths.join("/d/", weird)) == weird
    assert paths.child("/d", weird) == "/d/" + weird


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("/a/", "b"), "/a/b"),
        (("/a", "b"), "/a/b"),
        (("/a/", "b/"), "/a/b/"),
        (("/a/", "b", "c.txt"), "/a/b/c.txt"),
        (("/a/", "/abs/"), "/abs/"),
        (("/a/", "~/x"), "/~/x"),
        (("/a/b/", ".."), "/a/"),
        (("/~/", "x/"), "/~/x/"),
        (("/a/", ""), "/a/"),
        (("", "x"), "/x"),
    ],
)
def test_join(parts: tuple[str, ...], expected: str) -> None:
    assert paths.join(*parts) == expected


def test_child_rejects_paths() -> None:
    assert paths.child("/a/", "b", is_dir=True) == "/a/b/"
    for bad in ("", ".", "..", "x/y"):
        with pytest.raises(ValueError):
            paths.child("/a/", bad)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", "/"),
        ("/a", "/"),
        ("/a/", "/"),
        ("/a/b/", "/a/"),
        ("/a/b/c.txt", "/a/b/"),
        ("/~/a/", "/~/"),
        ("~", "/~/../"),
        ("/~/", "/~/../"),
    ],
)
def test_parent(path: str, expected: str) -> None:
    assert paths.parent(path) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/", ""), ("/a", "a"), ("/a/b/", "b"), ("/a/b c.txt", "b c.txt"), ("~", ""), ("~/x/", "x")],
)
def test_basename(path: str, expected: str) -> None:
    assert paths.basename(path) == expected


def test_home_helpers() -> None:
    assert paths.is_home_relative("~") and paths.is_home_relative("/~/x") and paths.is_home_relative("~/x")
    assert not paths.is_home_relative("/home/~") and not paths.is_home_relative("~bob")
    assert paths.expand_home("~/data/", "/home/alice/") == "/home/alice/data/"
    assert paths.expand_home("~", "/home/alice") == "/home/alice/"
    assert paths.expand_home("/~/a/b", "/home/alice/") == "/home/alice/a/b"
    assert paths.expand_home("/abs/x", "/home/alice/") == "/abs/x"


def test_same_dir_is_lexical() -> None:
    """The one comparison of directories (F5's checks and the panes reloaded after a task)."""
    assert paths.same_dir("/a/b", "/a/./b//")
    assert not paths.same_dir("/a/b/", "/a/")
    assert not paths.same_dir("/~/", "/home/alice/")  # only the service knows where ~ is


def test_is_within_and_split() -> None:
    assert paths.is_within("/a/b/c", "/a/")
    assert paths.is_within("/a/", "/a")
    assert not paths.is_within("/ab/", "/a/")
    assert paths.split("/a/b/") == ["a", "b"]
    assert paths.split("/") == []
    assert paths.split("~/x") == ["~", "x"]


# --------------------------------------------------------------------------- names that are not UTF-8

WIRE = "\ufffdcaf\xe9.txt"  # Transfer's spelling of b"caf\xe9.txt"
PYTHON = "caf\udce9.txt"  # os.fsdecode(b"caf\xe9.txt")


def test_transfer_spelling_names_the_bytes() -> None:
    assert paths.name_bytes(WIRE) == b"caf\xe9.txt"
    assert paths.name_bytes("caf\xe9.txt") is None  # no mark: ordinary text
    assert paths.name_bytes("\ufffdplain") is None  # ASCII after the mark is UTF-8: listed as itself
    assert paths.name_bytes("\ufffd\u0100") is None  # beyond latin-1: not Transfer's spelling


def test_spellings_convert_per_component_both_ways() -> None:
    assert paths.globus_spelling(f"/home/{PYTHON}/x/{PYTHON}") == f"/home/{WIRE}/x/{WIRE}"
    assert paths.with_surrogates(f"/home/{WIRE}/x/{WIRE}") == f"/home/{PYTHON}/x/{PYTHON}"
    for same in ("/plain/ascii/", "/ünïcode/ok", "/\ufffdplain/"):
        assert paths.globus_spelling(same) == same and paths.with_surrogates(same) == same


def test_numbered_names_are_one_spelling_for_every_kind_of_task() -> None:
    from gterm.globus.paths import numbered_name

    assert numbered_name("arch.tar.gz", 1) == "arch (1).tar.gz"
    assert numbered_name("notes", 2) == "notes (2)"
    assert numbered_name(".bashrc", 1) == ".bashrc (1)"
    assert numbered_name("v1.2", 1, is_dir=True) == "v1.2 (1)"
