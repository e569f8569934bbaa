"""gterm's settings file and well-known paths.

The settings live in one small TOML file under the platformdirs config dir
(``GTERM_CONFIG`` overrides the path). The standard library reads TOML but does
not write it, so this module carries a tiny writer for exactly the value types
gterm stores (str, bool, int, float, lists of str, flat tables of str).

Secrets never go into this file: a confidential client's id and secret come
from ``GTERM_CLIENT_ID`` / ``GTERM_CLIENT_SECRET`` only, and tokens live in the
token store (see ``gterm.globus.tokens``).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import platformdirs

APP_NAME = "gterm"

# gterm's registered native client id. The sandbox seeds the same id
# (gterm/sandbox/seed_ids.py) but gterm.config must not import the sandbox
# (layering: the sandbox is reached only over HTTP), so the literal is repeated.
DEFAULT_NATIVE_CLIENT_ID = "e7bcd06d-9cd9-4162-a89e-11090c7008e5"

TokenStoreKind = Literal["keyring", "file"]
TOKEN_STORES: tuple[str, ...] = ("keyring", "file")

# Bound blocking time on a dead network: the SDK default is 60 s (connect and
# read alike) and 5 retries. A short connect timeout fails fast when the network
# is gone; the longer read timeout leaves room for a slow 100k-entry listing.
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_HTTP_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 2
RECENT_LIMIT = 20


class ConfigError(Exception):
    """The settings file cannot be read or holds a bad value (message names the file)."""


def config_path() -> Path:
    """Where the settings file lives: ``$GTERM_CONFIG`` or the platform config dir."""
    override = os.environ.get("GTERM_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def data_dir() -> Path:
    """gterm's per-user data dir (``$GTERM_DATA_DIR`` overrides; tests use it)."""
    override = os.environ.get("GTERM_DATA_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME))


def default_demo_dir() -> Path:
    """The persistent sandbox data dir `gterm demo` uses unless told otherwise."""
    return data_dir() / "demo-sandbox"


def token_file_path() -> Path:
    """The opt-in plaintext token file (0600)."""
    return data_dir() / "tokens.json"


def debug_log_path() -> Path:
    return data_dir() / "gterm-debug.log"


@dataclass
class GtermConfig:
    """Everything gterm reads from the settings file, with env overrides applied on load.

    ``keymap`` maps a binding id to a comma-separated key list (Textual's
    ``App.set_keymap`` format). ``consent_scopes`` are extra scope strings the
    user has consented to (e.g. a transfer scope with a collection's data_access
    dependency) so later runs keep asking for them.
    """

    native_client_id: str = DEFAULT_NATIVE_CLIENT_ID
    token_store: TokenStoreKind = "keyring"
    keymap: dict[str, str] = field(default_factory=dict)
    theme: str | None = None
    bell_on_task_end: bool = False
    last_left: str | None = None
    last_right: str | None = None
    consent_scopes: list[str] = field(default_factory=list)
    recent_collections: list[str] = field(default_factory=list)
    http_timeout: float = DEFAULT_HTTP_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    # From the environment only, never written back:
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    path: Path | None = field(default=None, repr=False)

    # --- loading and saving -------------------------------------------------

    @classmethod
    def load(cls, path: Path | None = None, *, environ: dict[str, str] | None = None) -> GtermConfig:
        """Read the settings file (a missing file means defaults) and apply env overrides."""
        env = os.environ if environ is None else environ
        path = path or config_path()
        raw: dict[str, Any] = {}
        if path.exists():
            try:
                raw = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"cannot read settings file {path}: {exc}") from None
        config = cls._from_mapping(raw, path)
        config.path = path
        if env.get("GTERM_NATIVE_CLIENT_ID"):
            config.native_client_id = env["GTERM_NATIVE_CLIENT_ID"]
        if env.get("GTERM_TOKEN_STORE"):
            config.token_store = _check_store(env["GTERM_TOKEN_STORE"], "GTERM_TOKEN_STORE")
        config.client_id = env.get("GTERM_CLIENT_ID") or None
        config.client_secret = env.get("GTERM_CLIENT_SECRET") or None
        return config

    @classmethod
    def _from_mapping(cls, raw: dict[str, Any], path: Path) -> GtermConfig:
        config = cls()

        def get(key: str, kind: type | tuple[type, ...]) -> Any:
            value = raw.get(key)
            if value is not None and not isinstance(value, kind):
                raise ConfigError(f"{path}: '{key}' has the wrong type")
            return value

        if (v := get("native_client_id", str)) is not None:
            config.native_client_id = v
        if (v := get("token_store", str)) is not None:
            config.token_store = _check_store(v, f"{path}: token_store")
        if (v := get("keymap", dict)) is not None:
            config.keymap = {str(k): str(val) for k, val in v.items()}
        if (v := get("theme", str)) is not None:
            config.theme = v
        if (v := get("bell_on_task_end", bool)) is not None:
            config.bell_on_task_end = v
        if (v := get("last_left", str)) is not None:
            config.last_left = v
        if (v := get("last_right", str)) is not None:
            config.last_right = v
        if (v := get("consent_scopes", list)) is not None:
            config.consent_scopes = [str(s) for s in v]
        if (v := get("recent_collections", list)) is not None:
            config.recent_collections = [str(s) for s in v]
        if (v := get("http_timeout", (int, float))) is not None:
            config.http_timeout = float(v)
        if (v := get("connect_timeout", (int, float))) is not None:
            config.connect_timeout = float(v)
        if (v := get("max_retries", int)) is not None:
            config.max_retries = v
        return config

    def to_mapping(self) -> dict[str, Any]:
        """The persisted settings (never the env-only client secret)."""
        out: dict[str, Any] = {
            "native_client_id": self.native_client_id,
            "token_store": self.token_store,
            "bell_on_task_end": self.bell_on_task_end,
            "http_timeout": self.http_timeout,
            "connect_timeout": self.connect_timeout,
            "max_retries": self.max_retries,
            "consent_scopes": list(self.consent_scopes),
            "recent_collections": list(self.recent_collections),
        }
        for key in ("theme", "last_left", "last_right"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out["keymap"] = dict(self.keymap)
        return out

    def save(self, path: Path | None = None) -> Path:
        """Write the settings atomically (temp file + rename) and return the path."""
        target = path or self.path or config_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        text = dumps_toml(self.to_mapping())
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=target.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.path = target
        return target

    # --- small helpers the app and the session use --------------------------

    @property
    def uses_client_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret)

    def add_consent_scope(self, scope: str) -> bool:
        """Remember a consented scope string; True if it was new."""
        if scope in self.consent_scopes:
            return False
        self.consent_scopes.append(scope)
        return True

    def remember_collection(self, collection_id: str) -> None:
        """Most recent first, without duplicates, bounded."""
        recent = [c for c in self.recent_collections if c != collection_id]
        self.recent_collections = [collection_id, *recent][:RECENT_LIMIT]

    def replace(self, **changes: Any) -> GtermConfig:
        return dataclasses.replace(self, **changes)


def _check_store(value: str, where: str) -> TokenStoreKind:
    if value not in TOKEN_STORES:
        raise ConfigError(f"{where}: expected one of {', '.join(TOKEN_STORES)}, got {value!r}")
    return value  # type: ignore[return-value]


# --- a tiny TOML writer -------------------------------------------------------


def _toml_string(value: str) -> str:
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_key(key: str) -> str:
    if key and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in key):
        return key
    return _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("TOML writer: non-finite float")
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"TOML writer: unsupported type {type(value).__name__}")


def dumps_toml(data: dict[str, Any]) -> str:
    """Serialise scalars and lists at top level, then one level of tables.

    Enough for gterm's settings; ``tomllib.loads(dumps_toml(d)) == d`` for such data.
    """
    lines: list[str] = []
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in data.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif value is not None:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, table in tables:
        lines.append("")
        lines.append(f"[{_toml_key(key)}]")
        for sub_key, sub_value in table.items():
            if isinstance(sub_value, dict):
                raise TypeError("TOML writer: nested tables are not supported")
            if sub_value is not None:
                lines.append(f"{_toml_key(sub_key)} = {_toml_value(sub_value)}")
    return "\n".join(lines) + "\n"
