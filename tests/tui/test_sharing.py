"""``p`` Sharing over the live sandbox: Alice shares a folder with Bob from the keyboard; Bob's own token checks.

Alice drives gterm (real TransferService and SharingService, HTTP to the sandbox); Bob is a separate
native-app login with his own TransferClient, so every access decision is the sandbox's, made per request.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import globus_sdk
import pytest
from textual.widgets import Input

from gterm.sandbox.seed_ids import ALICE_ID, BOB_ID, BOB_SHARED_ID, LAB_ENDPOINT_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.safe_text import escape_controls
from gterm.tui.screens.prompts import ConfirmPrompt, InputPrompt
from gterm.tui.screens.sharing import SharingScreen
from gterm.tui.screens.sharing_dialogs import PERMISSION_LABELS, AddRuleDialog, EditRuleDialog
from tests.support.browser_helpers import make_app, notices, prompt_error, type_text, wait_for
from tests.support.consent import ConsentSession
from tests.support.gcs_helpers import create_guest, gcs_client_for
from tests.support.sandbox_login import transfer_client_for
from tests.support.sharing_helpers import alice_guest, open_sharing, own_rules, sharing_for
from tests.support.transfer_helpers import api_error, unique
from tests.support.transfer_live import service_for


@pytest.fixture
def alice_results(sandbox: SandboxHandle) -> Iterator[str]:
    """A GCSv5 guest of Alice's rooted at a results folder of hers (one run in it)."""
    with alice_guest(sandbox, "Alice results", folders=("run1/",)) as guest_id:
        yield guest_id


async def test_alice_shares_with_bob_from_the_keyboard(
    sandbox: SandboxHandle, bob_tc: globus_sdk.TransferClient, alice_results: str
) -> None:
    guest = alice_results
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        sharing = await open_sharing(pilot)
        assert sharing.mode == "rules" and own_rules(sharing.rules) == [] and sharing.error is None

        # a, type his username (live match shows his name), Enter: read-only for the pane's directory.
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddRuleDialog), "the add-rule dialog")
        dialog = app.screen
        assert isinstance(dialog, AddRuleDialog)
        await type_text(pilot, "bob@example.org")
        await wait_for(pilot, lambda: "bob@example.org" in dialog.matches, "Bob among the matches")
        assert "Bob Collaborator (bob@example.org)" in str(dialog.query_one("#rule-matches").render())
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is sharing and len(own_rules(sharing.rules)) == 1, "the new rule")
        (rule,) = own_rules(sharing.rules)
        assert (rule.principal, rule.path, rule.permissions) == (BOB_ID, "/", "r")
        assert sharing.labels[rule.id] == "Bob Collaborator (bob@example.org)"
        sharing.table.move_cursor(row=sharing.rules.index(rule))  # the cursor stayed on Alice's administrator row

        assert [e["name"] for e in bob_tc.operation_ls(guest, path="/")["DATA"]] == ["run1"]
        assert api_error(lambda: bob_tc.operation_mkdir(guest, "/from-bob/")).http_status == 403

        # e: read/write.
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditRuleDialog), "the edit dialog")
        await pilot.press("enter", "down", "enter")  # open the permissions list, pick read/write
        await pilot.press("tab", "enter")  # to the expiry field (empty: never), Enter saves
        await wait_for(pilot, lambda: app.screen is sharing
                       and [r.permissions for r in own_rules(sharing.rules)] == ["rw"], "the rule to become read/write")
        bob_tc.operation_mkdir(guest, "/from-bob/")

        # d, y: deleted; Bob is refused again.
        await pilot.press("d")
        await pilot.press("y")
        await wait_for(pilot, lambda: sharing.loaded and own_rules(sharing.rules) == [], "the rule to go")
        assert api_error(lambda: bob_tc.operation_ls(guest, path="/")).http_status == 403


