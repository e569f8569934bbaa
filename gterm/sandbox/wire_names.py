"""How Transfer spells a file name whose bytes are not UTF-8, and back.

Transfer's JSON carries Unicode text, while a POSIX file name is bytes. Globus
documents what it does with bytes that do not decode as UTF-8 (Transfer API,
"File Operations", section "Path Encoding"): it decodes them as latin-1 and
puts U+FFFD in front, and that spelling is round-trip safe: passed back in any
other call it names the original bytes. So ``b"caf\\xe9.txt"`` is listed as
``"\\ufffdcaf\\xe9.txt"`` (U+FFFD, then ``café.txt`` read as latin-1), valid
Unicode that any JSON library can carry.

The sandbox follows that convention per path component (a listed name is one
component; clients join it onto directory paths). Inside the sandbox, names
the file system gives back are Python strings with ``surrogateescape`` (what
``os.scandir`` returns for such bytes): :func:`to_wire` turns one into Globus'
spelling for a response, :func:`from_wire` turns a requested component back
into the file system's name. Lone surrogates never cross the API: a request
that holds one is refused (``request_parsing.check_text``), as Globus' JSON
has no spelling of them.

One ambiguity is Globus' as well: a name that really is UTF-8 and starts with
U+FFFD followed only by characters below U+0100 whose latin-1 bytes are not
UTF-8 (``"\\ufffdcaf\\xe9"`` stored as UTF-8) reads back as the raw bytes.
"""

from __future__ import annotations

MARK = "\ufffd"
"""U+FFFD, put in front of a name Transfer had to decode as latin-1."""


def to_wire(name: str) -> str:
    """Globus' spelling of a file system name (``surrogateescape`` text): unchanged when it is UTF-8."""
    if name.isascii():
        return name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return MARK + name.encode("utf-8", "surrogateescape").decode("latin-1")
    return name


def path_to_wire(path: str) -> str:
    """:func:`to_wire` applied to each component of a collection path."""
    if path.isascii():
        return path
    return "/".join(to_wire(part) for part in path.split("/"))


def from_wire(name: str) -> str:
    """The file system name (``surrogateescape`` text) that Globus' spelling ``name`` stands for."""
    if not name.startswith(MARK):
        return name
    try:
        raw = name[1:].encode("latin-1")
    except UnicodeEncodeError:
        return name  # not the latin-1 spelling: a name that really starts with U+FFFD
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "surrogateescape")
    return name  # these bytes are UTF-8: Transfer would have listed them as such
