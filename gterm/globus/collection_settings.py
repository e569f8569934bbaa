"""A collection's editable settings (``e`` on the details screen): read, checked, compared, saved.

Each kind of collection is edited through the API Globus documents for it:

- Globus Connect Personal (and older) endpoints and their guest collections:
  Transfer's ``update_endpoint`` (PUT /endpoint/{id}); keywords are one comma string there.
- GCSv5 mapped and guest collections: the GCS Manager's collection PATCH
  (``/api/collections/{id}`` on the endpoint's ``gcs_manager_url``) with the
  endpoint's ``urn:globus:auth:scope:<ENDPOINT_ID>:manage_collections`` scope;
  keywords are a list there. Transfer only reads GCSv5 collections: gterm never
  sends Transfer a write for one.

Values are checked before anything is sent (email, URL, lengths, keywords), with
Transfer's documented lengths, so a refusal names the field instead of the server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from gterm.globus.collection_details import CollectionDetails
from gterm.globus.error_mapping import translate_errors
from gterm.globus.errors import InvalidInput, PermissionDenied
from gterm.lazy_modules import LazyModule

if TYPE_CHECKING:
    import globus_sdk
    from globus_sdk.authorizers import GlobusAuthorizer
else:
    # Loaded with the first call to Globus, not with the TUI (gterm.lazy_modules).
    globus_sdk = LazyModule("globus_sdk")

Api = Literal["transfer", "gcs"]


@dataclass(frozen=True, slots=True)
class Field:
    name: str  # the key both APIs use
    label: str
    limit: int  # characters, Transfer's documented limit
    kind: Literal["text", "email", "url", "path", "keywords", "flag", "choice"] = "text"
    required: bool = False
    # Prose in lines, edited in a textarea as in the Globus web app: its newlines, tabs and
    # surrounding blanks are the author's and are kept exactly (a one-line field is trimmed).
    multiline: bool = False


#: Every metadata field both APIs accept for a collection, in the form's order.
FIELDS: tuple[Field, ...] = (
    Field("display_name", "Display name", 128, required=True),
    Field("description", "Description", 4096, multiline=True),
    Field("organization", "Organization", 1024),
    Field("department", "Department", 1024),
    Field("keywords", "Keywords (comma separated)", 1024, "keywords"),
    Field("contact_email", "Contact email", 1024, "email"),
    Field("contact_info", "Contact info", 4096, multiline=True),
    Field("info_link", "Info link", 1024, "url"),
    Field("user_message", "Message to users", 1024, multiline=True),
    Field("user_message_link", "Message link", 1024, "url"),
    Field("default_directory", "Default directory", 4096, "path"),
    Field("public", "Public (listed in search)", 0, "flag"),
    Field("force_encryption", "Require encryption", 0, "flag"),
    # One choice over two keys of both APIs, force_verify and disable_verify (never both true).
    Field("verification", "Checksum verification", 0, "choice"),
)
FIELD_BY_NAME = {field.name: field for field in FIELDS}

#: The checksum verification policy in words -> (force_verify, disable_verify).
VERIFICATION: dict[str, tuple[bool, bool]] = {
    "as each transfer asks": (False, False),
    "always": (True, False),
    "never": (False, True),
}


#: What Transfer's update does not take for a Globus Connect Personal guest collection
#: ("shared endpoint"): no message to its users and no public flag (globus-cli's
#: `gcp update guest` offers neither, while `gcp update mapped` offers both).
NOT_ON_GCP_GUESTS = frozenset({"user_message", "user_message_link", "public"})


def verification_choice(value: Value | None) -> str:
    """The choice a value stands for; anything unknown (a document without the keys) is the default."""
    return value if isinstance(value, str) and value in VERIFICATION else next(iter(VERIFICATION))

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def looks_like_email(text: str) -> bool:
    """The shape of an email address (name@example.org): what Globus would refuse otherwise."""
    return bool(_EMAIL.match(text))
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
_KEYWORD_LIMIT = 128

Value = str | bool


@runtime_checkable
class GcsTokens(Protocol):
    """Authorizers for an endpoint's GCS Manager (GtermSession implements it)."""

    def gcs_authorizer(self, endpoint_id: str) -> GlobusAuthorizer: ...


