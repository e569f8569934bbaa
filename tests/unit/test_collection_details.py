"""What the details screen (``i``) shows: every field the issue lists when the service reports it,
nothing for a field it leaves out or sends empty."""

from __future__ import annotations

from typing import Any

import pytest
from globus_sdk import TransferClient
from globus_sdk.testing import get_response_set

from gterm.globus.collection_details import details_from
from tests.support.admin_scenes import GUEST_DOCUMENT, LAB_ENDPOINT, LAB_ENDPOINT_NAME


def facts(document: dict[str, Any], servers: list[dict[str, Any]] | None = None) -> dict[str, str]:
    details = details_from(document, servers or [])
    shown: dict[str, str] = {}
    for section in details.sections():
        for fact in section.facts:
            assert fact.value not in ("", "None"), fact  # never a row of blanks
            shown.setdefault(fact.label, fact.value)
    return shown


def test_every_field_the_issue_lists_is_shown_for_a_gcsv5_guest() -> None:
    document = {
        **GUEST_DOCUMENT,
        "high_assurance": True,
        "authentication_timeout_mins": 30,
        "mfa_required": True,
        "requires_data_access_consent": True,
        "force_verify": True,
    }
    shown = facts(document)
    assert shown["Name"] == "Alice's climate share"
    assert shown["ID"] == GUEST_DOCUMENT["id"]
    assert shown["Kind"] == "guest collection on Lab Storage"
    assert shown["Endpoint"] == f"{LAB_ENDPOINT_NAME} ({LAB_ENDPOINT})"
    assert shown["Owner"] == f"{LAB_ENDPOINT_NAME} (endpoint)"
    assert shown["Host path"] == "/projects/climate/"
    for label, key in (
        ("Description", "description"), ("Organization", "organization"), ("Department", "department"),
        ("Keywords", "keywords"), ("Contact email", "contact_email"), ("Contact info", "contact_info"),
        ("Info link", "info_link"), ("Message to users", "user_message"), ("Message link", "user_message_link"),
        ("Default directory", "default_directory"), ("HTTPS server", "https_server"),
        ("GCS manager", "gcs_manager_url"), ("Subscription", "subscription_id"),
    ):
        assert shown[label] == document[key], label
    assert (shown["Public"], shown["High assurance"]) == ("yes", "yes")
    assert shown["Sign in again after"] == "30 minutes"
    assert shown["Multi-factor sign-in"] == "required"
    assert shown["Data access consent"] == "needed (asked once)"
    assert shown["Encryption"] == "required"
    assert shown["Checksum verification"] == "always"
    assert shown["Your roles"] == "administrator, activity manager, activity monitor"
    assert (shown["You may share"], shown["You may edit settings"]) == ("yes", "yes")
    assert (shown["In use"], shown["Last access"]) == ("yes", "2026-01-19 08:30 UTC")


@pytest.mark.parametrize(
    ("force_encryption", "force_verify", "disable_verify", "encryption", "verification"),
    [
        (False, False, False, "not required (each transfer chooses)", "as each transfer asks"),
        (True, False, True, "required", "off"),
    ],
)
def test_encryption_and_verification_policy_in_words(
    force_encryption: bool, force_verify: bool, disable_verify: bool, encryption: str, verification: str
) -> None:
    document = {**GUEST_DOCUMENT, "force_encryption": force_encryption, "force_verify": force_verify,
                "disable_verify": disable_verify}
    shown = facts(document)
    assert (shown["Encryption"], shown["Checksum verification"]) == (encryption, verification)


def test_fields_the_service_does_not_report_are_left_out() -> None:
    reported = {"id", "display_name", "entity_type", "my_effective_roles"}
    sparse = {key: value for key, value in GUEST_DOCUMENT.items() if key in reported}
    sparse.update({"description": "", "contact_email": None, "keywords": None, "https_server": None})
    shown = facts(sparse)
    assert set(shown) == {"Name", "ID", "Kind", "Your roles", "You may share", "You may edit settings"}


def test_a_personal_collection_shows_its_server_and_no_gcsv5_access_fields() -> None:
    document = {
        **{key: value for key, value in GUEST_DOCUMENT.items() if not key.startswith(("non_functional", "host_"))},
        "entity_type": "GCP_mapped_collection",
        "owner_string": "alice@example.org",
        "https_server": None,
        "gcs_manager_url": None,
        "mapped_collection_id": None,
        "host_path": None,
        "gcp_connected": True,
        "gcp_paused": False,
    }
    subject = "/C=US/O=Globus Consortium/OU=Globus Connect Service/CN=laptop"
    shown = facts(document, [{"DATA_TYPE": "server", "id": 7, "hostname": None, "port": None, "scheme": None,
                              "subject": subject, "is_connected": True, "is_paused": False}])
    assert shown["Kind"] == "Globus Connect Personal collection"
    assert {"HTTPS server", "GCS manager", "Endpoint", "Host path"}.isdisjoint(shown)
    assert shown["Owner"] == "alice@example.org"
    assert (shown["Connected"], shown["Paused"]) == ("yes", "no")
    assert shown["Server"] == f"connects out to Globus · connected · {subject}"


def test_an_older_endpoints_servers_with_host_and_port() -> None:
    recorded = get_response_set(TransferClient.get_endpoint).lookup("default").json
    shown = facts(dict(recorded), [{"hostname": "gridftp.example.org", "port": 2811, "scheme": "gsiftp",
                                    "is_connected": True, "is_paused": True}])
    assert shown["Kind"] == "Globus Connect Server v4 endpoint"
    assert shown["Server"] == "gsiftp://gridftp.example.org:2811 · connected · paused"
