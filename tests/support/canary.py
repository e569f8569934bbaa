"""A canary directory outside every collection root, for the hostile-scenario tests.

It sits beside the collection roots (``DATA_DIR/collections/<name>``), so a
symlink inside a root can reach it with ``../`` steps as well as by its
absolute path. Every file in it holds a secret: afterwards a test asserts
that the canary is byte-for-byte what it was (names, types, contents, link
targets, modes and modification times of every entry) and that the secret
appears in no file under any collection root (nothing was read from it into
a destination) and in no response body the test collected.
"""

from __future__ import annotations

import os
import stat
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from gterm.sandbox.server import SandboxHandle

# Names the scenarios aim at: an attack that followed a link would read or overwrite these.
CANARY_FILES = ("secret.txt", "f.bin", "a.bin", "b.bin", "sub/f.bin", "sub/b.bin", "sub/deeper/g.bin")

Snapshot = dict[str, tuple[object, ...]]


def snapshot(top: Path) -> Snapshot:
    """Every entry under ``top`` (and ``top`` itself): what it is, its bytes or target, mode and mtime."""
    seen: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        st = here.lstat()
        seen[str(here.relative_to(top))] = ("dir", tuple(sorted(dirnames + filenames)), st.st_mode, st.st_mtime_ns)
        for name in dirnames + filenames:
            path = here / name
            st = path.lstat()
            rel = str(path.relative_to(top))
            if stat.S_ISLNK(st.st_mode):
                seen[rel] = ("link", os.readlink(path), st.st_mtime_ns)
            elif stat.S_ISREG(st.st_mode):
                seen[rel] = ("file", path.read_bytes(), st.st_mode, st.st_mtime_ns)
    return seen


@dataclass
class Canary:
    """A directory outside every root, full of a secret; check it with :meth:`assert_untouched`."""

    handle: SandboxHandle
    root: Path
    secret: bytes
    before: Snapshot = field(default_factory=dict)
    responses: list[bytes] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.root.name

    def seen(self, body: bytes | str) -> None:
        """Keep a response body: it must not carry the secret either."""
        self.responses.append(body.encode() if isinstance(body, str) else body)

    def relative_from(self, directory: Path) -> str:
        """A relative link target from ``directory`` (on disk) to the canary."""
        return os.path.relpath(self.root, directory)

    def assert_untouched(self) -> None:
        assert snapshot(self.root) == self.before, "the canary directory outside every root changed"
        for body in self.responses:
            assert self.secret not in body, "a response carried the canary's secret"
        leaked = [str(path) for path in _files_under_roots(self.handle, self.root) if self.secret in _read(path)]
        assert leaked == [], f"the canary's secret was copied into a collection: {leaked}"


def make_canary(handle: SandboxHandle) -> Canary:
    root = handle.data_dir / "collections" / f"zz-canary-{uuid.uuid4().hex[:8]}"
    secret = f"CANARY-SECRET-{uuid.uuid4().hex}".encode()
    for rel in CANARY_FILES:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secret + b" " + rel.encode())
    canary = Canary(handle, root, secret)
    canary.before = snapshot(root)
    return canary


def _files_under_roots(handle: SandboxHandle, canary_root: Path) -> list[Path]:
    """Every regular file under every collection root on disk (links are not followed)."""
    files: list[Path] = []
    for entry in handle.info["collections"]:
        for dirpath, _dirnames, filenames in os.walk(entry["root"]):
            for name in filenames:
                path = Path(dirpath, name)
                if path.is_file() and not path.is_symlink() and canary_root not in path.parents:
                    files.append(path)
    return files


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
