"""Time a 100,000-entry directory listing in the sandbox: server side and via TransferClient.

Run: python -m tests.perf.sandbox_ls_100k   (prints figures; asserts nothing)
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from gterm.sandbox import collections, file_listing
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from gterm.sandbox.server import running_sandbox
from gterm.sandbox.state import SandboxConfig
from tests.support.sandbox_login import transfer_client_for

ENTRIES = 100_000
PATH = "/projects/big100k/"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, running_sandbox(
        SandboxConfig(data_dir=Path(tmp), auto_approve=True)
    ) as sandbox:
        coll = collections.get_collection(sandbox.state, LAB_STORAGE_ID)
        big = coll.root / PATH.strip("/")
        big.mkdir()
        started = time.perf_counter()
        for i in range(ENTRIES):
            (big / f"f{i:06d}.dat").write_bytes(b"x" * (i % 100))
        print(f"created {ENTRIES} files in {time.perf_counter() - started:.1f}s")

        for _ in range(3):
            t0 = time.perf_counter()
            with collections.open_root(coll) as root:  # as the ls route does: beneath the root
                dir_fd = root.open_dir(PATH)
                try:
                    items = file_listing.scan(root, dir_fd, root.canonical(PATH), PATH, True)
                finally:
                    os.close(dir_fd)
            t1 = time.perf_counter()
            file_listing.sort_items(items, [])
            body = file_listing.file_list_json(
                items, path=PATH, collection_id=coll.id, total=len(items), symlink_supported=True
            )
            t2 = time.perf_counter()
            print(
                f"server: scan {t1 - t0:.2f}s + sort/JSON {t2 - t1:.2f}s = {t2 - t0:.2f}s"
                f" ({len(body) / 1e6:.1f} MB body)"
            )

        tc = transfer_client_for(sandbox, "alice")
        for _ in range(3):
            t0 = time.perf_counter()
            listing = tc.operation_ls(LAB_STORAGE_ID, path=PATH)
            print(f"TransferClient.operation_ls: {len(listing['DATA'])} entries in {time.perf_counter() - t0:.2f}s")


if __name__ == "__main__":
    main()
