"""A data dir gterm cannot write: the state it remembers is not saved, said once, and gterm carries on."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.browser_helpers import make_app, notices, settled, wait_for
from tests.support.mounts import tmpfs_at


async def test_a_read_only_data_dir_is_said_once_and_gterm_carries_on(alice_service, tmp_config, tmp_path: Path):
    """Each change (a sort, a location) tried to write the state file; on a read-only data dir every one
    showed an error naming a worker. Now one warning says the state is not saved, and the keys keep working."""
    with tmpfs_at(tmp_path / "data") as data:
        subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True, capture_output=True)
        tmp_config.state_path = data / "state.toml"
        app = make_app(alice_service, config=tmp_config, left=f"{LAB_STORAGE_ID}:/projects/")
        async with app.run_test(size=(120, 36)) as pilot:
            await settled(pilot)
            left = app.main_screen.left_pane
            left.file_list.focus()
            for key in ("s", "S", "S", "S"):  # by size, then reversed three times: four writes of the state
                await pilot.press(key)
                await wait_for(pilot, lambda: not any(w.group == "config" and w.is_running for w in app.workers),
                               "the state write")
            await settled(pilot)
            said = [n for n in notices(app) if "state" in n.lower() or "read-only" in n.lower()]
            assert len(said) == 1, notices(app)
            assert said[0].startswith(f"Cannot save gterm's state to {data / 'state.toml'} (Read-only file system)")
            assert not any("Error" in n or "Traceback" in n for n in notices(app))
            assert (left.file_list.sort_key, left.file_list.sort_reverse) == ("size", True)  # the keys still work
            assert app.is_running
