"""What a person types about sharing, read before Globus is asked: an expiry, a username, an identity id;
and how an identity is named back to them."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta

from gterm.globus.errors import InvalidInput
from gterm.globus.models import Identity

_RELATIVE_EXPIRY = re.compile(r"^\+(?P<n>\d{1,4})(?P<unit>[dwh])$")


def parse_expiry(text: str, *, now: datetime | None = None) -> datetime | None:
    """``""`` -> None; ``+30d`` / ``+2w`` / ``+12h`` from now; ``YYYY-MM-DD`` (end of that day, UTC).

    Raises InvalidInput (with the forms it takes) for anything else or a time in the past.
    """
    text = text.strip()
    if not text:
        return None
    now = now or datetime.now(UTC)
    relative = _RELATIVE_EXPIRY.match(text)
    if relative:
        n = int(relative.group("n"))
        unit = relative.group("unit")
        delta = {"d": timedelta(days=n), "w": timedelta(weeks=n), "h": timedelta(hours=n)}[unit]
        if n == 0:
            raise InvalidInput("An expiry must be in the future (for example +30d).")
        return now + delta
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"Expiry {text!r}: type +30d, +2w, +12h or a date such as 2027-01-31.") from None
    when = datetime.combine(day, time(23, 59, 59), tzinfo=UTC)
    if when <= now:
        raise InvalidInput(f"Expiry {text} is in the past; type a later date or +30d.")
    return when


def expiry_text(value: datetime) -> str:
    """An expiry as Transfer takes it: ISO 8601 in UTC, whole seconds."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


def is_identity_id(text: str) -> bool:
    """Whether ``text`` is an identity id (a UUID) rather than a username."""
    try:
        uuid.UUID(text.strip())
    except ValueError:
        return False
    return True


#: A Globus username's shape: one "@" between a non-empty name and a domain, no spaces (bob@example.org).
_USERNAME = re.compile(r"[^@\s]+@[^@\s]+")


def username_problem(text: str) -> str | None:
    """Why ``text`` cannot be a Globus username, or None when it has the shape name@domain.

    Checked before Auth is asked: a lookup with provision would make an identity of anything
    in a known domain, "@example.org" included."""
    if _USERNAME.fullmatch(text.strip()):
        return None
    return f"{text.strip()!r} is not a Globus username: type name@domain, e.g. bob@example.org."


def identity_label(identity: Identity) -> str:
    """``Name (username)``, or the username alone when there is no name."""
    if identity.name and identity.name != identity.username:
        return f"{identity.name} ({identity.username})"
    return identity.username or identity.id