async def test_the_creators_administrator_role_shows_as_fixed_read_write_on_root(
    sandbox: SandboxHandle, alice_results: str
) -> None:
    """Transfer lists an administrator's implicit read-write on / (role_id set, no id of its own): the
    table shows it, and e or d on it say the role is what to change instead of asking Transfer."""
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{alice_results}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        sharing = await open_sharing(pilot)
        await wait_for(pilot, lambda: sharing.loaded and bool(sharing.rules), "the rules")
        (rule,) = sharing.rules
        assert (rule.from_role, rule.principal, rule.path, rule.permissions) == (True, ALICE_ID, "/", "rw")
        who, path, perms, expires = (str(cell) for cell in sharing.table.get_row_at(0)[:4])
        assert who.startswith("administrator: Alice Researcher") and (path, expires) == ("/", "with role")
        assert sharing._who(rule) == "administrator: Alice Researcher (alice@example.org)"
        assert perms == PERMISSION_LABELS["rw"]
        status = str(sharing.query_one("#sharing-status").render())
        assert "No rules yet: a adds one." in status and "1 role also gives read-write access to /" in status
        sharing.table.focus()
        for key in ("e", "d"):
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is sharing  # no dialog: Globus would refuse
            assert "comes with the administrator role" in str(sharing.query_one("#sharing-status").render())


async def test_errors_say_what_to_do(sandbox: SandboxHandle, alice_results: str) -> None:
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{alice_results}:/",
                   right=f"{BOB_SHARED_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        sharing = await open_sharing(pilot)
        for attempt in ("nobody@nowhere.invalid", "bob@example.org", "bob@example.org"):
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, AddRuleDialog), "the add-rule dialog")
            dialog = app.screen
            assert isinstance(dialog, AddRuleDialog)
            await type_text(pilot, attempt)
            await pilot.press("enter")
            await wait_for(pilot, lambda d=dialog: app.screen is sharing or not d.saving, "an answer")  # type: ignore[misc]
            if app.screen is sharing:
                continue
            error = str(dialog.query_one("#rule-error").render())
            if attempt.startswith("nobody"):
                assert "No Globus user" in error
            else:
                assert "already has a rule for /" in error
            await pilot.press("escape")
        assert len(own_rules(sharing.rules)) == 1

        # Bob's guest, seen by Alice (not its access manager): the screen says what to do.
        await pilot.press("escape")
        await pilot.press("tab")
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, SharingScreen), "the sharing screen")
        other = app.screen
        assert isinstance(other, SharingScreen)
        await wait_for(pilot, lambda: other.loaded, "the answer")
        assert other.error is not None and "access manager" in other.error


async def test_share_this_folder_then_add_bob(sandbox: SandboxHandle, alice_tc: Any,
                                              bob_tc: globus_sdk.TransferClient) -> None:
    folder = f"/home/alice/{unique('s')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder)
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{LAB_STORAGE_ID}:{folder}",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        mapped = await open_sharing(pilot)
        assert mapped.mode == "guests" and mapped.error is None
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the name prompt")
        await pilot.press("enter")  # the proposed display name
        await wait_for(pilot, lambda: isinstance(app.screen, SharingScreen) and app.screen is not mapped,
                       "the new guest's rules")
        guest_screen = app.screen
        assert isinstance(guest_screen, SharingScreen) and guest_screen.mode == "rules"
        guest_id = guest_screen.collection.id
        try:
            await wait_for(pilot, lambda: guest_screen.loaded, "the (empty) rules")
            assert own_rules(guest_screen.rules) == [] and guest_screen.error is None
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, AddRuleDialog), "the add-rule dialog")
            await type_text(pilot, "bob@example.org")
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is guest_screen and len(own_rules(guest_screen.rules)) == 1,
                           "the rule")
            assert bob_tc.operation_ls(guest_id, path="/")["DATA"] == []
            await pilot.press("escape")
            await wait_for(pilot, lambda: guest_id in [g.id for g in mapped.guests], "the guest in the list")
        finally:
            gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID]).delete_collection(guest_id)


