"""``i``: the collection details screen on each seeded kind, over the live sandbox."""

from __future__ import annotations

import pytest

from gterm.sandbox.seed_ids import ALICE_SHARED_ID, ALICES_LAPTOP_ID, BOB_SHARED_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.collection_info import CollectionInfo
from tests.support.browser_helpers import make_app, open_details, settled, wait_for
from tests.support.transfer_live import service_for


@pytest.mark.parametrize(
    ("collection_id", "kind", "may_edit"),
    [
        (LAB_STORAGE_ID, "mapped collection (Globus Connect Server v5)", "yes"),
        (BOB_SHARED_ID, "guest collection on Lab Storage", "no"),
        (ALICE_SHARED_ID, "guest collection on Lab Storage", "yes"),  # her own (the demo exercise)
        (ALICES_LAPTOP_ID, "Globus Connect Personal collection", "yes"),
    ],
)
async def test_i_shows_id_kind_and_rights(sandbox: SandboxHandle, collection_id: str, kind: str, may_edit: str) -> None:
    app = make_app(service_for(sandbox), left=f"{collection_id}:/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        info = await open_details(pilot, app)
        assert info.details is not None
        facts = {fact.label: fact.value for section in info.details.sections() for fact in section.facts}
        assert facts["ID"] == collection_id
        assert facts["Kind"] == kind
        assert facts["You may edit settings"] == may_edit
        assert all(value not in ("", "None") for value in facts.values())  # only what the service reports
        if collection_id == ALICES_LAPTOP_ID:
            assert "HTTPS server" not in facts  # Globus Connect Personal has none
            assert "Endpoint" not in facts and facts["Server"].startswith("connects out to Globus · connected")
        else:
            assert facts["HTTPS server"].startswith("https://")
            assert facts["GCS manager"].startswith("https://") and facts["Endpoint"].startswith("Example Lab")
            assert "Server" not in facts  # a GCSv5 collection has no servers in Transfer
        await pilot.press("c")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, CollectionInfo), "the details to close")


async def test_while_the_details_load_the_screen_says_so_and_esc_closes(sandbox: SandboxHandle) -> None:
    """The screen kept its state in ``self.loading``, Textual's own reactive on a Screen: a loading indicator
    (● ● ● ● ●) covered the whole terminal until the answer came, so "Loading…" and the Esc hint never showed."""
    from textual.widgets import LoadingIndicator

    from tests.support.browser_helpers import screen_lines
    from tests.support.sharing_helpers import held_answers

    app = make_app(service_for(sandbox), left=f"{LAB_STORAGE_ID}:/", right=f"{BOB_SHARED_ID}:/")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        with held_answers(sandbox) as held:
            held.hold()
            await pilot.press("i")
            await wait_for(pilot, lambda: isinstance(app.screen, CollectionInfo), "the details screen")
            info = app.screen
            assert isinstance(info, CollectionInfo)
            await pilot.pause()
            shown = "\n".join(screen_lines(app))
            assert "Loading…" in shown and "Esc closes" in shown and "● ● ●" not in shown
            assert not info.query(LoadingIndicator) and not info.loading
            assert info.fetching  # the screen's own state, under a name of its own
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, CollectionInfo), "Esc to close it meanwhile")
            held.release()


async def test_a_description_in_lines_is_shown_in_lines_with_other_controls_escaped(sandbox: SandboxHandle) -> None:
    """QA: a description saved through e as 'Line one\\nLine two' showed as one line with a literal \\n,
    although its lines are kept; each line is still shown literally (an ESC as \\x1b)."""
    from gterm.sandbox.seed_ids import LAB_ENDPOINT_ID
    from tests.support.browser_helpers import screen_lines
    from tests.support.gcs_helpers import gcs_client_for
    from tests.support.sandbox_login import sdk_pointed_at

    with sdk_pointed_at(sandbox):
        gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice")
    before = gcs.get_collection(LAB_STORAGE_ID).data.get("description")
    gcs.update_collection(LAB_STORAGE_ID, {"description": "Line one\nLine two \x1b[31mred"})
    try:
        app = make_app(service_for(sandbox), left=f"{LAB_STORAGE_ID}:/", right=f"{LAB_STORAGE_ID}:/")
        async with app.run_test(size=(120, 40)) as pilot:
            await open_details(pilot, app)
            await pilot.pause()
            lines = screen_lines(app)
            first = next(n for n, line in enumerate(lines) if "Description " in line and "contact" not in line)
            assert "Line one" in lines[first] and "\\n" not in lines[first]
            assert "Line two \\x1b[31mred" in lines[first + 1]
    finally:
        gcs.update_collection(LAB_STORAGE_ID, {"description": before})
