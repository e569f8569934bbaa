"""Where gterm keeps tokens: the OS keyring, or (only on request) a 0600 file.

``KeyringTokenStorage`` is a globus_sdk ``TokenStorage`` so a ``UserApp`` (and
its ``ValidatingTokenStorage``) can use it unchanged. Layout in the keyring,
all under the service name ``gterm``:

- ``<namespace>|<resource server>`` -> the ``TokenStorageData`` dict as JSON
- ``<namespace>|index``             -> JSON list of the resource servers stored

The namespace names the Auth service (its URL, honouring
``GLOBUS_SDK_SERVICE_URL_AUTH`` / ``GLOBUS_SDK_ENVIRONMENT``) and the client id,
so sandbox and production tokens, or two apps' tokens, never mix. The index
exists because keyrings cannot list entries portably, and ``gterm logout``
must find every entry to remove it.
"""

from __future__ import annotations

import abc
import contextlib
import json
import logging
import os
import stat
import typing as t
from collections.abc import Callable
from pathlib import Path

from globus_sdk.config import get_environment_name, get_service_url
from globus_sdk.token_storage import JSONTokenStorage, MemoryTokenStorage, TokenStorage, TokenStorageData

from gterm.config import cannot_create, data_dir_label, default_data_dir, make_private_dir, write_atomically
from gterm.globus.errors import ForbiddenTokenFile, GtermError, KeyringUnavailable, UnreadableSession

if t.TYPE_CHECKING:
    import keyring.backend

log = logging.getLogger(__name__)

KEYRING_SERVICE = "gterm"
INDEX_KEY = "index"

#: The packages behind keyring's Secret Service backend: a D-Bus connection that is gone, or a collection
#: locked, raises their errors through keyring unwrapped (``secretstorage.dbus_init`` outside any try).
SECRET_SERVICE_PACKAGES = ("secretstorage", "jeepney")

KEYRING_FIX = (
    "Install and unlock an OS keyring (on Linux: gnome-keyring or another Secret Service "
    "provider with a running D-Bus session), or opt into a plaintext token file with "
    "`--token-store file` (or token_store = \"file\" in the config file)."
)

__all__ = [
    "KEYRING_SERVICE",
    "GtermTokenStorage",
    "InMemoryTokenStorage",
    "KeyringTokenStorage",
    "PlaintextTokenStorage",
    "auth_namespace",
    "check_keyring",
    "namespace_label",
]


def auth_namespace(client_id: str, environment: str | None = None) -> str:
    """The token namespace for this Auth service and client id.

    The Auth URL is the real identity of "where tokens come from": two sandboxes
    on different ports, preview and production all get different namespaces.
    """
    env = environment or get_environment_name()
    auth_url = get_service_url("auth", environment=env).rstrip("/")
    return f"{auth_url}|{client_id}"


def namespace_label(namespace: str) -> str:
    """A namespace as a person reads it: ``<Auth URL> (client id <id>)`` for gterm's own, else quoted."""
    auth_url, separator, client_id = namespace.rpartition("|")
    if not separator or not auth_url:
        return f"namespace '{namespace}'"
    return f"{auth_url} (client id {client_id})"


def check_keyring(backend: keyring.backend.KeyringBackend | None = None) -> keyring.backend.KeyringBackend:
    """Return the active keyring backend or raise ``KeyringUnavailable`` naming the fix.

    The ``fail`` backend (nothing installed) and a ``chainer`` with nothing to
    chain are the two ways keyring says "no usable backend"; the ``null``
    backend silently stores nothing, which for tokens is just as unusable.
    """
    import keyring
    from keyring.backends import chainer, fail, null

    active = backend or keyring.get_keyring()
    unusable = isinstance(active, (fail.Keyring, null.Keyring))
    if isinstance(active, chainer.ChainerBackend) and not active.backends:
        unusable = True
    if unusable:
        raise KeyringUnavailable(f"No usable OS keyring was found. {KEYRING_FIX}")
    return active


