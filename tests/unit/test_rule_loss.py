"""What deleting an access rule takes away, said exactly: another rule (or a role's access) of the same
principal, or everyone's, on that path or above it keeps what it grants."""

from __future__ import annotations

from datetime import UTC, datetime

from gterm.globus.models import Rule
from gterm.tui.screens.sharing import rule_loss

NOW = datetime(2026, 1, 1, tzinfo=UTC)
BOB = "Bob (bob@example.org)"


def _rule(id: str, path: str, permissions: str, principal_type: str = "identity", principal: str = "bob",
          **extra: str) -> Rule:
    return Rule(id=id, principal_type=principal_type, principal=principal, path=path, permissions=permissions,
                **extra)


def test_a_role_keeps_read_write() -> None:
    deleted = _rule("1", "/x/", "r")
    role = _rule("", "/", "rw", role_id="r1", role_type="access_manager")
    assert rule_loss(BOB, deleted, [deleted, role], NOW) == (
        f"{BOB} keeps read/write access to /x/ through the access_manager role; only this rule goes.")


def test_all_users_keep_read_but_not_an_expired_rule_nor_another_persons() -> None:
    deleted = _rule("1", "/x/y/", "rw")
    everyone = _rule("2", "/x/", "r", principal_type="all_authenticated_users", principal="")
    expired = _rule("3", "/", "rw", expiration_date="2001-01-01T00:00:00+00:00")
    someone_else = _rule("4", "/", "rw", principal="carol")
    rules = [deleted, everyone, expired, someone_else]
    assert rule_loss(BOB, deleted, rules, NOW) == f"{BOB} loses write access to /x/y/; keeps read through the rule" \
        " for all users on /x/."
    assert rule_loss(BOB, deleted, [deleted, expired, someone_else], NOW) == f"{BOB} loses read/write access to " \
        "/x/y/ at once."


def test_a_rule_below_does_not_keep_access_above() -> None:
    deleted = _rule("1", "/", "r")
    below = _rule("2", "/x/", "rw")
    assert rule_loss(BOB, deleted, [deleted, below], NOW) == f"{BOB} loses read access to / at once."
