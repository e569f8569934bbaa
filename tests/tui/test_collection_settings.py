"""``e`` on the details screen: a collection's settings edited from the keyboard, over the live sandbox.

Globus Connect Personal goes through Transfer's update_endpoint; a GCSv5 mapped
collection through its GCS Manager's collection PATCH (never a Transfer write).
Each test puts the collection back as it was, for the tests that share the sandbox.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import globus_sdk
import pytest
from textual.widgets import Checkbox, Label, Select

from gterm.globus.collection_settings import FIELDS
from gterm.sandbox.seed_ids import ALICE_SHARED_ID, ALICES_LAPTOP_ID, BOB_SHARED_ID, LAB_ENDPOINT_ID, LAB_STORAGE_ID
from gterm.sandbox.server import SandboxHandle
from gterm.tui.screens.collection_info import CollectionInfo
from gterm.tui.screens.collection_picker import CollectionPicker
from gterm.tui.screens.collection_settings import CollectionSettingsForm
from gterm.tui.screens.prompts import ConfirmPrompt
from gterm.tui.widgets.safe_input import SafeInput
from gterm.tui.widgets.safe_text_area import SafeTextArea
from tests.support.browser_helpers import (
    burst_type,
    clear_and_type,
    clear_field,
    field_problems,
    field_text,
    key_opens,
    make_app,
    notices,
    settled,
    type_text,
    wait_for,
)
from tests.support.gcs_helpers import LoginGcsTokens, gcs_client_for
from tests.support.outages import outage
from tests.support.sandbox_login import transfer_client_for
from tests.support.sharing_helpers import held_answers
from tests.support.transfer_live import RequestLog, service_for

TEXT_FIELDS = (
    "display_name", "description", "organization", "department", "contact_email", "contact_info",
    "info_link", "user_message", "user_message_link", "default_directory",
)
FLAGS = tuple(field.name for field in FIELDS if field.kind == "flag")
VERIFY_KEYS = ("force_verify", "disable_verify")  # the form's one "Checksum verification" choice
RESTORED = (*TEXT_FIELDS, *FLAGS, *VERIFY_KEYS, "keywords")
NEW_VALUES = {
    "display_name": "Edited name",
    "description": "Edited from gterm",
    "organization": "Example Lab",
    "department": "Edited department",  # unlike any value another suite leaves behind
    "keywords": "alpha, beta",
    "contact_email": "admin@example.org",
    "contact_info": "Room 101",
    "info_link": "https://example.org/info",
    "user_message": "Be kind",
    "user_message_link": "https://example.org/msg",
    "default_directory": "/~/edited/",
}


@pytest.fixture
def laptop_restored(sandbox: SandboxHandle) -> Iterator[globus_sdk.TransferClient]:
    client = transfer_client_for(sandbox, "alice")
    before = client.get_endpoint(ALICES_LAPTOP_ID).data
    yield client
    client.update_endpoint(
        ALICES_LAPTOP_ID,
        {key: before.get(key) for key in RESTORED},
    )


@pytest.fixture
def lab_restored(sandbox: SandboxHandle) -> Iterator[globus_sdk.GCSClient]:
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice")
    before = gcs.get_collection(LAB_STORAGE_ID).data
    yield gcs
    gcs.update_collection(
        LAB_STORAGE_ID,
        {key: before.get(key) for key in RESTORED},
    )


async def open_form(pilot: Any, app: Any) -> CollectionSettingsForm:
    await settled(pilot)
    await pilot.press("i")
    await wait_for(pilot, lambda: isinstance(app.screen, CollectionInfo) and app.screen.details is not None, "details")
    return await key_opens(pilot, app, "e", CollectionSettingsForm, "the settings form")


async def fill_every_field(pilot: Any, form: CollectionSettingsForm) -> None:
    for name, value in NEW_VALUES.items():
        field = form.query_one(f"#field-{name}")
        field.focus()
        clear_field(field)
        await pilot.pause()
        await burst_type(pilot, field, value)
    for flag in ("public", "force_encryption"):
        box = form.query_one(f"#field-{flag}", Checkbox)
        box.value = not box.value
    form.query_one("#field-verification", Select).value = "always"
    await pilot.pause()


async def save_and_confirm(pilot: Any, app: Any, form: CollectionSettingsForm) -> list[str]:
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the summary of changes")
    summary = app.screen
    assert isinstance(summary, ConfirmPrompt)
    items = list(summary.items)
    await pilot.press("y")
    await wait_for(pilot, lambda: form not in app.screen_stack, "the form to close once saved")
    return items


def check_saved(doc: dict[str, Any], before: dict[str, Any], keywords: Any) -> None:
    for name in TEXT_FIELDS:
        assert doc[name] == NEW_VALUES[name], name
    assert doc["keywords"] == keywords
    assert doc["public"] is (not before["public"])
    assert doc["force_encryption"] is (not before["force_encryption"])
    assert (doc["force_verify"], doc["disable_verify"]) == (True, False)


async def test_e_sets_every_field_of_a_personal_collection(
    sandbox: SandboxHandle, laptop_restored: globus_sdk.TransferClient
) -> None:
    before = laptop_restored.get_endpoint(ALICES_LAPTOP_ID).data
    app = make_app(service_for(sandbox), left=f"{ALICES_LAPTOP_ID}:/~/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(pilot, app)
        assert form.settings.api == "transfer"
        await fill_every_field(pilot, form)
        items = await save_and_confirm(pilot, app, form)
        assert len(items) == len(NEW_VALUES) + 3  # every field changed, each named in the summary
        info = app.screen
        assert isinstance(info, CollectionInfo)
        await wait_for(pilot, lambda: info.details is not None and info.details.collection.display_name
                       == "Edited name", "the details to show the new settings")
        assert str(info.query_one("#info-title").render()) == "Edited name — details"  # the old name stayed
    check_saved(laptop_restored.get_endpoint(ALICES_LAPTOP_ID).data, before, "alpha,beta")


async def test_a_name_with_markup_is_saved_and_said_as_it_is(
    sandbox: SandboxHandle, laptop_restored: globus_sdk.TransferClient
) -> None:
    """The "Saved the settings of …" notice read the name as markup: "[/]" in it crashed the app."""
    laptop_restored.update_endpoint(ALICES_LAPTOP_ID, {"display_name": "Laptop [/] [b]x"})
    app = make_app(service_for(sandbox), left=f"{ALICES_LAPTOP_ID}:/~/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(pilot, app)
        field = form.query_one("#field-department")
        field.focus()
        clear_field(field)
        await burst_type(pilot, field, "Physics")
        await save_and_confirm(pilot, app, form)
        await wait_for(pilot, lambda: any("Saved the settings of Laptop [/] [b]x." in n for n in notices(app)),
                       "the notice, the name as it is")
        saved = next(n for n in app._notifications if "Saved the settings" in str(n.message))
        assert not saved.markup  # read as markup, "[/]" raised MarkupError when the notice was drawn
        assert app.is_running


async def test_e_sets_every_field_of_a_gcsv5_mapped_collection_through_its_gcs_manager(
    sandbox: SandboxHandle, lab_restored: globus_sdk.GCSClient
) -> None:
    before = lab_restored.get_collection(LAB_STORAGE_ID).data
    app = make_app(
        service_for(sandbox), left=f"{LAB_STORAGE_ID}:/", right=f"{LAB_STORAGE_ID}:/",
        gcs_tokens=LoginGcsTokens(sandbox),
    )
    log = RequestLog(sandbox)
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(pilot, app)
        assert (form.settings.api, form.settings.endpoint_id) == ("gcs", LAB_ENDPOINT_ID)
        mark = log.mark()
        await fill_every_field(pilot, form)
        await save_and_confirm(pilot, app, form)
        # No Transfer write for a GCSv5 collection: the GCS Manager's PATCH only.
        assert log.count(mark, method="PUT", path=f"/v0.10/endpoint/{LAB_STORAGE_ID}") == 0
        assert log.count(mark, method="PATCH", path=f"/gcs/{LAB_ENDPOINT_ID}/api/collections/{LAB_STORAGE_ID}") == 1
    check_saved(lab_restored.get_collection(LAB_STORAGE_ID).data, before, ["alpha", "beta"])
    seen = transfer_client_for(sandbox, "alice").get_endpoint(LAB_STORAGE_ID).data
    assert (seen["display_name"], seen["contact_email"], seen["keywords"]) == (
        "Edited name", "admin@example.org", "alpha,beta"
    )


async def test_e_without_the_administrator_role_is_refused_with_no_form(sandbox: SandboxHandle) -> None:
    app = make_app(service_for(sandbox), left=f"{BOB_SHARED_ID}:/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionInfo) and app.screen.details is not None,
                       "details")
        await pilot.press("e")
        await wait_for(pilot, lambda: any("Only an administrator" in n for n in notices(app)), "the refusal")
        assert isinstance(app.screen, CollectionInfo)


async def test_bad_values_are_named_and_nothing_is_sent(
    sandbox: SandboxHandle, laptop_restored: globus_sdk.TransferClient
) -> None:
    before = laptop_restored.get_endpoint(ALICES_LAPTOP_ID).data
    app = make_app(service_for(sandbox), left=f"{ALICES_LAPTOP_ID}:/~/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(pilot, app)
        await clear_and_type(pilot, form.query_one("#field-contact_email", SafeInput), "not-an-email")
        await clear_and_type(pilot, form.query_one("#field-info_link", SafeInput), "ftp:/nowhere")
        await clear_and_type(pilot, form.query_one("#field-display_name", SafeInput), "")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert field_problems(form) == {"contact_email", "info_link", "display_name"}
        assert app.screen is form
        assert form.query_one("#field-contact_email", SafeInput).value == "not-an-email"
    assert laptop_restored.get_endpoint(ALICES_LAPTOP_ID).data["contact_email"] == before["contact_email"]


async def test_a_refused_save_leaves_the_form_as_typed(sandbox: SandboxHandle) -> None:
    """Without GCS Manager tokens the save fails: the form stays, with what was typed."""
    app = make_app(service_for(sandbox), left=f"{LAB_STORAGE_ID}:/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(pilot, app)
        await clear_and_type(pilot, form.query_one("#field-description", SafeTextArea), "typed text")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmPrompt), "the summary")
        await pilot.press("y")
        await wait_for(pilot, lambda: not form.saving and any("Saving the settings" in n for n in notices(app)),
                       "the refusal")
        assert app.screen is form
        assert form.query_one("#field-description", SafeTextArea).text == "typed text"


@pytest.fixture
def bobs_guest_restored(sandbox: SandboxHandle) -> Iterator[globus_sdk.GCSClient]:
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "bob")
    before = gcs.get_collection(BOB_SHARED_ID).data
    yield gcs
    gcs.update_collection(
        BOB_SHARED_ID,
        {key: before.get(key) for key in RESTORED},
    )


async def test_the_seed_exercise_every_field_of_my_guest_collection(
    sandbox: SandboxHandle, bobs_guest_restored: globus_sdk.GCSClient
) -> None:
    """"Set all the metadata fields on your shared endpoint": Bob, owner of a GCSv5 guest collection."""
    before = bobs_guest_restored.get_collection(BOB_SHARED_ID).data
    app = make_app(
        service_for(sandbox, "bob"), left=f"{BOB_SHARED_ID}:/", right=f"{LAB_STORAGE_ID}:/home/bob/",
        gcs_tokens=LoginGcsTokens(sandbox, "bob"),
    )
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(pilot, app)
        assert (form.settings.api, form.settings.endpoint_id) == ("gcs", LAB_ENDPOINT_ID)
        await fill_every_field(pilot, form)
        await save_and_confirm(pilot, app, form)
    check_saved(bobs_guest_restored.get_collection(BOB_SHARED_ID).data, before, ["alpha", "beta"])
    seen = transfer_client_for(sandbox, "bob").get_endpoint(BOB_SHARED_ID).data
    assert (seen["display_name"], seen["user_message"]) == ("Edited name", "Be kind")


@pytest.fixture
def alices_guest_restored(sandbox: SandboxHandle) -> Iterator[globus_sdk.GCSClient]:
    gcs = gcs_client_for(sandbox, LAB_ENDPOINT_ID, "alice")
    before = gcs.get_collection(ALICE_SHARED_ID).data
    yield gcs
    gcs.update_collection(ALICE_SHARED_ID, {key: before.get(key) for key in RESTORED})


async def test_the_demo_exercise_every_field_of_alices_guest_collection_with_keys_only(
    sandbox: SandboxHandle, alices_guest_restored: globus_sdk.GCSClient
) -> None:
    """`gterm demo` signs in as Alice: "set all the metadata fields on your shared endpoint", keys only.

    ctrl+o finds her seeded guest collection, Enter opens it, i shows it, e edits it: every
    field is cleared (ctrl+a, ctrl+k) and typed, every flag toggled (space), Tab between them;
    ctrl+s, y. The GCS Manager and Transfer's get_endpoint then report each new value, and the
    only write was the GCS Manager's collection PATCH (no Transfer write to a GCSv5 collection).
    """
    before = alices_guest_restored.get_collection(ALICE_SHARED_ID).data
    app = make_app(
        service_for(sandbox), left=f"{LAB_STORAGE_ID}:/home/alice/", right=f"{LAB_STORAGE_ID}:/home/alice/",
        gcs_tokens=LoginGcsTokens(sandbox),
    )
    log = RequestLog(sandbox)
    async with app.run_test(size=(120, 50)) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionPicker), "the collection picker")
        picker = app.screen
        assert isinstance(picker, CollectionPicker)
        await type_text(pilot, "shared experiments")
        await wait_for(pilot, lambda: [c.id for c in picker.results] == [ALICE_SHARED_ID], "her guest collection")
        await pilot.press("down", "enter")
        pane = app.main_screen.active_pane
        await wait_for(pilot, lambda: pane.collection_id == ALICE_SHARED_ID and pane.listing is not None,
                       "her guest collection in the pane")
        form = await open_form(pilot, app)
        assert (form.settings.api, form.settings.endpoint_id) == ("gcs", LAB_ENDPOINT_ID)
        mark = log.mark()
        for field in FIELDS:  # the form's own order, which is its Tab order
            assert app.focused is form.query_one(f"#field-{field.name}"), field.name
            if field.kind == "flag":
                await pilot.press("space")
            elif field.kind == "choice":  # the list opens on Enter; the next choice after "as each transfer asks"
                await pilot.press("enter", "down", "enter")
            else:
                await pilot.press("ctrl+a", "ctrl+k")
                await burst_type(pilot, app.focused, NEW_VALUES[field.name])
            await pilot.press("tab")
        items = await save_and_confirm(pilot, app, form)
        assert len(items) == len(FIELDS)  # every field changed, each named in the summary
        assert log.count(mark, method="PATCH", path=f"/gcs/{LAB_ENDPOINT_ID}/api/collections/{ALICE_SHARED_ID}") == 1
        assert log.count(mark, method="PUT", path=f"/v0.10/endpoint/{ALICE_SHARED_ID}") == 0
    after = alices_guest_restored.get_collection(ALICE_SHARED_ID).data
    check_saved(after, before, ["alpha", "beta"])
    seen = transfer_client_for(sandbox, "alice").get_endpoint(ALICE_SHARED_ID).data
    for name in TEXT_FIELDS:
        assert seen[name] == NEW_VALUES[name], name
    assert seen["keywords"] == "alpha,beta"
    for flag in FLAGS:
        assert seen[flag] is (not before[flag]), flag
    assert (seen["force_verify"], seen["disable_verify"]) == (True, False)


@pytest.fixture
def laptop_guest(sandbox: SandboxHandle) -> Iterator[str]:
    client = transfer_client_for(sandbox, "alice")
    created = client.create_shared_endpoint({
        "DATA_TYPE": "shared_endpoint", "host_endpoint": ALICES_LAPTOP_ID, "host_path": "/Documents/",
        "display_name": "Laptop documents", "description": "Shared from the laptop",
    })
    yield str(created["id"])
    client.delete_endpoint(created["id"])


async def test_e_on_a_personal_guest_collection_offers_what_transfer_takes_and_saves_through_it(
    sandbox: SandboxHandle, laptop_guest: str
) -> None:
    """A Globus Connect Personal guest ("shared endpoint") is edited through Transfer's update_endpoint;
    its form has no message to users and no public flag, which Transfer does not take for one."""
    app = make_app(service_for(sandbox), left=f"{laptop_guest}:/", right=f"{LAB_STORAGE_ID}:/")
    log = RequestLog(sandbox)
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(pilot, app)
        assert form.settings.api == "transfer"
        offered = {field.name for field in form.settings.fields}
        assert offered == {field.name for field in FIELDS} - {"user_message", "user_message_link", "public"}
        assert not form.query("#field-user_message") and not form.query("#field-public")
        mark = log.mark()
        for name in offered & set(NEW_VALUES):
            field = form.query_one(f"#field-{name}")
            field.focus()
            clear_field(field)
            await pilot.pause()
            await burst_type(pilot, field, NEW_VALUES[name])
        form.query_one("#field-force_encryption", Checkbox).value = True
        form.query_one("#field-verification", Select).value = "never"
        await pilot.pause()
        items = await save_and_confirm(pilot, app, form)
        assert len(items) == len(offered)  # every field it offers changed, each named in the summary
        assert log.count(mark, method="PUT", path=f"/v0.10/endpoint/{laptop_guest}") == 1
    seen = transfer_client_for(sandbox, "alice").get_endpoint(laptop_guest).data
    for name in offered & set(TEXT_FIELDS):
        assert seen[name] == NEW_VALUES[name], name
    assert seen["keywords"] == "alpha,beta"
    assert (seen["force_encryption"], seen["force_verify"], seen["disable_verify"]) == (True, False, True)


async def test_after_a_save_whose_reload_failed_e_waits_for_current_details(
    sandbox: SandboxHandle, laptop_restored: globus_sdk.TransferClient
) -> None:
    """The save is accepted but reading the collection back fails: the details screen had kept the old
    details, so e opened the form with the old values, and "Nothing changed" blocked putting them back.
    Now e says why there is no form, r reads the details again, and e then starts from the saved ones."""
    app = make_app(service_for(sandbox), left=f"{ALICES_LAPTOP_ID}:/~/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(pilot, app)
        await clear_and_type(pilot, form.query_one("#field-description"), "Saved, then unreadable")
        with outage(sandbox, lambda method, path: method == "GET" and path == f"/v0.10/endpoint/{ALICES_LAPTOP_ID}"):
            await save_and_confirm(pilot, app, form)
            info = app.screen
            assert isinstance(info, CollectionInfo)
            await wait_for(pilot, lambda: info.load_error is not None, "the reload to fail")
            await pilot.press("e")
            await wait_for(pilot, lambda: any("could not be loaded" in n for n in notices(app)), "why no form")
            assert app.screen is info
        await pilot.press("r")
        await wait_for(pilot, lambda: info.load_error is None and info.details is not None and not info.fetching,
                       "the details read again")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, CollectionSettingsForm), "the settings form")
        again = app.screen
        assert isinstance(again, CollectionSettingsForm)
        assert field_text(again.query_one("#field-description")) == "Saved, then unreadable"


async def test_e_while_the_details_load_opens_the_form_once_they_are_here(sandbox: SandboxHandle) -> None:
    """e pressed before the details arrived was dropped without a word."""
    app = make_app(service_for(sandbox), left=f"{ALICES_LAPTOP_ID}:/~/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 50)) as pilot:
        await settled(pilot)
        with held_answers(sandbox) as held:
            held.hold()
            await pilot.press("i")
            await wait_for(pilot, lambda: isinstance(app.screen, CollectionInfo), "the details screen")
            await pilot.press("e")
            await wait_for(pilot, lambda: any("Still loading" in n for n in notices(app)), "still loading said")
            assert isinstance(app.screen, CollectionInfo)
            held.release()
            await wait_for(pilot, lambda: isinstance(app.screen, CollectionSettingsForm), "the form, once loaded")


async def test_multi_line_text_is_edited_as_lines_and_only_what_changed_is_sent(
    sandbox: SandboxHandle, laptop_restored: globus_sdk.TransferClient
) -> None:
    """QA: a description with newlines and a tab sat in a one-line field as \\n and \\t; typing " More." at its
    end saved literal backslash-n and backslash-t. And the contact info, untouched, was listed and sent
    (trimmed of its last newline). Now the description is edited as lines and saved exactly; the
    untouched fields are not sent at all; a control character other than newline and tab shows escaped."""
    description = "Line one.\nLine two.\n\tIndented line."
    contact = "Room 101\nCall x123\n"
    message = "Be kind\x1b[2J"  # another control character: shown escaped, kept (untouched), never on screen
    laptop_restored.update_endpoint(
        ALICES_LAPTOP_ID, {"description": description, "contact_info": contact, "user_message": message}
    )
    app = make_app(service_for(sandbox), left=f"{ALICES_LAPTOP_ID}:/~/", right=f"{LAB_STORAGE_ID}:/")
    log = RequestLog(sandbox)
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(pilot, app)
        field = form.query_one("#field-description", SafeTextArea)
        assert field.text == description and field.document.line_count == 3
        assert form.query_one("#field-contact_info", SafeTextArea).text == contact
        assert form.query_one("#field-user_message", SafeTextArea).text == "Be kind\\x1b[2J"
        assert "\x1b" not in app.export_screenshot()
        field.focus()
        await pilot.press("down", "down", "end")
        await type_text(pilot, " More.")
        mark = log.mark()
        items = await save_and_confirm(pilot, app, form)
        assert len(items) == 1 and items[0].startswith("Description:")
        puts = [record for record in log.since(mark) if record["method"] == "PUT"]
        assert len(puts) == 1
    saved = laptop_restored.get_endpoint(ALICES_LAPTOP_ID).data
    assert saved["description"] == description + " More."
    assert (saved["contact_info"], saved["user_message"]) == (contact, message)


async def test_a_rename_saved_in_the_settings_shows_in_the_pane_header(
    sandbox: SandboxHandle, laptop_restored: globus_sdk.TransferClient
) -> None:
    """The pane on the collection went on showing its old name, even after ctrl+r."""
    app = make_app(service_for(sandbox), left=f"{ALICES_LAPTOP_ID}:/~/", right=f"{LAB_STORAGE_ID}:/")
    async with app.run_test(size=(120, 50)) as pilot:
        form = await open_form(pilot, app)
        await clear_and_type(pilot, form.query_one("#field-display_name", SafeInput), "[b]Laptop[/b] 2")
        await save_and_confirm(pilot, app, form)
        info = app.screen
        assert isinstance(info, CollectionInfo)
        await wait_for(pilot, lambda: info.details is not None and not info.fetching, "the details read again")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main_screen, "back in the panes")
        left = app.main_screen.left_pane
        header = str(left.query_one(".collection-name", Label).render())
        assert header == "[b]Laptop[/b] 2" and left.collection.display_name == "[b]Laptop[/b] 2"