@contextlib.contextmanager
def _refusal_said(doing: str) -> t.Iterator[None]:
    """The keyring refusing (locked, its Secret Service gone) said as ``KeyringUnavailable``; gterm's own bugs go on."""
    from keyring.errors import KeyringError

    try:
        yield
    except Exception as exc:
        if not isinstance(exc, KeyringError) and type(exc).__module__.partition(".")[0] not in SECRET_SERVICE_PACKAGES:
            raise
        reason = type(exc).__name__
        raise KeyringUnavailable(f"Cannot {doing} the OS keyring ({reason}). {KEYRING_FIX}", reason=reason) from None


class GtermTokenStorage(TokenStorage):
    """What a gterm session keeps its tokens in: a globus_sdk ``TokenStorage`` (the ``UserApp`` uses it as is)
    that also empties itself for a logout and says where it keeps the tokens. The session takes only these
    (typed, not probed), so every store that reaches a logout has both."""

    def remove_all(self) -> list[str]:
        """Remove this namespace's tokens, one entry at a time; return the resource servers removed."""
        return [rs for rs in list(self.get_token_data_by_resource_server()) if self.remove_token_data(rs)]

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the tokens are kept, as the user reads it ("the OS keyring (...)")."""


def keyring_store(storage: TokenStorage) -> KeyringTokenStorage | None:
    """``storage`` when it is a keyring store (which keeps in memory what a locked keyring refuses), else None."""
    return storage if isinstance(storage, KeyringTokenStorage) else None


class KeyringTokenStorage(GtermTokenStorage):
    """A globus_sdk ``TokenStorage`` with one keyring entry per resource server."""

    def __init__(
        self,
        namespace: str,
        *,
        backend: keyring.backend.KeyringBackend | None = None,
        service: str = KEYRING_SERVICE,
    ) -> None:
        super().__init__(namespace=namespace)
        self._backend = check_keyring(backend)
        self._service = service
        # Tokens the keyring refused to take (it locked behind a screensaver, its Secret Service went away):
        # this process goes on with them, and the next store that the keyring takes writes them too.
        # Never written anywhere else. The session serializes every use of its store (its lock).
        self._unsaved: dict[str, TokenStorageData] = {}
        self._tell: Callable[[str], None] = log.warning

    def report_unsaved_to(self, tell: Callable[[str], None]) -> None:
        """Who hears (once each time) that tokens could not be written, and that they were written later."""
        self._tell = tell

    @property
    def unsaved(self) -> frozenset[str]:
        """The resource servers whose tokens are only in this process's memory (the keyring refused them)."""
        return frozenset(self._unsaved)

    # --- keyring access with errors turned into gterm's vocabulary ---------------

    def _key(self, name: str) -> str:
        return f"{self.namespace}|{name}"

    def _get(self, name: str) -> str | None:
        with _refusal_said("read"):
            return self._backend.get_password(self._service, self._key(name))

    def _set(self, name: str, value: str) -> None:
        with _refusal_said("write to"):
            self._backend.set_password(self._service, self._key(name), value)

    def _delete(self, name: str) -> bool:
        from keyring.errors import PasswordDeleteError

        with _refusal_said("change"):
            try:
                self._backend.delete_password(self._service, self._key(name))
            except PasswordDeleteError:
                return False
        return True

    def _index(self) -> list[str]:
        raw = self._get(INDEX_KEY)
        if not raw:
            return []
        try:
            value = json.loads(raw)
        except ValueError:
            return []
        return [str(v) for v in value] if isinstance(value, list) else []

    def _write_index(self, resource_servers: t.Iterable[str]) -> None:
        names = sorted(set(resource_servers))
        if names:
            self._set(INDEX_KEY, json.dumps(names))
        else:
            self._delete(INDEX_KEY)

    # --- TokenStorage -------------------------------------------------------------

    def store_token_data_by_resource_server(
        self, token_data_by_resource_server: t.Mapping[str, TokenStorageData]
    ) -> None:
        """Write the tokens, with any the keyring refused before; if it refuses now, keep them all in memory.

        The SDK stores a refresh's new tokens after Auth has issued them (the old access token is then
        spent): raising here lost them, and every later call failed until the keyring was unlocked.
        """
        pending = {**self._unsaved, **token_data_by_resource_server}
        try:
            self._write(pending)
        except KeyringUnavailable as refused:
            if not self._unsaved:  # said once, when the keyring first refuses; not at every refresh after
                self._tell(
                    f"Could not write to the OS keyring ({refused.reason}): gterm keeps your sign-in's new tokens "
                    "in memory, and the new sign-in will not be remembered after gterm exits unless the keyring "
                    "is unlocked (gterm writes them there at its next chance)."
                )
            self._unsaved = pending
            return
        if self._unsaved:
            self._unsaved = {}
            self._tell("The OS keyring can be written again: gterm stored the sign-in it kept in memory there.")

    def _write(self, token_data_by_resource_server: t.Mapping[str, TokenStorageData]) -> None:
        # Entries first, index last: a crash in between leaves an entry the index
        # does not name yet, never an index naming a missing entry... except after
        # removal, which get_token_data_by_resource_server tolerates.
        for resource_server, token_data in token_data_by_resource_server.items():
            self._set(resource_server, json.dumps(token_data.to_dict()))
        self._write_index([*self._index(), *token_data_by_resource_server])

    def write_unsaved(self) -> None:
        """Try once more to write what the keyring refused (gterm exiting); it stays in memory if refused again."""
        if self._unsaved:
            self.store_token_data_by_resource_server({})

    def discard_unsaved(self, resource_servers: t.Iterable[str] | None = None) -> None:
        """Forget what the keyring refused (only ``resource_servers``' tokens, if given), so that it is never
        written: a `gterm login` that said its sign-in is not kept keeps none (the session's close would
        otherwise write it at its last try, and contradict what the user was told), and a logout drops the
        tokens Globus Auth revoked (written once the keyring unlocks, they would be a dead sign-in)."""
        if resource_servers is None:
            self._unsaved = {}
        for resource_server in resource_servers or ():
            self._unsaved.pop(resource_server, None)

    def get_token_data_by_resource_server(self) -> dict[str, TokenStorageData]:
        try:
            result = self._stored()
        except KeyringUnavailable:
            # Locked (reads refused too): the tokens in memory are this session's current ones, and a logout
            # must revoke them; with none in memory, the keyring's refusal is the answer.
            if not self._unsaved:
                raise
            result = {}
        return {**result, **self._unsaved}

    def _stored(self) -> dict[str, TokenStorageData]:
        result: dict[str, TokenStorageData] = {}
        for resource_server in self._index():
            token_data = self.get_token_data(resource_server)
            if token_data is not None:
                result[resource_server] = token_data
        return result

    def get_token_data(self, resource_server: str) -> TokenStorageData | None:
        if resource_server in self._unsaved:  # newer than the keyring's (which may refuse reads too)
            return self._unsaved[resource_server]
        raw = self._get(resource_server)
        if raw is None:
            return None
        try:
            return TokenStorageData.from_dict(json.loads(raw))
        except (ValueError, TypeError, KeyError):
            # A damaged entry is as good as none: the user logs in again.
            return None

    def remove_token_data(self, resource_server: str) -> bool:
        removed = self._delete(resource_server)  # first: a keyring that refuses it leaves the memory's too
        index = self._index()
        if resource_server in index:
            self._write_index(r for r in index if r != resource_server)
        return self._unsaved.pop(resource_server, None) is not None or removed

    def remove_all(self) -> list[str]:
        """Remove every entry of this namespace (and the index); return the resource servers removed.

        The tokens in memory go only once the keyring's entries are gone: when the keyring refuses the
        removal they are kept here, so the newest tokens are not dropped while the keyring keeps older ones
        (the session's logout then forgets those Globus Auth revoked: ``discard_unsaved``)."""
        removed = [rs for rs in self._index() if self._delete(rs)]
        self._delete(INDEX_KEY)
        kept, self._unsaved = list(self._unsaved), {}
        return sorted({*removed, *kept})

    def describe(self) -> str:
        return f"the OS keyring ({type(self._backend).__name__}, service '{self._service}')"


