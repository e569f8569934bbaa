"""A collection deleted while a pane shows it: the pane lets it go (no stale listing under its name) and says so;
the keys that act on a collection say there is none instead of opening their dialogs."""

from __future__ import annotations

from typing import Any

from gterm.sandbox.seed_ids import ALICES_LAPTOP_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.main import MainScreen
from tests.support.browser_helpers import make_app, notices, screen_lines, settled, wait_for
from tests.support.transfer_helpers import unique
from tests.support.transfer_live import service_for

SIZE = (120, 36)


def laptop_share(sandbox: SandboxHandle, alice_tc: Any, name: str) -> str:
    """A Globus Connect Personal share of a fresh folder of Alice's laptop (one directory in it); its id."""
    folder = f"/~/{unique('gone')}/"
    alice_tc.operation_mkdir(ALICES_LAPTOP_ID, folder)
    alice_tc.operation_mkdir(ALICES_LAPTOP_ID, folder + "kept-row/")
    # Made outside gterm (Transfer's shared_endpoint), as a hostile name would be: gterm refuses to create one with
    # control characters itself, as its settings form refuses a rename to one.
    document = {"DATA_TYPE": "shared_endpoint", "host_endpoint": ALICES_LAPTOP_ID, "host_path": folder,
                "display_name": name}
    return str(alice_tc.create_shared_endpoint(document)["id"])


async def test_a_collection_deleted_elsewhere_is_let_go_on_ctrl_r(sandbox: SandboxHandle, alice_tc: Any) -> None:
    """QA: the collection a pane showed was deleted (through Transfer); ctrl+r left the old rows under its name
    with `Cannot open /: No such collection '3c6f…'` (an id), and F5 from it opened the transfer dialog, which
    failed only on submit. Now the pane clears, says the collection (by name, escaped) no longer exists, and
    F5, F6, F7 and F8 from it say there is no collection."""
    name = f"Laptop share \x1b]0;pwned\x07 {unique('n')}"
    share = laptop_share(sandbox, alice_tc, name)
    app = make_app(service_for(sandbox), left=f"{share}:/", right=f"{LAB_STORAGE_ID}:/projects/")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.main_screen
        left, right = screen.left_pane, screen.right_pane
        await wait_for(pilot, lambda: left.listing is not None and right.listing is not None, "both listings")
        assert "kept-row" in {entry.name for entry in left.listing.entries}
        alice_tc.delete_endpoint(share)  # deleted outside gterm

        left.file_list.focus()
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: left.listing is None and not left.fetching, "the pane to let it go")
        await settled(pilot)
        assert left.collection is None
        assert "no longer exists; ctrl+o picks another collection" in left.message_text
        assert left.message_text.startswith("Laptop share ") and "\x1b" not in left.message_text
        assert share not in left.message_text  # named, not by its id
        lines = "\n".join(screen_lines(app))
        assert "kept-row" not in lines and "No collection" in lines
        assert (right.collection_id, right.path) == (LAB_STORAGE_ID, "/projects/")  # the other pane is untouched

        for key in ("f5", "f6", "f7", "f8"):
            before = len(notices(app))
            await pilot.press(key)
            await settled(pilot)
            assert isinstance(app.screen, MainScreen), f"{key} opened {type(app.screen).__name__}"
            said = notices(app)[before:]
            assert said and ("collection" in said[-1].lower()), (key, said)
