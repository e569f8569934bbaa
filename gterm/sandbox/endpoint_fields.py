"""Validation of the endpoint metadata Transfer accepts on update and guest collection creation.

One table describes every field `globus endpoint update` and `globus gcp create
guest` send (and the SDK documents), with its JSON type and limit, so a bad
value is refused with a message naming the field and nothing is half-written.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from gterm.sandbox.errors import ApiError
from gterm.sandbox.request_parsing import check_length, check_text

BAD = "ClientError.BadRequest"


@dataclass(frozen=True)
class TextField:
    """A text field; its length limit is Transfer's (``request_parsing.FIELD_LIMITS``)."""

    nullable: bool = True
    kind: str = "text"  # text | email | url | path | keywords


TEXT_FIELDS: dict[str, TextField] = {
    "display_name": TextField(nullable=False),
    "description": TextField(),
    "organization": TextField(),
    "department": TextField(),
    "keywords": TextField(kind="keywords"),
    "contact_email": TextField(kind="email"),
    "contact_info": TextField(),
    "info_link": TextField(kind="url"),
    "user_message": TextField(),
    "user_message_link": TextField(kind="url"),
    "default_directory": TextField(kind="path"),
}
BOOL_FIELDS: frozenset[str] = frozenset({"public", "force_encryption", "disable_verify", "force_verify"})
#: Fields only Globus Connect Server v4 endpoints have: refused elsewhere.
GCSV4_FIELDS: frozenset[str] = frozenset({
    "location", "network_use", "max_concurrency", "preferred_concurrency", "max_parallelism",
    "preferred_parallelism", "myproxy_server", "myproxy_dn", "oauth_server",
})
NOTIFICATION_STATUSES = ("SUCCEEDED", "FAILED")
NOTIFICATION_USES = ("source", "destination")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def _text(name: str, value: Any) -> str | None:
    spec = TEXT_FIELDS[name]
    if value is None:
        if not spec.nullable:
            raise ApiError(400, BAD, f"'{name}' may not be null")
        return None
    if not isinstance(value, str):
        raise ApiError(400, BAD, f"'{name}' must be a string")
    text = value.strip() if name == "display_name" else value
    if not spec.nullable and not text:
        raise ApiError(400, BAD, f"'{name}' may not be empty")
    check_length(name, text)
    check_text(text, f"'{name}'")
    if text == "" and spec.nullable:
        return None
    if spec.kind == "email" and not _EMAIL.match(text):
        raise ApiError(400, BAD, f"'{name}' is not a valid email address")
    if spec.kind == "url" and not _URL.match(text):
        raise ApiError(400, BAD, f"'{name}' must be an http or https URL")
    if spec.kind == "path" and not (text.startswith("/") or text.startswith("~")):
        raise ApiError(400, BAD, f"'{name}' must be an absolute path or start with '~'")
    if spec.kind == "keywords":
        words = [w.strip() for w in text.split(",")]
        if any(not w for w in words):
            raise ApiError(400, BAD, "'keywords' must be a comma separated list without empty entries")
        text = ",".join(words)
    return text


def _notification_policy(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict) or set(value) - {"status", "transfer_use", "DATA_TYPE"}:
        raise ApiError(400, BAD, "guest_collection_activity_notification_policy must be an object"
                                 " with 'status' and 'transfer_use' lists")
    policy: dict[str, list[str]] = {}
    for key, allowed in (("status", NOTIFICATION_STATUSES), ("transfer_use", NOTIFICATION_USES)):
        items = value.get(key, [])
        if not isinstance(items, list) or any(item not in allowed for item in items):
            raise ApiError(400, BAD, f"guest_collection_activity_notification_policy.{key} must be a list"
                                     f" of {', '.join(allowed)}")
        policy[key] = [item for item in allowed if item in items]
    return policy


def _subscription(value: Any, default_subscription: str) -> str | None:
    if value is None:
        return None
    if value == "DEFAULT":
        return default_subscription
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise ApiError(400, BAD, "'subscription_id' must be a subscription id, 'DEFAULT' or null") from None


def validate(
    body: dict[str, Any],
    *,
    allowed: frozenset[str],
    ignored: frozenset[str] = frozenset(),
    is_guest: bool,
    default_subscription: str,
) -> dict[str, Any]:
    """The normalised changes a body asks for; raises ApiError(400) on the first bad field.

    ``allowed`` are the settable fields of this request; ``ignored`` are read-only
    document fields a client may echo back (they are dropped).
    """
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if name in ignored:
            continue
        if name in GCSV4_FIELDS:
            if value is None:
                continue
            raise ApiError(400, BAD, f"'{name}' applies only to Globus Connect Server v4 endpoints")
        if name not in allowed:
            raise ApiError(400, BAD, f"Field '{name}' cannot be set here")
        if name in TEXT_FIELDS:
            changes[name] = _text(name, value)
        elif name in BOOL_FIELDS:
            if not isinstance(value, bool):
                raise ApiError(400, BAD, f"'{name}' must be true or false")
            changes[name] = value
        elif name == "subscription_id":
            changes[name] = _subscription(value, default_subscription)
        elif name == "guest_collection_activity_notification_policy":
            if not is_guest:
                raise ApiError(400, BAD, f"'{name}' applies only to guest collections")
            changes[name] = _notification_policy(value)
        elif name == "is_globus_connect":
            if value is not True:
                raise ApiError(400, BAD, "'is_globus_connect' cannot be changed")
        else:  # a field listed in allowed without a rule: a programming error, not the client's
            raise ApiError(400, BAD, f"Field '{name}' cannot be set here")
    if changes.get("force_verify") and changes.get("disable_verify"):
        raise ApiError(400, BAD, "'force_verify' and 'disable_verify' cannot both be true")
    return changes


#: What PUT /endpoint/{id} may set.
UPDATE_FIELDS: frozenset[str] = frozenset(TEXT_FIELDS) | BOOL_FIELDS | {
    "subscription_id", "guest_collection_activity_notification_policy", "is_globus_connect",
}
#: What POST /shared_endpoint may set besides host_endpoint/host_path.
GUEST_CREATE_FIELDS: frozenset[str] = (frozenset(TEXT_FIELDS) | BOOL_FIELDS | {
    "guest_collection_activity_notification_policy",
})
