"""Deterministic sample files for the seeded collections.

Every byte and every mtime is fixed (seeded PRNG, 2026-01-15 12:00:00 UTC), so
snapshots, docs and tests see the same world on every machine. Generation must
stay fast (it runs on the first start of every test session): small files are
written with plain ``open``; the only big file is 3 MiB of seeded random bytes.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime
from pathlib import Path

#: The one mtime every seeded file and directory carries.
SEED_MTIME: float = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC).timestamp()

#: How many files "many-files/" holds, and the size of the big file.
MANY_FILES_COUNT = 3000
BIG_FILE_SIZE = 3 * 1024 * 1024

#: Names that prove the TUI renders names literally (Rich markup, control chars).
#: A closing tag like "[/bold]" cannot appear: "/" is the path separator, so
#: opening tags alone carry the markup test.
MARKUP_NAME = "[bold]markup[red].txt"
ESCAPE_NAME = "esc-\x1b[31m-red.txt"


def _bytes(seed: str, size: int) -> bytes:
    """Seeded pseudo-random bytes: same seed, same content, everywhere."""
    return random.Random(seed).randbytes(size)


def _text_files(base: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = base / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        with open(path, "wb") as fh:
            fh.write(data)


def _csv(seed: str, rows: int, header: str) -> str:
    rng = random.Random(seed)
    cols = header.count(",") + 1
    lines = [header]
    for i in range(rows):
        values = [str(i)] + [f"{rng.uniform(-40, 40):.3f}" for _ in range(cols - 1)]
        lines.append(",".join(values))
    return "\n".join(lines) + "\n"


def _alice_home(home: Path) -> None:
    files: dict[str, str | bytes] = {
        ".bashrc": "# ~/.bashrc of the sandbox user\nexport EDITOR=vi\nalias ll='ls -l'\n",
        ".profile": "# login shell settings\n. ~/.bashrc\n",
        ".config/gterm/notes.toml": "[notes]\nlast_project = \"climate\"\n",
        "README.md": "# Alice's home on Lab Storage\n\nExperiments live in experiments/.\n",
        "notes with spaces.txt": "Names with spaces must survive every round trip.\n",
        "Résumé 2026.pdf": b"%PDF-1.4\n% sandbox sample\n" + _bytes("resume", 20_000),
        "数据.csv": _csv("shuju", 50, "id,x,y"),
        "large-dataset.bin": _bytes("large-dataset", BIG_FILE_SIZE),
        "odd-names/" + MARKUP_NAME: "This name looks like Rich markup; it must render literally.\n",
        "odd-names/" + ESCAPE_NAME: "This name holds an ESC control character.\n",
        "odd-names/-starts-with-dash.txt": "dash\n",
    }
    for run in range(1, 4):
        run_dir = f"experiments/run-{run:03d}/"
        files[run_dir + "params.json"] = (
            f'{{"run": {run}, "learning_rate": 0.0{run}, "epochs": {10 * run}}}\n'
        )
        files[run_dir + "results.csv"] = _csv(f"run-{run}", 200 * run, "step,loss,accuracy")
        files[run_dir + "log.txt"] = "".join(
            f"2026-01-15T11:{m:02d}:00Z step {m} ok\n" for m in range(0, 60, 3)
        )
        files[run_dir + "plots/loss.png"] = b"\x89PNG\r\n\x1a\n" + _bytes(f"png-{run}", 4_000 + run)
    files["experiments/run-001/checkpoints/epoch-10.ckpt"] = _bytes("ckpt", 64_000)
    _text_files(home, files)

    many = home / "many-files"
    many.mkdir(parents=True, exist_ok=True)
    rng = random.Random("many-files")
    for i in range(MANY_FILES_COUNT):
        # Sizes vary so size sorting is meaningful; content is cheap text.
        line = f"sample file {i:04d}\n"
        with open(many / f"file-{i:04d}.dat", "w", encoding="ascii") as fh:
            fh.write(line * (1 + rng.randrange(16)))
    # A symlink that stays inside the collection (relative, so it survives moves).
    os.symlink("experiments/run-001", home / "latest-run")


def _lab_storage(root: Path) -> None:
    _alice_home(root / "home" / "alice")
    _text_files(
        root,
        {
            "home/bob/notes.txt": "Bob's private notes.\n",
            "projects/climate/README.md": "# Climate project\n\nShared between the lab.\n",
            "projects/climate/data/temperature-2025.csv": _csv("temp", 365, "day,min,max"),
            "projects/climate/data/precipitation-2025.csv": _csv("precip", 365, "day,mm"),
            "projects/climate/models/v1/config.yaml": "model: v1\nresolution: 0.25\n",
            "projects/genomics/samples.tsv": "sample\treads\nS1\t1000\nS2\t2000\n",
            "shared/bob/README.txt": "Results Bob shares with the lab.\n",
            "shared/bob/results/summary.csv": _csv("summary", 40, "trial,score"),
            "shared/bob/results/plot-data.json": '{"x": [1, 2, 3], "y": [2, 4, 8]}\n',
            "shared/bob/results/final-report.txt": "All trials completed.\n",
        },
    )


def _hpc_scratch(root: Path) -> None:
    _text_files(
        root,
        {
            "README.txt": "HPC Scratch: files older than 30 days are purged.\n",
            "home/alice/job-1234/output.log": "".join(f"iteration {i}\n" for i in range(500)),
            "home/alice/job-1234/checkpoint.bin": _bytes("checkpoint", 256 * 1024),
            "home/alice/job-1235/output.log": "queued\n",
            "home/alice/tmp/.keep": "",
        },
    )


def _fix_mtimes(root: Path) -> None:
    """Give every file, link and directory under root the seed mtime (bottom-up)."""
    times = (SEED_MTIME, SEED_MTIME)
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        for name in filenames + dirnames:
            os.utime(os.path.join(dirpath, name), times, follow_symlinks=False)
        os.utime(dirpath, times)


def generate(lab_storage_root: Path, hpc_scratch_root: Path) -> None:
    """Write the sample trees of both mapped collections (guest roots live inside Lab Storage)."""
    for root, build in ((lab_storage_root, _lab_storage), (hpc_scratch_root, _hpc_scratch)):
        root.mkdir(parents=True, exist_ok=True)
        build(root)
        _fix_mtimes(root)
