"""The settings form's checksum verification choice: one field over force_verify and disable_verify."""

from __future__ import annotations

import pytest

from gterm.globus.collection_details import details_from
from gterm.globus.collection_settings import CollectionSettings
from tests.support.admin_scenes import GUEST_DOCUMENT


@pytest.mark.parametrize(
    ("force_verify", "disable_verify", "shown"),
    [(False, False, "as each transfer asks"), (True, False, "always"), (False, True, "never")],
)
def test_the_choice_reads_both_keys(force_verify: bool, disable_verify: bool, shown: str) -> None:
    document = {**GUEST_DOCUMENT, "force_verify": force_verify, "disable_verify": disable_verify}
    assert CollectionSettings.from_details(details_from(document)).values["verification"] == shown


@pytest.mark.parametrize(("choice", "body"), [
    ("never", {"force_verify": False, "disable_verify": True}),
    ("always", {"force_verify": True, "disable_verify": False}),
])
def test_a_changed_choice_sends_both_keys_never_both_true(choice: str, body: dict[str, bool]) -> None:
    settings = CollectionSettings.from_details(details_from(GUEST_DOCUMENT))
    changes = settings.changes({**settings.values, "verification": choice})
    assert [change.field.name for change in changes] == ["verification"]
    assert settings.request_body(changes) == body


def test_an_unknown_choice_is_named_and_not_sent() -> None:
    settings = CollectionSettings.from_details(details_from(GUEST_DOCUMENT))
    assert set(settings.check({**settings.values, "verification": "sometimes"})) == {"verification"}


def test_untouched_fields_are_never_changes_whatever_blanks_they_hold() -> None:
    """QA: contact info "Room 101\\nCall x123\\n" left alone was listed as changed and sent (trimmed)."""
    document = {**GUEST_DOCUMENT, "contact_info": "Room 101\nCall x123\n", "organization": " Example Lab "}
    settings = CollectionSettings.from_details(details_from(document))
    assert settings.changes(dict(settings.values)) == []


def test_multi_line_fields_are_sent_exactly_and_one_line_fields_trimmed() -> None:
    settings = CollectionSettings.from_details(details_from(GUEST_DOCUMENT))
    description = "Line one.\nLine two.\n\tIndented line. More.\n"
    changes = settings.changes({**settings.values, "description": description, "department": "  Chemistry "})
    body = settings.request_body(changes)
    assert body == {"description": description, "department": "Chemistry"}
    assert settings.check({**settings.values, "description": "Windows\r\nlines\r\n"}) == {}
    assert set(settings.check({**settings.values, "description": "bell \x07"})) == {"description"}


def test_only_changed_values_are_checked() -> None:
    """A value the service holds and the user left alone (a control character someone else put in the
    message) does not stop the save of another field; once edited, it is checked like any other."""
    document = {**GUEST_DOCUMENT, "user_message": "Be kind\x1b[2J", "info_link": "example.org"}
    settings = CollectionSettings.from_details(details_from(document))
    assert settings.check({**settings.values, "department": "Chemistry"}) == {}
    edited = {**settings.values, "user_message": "Be kinder\x1b[2J", "info_link": "example.org/x"}
    assert set(settings.check(edited)) == {"user_message", "info_link"}


def test_a_change_is_summed_up_as_typed() -> None:
    """QA: the summary showed repr(): '[bold red]BIG[\\\\bold red]' with its backslash doubled, and other
    quotes around a name with an apostrophe."""
    settings = CollectionSettings.from_details(details_from({**GUEST_DOCUMENT, "display_name": "Alice's data"}))
    (change,) = settings.changes({**settings.values, "display_name": "[bold red]BIG[\\bold red]"})
    assert change.line() == "Display name: “Alice's data” → “[bold red]BIG[\\bold red]”"