class PlaintextTokenStorage(JSONTokenStorage, GtermTokenStorage):
    """The explicit opt-in file store: the SDK's JSON storage, kept at mode 0600.

    The file is made 0600 when it is first written (see :meth:`user_only_umask`);
    gterm also tightens a file that exists with looser bits (created by hand or
    copied). Its directory is user-only (0700) when gterm makes it, and gterm's
    own data dir is tightened so too; any other directory that exists (a
    ``GTERM_DATA_DIR`` naming the home directory, say) keeps the mode its owner gave it.

    The file holds every namespace's tokens (production, preview, each sandbox, each client id).
    A file that cannot be read as a token file (damaged, truncated), or whose entry for this
    namespace is damaged, raises :class:`UnreadableSession`, which names the file (and the session)
    and the way out; :meth:`discard_if_unreadable` removes the file, or only this namespace's entry
    (logout, and the login that replaces it).
    """

    @contextlib.contextmanager
    def user_only_umask(self) -> t.Iterator[None]:
        """What the SDK writes the file inside. Its own version narrows the process's umask (0o177) meanwhile:
        a umask is the whole process's, so a download making a directory or a file on another thread at that
        moment got ``drw-------`` or ``-rw-------``. Here the file is made 0600 (created so, or narrowed)
        before the SDK opens it (its open then only truncates it), and the umask is left alone."""
        try:
            if os.name != "nt":
                descriptor = os.open(self.filepath, os.O_WRONLY | os.O_CREAT, 0o600)
                try:
                    os.fchmod(descriptor, 0o600)  # one that existed with looser bits: before the tokens go in
                finally:
                    os.close(descriptor)
            yield
        except OSError as exc:  # another user's file (or a directory in its place): said as such
            raise self._forbidden_file(exc) from None

    def __init__(self, filepath: Path | str, *, namespace: str) -> None:
        # Made here, before the SDK's own makedirs (which would make it with the umask's mode).
        directory = Path(filepath).parent
        try:
            made = make_private_dir(directory)
        except OSError as exc:  # GTERM_DATA_DIR in /proc, or naming a file
            raise GtermError(cannot_create(data_dir_label(directory), directory, exc)) from None
        super().__init__(filepath, namespace=namespace)
        # Why the file is not this user's to change, if it is not: said when the tokens are first read.
        self._refused: OSError | None = None
        try:
            self._tighten(dir_is_gterms=made or _same_dir(directory, default_data_dir()))
        except OSError as exc:  # chmod refused: another user's file (a `sudo gterm login`)
            self._refused = exc

    def _tighten(self, *, dir_is_gterms: bool) -> None:
        path = Path(self.filepath)
        if os.name == "nt":
            return
        if dir_is_gterms:
            with contextlib.suppress(OSError):
                directory = path.parent
                if directory.stat().st_uid == os.geteuid() and stat.S_IMODE(directory.stat().st_mode) != 0o700:
                    directory.chmod(0o700)
        if path.exists() and stat.S_IMODE(path.stat().st_mode) != 0o600:
            path.chmod(0o600)

    def _load(self) -> t.Any:  # the SDK's private _JSONFileData
        if self._refused is not None:
            raise self._forbidden_file(self._refused)
        try:
            return super()._load()
        except ValueError:  # not JSON, not UTF-8, or not the SDK's layout
            raise self._unreadable_file() from None
        except OSError as exc:  # a missing file is the SDK's "no tokens yet"; any other is not this user's to read
            raise self._forbidden_file(exc) from None

    def get_token_data_by_resource_server(self) -> dict[str, TokenStorageData]:
        # The SDK reads only this namespace: another namespace's damaged entry (another environment's
        # or client's session) is not this session's concern and never stops it. (_load's own errors are
        # gterm's already: UnreadableSession, ForbiddenTokenFile.)
        try:
            return super().get_token_data_by_resource_server()
        except (KeyError, TypeError, ValueError, AttributeError):  # an entry that is not token data
            raise self._unreadable_session() from None

    def _unreadable_file(self) -> UnreadableSession:
        return UnreadableSession(
            f"The token file {self.filepath} is unreadable (the file is damaged); "
            "`gterm login` replaces it and `gterm logout` removes it.",
            path=str(self.filepath),
        )

    def _forbidden_file(self, exc: OSError) -> ForbiddenTokenFile:
        reason = exc.strerror or type(exc).__name__
        return ForbiddenTokenFile(
            f"gterm cannot use the token file {self.filepath} ({reason}): is it owned by another user "
            f"(made by `sudo gterm login`)? Check `ls -l {self.filepath}`; fix its owner or mode, or remove it.",
            path=str(self.filepath),
            reason=reason,
        )

    def _unreadable_session(self) -> UnreadableSession:
        session = namespace_label(self.namespace)
        return UnreadableSession(
            f"The stored session for {session} in {self.filepath} is unreadable (its entry is damaged); "
            "`gterm login` replaces it and `gterm logout` removes it (the file's other sessions are kept).",
            path=str(self.filepath),
            session=session,
        )

    def discard_if_unreadable(self, *, replace_forbidden: bool = False) -> UnreadableSession | None:
        """Remove what cannot be read (its tokens, if any, are beyond use) and return what it was, or None.

        A file that does not read as a token file at all is removed. A file that reads but whose entry
        for this namespace is damaged keeps every other namespace (production's, another sandbox's
        sessions): only this namespace's entry is taken out. A file this user may not read
        (:class:`ForbiddenTokenFile`) may hold good tokens: it is removed only with ``replace_forbidden``
        (a login, which writes a new one) and only if its directory allows; else the error is raised.
        """
        try:
            self.get_token_data_by_resource_server()
        except ForbiddenTokenFile as forbidden:
            if not replace_forbidden:
                raise
            try:
                Path(self.filepath).unlink()
            except OSError:  # the directory is not this user's either: the message says what to do
                raise forbidden from None
            self._refused = None
            return forbidden
        except UnreadableSession as damaged:
            if damaged.session is None:
                Path(self.filepath).unlink(missing_ok=True)
            else:
                self._drop_namespace()
            return damaged
        return None

    def _drop_namespace(self) -> None:
        to_write = self._load()
        to_write["data"].pop(self.namespace, None)
        self._write_atomically(to_write)

    def _write_atomically(self, content: t.Any) -> None:
        """Replace the file in one step: a crash leaves the old file or the new one, never half of one.

        mkstemp makes the temporary file 0600 from the start; it is made beside the real file
        (a symlinked token file is written where it points) so the rename stays on one filesystem.
        """
        write_atomically(Path(self.filepath).resolve(), json.dumps(content), prefix=".tokens-", sync=True)

    def describe(self) -> str:
        return f"the plaintext file {self.filepath}"


def _same_dir(one: Path, other: Path) -> bool:
    try:
        return one.resolve() == other.resolve()
    except OSError:
        return False


class InMemoryTokenStorage(MemoryTokenStorage, GtermTokenStorage):
    """The SDK's memory storage with gterm's small extras (demo fallback, robots)."""

    def describe(self) -> str:
        return "memory only (tokens are forgotten when gterm exits)"
