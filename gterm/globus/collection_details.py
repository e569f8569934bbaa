"""What a collection is: its Transfer document read into typed facts, for the details screen (``i``).

Only what the service reports is kept: a key that is missing, null or empty
is left out, so the screen never shows a row of blanks. The kind is said in
words ("guest collection on Lab Storage"), the way the Globus web app does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gterm.globus.models import Collection, parse_time

_KINDS = {
    "GCSv5_mapped_collection": "mapped collection (Globus Connect Server v5)",
    "GCSv5_guest_collection": "guest collection (Globus Connect Server v5)",
    "GCSv5_endpoint": "Globus Connect Server v5 endpoint",
    "GCP_mapped_collection": "Globus Connect Personal collection",
    "GCP_guest_collection": "guest collection (Globus Connect Personal)",
    "GCSv4_host": "Globus Connect Server v4 endpoint",
    "GCSv4_share": "shared endpoint (Globus Connect Server v4)",
}
_ROLE_WORDS = {
    "administrator": "administrator",
    "access_manager": "access manager",
    "activity_manager": "activity manager",
    "activity_monitor": "activity monitor",
    "restricted_administrator": "restricted administrator",
}


@dataclass(frozen=True, slots=True)
class Fact:
    label: str
    value: str
    multiline: bool = False  # text its owner wrote in lines (a description): shown as lines


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    facts: tuple[Fact, ...]


@dataclass(frozen=True, slots=True)
class Server:
    hostname: str
    port: int | None
    scheme: str
    is_connected: bool | None
    is_paused: bool | None
    subject: str = ""  # the certificate subject: all a Globus Connect Personal server has (it connects out)

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Server:
        port = doc.get("port")
        return cls(
            hostname=str(doc.get("hostname") or ""),
            port=int(port) if isinstance(port, int) else None,
            scheme=str(doc.get("scheme") or ""),
            is_connected=doc.get("is_connected"),
            is_paused=doc.get("is_paused"),
            subject=str(doc.get("subject") or ""),
        )

    def fact(self) -> Fact:
        where = f"{self.scheme}://{self.hostname}" if self.scheme and self.hostname else self.hostname
        if where and self.port:
            where += f":{self.port}"
        state = None if self.is_connected is None else ("connected" if self.is_connected else "not connected")
        parts = [where or "connects out to Globus", state, "paused" if self.is_paused else None, self.subject or None]
        return Fact("Server", " · ".join(part for part in parts if part))


@dataclass(frozen=True, slots=True)
class CollectionDetails:
    collection: Collection
    document: Mapping[str, Any]
    servers: tuple[Server, ...] = ()

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(str(role) for role in self.document.get("my_effective_roles") or ())

    @property
    def may_edit(self) -> bool:
        """Administrators edit a collection's settings (owners are administrators at Globus)."""
        return "administrator" in self.roles

    @property
    def may_share(self) -> bool:
        return bool(self.document.get("acl_editable")) or bool({"administrator", "access_manager"} & set(self.roles))

    def kind(self) -> str:
        entity = self.collection.entity_type
        words = _KINDS.get(entity, entity or "collection")
        host = self.document.get("host_endpoint_display_name")
        if entity.endswith("guest_collection") and host:
            personal = " (Globus Connect Personal)" if entity.startswith("GCP") else ""
            return f"guest collection on {host}{personal}"
        return words

    def sections(self) -> list[Section]:
        doc = self.document
        sections = [
            Section(
                "Collection",
                _facts(
                    ("Name", self.collection.display_name),
                    ("ID", self.collection.id),
                    ("Kind", self.kind()),
                    ("Endpoint", _endpoint(doc)),
                    ("Host path", doc.get("host_path")),
                    ("Owner", self.collection.owner_shown or None),
                ),
            ),
            Section(
                "Description and contact",
                _facts(
                    ("Description", doc.get("description"), True),
                    ("Organization", doc.get("organization")),
                    ("Department", doc.get("department")),
                    ("Keywords", doc.get("keywords")),
                    ("Contact email", doc.get("contact_email")),
                    ("Contact info", doc.get("contact_info"), True),
                    ("Info link", doc.get("info_link")),
                    ("Message to users", doc.get("user_message"), True),
                    ("Message link", doc.get("user_message_link")),
                ),
            ),
            Section(
                "Access",
                _facts(
                    ("Default directory", doc.get("default_directory")),
                    ("HTTPS server", doc.get("https_server")),
                    ("GCS manager", doc.get("gcs_manager_url")),
                    ("Public", _yes_no(doc.get("public"))),
                    ("High assurance", _yes_no(doc.get("high_assurance"))),
                    ("Sign in again after", _minutes(doc.get("authentication_timeout_mins"))),
                    ("Multi-factor sign-in", "required" if doc.get("mfa_required") else None),
                    ("Data access consent", "needed (asked once)" if doc.get("requires_data_access_consent") else None),
                    ("Encryption", _required(doc.get("force_encryption"))),
                    ("Checksum verification", _verification(doc)),
                    ("Your roles", ", ".join(_ROLE_WORDS.get(r, r) for r in self.roles) or "none"),
                    ("You may share", _yes_no(self.may_share)),
                    ("You may edit settings", _yes_no(self.may_edit)),
                ),
            ),
            Section(
                "Activity",
                _facts(
                    ("In use", _yes_no(doc.get("in_use"))),
                    ("Last access", _when(doc.get("last_accessed_time"))),
                    ("Subscription", doc.get("subscription_id")),
                    ("Connected", _yes_no(doc.get("gcp_connected"))),
                    ("Paused", _yes_no(doc.get("gcp_paused"))),
                ),
            ),
        ]
        if self.servers:
            sections.append(Section("Servers", tuple(server.fact() for server in self.servers)))
        return [section for section in sections if section.facts]


def _facts(*pairs: tuple[str, Any] | tuple[str, Any, bool]) -> tuple[Fact, ...]:
    """The facts the service reports (no empty ones); a third item True marks text written in lines."""
    return tuple(Fact(pair[0], str(pair[1]), *pair[2:]) for pair in pairs if pair[1] not in (None, "", [], {}))


def _yes_no(value: Any) -> str | None:
    return None if value is None else ("yes" if value else "no")


def _when(value: Any) -> str | None:
    when = parse_time(value) if isinstance(value, str) else None
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else (str(value) if value else None)


def _required(value: Any) -> str | None:
    return None if value is None else ("required" if value else "not required (each transfer chooses)")


def _minutes(value: Any) -> str | None:
    return f"{value} minutes" if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _endpoint(doc: Mapping[str, Any]) -> str | None:
    """The GCSv5 endpoint serving a collection (Transfer names it ``non_functional_endpoint_*``)."""
    endpoint_id = doc.get("non_functional_endpoint_id")
    if not endpoint_id:
        return None
    name = doc.get("non_functional_endpoint_display_name")
    return f"{name} ({endpoint_id})" if name else str(endpoint_id)


def _verification(doc: Mapping[str, Any]) -> str | None:
    if doc.get("force_verify"):
        return "always"
    if doc.get("disable_verify"):
        return "off"
    if "force_verify" in doc or "disable_verify" in doc:
        return "as each transfer asks"
    return None


def details_from(document: Mapping[str, Any], servers: Sequence[Mapping[str, Any]] = ()) -> CollectionDetails:
    return CollectionDetails(Collection.from_doc(document), dict(document), tuple(Server.from_doc(s) for s in servers))
