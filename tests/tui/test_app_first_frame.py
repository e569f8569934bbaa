"""Start-up work deferred until the first frame: GtermApp's ``after_first_frame`` hook.

The command line opens the Globus session and checks a robot's credentials
there (gterm.cli.build_tui), so the screen is drawn before globus-sdk loads.
"""

from __future__ import annotations

import threading

from gterm.globus.errors import ServiceError
from gterm.sandbox.seed_ids import LAB_STORAGE_ID
from tests.support.browser_helpers import make_app, screen_lines, settled, wait_for, wait_for_exit

LAB = LAB_STORAGE_ID
SIZE = (120, 36)


async def test_after_first_frame_runs_once_on_a_thread_after_the_screen_is_drawn(alice_service, tmp_config):
    seen: list[tuple[str, bool]] = []
    ran = threading.Event()

    def after_first_frame() -> None:
        app_thread = threading.current_thread() is threading.main_thread()
        seen.append(("ran", app_thread))
        ran.set()

    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", after_first_frame=after_first_frame)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, ran.is_set, "the hook")
        await settled(pilot)
        assert any("╭" in line for line in screen_lines(app))  # drawn: the pane borders are there
        assert app.startup_error is None
        assert app.is_running
    assert seen == [("ran", False)]  # once, off the event loop


async def test_a_gterm_error_from_after_first_frame_ends_the_app_and_is_kept(alice_service, tmp_config):
    refused = ServiceError("Globus Auth refused the client credentials (HTTP 401)", http_status=401)

    def after_first_frame() -> None:
        raise refused

    app = make_app(alice_service, config=tmp_config, left=f"{LAB}:/projects/", after_first_frame=after_first_frame)
    async with app.run_test(size=SIZE):
        await wait_for_exit(app, "the app to end on the start-up error")
    assert app.startup_error is refused
    assert app.return_code == 1