async def test_share_this_folder_keeps_the_display_name_within_the_settings_forms_limit(
    sandbox: SandboxHandle, alice_tc: Any
) -> None:
    """QA: p, s created a guest named with 140 characters, which the settings form (and a bookmark rename)
    refuse over 128. The proposal now fits, and a longer name is refused in the prompt, nothing created."""
    folder = f"/home/alice/{unique('long') + 'y' * 180}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder)
    before = {doc["id"] for doc in alice_tc.endpoint_search(filter_scope="shared-by-me")}
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{LAB_STORAGE_ID}:{folder}",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_sharing(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the name prompt")
        box = app.screen.query_one("#prompt-input", Input)
        assert len(box.value) == 128 and box.value.endswith("… (shared by gterm)")
        box.value = "x" * 140
        await pilot.press("enter")
        await wait_for(pilot, lambda: "at most 128" in prompt_error(app), "the prompt's refusal")
        assert prompt_error(app) == "Display name: at most 128 characters (this is 140)."
        assert isinstance(app.screen, InputPrompt) and box.value == "x" * 140  # what was typed is kept
        await pilot.press("escape")
        await app.workers.wait_for_complete()
    assert {doc["id"] for doc in alice_tc.endpoint_search(filter_scope="shared-by-me")} == before


async def test_delete_this_guest_collection_by_typing_its_name(sandbox: SandboxHandle, alice_tc: Any) -> None:
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
    folder = f"/home/alice/{unique('del')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder)
    name = f"Doomed {unique('g')}"
    guest = create_guest(gcs, LAB_STORAGE_ID, folder, name, public=False)
    alice_tc.add_endpoint_acl_rule(guest, {"DATA_TYPE": "access", "principal_type": "all_authenticated_users",
                                           "principal": "", "path": "/", "permissions": "r"})
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        sharing = await open_sharing(pilot)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the confirmation")
        prompt = app.screen
        assert isinstance(prompt, InputPrompt)
        assert prompt.details.startswith("Its 1 access rule goes with it.")
        await type_text(pilot, "Doomed")
        await pilot.press("enter")  # not the whole name: refused, nothing deleted
        await pilot.pause()
        assert app.screen is prompt and "Type the name exactly" in str(prompt.query_one("#prompt-error").render())
        assert alice_tc.get_endpoint(guest)["display_name"] == name
        await type_text(pilot, name[len("Doomed"):])
        await pilot.press("enter")
        await wait_for(pilot, lambda: sharing not in app.screen_stack, "the sharing screen to close")
        assert api_error(lambda: alice_tc.get_endpoint(guest)).http_status == 404


async def test_an_expired_rule_is_marked_and_explained(
    sandbox: SandboxHandle, alice_tc: Any, bob_tc: globus_sdk.TransferClient, alice_results: str
) -> None:
    """A rule past its date grants nothing: the rules table shows its date in red and the status says so."""
    alice_tc.add_endpoint_acl_rule(alice_results, {
        "DATA_TYPE": "access", "principal_type": "identity", "principal": BOB_ID, "path": "/",
        "permissions": "r", "expiration_date": "2001-01-01T00:00:00Z",
    })
    assert api_error(lambda: bob_tc.operation_ls(alice_results, path="/")).http_status == 403
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{alice_results}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        sharing = await open_sharing(pilot)
        await wait_for(pilot, lambda: len(own_rules(sharing.rules)) == 1, "the rule")
        status = str(sharing.query_one("#sharing-status").render())
        assert "Expired (in red): 1. An expired rule grants nothing" in status
        expires = sharing.table.get_row_at(0)[3]
        assert str(expires) == "2001-01-01" and "red" in str(expires.style)


