"""SQLite state of the sandbox's Globus Auth: identities, clients, codes, tokens, consents.

Tokens and authorization codes are stored only as SHA-256 hashes, so the data
dir never holds a usable credential (the demo robot's client secret is the one
exception: sandbox.json publishes it by design).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gterm.sandbox import seed_ids
from gterm.sandbox.db import Database
from gterm.sandbox.scopes import Scope, data_access_collection, resource_server_of
from gterm.sandbox.state import SandboxState

# Namespace for the sandbox's derived ids (scope ids, service client ids).
_NS = uuid.UUID("5b0c3a52-8f0e-4c43-9d0a-6a2b1f0e9a11")
SANDBOX_IDP_ID = "2b1e5c4f-0d3a-4e8b-9f6a-7c1d2e3f4a5b"
SANDBOX_IDP_NAME = "Globus Sandbox IdP"
CLIENTS_IDP_ID = "9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
CLIENTS_IDP_NAME = "Globus Auth Clients"

SCHEMA = """
CREATE TABLE IF NOT EXISTS auth_identities (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    name TEXT,
    email TEXT,
    organization TEXT,
    identity_provider TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('user', 'client')),
    status TEXT NOT NULL DEFAULT 'used'  -- used | unused (provisioned, never logged in) | private | closed
);
CREATE TABLE IF NOT EXISTS auth_clients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL CHECK (type IN ('native', 'confidential')),
    secret TEXT
);
CREATE TABLE IF NOT EXISTS auth_signing_keys (
    kid TEXT PRIMARY KEY,
    private_pem TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_codes (
    code_hash TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    identity_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    code_challenge TEXT,
    offline INTEGER NOT NULL,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT ''      -- the authorize request's state, echoed by the token response
);
CREATE TABLE IF NOT EXISTS auth_tokens (
    token_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    grant_id TEXT NOT NULL,
    identity_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    resource_server TEXT NOT NULL,
    scope TEXT NOT NULL,
    issued_at REAL NOT NULL,
    expires_at REAL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS auth_tokens_grant ON auth_tokens (grant_id);
CREATE TABLE IF NOT EXISTS auth_consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    identity_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scope_name TEXT NOT NULL,
    parent_id INTEGER REFERENCES auth_consents (id),
    auto_approved INTEGER NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    last_used TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS auth_consents_identity ON auth_consents (identity_id);
"""


@dataclass(frozen=True)
class TokenRecord:
    kind: str
    grant_id: str
    identity_id: str
    client_id: str
    resource_server: str
    scope: str
    issued_at: float
    expires_at: float | None
    revoked: bool

    def is_active(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return not self.revoked and (self.expires_at is None or self.expires_at > now)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(48)


def scope_id(scope_string: str) -> str:
    return str(uuid.uuid5(_NS, "scope:" + scope_string))


def service_client_id(resource_server: str) -> str:
    """The client id a resource server acts as for its dependent consents (e.g. Transfer)."""
    return str(uuid.uuid5(_NS, "service-client:" + resource_server))


def init_schema(db: Database) -> None:
    db.executescript(SCHEMA)
    columns = {row["name"] for row in db.query("PRAGMA table_info(auth_identities)")}
    if "status" not in columns:  # a data dir from before identity statuses
        db.execute("ALTER TABLE auth_identities ADD COLUMN status TEXT NOT NULL DEFAULT 'used'")
    if "state" not in {row["name"] for row in db.query("PRAGMA table_info(auth_codes)")}:
        db.execute("ALTER TABLE auth_codes ADD COLUMN state TEXT NOT NULL DEFAULT ''")


# --- seed -------------------------------------------------------------------


def seed(state: SandboxState) -> None:
    """Create the demo world once per data dir; later starts change nothing."""
    db = state.db
    for ident, username, name in (
        (seed_ids.ALICE_ID, seed_ids.ALICE_USERNAME, seed_ids.ALICE_NAME),
        (seed_ids.BOB_ID, seed_ids.BOB_USERNAME, seed_ids.BOB_NAME),
    ):
        db.execute(
            "INSERT OR IGNORE INTO auth_identities (id, username, name, email, organization, identity_provider, kind)"
            " VALUES (?, ?, ?, ?, ?, ?, 'user')",
            (ident, username, name, username, "Sandbox University", SANDBOX_IDP_ID),
        )
    if get_client(db, seed_ids.GTERM_NATIVE_CLIENT_ID) is None:
        create_client(db, "gterm", "native", client_id=seed_ids.GTERM_NATIVE_CLIENT_ID)
    if get_client(db, seed_ids.GLOBUS_CLI_TEMPLATE_CLIENT_ID) is None:
        create_client(db, "Globus CLI", "native", client_id=seed_ids.GLOBUS_CLI_TEMPLATE_CLIENT_ID)
    if get_client(db, seed_ids.ROBOT_CLIENT_ID) is None:
        create_client(db, "gterm sandbox robot", "confidential", client_id=seed_ids.ROBOT_CLIENT_ID)
    if db.query_one("SELECT kid FROM auth_signing_keys") is None:
        _create_signing_key(db)


def create_client(db: Database, name: str, client_type: str, *, client_id: str | None = None) -> tuple[str, str | None]:
    """Register a client; confidential ones get a secret and an identity of their own."""
    client_id = client_id or str(uuid.uuid4())
    secret = secrets.token_urlsafe(32) if client_type == "confidential" else None
    with db.transaction() as conn:
        conn.execute("INSERT INTO auth_clients VALUES (?, ?, ?, ?)", (client_id, name, client_type, secret))
        if client_type == "confidential":
            conn.execute(_ADD_CLIENT_IDENTITY,
                         (client_id, f"{client_id}@clients.auth.globus.org", name, CLIENTS_IDP_ID))
    return client_id, secret


_ADD_CLIENT_IDENTITY = (
    "INSERT OR IGNORE INTO auth_identities (id, username, name, email, organization, identity_provider,"
    " kind) VALUES (?, ?, ?, NULL, NULL, ?, 'client')"
)


def ensure_client_identity(db: Database, client_id: str, name: str) -> None:
    """The identity of a client the sandbox does not sign in with (a GCSv5 endpoint's): Transfer and the
    GCS Manager name it (an owner_id, an owner_string), so Auth resolves it, as Globus Auth does."""
    db.execute(_ADD_CLIENT_IDENTITY, (client_id, f"{client_id}@clients.auth.globus.org", name, CLIENTS_IDP_ID))


def _create_signing_key(db: Database) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    db.execute("INSERT INTO auth_signing_keys VALUES (?, ?, ?)", (uuid.uuid4().hex, pem, time.time()))


def signing_key(db: Database) -> tuple[str, rsa.RSAPrivateKey]:
    row = db.query_one("SELECT kid, private_pem FROM auth_signing_keys ORDER BY created LIMIT 1")
    if row is None:
        raise RuntimeError("auth store not seeded: no signing key")
    key = serialization.load_pem_private_key(row["private_pem"].encode("ascii"), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return row["kid"], key


# --- identities and clients ---------------------------------------------------


def get_client(db: Database, client_id: str) -> sqlite3.Row | None:
    return db.query_one("SELECT * FROM auth_clients WHERE id = ?", (client_id,))


def list_clients(db: Database) -> list[sqlite3.Row]:
    return db.query("SELECT * FROM auth_clients ORDER BY rowid")


def get_identity(db: Database, identity_id: str) -> sqlite3.Row | None:
    return db.query_one("SELECT * FROM auth_identities WHERE id = ?", (identity_id.lower(),))


def find_identity_by_username(db: Database, username: str) -> sqlite3.Row | None:
    return db.query_one("SELECT * FROM auth_identities WHERE username = ?", (username.lower(),))


def list_users(db: Database) -> list[sqlite3.Row]:
    """Human identities that can sign in, in seed order (the first is the auto-approve identity).

    Provisioned identities (status "unused") are left out: nobody has signed in with them yet.
    """
    return db.query("SELECT * FROM auth_identities WHERE kind = 'user' AND status != 'unused' ORDER BY rowid")


def provision_identity(db: Database, username: str, identity_provider: str) -> sqlite3.Row:
    """An "unused" identity for a username nobody has signed in with, as Globus Auth provisions one."""
    db.execute(
        "INSERT OR IGNORE INTO auth_identities (id, username, name, email, organization, identity_provider, kind,"
        " status) VALUES (?, ?, NULL, NULL, NULL, ?, 'user', 'unused')",
        (str(uuid.uuid4()), username.lower(), identity_provider),
    )
    row = find_identity_by_username(db, username)
    assert row is not None
    return row


def identity_doc(row: sqlite3.Row) -> dict[str, object]:
    """An identity as /v2/api/identities shows it."""
    return {
        "id": row["id"],
        "username": row["username"],
        "name": row["name"],
        "email": row["email"],
        "organization": row["organization"],
        "identity_provider": row["identity_provider"],
        "identity_type": "login",
        "status": row["status"],
    }


def identity_provider_name(row: sqlite3.Row) -> str:
    return CLIENTS_IDP_NAME if row["kind"] == "client" else SANDBOX_IDP_NAME


# --- authorization codes -------------------------------------------------------


@dataclass(frozen=True)
class AuthCode:
    client_id: str
    identity_id: str
    scope: str
    redirect_uri: str
    code_challenge: str | None
    offline: bool
    state: str = ""


def create_code(db: Database, code: AuthCode, lifetime: float = 600.0) -> str:
    raw = secrets.token_urlsafe(32)
    db.execute(
        "INSERT INTO auth_codes (code_hash, client_id, identity_id, scope, redirect_uri, code_challenge, offline,"
        " expires_at, used, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
        (
            token_hash(raw),
            code.client_id,
            code.identity_id,
            code.scope,
            code.redirect_uri,
            code.code_challenge,
            int(code.offline),
            time.time() + lifetime,
            code.state,
        ),
    )
    return raw


def take_code(db: Database, raw: str) -> AuthCode | None:
    """Consume a code: it works once, and only before it expires."""
    with db.transaction() as conn:
        row = conn.execute("SELECT * FROM auth_codes WHERE code_hash = ?", (token_hash(raw),)).fetchone()
        if row is None or row["used"] or row["expires_at"] < time.time():
            return None
        conn.execute("UPDATE auth_codes SET used = 1 WHERE code_hash = ?", (row["code_hash"],))
    return AuthCode(
        row["client_id"],
        row["identity_id"],
        row["scope"],
        row["redirect_uri"],
        row["code_challenge"],
        bool(row["offline"]),
        row["state"],
    )


# --- tokens ----------------------------------------------------------------


def store_token(
    db: Database,
    raw: str,
    *,
    kind: str,
    grant_id: str,
    identity_id: str,
    client_id: str,
    resource_server: str,
    scope: str,
    expires_at: float | None,
) -> None:
    db.execute(
        "INSERT INTO auth_tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
        (
            token_hash(raw),
            kind,
            grant_id,
            identity_id,
            client_id,
            resource_server,
            scope,
            time.time(),
            expires_at,
        ),
    )


def lookup_token(db: Database, raw: str) -> TokenRecord | None:
    row = db.query_one("SELECT * FROM auth_tokens WHERE token_hash = ?", (token_hash(raw),))
    if row is None:
        return None
    return TokenRecord(
        kind=row["kind"],
        grant_id=row["grant_id"],
        identity_id=row["identity_id"],
        client_id=row["client_id"],
        resource_server=row["resource_server"],
        scope=row["scope"],
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        revoked=bool(row["revoked"]),
    )


def revoke_token(db: Database, raw: str, client_id: str) -> None:
    """Revoke a token of this client; a refresh token takes its whole grant with it."""
    record = lookup_token(db, raw)
    if record is None or record.client_id != client_id:
        return
    if record.kind == "refresh":
        db.execute("UPDATE auth_tokens SET revoked = 1 WHERE grant_id = ?", (record.grant_id,))
    else:
        db.execute("UPDATE auth_tokens SET revoked = 1 WHERE token_hash = ?", (token_hash(raw),))


# --- consents ----------------------------------------------------------------


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def record_consents(
    db: Database, identity_id: str, client_id: str, scopes: Iterable[Scope], *, auto_approved: bool
) -> None:
    """Record (or refresh) the consent tree for these scopes; consents accumulate."""
    with db.transaction() as conn:
        for scope in scopes:
            _record_one(conn, identity_id, client_id, scope, None, auto_approved)


def _record_one(
    conn: sqlite3.Connection, identity_id: str, client_id: str, scope: Scope, parent_id: int | None, auto: bool
) -> None:
    now = _now_iso()
    row = conn.execute(
        "SELECT id FROM auth_consents WHERE identity_id = ? AND client_id = ? AND scope_name = ? AND parent_id IS ?",
        (identity_id, client_id, scope.scope_string, parent_id),
    ).fetchone()
    if row is None:
        cursor = conn.execute(
            "INSERT INTO auth_consents (identity_id, client_id, scope_name, parent_id, auto_approved, created, updated,"
            " last_used) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (identity_id, client_id, scope.scope_string, parent_id, int(auto), now, now, now),
        )
        consent_id = int(cursor.lastrowid or 0)
    else:
        consent_id = int(row["id"])
        conn.execute("UPDATE auth_consents SET last_used = ? WHERE id = ?", (now, consent_id))
    if scope.dependencies:
        child_client = service_client_id(resource_server_of(scope.scope_string))
        for dependency in scope.dependencies:
            _record_one(conn, identity_id, child_client, dependency, consent_id, auto)


def data_access_for(
    db: Database, identity_id: str, client_id: str, root_scope: str = seed_ids.TRANSFER_SCOPE
) -> frozenset[str]:
    """Collections whose data_access this identity consented to under this client's ``root_scope`` consent.

    Transfer's scope by default; a GCS endpoint's manage_collections scope for guest collection creation.
    """
    rows = db.query(
        "SELECT child.scope_name FROM auth_consents AS child JOIN auth_consents AS root ON child.parent_id = root.id"
        " WHERE root.identity_id = ? AND root.client_id = ? AND root.parent_id IS NULL AND root.scope_name = ?",
        (identity_id, client_id, root_scope),
    )
    found = (data_access_collection(row["scope_name"]) for row in rows)
    return frozenset(cid for cid in found if cid)


def consent_docs(db: Database, identity_id: str, root_client_id: str | None) -> list[dict[str, object]]:
    """Consents as GET /v2/api/identities/{id}/consents shows them (with dependency_path).

    ``root_client_id`` limits the answer to trees rooted at that client (``all=false``).
    """
    rows = db.query("SELECT * FROM auth_consents WHERE identity_id = ? ORDER BY id", (identity_id,))
    by_id = {int(row["id"]): row for row in rows}

    def path(consent_id: int) -> list[int]:
        chain = [consent_id]
        parent = by_id[consent_id]["parent_id"]
        while parent is not None:
            chain.append(int(parent))
            parent = by_id[int(parent)]["parent_id"]
        return chain[::-1]

    docs: list[dict[str, object]] = []
    for consent_id, row in by_id.items():
        dependency_path = path(consent_id)
        if root_client_id is not None and by_id[dependency_path[0]]["client_id"] != root_client_id:
            continue
        docs.append(
            {
                "id": consent_id,
                "client": row["client_id"],
                "scope": scope_id(row["scope_name"]),
                "scope_name": row["scope_name"],
                "effective_identity": row["identity_id"],
                "dependency_path": dependency_path,
                "created": row["created"],
                "updated": row["updated"],
                "last_used": row["last_used"],
                "status": "approved",
                "allows_refresh": True,
                "auto_approved": bool(row["auto_approved"]),
                "atomically_revocable": row["parent_id"] is not None,
            }
        )
    return docs


def delete_client(db: Database, client_id: str) -> None:
    """Forget a client and end every token it holds (its identity stays, as identities never go)."""
    with db.transaction() as conn:
        conn.execute("UPDATE auth_tokens SET revoked = 1 WHERE client_id = ?", (client_id,))
        conn.execute("DELETE FROM auth_clients WHERE id = ?", (client_id,))


def grant_started(db: Database, grant_id: str) -> float | None:
    """When the first token of a grant was issued (the sign-in that began it)."""
    row = db.query_one("SELECT MIN(issued_at) AS started FROM auth_tokens WHERE grant_id = ?", (grant_id,))
    return float(row["started"]) if row is not None and row["started"] is not None else None
