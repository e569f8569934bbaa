"""gterm's settings file, its state file, and well-known paths.

The user's settings live in one small TOML file under the platformdirs config
dir (``GTERM_CONFIG`` overrides the path); gterm only ever reads it. What gterm
remembers between runs (pane locations, recent collections, consent scopes,
the byte totals of the tasks it submitted, F5's "to" history) goes to a
separate TOML state file in the data dir (``GTERM_DATA_DIR`` overrides). The
standard library reads TOML but does not write it, so this module carries a
tiny writer for exactly the value types the state holds (str, bool, int,
float, lists of str, flat tables of str, of int or of lists of str).

Secrets never go into either file: a confidential client's id and secret come
from ``GTERM_CLIENT_ID`` / ``GTERM_CLIENT_SECRET`` only, and tokens live in the
token store (see ``gterm.globus.tokens``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import platformdirs

log = logging.getLogger(__name__)

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
TASK_BYTES_LIMIT = 200
"""Task byte totals remembered, newest kept: several times the task panel's rows, a few kB of state."""
# The F5 dialog's "to" history (Midnight Commander keeps one per input field): this many directories per
# destination collection, for at most this many collections (the ones sent into last), so the file stays small.
DESTINATION_HISTORY_LIMIT = 20
DESTINATION_HISTORY_COLLECTIONS = 20
# The numeric settings and the values that work: a timeout of 0 or less makes every request fail,
# a negative retry count never sends one, and nan or inf never time out.
NUMBER_RANGES: dict[str, tuple[float, float]] = {
    "http_timeout": (1, 3600),
    "connect_timeout": (0.1, 600),
    "max_retries": (0, 10),
}
WHOLE_NUMBERS = frozenset({"max_retries"})
#: Every key the settings file may hold.
SETTING_KEYS: tuple[str, ...] = (
    "native_client_id", "token_store", "theme", "bell_on_task_end", *NUMBER_RANGES, "keymap",
)
# What older gterm versions wrote into the settings file (now in the state file): passed over without a word.
OLD_STATE_KEYS = frozenset({"last_left", "last_right", "last_left_sort", "last_right_sort", "recent_collections",
                            "consent_scopes", "theme_over"})
CREDENTIAL_VARIABLES = ("GTERM_CLIENT_ID", "GTERM_CLIENT_SECRET")


class ConfigError(Exception):
    """The settings file cannot be read or holds a bad value (message names the file)."""


class AmbiguousSettings(ConfigError):
    """The settings leave gterm unable to tell what is meant (half of a client id/secret pair): a usage error."""


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
    return default_data_dir()


def default_data_dir() -> Path:
    """The platform's data dir for gterm (what ``data_dir()`` is unless ``GTERM_DATA_DIR`` says otherwise)."""
    return Path(platformdirs.user_data_dir(APP_NAME))


def make_private_dir(path: Path) -> bool:
    """Create ``path`` (and missing parents) with the last part user-only (0700); True if it was made now.

    A directory that exists keeps its mode: it may be one the user shares on purpose (their home, as
    ``GTERM_DATA_DIR``), and gterm's files in it are made user-only one by one.
    """
    if path.is_dir():
        return False
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return True