@dataclass(frozen=True, slots=True)
class Change:
    field: Field
    old: Value
    new: Value

    def line(self) -> str:
        def shown(value: Value) -> str:
            if isinstance(value, bool):
                return "yes" if value else "no"
            # Quoted as typed: a repr would double every backslash and switch quotes around an apostrophe.
            return f"“{value}”" if value else "(empty)"

        return f"{self.field.label}: {shown(self.old)} → {shown(self.new)}"


@dataclass(frozen=True, slots=True)
class CollectionSettings:
    """What the form starts from: the collection, which API edits it, and the current values."""

    collection_id: str
    display_name: str
    api: Api
    values: Mapping[str, Value]
    endpoint_id: str | None = None  # GCSv5: the endpoint whose GCS Manager edits it
    manager_url: str | None = None
    entity_type: str = ""

    @property
    def fields(self) -> tuple[Field, ...]:
        """The fields the API for this kind of collection takes, in the form's order."""
        if self.entity_type == "GCP_guest_collection":
            return tuple(field for field in FIELDS if field.name not in NOT_ON_GCP_GUESTS)
        return FIELDS

    @classmethod
    def from_details(cls, details: CollectionDetails) -> CollectionSettings:
        """The settings of a collection I administer; PermissionDenied otherwise (no form)."""
        collection, doc = details.collection, details.document
        if not details.may_edit:
            raise PermissionDenied(
                f"Only an administrator of {collection.display_name} may edit its settings "
                f"(your roles: {', '.join(details.roles) or 'none'})."
            )
        values: dict[str, Value] = {}
        for field in FIELDS:
            raw = doc.get(field.name)
            values[field.name] = bool(raw) if field.kind == "flag" else _text_of(raw)
        values["verification"] = _verification_of(doc)
        if collection.entity_type.startswith("GCSv5"):
            endpoint_id = doc.get("non_functional_endpoint_id")
            manager_url = doc.get("gcs_manager_url")
            if not endpoint_id or not manager_url:
                raise InvalidInput(f"Transfer does not say which GCS Manager serves {collection.display_name}.")
            return cls(collection.id, collection.display_name, "gcs", values, str(endpoint_id), str(manager_url),
                       collection.entity_type)
        return cls(collection.id, collection.display_name, "transfer", values, entity_type=collection.entity_type)

    def check(self, values: Mapping[str, Value]) -> dict[str, str]:
        """Field name -> what is wrong with its new value (empty when all are acceptable).

        Only values that differ from the current ones are checked: what the service already
        holds (a link another client saved without a scheme, a control character in a
        message) is not the user's to correct before they may save another field.
        """
        problems: dict[str, str] = {}
        for field in self.fields:
            value = values.get(field.name, self.values.get(field.name, ""))
            if value == self.values.get(field.name, ""):
                continue
            if field.kind == "choice":
                if value not in VERIFICATION:
                    problems[field.name] = f"one of: {', '.join(VERIFICATION)}"
                continue
            if field.kind == "flag" or not isinstance(value, str):
                continue
            problem = _problem(field, value if field.multiline else value.strip())
            clears_gcs_directory = field.name == "default_directory" and self.api == "gcs" and not value.strip()
            if problem is None and clears_gcs_directory and self.values.get(field.name):
                problem = "a GCSv5 collection always has a default directory; give one"
            if problem:
                problems[field.name] = problem
        return problems

    def changes(self, values: Mapping[str, Value]) -> list[Change]:
        """What differs from the current settings, in the form's order.

        A field left as it was is never a change, whatever blanks it holds: a one-line
        field's new value is trimmed, but compared untrimmed first; a multi-line one is
        taken exactly as typed.
        """
        result = []
        for field in self.fields:
            if field.name not in values:
                continue
            new = values[field.name]
            old = self.values.get(field.name, "")
            if new == old:
                continue
            if isinstance(new, str) and not field.multiline:
                new = new.strip()
            if field.kind == "choice":
                old = verification_choice(old)
            same_keywords = (  # "a, b" and "a,b" are the same keywords
                field.kind == "keywords" and isinstance(new, str) and isinstance(old, str)
                and _keywords(new) == _keywords(old)
            )
            if new != old and not same_keywords:
                result.append(Change(field, old, new))
        return result

    def request_body(self, changes: list[Change]) -> dict[str, Any]:
        """The fields to send, in the shape this kind's API takes (null clears a text field)."""
        body: dict[str, Any] = {}
        for change in changes:
            value = change.new
            if change.field.kind == "keywords" and isinstance(value, str):
                words = _keywords(value)
                body["keywords"] = words if self.api == "gcs" else (",".join(words) or None)
            elif change.field.kind == "choice":
                body["force_verify"], body["disable_verify"] = VERIFICATION[str(value)]
            elif isinstance(value, str) and not value:
                body[change.field.name] = None
            else:
                body[change.field.name] = value
        return body


