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