def write_atomically(target: Path, text: str, *, prefix: str, sync: bool = False) -> None:
    """Replace ``target`` with ``text`` in one step: a crash leaves the old file or the new one, never half.

    The temporary file is made beside ``target`` (so the rename stays on one filesystem), 0600 from the
    start (mkstemp); ``sync`` flushes it to the disk before the rename (tokens are worth that).
    """
    descriptor, temporary = tempfile.mkstemp(prefix=prefix, suffix=target.suffix, dir=target.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cannot_create(label: str, path: Path, exc: OSError) -> str:
    """Why the directory ``path`` cannot be made, as every command says it (``--data-dir DIR: cannot create it
    (reason).``); ``label`` is what set it: an option, or ``GTERM_DATA_DIR``."""
    reason = "it is not a directory" if isinstance(exc, (FileExistsError, NotADirectoryError)) else exc.strerror
    return f"{label} {path}: cannot create it ({reason or exc})."


def data_dir_label(path: Path) -> str:
    """What named the directory ``path`` in :func:`cannot_create`: ``GTERM_DATA_DIR`` if it set gterm's data dir."""
    return "GTERM_DATA_DIR" if os.environ.get("GTERM_DATA_DIR") and path == data_dir() else "directory"


def default_demo_dir() -> Path:
    """The persistent sandbox data dir `gterm demo` uses unless told otherwise."""
    return data_dir() / "demo-sandbox"


def token_file_path() -> Path:
    """The opt-in plaintext token file (0600)."""
    return data_dir() / "tokens.json"


def state_file_path() -> Path:
    """gterm's remembered state (written by gterm; the settings file never is)."""
    return data_dir() / "state.toml"


def debug_log_path() -> Path:
    return data_dir() / "gterm-debug.log"


@dataclass
class GtermConfig:
    """The user's settings (read-only to gterm) plus gterm's remembered state.

    Two files, two owners:

    - the settings file (``config_path()``) belongs to the user: gterm reads it
      and never writes it, so comments and layout survive;
    - the state file (``state_path``, by default ``state.toml`` in the data
      dir) belongs to gterm: last pane locations, recent collections, extra
      consent scopes, a theme picked inside the app, the byte totals of
      tasks it submitted and F5's "to" history. ``save()`` writes only this file.

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
    # Each pane's sort order, remembered with its location: "name", "size" or "time", "-" first if reversed.
    last_left_sort: str | None = None
    last_right_sort: str | None = None
    consent_scopes: list[str] = field(default_factory=list)
    recent_collections: list[str] = field(default_factory=list)
    # Task id -> the bytes that task moves, known when gterm submitted it. Globus reports the bytes a task
    # moved but no total, so the task panel's progress in bytes needs this after a restart as well.
    task_bytes: dict[str, int] = field(default_factory=dict)
    # The F5 dialog's "to" directories, by destination collection id, most recent first (Up recalls them).
    destination_history: dict[str, list[str]] = field(default_factory=dict)
    http_timeout: float = DEFAULT_HTTP_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    # From the environment only, never written anywhere:
    client_id: str | None = field(default=None, repr=False)
    client_secret: str | None = field(default=None, repr=False)
    # The settings file this was read from (never written).
    path: Path | None = field(default=None, repr=False)
    # Where save() writes the state; None: derived by state_file() on save.
    state_path: Path | None = field(default=None, repr=False)
    # The theme the settings file names: a theme picked in the app is kept in
    # the state file and applies only while the settings file still says this.
    settings_theme: str | None = field(default=None, repr=False)

    # --- loading and saving -------------------------------------------------

    @classmethod
    def load(
        cls,
        path: Path | None = None,
        *,
        state_path: Path | None = None,
        environ: dict[str, str] | None = None,
    ) -> GtermConfig:
        """Read the settings file (missing: defaults), then the state file, then env overrides.

        ``state_path`` defaults to ``state_file_path()`` for the standard
        settings location and to a ``<name>.state.toml`` beside any other
        settings file given explicitly (tests, tools), so such a config never
        shares state with the user's real one.
        """
        env = os.environ if environ is None else environ
        named = path is None and bool(env.get("GTERM_CONFIG"))  # the user named this file: it should be there
        path = path or config_path()
        raw: dict[str, Any] = {}
        try:  # read at once: a directory gterm may not enter made path.exists() itself raise
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (FileNotFoundError, NotADirectoryError):
            if named:  # a typo in the variable would otherwise pass for "no settings"
                log.warning("GTERM_CONFIG names %s, which does not exist; using the default settings.", path)
        except OSError as exc:
            raise ConfigError(f"cannot read settings file {path}: {exc.strerror or exc}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read settings file {path}: {exc}") from None
        config = cls._from_mapping(raw, path)
        config.path = path
        config.settings_theme = config.theme
        config.state_path = state_path or _state_path_for(path)
        config._apply_state(_read_state(config.state_path))
        if env.get("GTERM_NATIVE_CLIENT_ID"):
            config.native_client_id = env["GTERM_NATIVE_CLIENT_ID"]
        if env.get("GTERM_TOKEN_STORE"):
            config.token_store = check_store(env["GTERM_TOKEN_STORE"], "GTERM_TOKEN_STORE")
        config.client_id = env.get("GTERM_CLIENT_ID") or None
        config.client_secret = env.get("GTERM_CLIENT_SECRET") or None
        _check_credential_pair(env)
        return config

    @classmethod
    def _from_mapping(cls, raw: dict[str, Any], path: Path) -> GtermConfig:
        """The user's settings. State keys that older gterm versions wrote here are ignored."""
        config = cls()
        _warn_unknown_keys(raw, path)
        problems: list[str] = []

        def get(key: str, kind: type | tuple[type, ...]) -> Any:
            value = raw.get(key)
            if value is not None and not isinstance(value, kind):
                raise ConfigError(f"{path}: '{key}' has the wrong type")
            return value

        if (v := get("native_client_id", str)) is not None:
            config.native_client_id = v
        if (v := get("token_store", str)) is not None:
            config.token_store = check_store(v, f"{path}: token_store")
        if (v := get("keymap", dict)) is not None:
            config.keymap = {str(k): str(val) for k, val in v.items()}
        if (v := get("theme", str)) is not None:
            config.theme = v
        if (v := get("bell_on_task_end", bool)) is not None:
            config.bell_on_task_end = v
        for key, (low, high) in NUMBER_RANGES.items():
            if (v := get(key, (int, float))) is None:
                continue
            problem = _range_problem(key, v, low, high)
            if problem:
                problems.append(problem)
            else:
                setattr(config, key, v if key in WHOLE_NUMBERS else float(v))
        if problems:  # every one at once: fixing one to meet the next is a slow way to learn them
            raise ConfigError(f"{path}: {'; '.join(problems)}.")
        return config

    def _apply_state(self, state: dict[str, Any]) -> None:
        """Take what the state file remembers; values of the wrong type are skipped (gterm rewrites it)."""

        def text(key: str) -> str | None:
            value = state.get(key)
            return value if isinstance(value, str) else None

        def strings(key: str) -> list[str]:
            value = state.get(key)
            return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []

        self.last_left = text("last_left")
        self.last_right = text("last_right")
        self.last_left_sort = text("last_left_sort")
        self.last_right_sort = text("last_right_sort")
        self.recent_collections = strings("recent_collections")[:RECENT_LIMIT]
        self.consent_scopes = strings("consent_scopes")
        totals = state.get("task_bytes")
        if isinstance(totals, dict):
            known = [(key, value) for key, value in totals.items()
                     if isinstance(value, int) and not isinstance(value, bool) and value > 0]
            self.task_bytes = dict(known[-TASK_BYTES_LIMIT:])
        history = state.get("destination_history")
        if isinstance(history, dict):
            self.destination_history = {
                str(collection_id): [v for v in directories if isinstance(v, str)][:DESTINATION_HISTORY_LIMIT]
                for collection_id, directories in list(history.items())[:DESTINATION_HISTORY_COLLECTIONS]
                if isinstance(directories, list)
            }
        theme = text("theme")
        if theme and (text("theme_over") or None) == self.settings_theme:
            self.theme = theme

    def state_mapping(self) -> dict[str, Any]:
        """What the state file holds (never a setting the user wrote, never a secret)."""
        out: dict[str, Any] = {}
        for key in ("last_left", "last_right", "last_left_sort", "last_right_sort"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        out["recent_collections"] = list(self.recent_collections)
        out["consent_scopes"] = list(self.consent_scopes)
        if self.destination_history:
            out["destination_history"] = {key: list(value) for key, value in self.destination_history.items()}
        if self.theme is not None and self.theme != self.settings_theme:
            out["theme"] = self.theme
            out["theme_over"] = self.settings_theme or ""
        if self.task_bytes:
            out["task_bytes"] = dict(self.task_bytes)
        return out

    def state_file(self) -> Path:
        """Where ``save()`` writes: ``state_path``, else derived from the settings path."""
        return self.state_path or _state_path_for(self.path)

    def task_history_file(self) -> Path:
        """gterm's own tasks of earlier runs (gterm.globus.task_history), beside the state file."""
        return self.state_file().with_suffix(".tasks.json")

    def save(self, path: Path | None = None) -> Path:
        """Write the state file atomically (temp file + rename) and return its path.

        The user's settings file is never written (``path`` overrides the state file's path).
        """
        target = path or self.state_file()
        make_private_dir(target.parent)
        write_atomically(target, _STATE_HEADER + dumps_toml(self.state_mapping()), prefix=".state-")
        self.state_path = target
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

    def startup_texts(self, left: str | None, right: str | None) -> tuple[str | None, str | None]:
        """What each pane opens at start-up, as written: the command line's location, else the last one left."""
        return left or self.last_left, right or self.last_right

    def remember_collection(self, collection_id: str) -> None:
        """Most recent first, without duplicates, bounded."""
        recent = [c for c in self.recent_collections if c != collection_id]
        self.recent_collections = [collection_id, *recent][:RECENT_LIMIT]

    def remember_task_bytes(self, task_id: str, total: int) -> bool:
        """Remember the bytes a submitted task moves (newest last, bounded); True if that changed anything."""
        if total <= 0 or self.task_bytes.get(task_id) == total:
            return False
        self.task_bytes.pop(task_id, None)
        self.task_bytes[task_id] = total
        while len(self.task_bytes) > TASK_BYTES_LIMIT:
            del self.task_bytes[next(iter(self.task_bytes))]
        return True

    def remember_destination(self, collection_id: str, path: str) -> bool:
        """Put ``path`` first in the collection's "to" history (no duplicates, bounded); True if that changed it.

        The collection sent into moves first too, so the oldest collection's history is the one dropped."""
        before = self.destination_history.get(collection_id, [])
        after = [path, *(p for p in before if p != path)][:DESTINATION_HISTORY_LIMIT]
        first = next(iter(self.destination_history), None)
        if after == before and first == collection_id:
            return False
        others = [(key, value) for key, value in self.destination_history.items() if key != collection_id]
        self.destination_history = dict([(collection_id, after), *others][:DESTINATION_HISTORY_COLLECTIONS])
        return True

    def destinations(self, collection_id: str) -> list[str]:
        """The collection's "to" history, most recent first."""
        return list(self.destination_history.get(collection_id, []))

    def replace(self, **changes: Any) -> GtermConfig:
        return dataclasses.replace(self, **changes)


_STATE_HEADER = (
    "# gterm's remembered state (pane locations, recent collections, consents, task byte totals,\n"
    "# F5's \"to\" history).\n"
    "# Written by gterm on every change; put your settings in the settings file instead.\n"
)


def _range_problem(key: str, value: float, low: float, high: float) -> str | None:
    """What is wrong with a numeric setting, naming the value and the range (True is no number here, nor is
    nan), or None when it is fine."""
    whole = key in WHOLE_NUMBERS
    wrong_kind = isinstance(value, bool) or (whole and not isinstance(value, int))
    if wrong_kind or not low <= value <= high:  # a nan compares False: refused too
        kind = "a whole number" if whole else "a number"
        return f"{key} = {value!r} is out of range; give {kind} from {low:g} to {high:g}"
    return None


def _warn_unknown_keys(raw: dict[str, Any], path: Path) -> None:
    """Say each key gterm does not know (a typo would otherwise leave its default in force, unsaid)."""
    import difflib  # only for a settings file with a mistake in it: not on every start

    for key in raw:
        if key in SETTING_KEYS or key in OLD_STATE_KEYS:
            continue
        close = difflib.get_close_matches(key, SETTING_KEYS, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        log.warning("%s: unknown setting %r ignored; %sthe settings are %s.", path, key, hint, ", ".join(SETTING_KEYS))


def _check_credential_pair(env: Any) -> None:
    """Half of a client id/secret pair: gterm cannot tell whether a robot or a person is meant, so it stops."""
    given = [name for name in CREDENTIAL_VARIABLES if env.get(name)]
    if len(given) == 1:
        (have,) = given
        (missing,) = (name for name in CREDENTIAL_VARIABLES if name != have)
        raise AmbiguousSettings(
            f"{have} is set but {missing} is not: set both to run as that client (client credentials), "
            f"or unset {have} to log in as yourself."
        )


def _state_path_for(settings: Path | None) -> Path:
    """The standard settings file keeps its state in the data dir; any other one, beside itself."""
    if settings is None or settings == config_path():
        return state_file_path()
    return settings.with_name(f"{settings.stem}.state.toml")


def _read_state(path: Path) -> dict[str, Any]:
    """The state file's contents; a missing or damaged file is an empty state, not an error.

    The state is gterm's own and disposable: a damaged file must not stop gterm
    (it is rewritten on the next change), unlike a bad settings file.
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        log.warning("ignoring unreadable state file %s: %s", path, exc)
        return {}


def check_store(value: str, where: str) -> TokenStoreKind:
    if value not in TOKEN_STORES:
        raise ConfigError(f"{where}: expected one of {', '.join(TOKEN_STORES)}, got {value!r}")
    return value  # type: ignore[return-value]  # checked against TOKEN_STORES just above


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