async def test_after_a_delete_the_cursor_is_on_the_rule_that_took_its_place(
    sandbox: SandboxHandle, alice_tc: Any, alice_results: str
) -> None:
    """The rules were listed again with the cursor on the first row: the next d or e acted on another rule."""
    for path in ("/a/", "/b/", "/c/"):
        alice_tc.add_endpoint_acl_rule(alice_results, {
            "DATA_TYPE": "access", "principal_type": "identity", "principal": BOB_ID, "path": path,
            "permissions": "r",
        })
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{alice_results}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        sharing = await open_sharing(pilot)
        await wait_for(pilot, lambda: [r.path for r in own_rules(sharing.rules)] == ["/a/", "/b/", "/c/"], "the rules")
        sharing.table.focus()
        sharing.table.move_cursor(row=1)
        await pilot.press("d")
        await pilot.press("y")
        await wait_for(pilot, lambda: [r.path for r in own_rules(sharing.rules)] == ["/a/", "/c/"], "/b/ deleted")
        assert sharing.table.cursor_row == 1  # on /c/, where /b/ was


@pytest.mark.parametrize("width", [120, 80])
async def test_two_roles_of_one_person_read_apart_in_the_rules(sandbox: SandboxHandle, width: int) -> None:
    """At 120 columns Alice's administrator and access_manager rows both read
    'Alice Researcher (alice@example.org…': the cut took " (as access_manager)". The role now comes first."""
    with alice_guest(sandbox, "Two roles") as guest:
        gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
        gcs.create_role(globus_sdk.GCSRoleDocument(collection=guest, role="access_manager",
                                                   principal=f"urn:globus:auth:identity:{ALICE_ID}"))
        app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/",
                       right=f"{LAB_STORAGE_ID}:/")
        async with app.run_test(size=(width, 40)) as pilot:
            sharing = await open_sharing(pilot)
            await wait_for(pilot, lambda: len(sharing.rules) == 2, "the two roles' rules")
            shown = [str(sharing.table.get_row_at(row)[0]) for row in range(2)]
            # Each row as drawn (cut to its column) still says which role it is.
            assert sorted(cell.split(": ")[0] for cell in shown) == ["access_manager", "administrator"], shown
            assert all(cell.split(": ")[1].startswith("Alice Re") for cell in shown), shown


async def test_what_e_said_of_a_roles_rule_goes_when_the_cursor_or_the_next_action_moves_on(
    sandbox: SandboxHandle, alice_tc: Any, alice_results: str
) -> None:
    """e on the administrator role's row said the role is what to change; Up to Bob's rule and d: the delete
    dialog came up over that text, as if it were about Bob's rule. It goes when the cursor leaves the row,
    and when another action starts on the same row."""
    alice_tc.add_endpoint_acl_rule(alice_results, {"DATA_TYPE": "access", "principal_type": "identity",
                                                   "principal": BOB_ID, "path": "/", "permissions": "r"})
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{alice_results}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        sharing = await open_sharing(pilot)
        await wait_for(pilot, lambda: len(sharing.rules) == 2, "Bob's rule and the role's")
        assert [rule.from_role for rule in sharing.rules] == [False, True]

        def status() -> str:
            return str(sharing.query_one("#sharing-status").render())

        summary = status()
        for then in (("up", "d"), ("a",)):
            sharing.table.move_cursor(row=1)
            await pilot.pause()
            await pilot.press("e")
            await pilot.pause()
            assert "comes with the administrator role" in status()
            await pilot.press(*then)
            await wait_for(pilot, lambda: app.screen is not sharing, "the next dialog")
            assert status() == summary
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is sharing, "the rules again")


async def test_at_80_columns_the_rules_keep_their_expiry_on_screen(
    sandbox: SandboxHandle, alice_tc: Any, alice_results: str
) -> None:
    """At 80x24 the fixed columns ran past the frame: Expires (red once past) and Created were cut off."""
    from tests.support.browser_helpers import screen_lines

    alice_tc.add_endpoint_acl_rule(alice_results, {
        "DATA_TYPE": "access", "principal_type": "identity", "principal": BOB_ID, "path": "/",
        "permissions": "r", "expiration_date": "2001-01-01T00:00:00Z",
    })
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{alice_results}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(80, 24)) as pilot:
        sharing = await open_sharing(pilot)
        await wait_for(pilot, lambda: len(own_rules(sharing.rules)) == 1, "the rule")
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "Expires" in shown and "2001-01-01" in shown


