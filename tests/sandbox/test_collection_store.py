"""Seed and persistence of the Transfer half: deterministic sample tree, state across restarts."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from gterm.sandbox import sample_tree
from gterm.sandbox.collection_store import collection_summaries
from gterm.sandbox.server import running_sandbox
from gterm.sandbox.state import SandboxConfig


def _digest(root: Path) -> str:
    """Names, sizes, mtimes and contents of a tree, in one hash."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        dirnames.sort()
        for name in sorted(filenames + dirnames):
            full = Path(dirpath, name)
            st = full.lstat()
            h.update(f"{full.relative_to(root)}|{st.st_size}|{int(st.st_mtime)}".encode("utf-8", "surrogateescape"))
            if full.is_file() and not full.is_symlink():
                h.update(full.read_bytes())
    return h.hexdigest()


def test_sample_tree_is_deterministic(tmp_path: Path) -> None:
    for run in ("one", "two"):
        sample_tree.generate(tmp_path / run / "lab", tmp_path / run / "scratch")
    assert _digest(tmp_path / "one") == _digest(tmp_path / "two")
    home = tmp_path / "one" / "lab" / "home" / "alice"
    assert (home / "large-dataset.bin").stat().st_size == sample_tree.BIG_FILE_SIZE
    assert len(os.listdir(home / "many-files")) == sample_tree.MANY_FILES_COUNT
    assert int((home / "README.md").stat().st_mtime) == int(sample_tree.SEED_MTIME)
    assert os.readlink(home / "latest-run") == "experiments/run-001"


def test_state_survives_a_restart_and_seed_runs_once(tmp_path: Path) -> None:
    config = SandboxConfig(data_dir=tmp_path / "data")
    with running_sandbox(config) as first:
        before = collection_summaries(first.state)
        lab_root = Path(next(c["root"] for c in before if c["display_name"] == "Lab Storage"))
        (lab_root / "home" / "alice" / "README.md").unlink()
        first.state.db.execute("UPDATE collections SET display_name = 'Renamed Lab' WHERE display_name = 'Lab Storage'")
    with running_sandbox(SandboxConfig(data_dir=tmp_path / "data")) as second:
        after = collection_summaries(second.state)
        assert sorted(c["id"] for c in after) == sorted(c["id"] for c in before)
        assert "Renamed Lab" in [c["display_name"] for c in after]
        # The seed did not run again: the deleted sample file stays deleted.
        assert not (lab_root / "home" / "alice" / "README.md").exists()
