"""Pure helpers for Globus-style paths.

Globus paths are POSIX-like and absolute. By convention a directory path ends
with ``/`` (that is what ``operation_ls`` reports and what bookmarks require),
and ``~`` (or ``/~/``) names the user's home directory, resolved by the
service. These helpers never touch the network or the local disk, and they
keep names literal: spaces, unicode and characters such as ``[bold]`` pass
through untouched (escaping for display is the TUI's business).

``~`` can only be resolved by the service, so lexical ``..`` never climbs out
of it: ``/~/..`` stays as written and the service decides what it means.
"""

from __future__ import annotations

from collections.abc import Callable

from gterm.globus.errors import InvalidInput

HOME = "/~/"
"""The canonical spelling of the home directory used by these helpers."""


def is_home_relative(path: str) -> bool:
    """True for paths the service resolves against the home directory (``~``, ``~/x``, ``/~/x``)."""
    return path == "~" or path.startswith("~/") or path == "/~" or path.startswith("/~/")


def is_dir_path(path: str) -> bool:
    """True when the path is spelled as a directory (ends with ``/``)."""
    return path.endswith("/")


def as_dir(path: str) -> str:
    """The same path spelled as a directory: normalised, ending with ``/``."""
    return normalise(path, directory=True)


def same_dir(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` spell the same directory (lexically: ``/~/`` is not resolved)."""
    return as_dir(a) == as_dir(b)


def normalise(path: str, *, directory: bool | None = None) -> str:
    """Return the canonical absolute spelling of ``path``.

    - duplicate slashes and ``.`` segments go; ``..`` is applied lexically and
      never climbs above ``/`` (nor above ``~``, which only the service knows);
    - ``~`` and ``~/x`` become ``/~/`` and ``/~/x``; a relative path is taken
      from the home directory, as Globus Connect Server does (``a/b`` is
      ``/~/a/b``), except bare ``.``/``..``, which mean the root;
    - the trailing ``/`` is kept as given, forced on with ``directory=True`` and
      removed with ``directory=False`` (the root stays ``/``).
    """
    if path in ("", "/"):
        return "/"
    trailing = path.endswith(("/", "/.", "/..")) or path in (".", "..", "~")
    home = is_home_relative(path)
    if not home and not path.startswith("/") and path not in (".", ".."):
        # Like GridFTP and Globus Connect Server, a relative path starts at home.
        home, path = True, "~/" + path
    if home:
        # Drop the "~" or "/~" marker; what is left is relative to the home directory.
        rest = path[1:] if path.startswith("~") else path[2:]
    else:
        rest = path
    parts: list[str] = []
    for segment in rest.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif home:
                # Above ~ only the service knows what is there: keep it literal.
                parts.append("..")
            continue
        parts.append(segment)
    prefix = "/~/" if home else "/"
    result = prefix + "/".join(parts)
    want_slash = trailing if directory is None else directory
    if not parts:
        return prefix
    if want_slash:
        result += "/"
    return result


def join(base: str, *names: str) -> str:
    """Join path pieces like ``posixpath.join`` (an absolute piece restarts) and normalise.

    The trailing ``/`` of the last piece is kept, so ``join("/a/", "b/")`` is a
    directory and ``join("/a/", "b")`` is a file path.
    """
    path = base or "/"
    for name in names:
        if not name:
            continue
        if name.startswith("/") or name == "~" or name.startswith("~/"):
            path = name
        elif path.endswith("/"):
            path = path + name
        else:
            path = path + "/" + name
    return normalise(path)


def child(directory: str, name: str, *, is_dir: bool = False) -> str:
    """The path of entry ``name`` (a single name, as ``operation_ls`` reports it) inside ``directory``.

    Unlike :func:`join`, the name is never interpreted: ``..`` or ``~`` inside
    a listed name would be a server bug, and a ``/`` is rejected.
    """
    if not name or "/" in name or name in (".", ".."):
        raise ValueError(f"not a single entry name: {name!r}")
    path = as_dir(directory) + name
    return path + "/" if is_dir else path


def parent(path: str) -> str:
    """The directory holding ``path``, spelled as a directory. ``/`` is its own parent."""
    norm = normalise(path, directory=False)
    if norm == "/":
        return "/"
    if norm == "/~/" or norm.endswith("/.."):
        # Only the service can resolve the home directory: ask it for ``..``.
        return normalise(norm + "/..", directory=True) if norm != "/~/" else "/~/../"
    head = norm.rsplit("/", 1)[0]
    return (head or "") + "/"


def basename(path: str) -> str:
    """The last name of ``path`` (``""`` for ``/`` and the home directory)."""
    norm = normalise(path, directory=False)
    if norm in ("/", "/~/"):
        return ""
    return norm.rsplit("/", 1)[1]


def expand_home(path: str, home: str) -> str:
    """Replace a leading ``~`` with ``home`` (an absolute directory, such as a listing's resolved path)."""
    if not is_home_relative(path):
        return normalise(path)
    norm = normalise(path)
    return join(as_dir(home), norm[len("/~/"):]) if len(norm) > len("/~/") else as_dir(home)


def is_within(path: str, directory: str) -> bool:
    """True if ``path`` is ``directory`` itself or lies below it (lexically)."""
    norm_dir = as_dir(directory)
    norm = normalise(path, directory=True)
    return norm.startswith(norm_dir)


def split(path: str) -> list[str]:
    """The names along ``path``, root first: ``/a/b/`` gives ``["a", "b"]``; ``/~/a`` gives ``["~", "a"]``."""
    norm = normalise(path, directory=False)
    return [part for part in norm.split("/") if part]


# --------------------------------------------------------------------------- names that are not UTF-8
#
# Transfer's JSON carries Unicode text; a POSIX file name is bytes. Globus documents
# (Transfer API, "File Operations", "Path Encoding") that bytes which do not decode as
# UTF-8 are decoded as latin-1 with U+FFFD in front, and that this spelling, passed back
# to any other call, names the original bytes. Python spells the same bytes with lone
# surrogates (``surrogateescape``: what ``os.scandir`` gives for a local file). These
# helpers convert between the two, one path component at a time.

UNDECODABLE_MARK = "\ufffd"
"""What Transfer puts in front of a name it had to decode as latin-1."""


def name_bytes(name: str) -> bytes | None:
    """The bytes ``name`` stands for when it is Transfer's spelling of a name that is not UTF-8, else None."""
    if not name.startswith(UNDECODABLE_MARK):
        return None
    try:
        raw = name[1:].encode("latin-1")
        raw.decode("utf-8")
    except UnicodeEncodeError:
        return None  # not latin-1 text after the mark: an ordinary name that starts with U+FFFD
    except UnicodeDecodeError:
        return raw
    return None  # UTF-8 bytes would have been listed as UTF-8


def with_surrogates(path: str) -> str:
    """``path`` with each component in Transfer's spelling turned into Python's (lone surrogates)."""
    if UNDECODABLE_MARK not in path:
        return path
    parts = []
    for part in path.split("/"):
        raw = name_bytes(part)
        parts.append(part if raw is None else raw.decode("utf-8", "surrogateescape"))
    return "/".join(parts)


def globus_spelling(path: str) -> str:
    """``path`` with each component that holds lone surrogates in Transfer's spelling (what a request carries)."""
    if path.isascii():
        return path
    parts = []
    for part in path.split("/"):
        try:
            part.encode("utf-8")
        except UnicodeEncodeError:
            part = UNDECODABLE_MARK + part.encode("utf-8", "surrogateescape").decode("latin-1")
        parts.append(part)
    return "/".join(parts)


def numbered_name(name: str, number: int, *, is_dir: bool = False) -> str:
    """The name "keep both" gives a copy: ``name (n).ext``, one spelling for downloads, uploads and copies.

    The number goes before a file's first dot, so every part of a compound extension stays at the
    end (``arch (1).tar.gz``); a directory or a dot file (``.bashrc``) takes it after its whole name.
    """
    if is_dir or name.startswith(".") or "." not in name:
        return f"{name} ({number})"
    stem, _, extension = name.partition(".")
    return f"{stem} ({number}).{extension}"


def free_name(name: str, is_taken: Callable[[str], bool], *, is_dir: bool = False) -> str:
    """The first :func:`numbered_name` of ``name`` that ``is_taken`` says is free ("keep both")."""
    for number in range(1, 10_000):
        candidate = numbered_name(name, number, is_dir=is_dir)
        if not is_taken(candidate):
            return candidate
    raise InvalidInput(f"No free name for {name}.")