async def test_a_guest_deleted_from_its_hosts_list_leaves_the_list(sandbox: SandboxHandle, alice_tc: Any) -> None:
    """QA: back on the host's list after D, the deleted guest was still listed ("2 guest collections")
    until ctrl+r; and the notice put the name's escape codes on the terminal (it retitled it)."""
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
    folder = f"/home/alice/{unique('del')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder)
    name = f"Doomed \x1b]0;pwned\x07 {unique('g')}"
    guest = create_guest(gcs, LAB_STORAGE_ID, folder, name, public=False)
    try:
        app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{LAB_STORAGE_ID}:{folder}",
                       right=f"{LAB_STORAGE_ID}:/")
        async with app.run_test(size=(120, 40)) as pilot:
            mapped = await open_sharing(pilot)
            assert guest in [g.id for g in mapped.guests]
            mapped.table.move_cursor(row=[g.id for g in mapped.guests].index(guest))
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, SharingScreen) and app.screen is not mapped,
                           "the guest's rules")
            rules = app.screen
            assert isinstance(rules, SharingScreen)
            await wait_for(pilot, lambda: rules.loaded, "its rules")
            await pilot.press("D")
            await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the confirmation")
            await type_text(pilot, escape_controls(name))  # the name as the screen shows it
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is mapped and guest not in [g.id for g in mapped.guests],
                           "the list without it")
            assert (f"Deleted the guest collection {escape_controls(name)}. Its files stay on its host collection."
                    in notices(app))
            screen = app.export_screenshot()
            assert "\x1b" not in screen and "\x07" not in screen
        assert api_error(lambda: alice_tc.get_endpoint(guest)).http_status == 404
    finally:
        with contextlib.suppress(globus_sdk.GlobusAPIError):  # gone already when the test passed
            gcs.delete_collection(guest)


async def test_deleting_a_guest_whose_rules_cannot_be_read_does_not_say_it_has_none(sandbox: SandboxHandle) -> None:
    """QA: on Bob's guest (Alice may not read its rules) D said nothing of its rules, as if it had none;
    Bob's rule for Alice went with it. Esc: nothing is deleted."""
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{BOB_SHARED_ID}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        sharing = await open_sharing(pilot)
        assert sharing.error is not None
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the confirmation")
        prompt = app.screen
        assert isinstance(prompt, InputPrompt)
        assert "Its access rules, which could not be read here, go with it." in prompt.details
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is sharing, "back to the rules")
    assert transfer_client_for(sandbox, "bob").get_endpoint(BOB_SHARED_ID)["id"] == BOB_SHARED_ID


async def test_a_message_without_a_notify_email_is_refused_not_dropped(sandbox: SandboxHandle,
                                                                       alice_results: str) -> None:
    """QA: a Message with Notify email empty made the rule and threw the message away, unsaid."""
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{alice_results}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        sharing = await open_sharing(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddRuleDialog), "the add-rule dialog")
        dialog = app.screen
        assert isinstance(dialog, AddRuleDialog)
        dialog.query_one("#rule-message", Input).value = "Results are in run1."
        await type_text(pilot, "bob@example.org")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not dialog.saving and "notify email" in str(
            dialog.query_one("#rule-error").render()), "the refusal")
        assert app.screen is dialog
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is sharing, "back to the rules")
    assert [r for r in transfer_client_for(sandbox, "alice").endpoint_acl_list(alice_results) if r["id"]] == []