class SettingsService:
    """Saves settings through the API for the collection's kind (never a Transfer write to GCSv5)."""

    def __init__(
        self,
        transfer_client: Callable[[], globus_sdk.TransferClient],
        gcs_tokens: GcsTokens | None,
    ) -> None:
        self._transfer_client = transfer_client
        self._gcs_tokens = gcs_tokens

    @translate_errors()
    def save(self, settings: CollectionSettings, changes: list[Change]) -> None:
        values = {change.field.name: change.new for change in changes}
        problems = settings.check(values)
        if problems:
            name, problem = next(iter(problems.items()))
            raise InvalidInput(f"{FIELD_BY_NAME[name].label}: {problem}.")
        body = settings.request_body(changes)
        if not body:
            return
        if settings.api == "transfer":
            self._transfer_client().update_endpoint(settings.collection_id, body)
            return
        assert settings.endpoint_id is not None and settings.manager_url is not None
        if self._gcs_tokens is None:
            raise PermissionDenied("Editing a GCSv5 collection needs a signed-in session (its GCS Manager's consent).")
        gcs = globus_sdk.GCSClient(
            settings.manager_url, authorizer=self._gcs_tokens.gcs_authorizer(settings.endpoint_id)
        )
        gcs.update_collection(settings.collection_id, body)


def _verification_of(doc: Mapping[str, Any]) -> str:
    if doc.get("force_verify"):
        return "always"
    return "never" if doc.get("disable_verify") else "as each transfer asks"


def _text_of(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, list):
        return ", ".join(str(item) for item in raw)
    return str(raw)


def _keywords(text: str) -> list[str]:
    return [word.strip() for word in text.split(",") if word.strip()]


def display_name_problem(name: str) -> str | None:
    """What is wrong with a collection's display name, as the settings form says it ("Display name: at most
    128 characters (this is 140)."), or None: the check a new guest collection's name goes through too."""
    field = FIELD_BY_NAME["display_name"]
    problem = _problem(field, name.strip())
    return f"{field.label}: {problem}." if problem else None


def _problem(field: Field, value: str) -> str | None:
    if field.required and not value:
        return "may not be empty"
    if len(value) > field.limit:
        return f"at most {field.limit:,} characters (this is {len(value):,})"
    line_controls = "\n\t\r" if field.multiline else "\n\t"  # CRLF lines are lines too
    if any(ord(ch) < 32 and ch not in line_controls for ch in value):
        return "control characters are not allowed"
    if not value:
        return None
    if field.kind == "email" and not looks_like_email(value):
        return "not an email address (name@example.org)"
    if field.kind == "url" and not _URL.match(value):
        return "not a web address (https://…)"
    if field.kind == "path" and not value.startswith(("/", "~")):
        return "a path starting with / or ~"
    if field.kind == "keywords":
        for word in _keywords(value):
            if len(word) > _KEYWORD_LIMIT:
                return f"each keyword at most {_KEYWORD_LIMIT} characters"
    return None