async def test_a_pane_showing_the_guest_just_deleted_shows_the_folder_it_shared(
    sandbox: SandboxHandle, alice_tc: Any
) -> None:
    """QA: after `p`, `D` and the typed name ("Deleted the guest collection …"), the pane went on showing the
    deleted guest and its rows until ctrl+r. The pane now shows the same files at once, where they still are:
    the folder the guest shared, on its host collection, and its message line says why."""
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
    folder = f"/home/alice/{unique('del')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder)
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder + "inside-row/")
    name = f"Doomed {unique('g')}"
    guest = create_guest(gcs, LAB_STORAGE_ID, folder, name, public=False)
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{guest}:/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        left = app.main_screen.left_pane
        sharing = await open_sharing(pilot)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the confirmation")
        await type_text(pilot, name)
        await pilot.press("enter")
        await wait_for(pilot, lambda: sharing not in app.screen_stack, "the sharing screen to close")
        await wait_for(pilot, lambda: left.collection_id != guest and not left.fetching, "the pane to leave it")
        assert (left.collection_id, left.path) == (LAB_STORAGE_ID, folder)
        assert left.listing is not None and "inside-row" in {entry.name for entry in left.listing.entries}
        assert f"{name} was deleted: showing the folder it shared, {folder} on its host collection" in (
            left.message_text
        )
        assert f"Deleted the guest collection {name}. Its files stay on its host collection." in notices(app)


async def test_deleting_a_guest_that_needs_a_consent_signs_in_and_deletes(
    sandbox: SandboxHandle, alice_tc: Any
) -> None:
    """D stopped at "Globus needs your consent for more access; log in again to grant it." and never opened
    the consent login (D again said the same). Now the consent login opens and the deletion runs again after."""
    consented = threading.Event()

    def grant(scopes: list[str]) -> bool:
        consented.set()  # the login's tokens now carry the mapped collection's data_access
        return True

    session = ConsentSession(grant)
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice", data_access=[LAB_STORAGE_ID])
    folder = f"/home/alice/{unique('del')}/"
    alice_tc.operation_mkdir(LAB_STORAGE_ID, folder)
    guest = create_guest(gcs, LAB_STORAGE_ID, folder, f"Consent to delete {unique('g')}", public=False)
    try:
        app = make_app(service_for(sandbox), sharing=sharing_for(sandbox, data_access_consent=consented),
                       session=session, left=f"{guest}:/", right=f"{LAB_STORAGE_ID}:/")
        async with app.run_test(size=(120, 40)) as pilot:
            sharing = await open_sharing(pilot)
            await pilot.press("D")
            await wait_for(pilot, lambda: isinstance(app.screen, InputPrompt), "the confirmation")
            await type_text(pilot, sharing.collection.display_name)
            await pilot.press("enter")
            await wait_for(pilot, lambda: sharing not in app.screen_stack, "the sharing screen to close")
            assert len(session.logins) == 1
            assert any("data_access" in scope for scope in session.logins[0].scopes), session.logins[0].scopes
            assert api_error(lambda: alice_tc.get_endpoint(guest)).http_status == 404
    finally:
        with contextlib.suppress(globus_sdk.GCSAPIError):  # left behind only when the test failed
            gcs.delete_collection(guest)


async def test_deleting_a_rule_says_what_another_rule_still_grants(
    sandbox: SandboxHandle, alice_tc: Any, alice_results: str
) -> None:
    """d on Bob's read/write rule on /rw/ said he "loses read/write access to /rw/ at once" while his read rule
    on / still lets him read there: he loses write only, and the confirmation now says so."""
    for path, permissions in (("/", "r"), ("/rw/", "rw")):
        alice_tc.add_endpoint_acl_rule(alice_results, {
            "DATA_TYPE": "access", "principal_type": "identity", "principal": BOB_ID, "path": path,
            "permissions": permissions,
        })
    app = make_app(service_for(sandbox), sharing=sharing_for(sandbox), left=f"{alice_results}:/",
                   right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        sharing = await open_sharing(pilot)
        await wait_for(pilot, lambda: [r.path for r in own_rules(sharing.rules)] == ["/", "/rw/"], "the rules")
        bob = "Bob Collaborator (bob@example.org)"
        for row, said in ((1, f"{bob} loses write access to /rw/; keeps read through the rule on /."),
                          (0, f"{bob} loses read access to / at once.")):
            sharing.table.focus()
            sharing.table.move_cursor(row=row)
            await pilot.press("d")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the confirmation")
            confirm = app.screen
            assert isinstance(confirm, ConfirmPrompt)
            assert confirm.message == said
            await pilot.press("n")
            await wait_for(pilot, lambda: app.screen is sharing, "back on the rules")
