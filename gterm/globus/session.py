"""gterm's Globus session: who is signed in, where the tokens live, how to get more.

``GtermSession`` wraps a globus_sdk ``GlobusApp``:

- a ``UserApp`` (native client, refresh tokens) for people, with tokens in the
  OS keyring (``gterm.globus.tokens``);
- a ``ClientApp`` when ``GTERM_CLIENT_ID`` and ``GTERM_CLIENT_SECRET`` are set
  (client credentials, tokens only in memory: robots and CI need no keyring).

The SDK's ``GlobusApp`` is not thread safe, while the TUI calls Globus from
many worker threads. So every client gterm builds gets its own transport (one
``requests`` session per client) and a small authorizer that borrows the app's
authorizer under one session lock: refreshes are serialized and the app is
only ever touched by one thread at a time.

Interactive steps never run inside the SDK. ``start_login`` returns a
``LoginChallenge`` (URL now, code later) that the CLI or the TUI drives; when
it completes, the token response is handed to the app through a tiny
``LoginFlowManager`` so the SDK stores it with its own validation (identity
unchanged, scopes met) and clears its authorizer cache.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Literal, Protocol

from gterm.config import APP_NAME, GtermConfig, token_file_path
from gterm.globus.client_options import client_options, tune_built_client
from gterm.globus.error_mapping import NOT_LOGGED_IN_MESSAGE, SESSION_EXPIRED_MESSAGE, auth_call
from gterm.globus.errors import ConsentNeeded, GtermError, NotLoggedIn, SessionExpired, UnreadableSession
from gterm.globus.logout import LogoutReport, revoke_and_remove
from gterm.globus.scope_strings import (
    AUTH_RS,
    AUTH_SCOPES,
    GROUPS_RS,
    GROUPS_SCOPE,
    TRANSFER_RS,
    TRANSFER_SCOPE,
    merge_scopes,
    readable_scopes,
    resource_server_of,
    scope_strings,
)
from gterm.lazy_modules import LazyModule
from gterm.redaction import register_secret

if TYPE_CHECKING:
    import globus_sdk
    from globus_sdk import globus_app as sdk_app
    from globus_sdk.authorizers import GlobusAuthorizer
    from globus_sdk.token_storage import TokenStorageData
    from globus_sdk.token_storage import validating_token_storage as sdk_validation

    from gterm.globus.groups import GroupsService
    from gterm.globus.https_access import AuthorizationSource
    from gterm.globus.login_flows import LoginChallenge, LoginChallengeLike, LoginMode
    from gterm.globus.models import Identity
    from gterm.globus.sharing import SharingService
    from gterm.globus.tokens import GtermTokenStorage
    from gterm.globus.transfer import TransferService

else:
    # Loaded when the session first needs its token store, its GlobusApp or a client
    # (gterm.lazy_modules): a robot's session is made before the first frame and needs none of them.
    globus_sdk = LazyModule("globus_sdk")
    sdk_app = LazyModule("globus_sdk.globus_app")
    sdk_validation = LazyModule("globus_sdk.token_storage.validating_token_storage")

log = logging.getLogger(__name__)

# A stored access token is sent as is (no GlobusApp yet) only with the life left the SDK's authorizers keep.
STORED_TOKEN_MARGIN_SECONDS = 60


class SessionLike(Protocol):
    """What the TUI needs from a session (GtermApp(session=...))."""

    def start_login(self, required_scopes: list[str] | None = None) -> LoginChallengeLike: ...

    def handle_consent(self, error: ConsentNeeded) -> LoginChallengeLike: ...

    def https_authorizer(self, collection_id: str, *, data_access: bool) -> AuthorizationSource: ...


# --- the session ------------------------------------------------------------------------


class GtermSession:
    """Everything gterm needs to talk to Globus as one user (or one client)."""

    def __init__(
        self,
        config: GtermConfig,
        *,
        token_storage: GtermTokenStorage | None = None,
        namespace: str | None = None,
        auto_approve: bool = False,
        local_server: bool | None = None,
        persist_config: bool = True,
    ) -> None:
        """
        :param token_storage: override the store chosen from ``config.token_store``
            (the demo passes a memory store when the keyring is unusable).
        :param namespace: override the token namespace (default: Auth URL + client id).
        :param auto_approve: the Auth server approves logins at once (sandbox demo):
            challenges complete by following the authorize URL themselves.
        :param local_server: force (True) or forbid (False) the local redirect server;
            None decides from the environment (browser available, not over SSH).
        :param persist_config: save consent scopes to the state file when learned
            (the user's settings file is never written).
        """
        self.config = config
        self.auto_approve = auto_approve
        self.local_server = local_server
        self.persist_config = persist_config
        self._lock = threading.RLock()
        self.notices: list[str] = []
        self.client_credentials = config.uses_client_credentials
        self.client_id = str(config.client_id if self.client_credentials else config.native_client_id)
        self._namespace = namespace
        # A person's store is opened now, so a missing keyring is said first. A robot's is in memory and made
        # on first use (``token_storage``): its session, made before the first frame, loads nothing of globus-sdk.
        self._token_storage = token_storage
        if token_storage is None and not self.client_credentials:
            self._token_storage = self._default_storage()
        # A robot's own store is in memory (_default_storage): a token in it was granted in this
        # process, for this id and secret, so it proves them as well as a new grant would.
        self._store_holds_only_own_grants = token_storage is None and self.client_credentials
        # Built on first use (`_app`): it loads most of globus-sdk, which gterm's first frame does not wait for.
        self._globus_app: sdk_app.GlobusApp | None = None
        # Stored tokens found good to send as is before the app exists, read once per resource
        # server (a keyring read per request would be I/O on every call; see _stored_token_as_is).
        self._as_is: dict[str, TokenStorageData] = {}

    # --- construction ----------------------------------------------------------------

    @property
    def namespace(self) -> str:
        """Where this session's tokens are kept in its store (default: Auth URL + client id)."""
        with self._lock:
            if self._namespace is None:
                from gterm.globus.tokens import auth_namespace

                self._namespace = auth_namespace(self.client_id)
            return self._namespace

    @property
    def token_storage(self) -> GtermTokenStorage:
        with self._lock:
            if self._token_storage is None:
                self._token_storage = self._default_storage()
            return self._token_storage

    def _default_storage(self) -> GtermTokenStorage:
        from gterm.globus.tokens import InMemoryTokenStorage, KeyringTokenStorage, PlaintextTokenStorage

        if self.client_credentials:
            # Robots fetch fresh tokens with their secret; nothing is worth keeping.
            return InMemoryTokenStorage(namespace=self.namespace)
        if self.config.token_store == "file":
            path = token_file_path()
            self.notices.append(
                f"Storing tokens in the plaintext file {path} (mode 0600), as configured (token_store = file)."
            )
            return PlaintextTokenStorage(path, namespace=self.namespace)
        return KeyringTokenStorage(self.namespace)

    def _requirements(self) -> dict[str, list[str]]:
        self.config.consent_scopes = readable_scopes(self.config.consent_scopes, "the remembered consents")
        consented = [scope for scope in self.config.consent_scopes if resource_server_of(scope) == TRANSFER_RS]
        transfer = merge_scopes([TRANSFER_SCOPE], consented)
        # Client mode too: an Auth token (the same grant) lets a client look up people's names with
        # get_identities, as globus-cli's client mode does (SDK 4 ConfidentialAppAuthClient has no
        # get_identities; the SDK's GlobusApp would ask for openid alone).
        return {TRANSFER_RS: transfer, AUTH_RS: list(AUTH_SCOPES)}

    @property
    def _app(self) -> sdk_app.GlobusApp:
        """The GlobusApp, built (and the stored tokens told to the redactor) on first use."""
        with self._lock:
            if self._globus_app is None:
                self._remember_secrets()
                self._globus_app = self._build_app()
            return self._globus_app

    @property
    def _login_client(self) -> globus_sdk.AuthLoginClient:
        """The app's own login client (revocation, a robot's introspection), made with the app."""
        with self._lock:
            app = self._app
            assert app is self._globus_app  # _build_app set _app_login_client for this app
            return self._app_login_client

    def _build_app(self) -> sdk_app.GlobusApp:
        app: sdk_app.GlobusApp
        login_client: globus_sdk.AuthLoginClient
        if self.client_credentials:
            assert self.config.client_id and self.config.client_secret
            register_secret(self.config.client_secret)
            login_client = globus_sdk.ConfidentialAppAuthClient(
                self.config.client_id, self.config.client_secret, **client_options(self.config)
            )
            app_config = sdk_app.GlobusAppConfig(
                token_storage=self.token_storage,
                token_validation_error_handler=None,  # gterm decides when to prompt, never the SDK
            )
            app = sdk_app.ClientApp(
                APP_NAME, login_client=login_client, scope_requirements=self._requirements(), config=app_config
            )
        else:
            login_client = globus_sdk.NativeAppAuthClient(self.client_id, **client_options(self.config))
            from gterm.globus.login_flows import HandOverFlowManager

            self._handover = HandOverFlowManager(login_client, NOT_LOGGED_IN_MESSAGE)
            app_config = sdk_app.GlobusAppConfig(
                token_storage=self.token_storage,
                request_refresh_tokens=True,
                token_validation_error_handler=None,  # gterm decides when to prompt, never the SDK
                login_flow_manager=self._handover,
            )
            app = sdk_app.UserApp(
                APP_NAME, login_client=login_client, scope_requirements=self._requirements(), config=app_config
            )
        self._app_login_client = login_client
        self._tune_consent_client(app)
        return app

    def _tune_consent_client(self, app: sdk_app.GlobusApp) -> None:
        """Bound the app's own consent-lookup client like every other client."""
        for validator in app.token_storage.validators:
            consent_client = getattr(validator, "consent_client", None)
            if isinstance(consent_client, globus_sdk.AuthClient):
                tune_built_client(consent_client, self.config)

    # --- state ------------------------------------------------------------------------

    @property
    def mode(self) -> Literal["user", "client"]:
        return "client" if self.client_credentials else "user"

    @property
    def storage_description(self) -> str:
        return self.token_storage.describe()

    @property
    def scope_requirements(self) -> dict[str, list[str]]:
        return {rs: scope_strings(scopes) for rs, scopes in self._app.scope_requirements.items()}

    def has_tokens(self) -> bool:
        """Whether any tokens are stored (no network)."""
        with self._lock:
            return bool(self.token_storage.get_token_data_by_resource_server())

    def login_required(self) -> bool:
        """True when a login is needed before Globus can be used (no stored or sufficient tokens).

        This does not detect a revoked refresh token; that shows up as
        ``SessionExpired`` on first use.
        """
        if self.client_credentials:
            return False
        with self._lock, self._auth_call("checking consents"):
            return self._app.login_required()

    def _auth_call(self, during: str) -> AbstractContextManager[None]:
        """The one translator for this session's calls to Globus Auth (a robot's refusals are its own)."""
        return auth_call(during, client_credentials=self.client_credentials)

    def _app_authorizer(self, resource_server: str) -> GlobusAuthorizer:
        """The app's authorizer; callers hold ``self._lock``."""
        try:
            with self._auth_call("checking the session"):
                return self._app.get_authorizer(resource_server)
        except sdk_validation.MissingTokenError:
            if resource_server not in (TRANSFER_RS, AUTH_RS):
                # A collection's (or another service's) first use: a consent, not a new session.
                raise ConsentNeeded(
                    "Globus needs your consent to use this collection's data; sign in to grant it.",
                    required_scopes=self.scope_requirements.get(resource_server, []),
                ) from None
            raise NotLoggedIn(NOT_LOGGED_IN_MESSAGE) from None
        except sdk_validation.UnmetScopeRequirementsError:
            raise ConsentNeeded(
                "Globus needs your consent for more access; log in again to grant it.",
                required_scopes=self.scope_requirements.get(resource_server, []),
            ) from None
        except sdk_validation.IdentityMismatchError:
            raise GtermError("Stored tokens belong to a different identity; run `gterm logout`, then log in.") from None
        except sdk_validation.TokenValidationError:
            raise SessionExpired(SESSION_EXPIRED_MESSAGE) from None

    def _stored_token_as_is(self, resource_server: str) -> str | None:
        """A stored access token to send as it is, or None: ask the app. Callers hold ``self._lock``.

        Building the GlobusApp loads the rest of globus-sdk (its Auth clients, JWT,
        cryptography, the login flows: ~35 ms of CPU, taken from Textual's import
        when the start-up listing runs beside it), and for a signed-in person's
        token that is stored, far from expiry and covers the requirements, the app
        would hand back that same token. So until the app exists, such a token is
        used directly. Everything else goes through the app as before: a robot, a
        token near expiry or without a refresh token, a requirement with dependent
        scopes (the app asks Auth about those consents) or one the token lacks. A
        401 too: ``handle_missing_authorization`` builds the app, which refreshes.
        """
        if self._globus_app is not None or self.client_credentials:
            return None
        data = self._as_is.get(resource_server)
        if data is None:
            data = self._stored_token_needing_no_app(resource_server)
            if data is None:
                return None
            register_secret(data.access_token)
            self._as_is[resource_server] = data
        if data.expires_at_seconds < time.time() + STORED_TOKEN_MARGIN_SECONDS:
            return None  # near expiry: the app refreshes it (and is used from then on)
        return data.access_token

    def stored_transfer_token(self) -> str | None:
        """The stored Transfer token if it can be sent as it is (see ``_stored_token_as_is``), else None.

        For the start-up helper process (gterm.globus.head_start), which must
        never refresh or store a token: the app of this process does that.
        """
        with self._lock:
            return self._stored_token_as_is(TRANSFER_RS)

    def _stored_token_needing_no_app(self, resource_server: str) -> TokenStorageData | None:
        """The stored token for ``resource_server`` if it has a refresh token and covers plain requirements."""
        required = self._requirements().get(resource_server)
        if not required or any("[" in scope for scope in required):
            return None
        try:
            data = self.token_storage.get_token_data(resource_server)
        except GtermError:
            return None  # an unreadable store: the app's path says so
        if data is None or data.refresh_token is None or not set(required) <= set(data.scope.split()):
            return None
        return data

    def _remember_secrets(self) -> None:
        """Tell the log redactor about every stored token (one read of the store)."""
        try:
            stored = self.token_storage.get_token_data_by_resource_server()
        except GtermError:
            return  # an unreadable keyring is reported by the first real use
        for data in stored.values():
            register_secret(data.access_token)
            register_secret(data.refresh_token)

    # --- clients ----------------------------------------------------------------------

    def authorizer(self, resource_server: str = TRANSFER_RS) -> GlobusAuthorizer:
        """What each client of this session authorizes with: every use takes the session lock.

        The app's authorizer is asked for each header (it caches and refreshes); before the app is
        built, a stored token that needs nothing from it is used as is (``_stored_token_as_is``).
        Token validation and refresh errors become gterm errors here, so callers see SessionExpired /
        NotLoggedIn / ConsentNeeded / Offline, never an SDK exception about tokens.
        """
        from gterm.globus.borrowed_authorizer import BorrowedAuthorizer

        return BorrowedAuthorizer(
            lambda: self._authorization_header(resource_server),
            lambda: self._retry_after_401(resource_server),
        )

    def _authorization_header(self, resource_server: str) -> str | None:
        with self._lock:
            stored = self._stored_token_as_is(resource_server)
            if stored is not None:
                return f"Bearer {stored}"
            authorizer = self._app_authorizer(resource_server)
            # A robot's "refresh" is a new client-credentials grant: a refusal means a bad id/secret.
            with self._auth_call("refreshing the session"):
                header = authorizer.get_authorization_header()
            if header:
                # Cheap (a set insert): a refreshed access token is known to the log redactor at once.
                register_secret(header.partition(" ")[2])
            return header

    def _retry_after_401(self, resource_server: str) -> bool:
        with self._lock:
            return self._app_authorizer(resource_server).handle_missing_authorization()

    def _required(self, resource_server: str, scopes: list[str]) -> GlobusAuthorizer:
        """An authorizer for ``resource_server`` once ``scopes`` are among the app's requirements.

        Resource servers beyond Transfer and Auth (a collection, an endpoint's GCS Manager,
        Groups) are asked for when first used: their scopes join the requirements for this
        session, and a first use raises ConsentNeeded (through the authorizer), whose login
        grants them.
        """
        with self._lock:
            missing = [scope for scope in scopes if scope not in self.scope_requirements.get(resource_server, [])]
            if missing:
                self._app.add_scope_requirements({resource_server: missing})
        return self.authorizer(resource_server)

    def https_authorizer(self, collection_id: str, *, data_access: bool) -> GlobusAuthorizer:
        """A collection's HTTPS server: its ``https`` scope, plus ``data_access`` where Globus requires it."""
        from gterm.globus.https_access import data_access_scope, https_scope

        scopes = [https_scope(collection_id), *([data_access_scope(collection_id)] if data_access else [])]
        return self._required(collection_id, scopes)

    def gcs_client(self, endpoint_id: str, manager_url: str, mapped_collection_id: str) -> globus_sdk.GCSClient:
        """A GCSClient for a GCSv5 endpoint's GCS Manager, allowed to create guests of a mapped collection.

        Globus requires the endpoint's ``manage_collections`` scope with the mapped collection's
        ``data_access`` as a dependency for guest creation.
        """
        scope = (
            f"urn:globus:auth:scope:{endpoint_id}:manage_collections"
            f"[*https://auth.globus.org/scopes/{mapped_collection_id}/data_access]"
        )
        return globus_sdk.GCSClient(
            manager_url, authorizer=self._required(endpoint_id, [scope]), **client_options(self.config)
        )

    def gcs_authorizer(self, endpoint_id: str) -> GlobusAuthorizer:
        """A GCSv5 endpoint's GCS Manager with its ``manage_collections`` scope (collection settings)."""
        return self._required(endpoint_id, [f"urn:globus:auth:scope:{endpoint_id}:manage_collections"])

    def gcs_manager_client(self, endpoint_id: str, manager_url: str) -> globus_sdk.GCSClient:
        """A GCSClient for a GCSv5 endpoint's GCS Manager with its ``manage_collections`` scope (roles)."""
        return globus_sdk.GCSClient(
            manager_url, authorizer=self.gcs_authorizer(endpoint_id), **client_options(self.config)
        )

    def transfer_client(self) -> globus_sdk.TransferClient:
        """A new TransferClient (own HTTP session, bounded timeout/retries); one per thread."""
        return globus_sdk.TransferClient(authorizer=self.authorizer(TRANSFER_RS), **client_options(self.config))

    def auth_client(self) -> globus_sdk.AuthClient:
        return globus_sdk.AuthClient(authorizer=self.authorizer(AUTH_RS), **client_options(self.config))

    def transfer_service(self) -> TransferService:
        from gterm.globus.transfer import TransferService

        return TransferService(self.transfer_client)

    def sharing_service(self) -> SharingService:
        """Access rules, Globus Connect Personal shares and names (Transfer and Auth clients, one per thread)."""
        from gterm.globus.sharing import SharingService

        groups = self.groups_service()
        return SharingService(
            self.transfer_client, self.auth_client, self.gcs_client,
            lambda: [g.ref for g in groups.my_groups()],
            gcs_manager=self.gcs_manager_client,
            group_named=lambda group_id: groups.named(group_id).ref,
        )

    def groups_client(self) -> globus_sdk.GroupsClient:
        """A GroupsClient (groups.api.globus.org ``all``: read and manage memberships); one per thread.

        The scope joins the app's requirements; a first use raises ConsentNeeded, whose login grants it.
        """
        return globus_sdk.GroupsClient(
            authorizer=self._required(GROUPS_RS, [GROUPS_SCOPE]), **client_options(self.config)
        )

    def groups_service(self) -> GroupsService:
        from gterm.globus.groups import GroupsService

        return GroupsService(self.groups_client)

    # --- login ------------------------------------------------------------------------

    def start_login(
        self,
        required_scopes: list[str] | None = None,
        *,
        local_server: bool | None = None,
        session_message: str | None = None,
    ) -> LoginChallenge:
        """Begin a login asking for the app's scopes plus ``required_scopes``.

        ``required_scopes`` typically come from ``ConsentNeeded.required_scopes``;
        once the login completes they join the app's requirements and, for
        Transfer, the settings file (so later logins keep asking for them).
        """
        # The login flows (a local web server among them) load with the first login, not with every start.
        from gterm.globus.login_flows import LoginChallenge, RedirectServer, can_open_browser, prefill_name

        extra = list(required_scopes or [])
        if self.client_credentials:
            # Nothing to show a person: fetch the tokens now (callers run this off the
            # event loop). A refusal raises here, so no front end ever offers a code prompt.
            challenge = LoginChallenge(
                self, mode="client-credentials", url="", login_client=None, required_scopes=extra
            )
            challenge.try_automatic(0)
            return challenge
        scopes = merge_scopes(*self.scope_requirements.values(), extra)
        use_server = self.local_server if local_server is None else local_server
        browser: bool | None = None  # probed once (webbrowser.get), only when needed
        if use_server is None:
            use_server = browser = can_open_browser()
        if self.auto_approve:
            use_server = False
        # A fresh login client per challenge: the SDK keeps the PKCE verifier on the client.
        login_client = globus_sdk.NativeAppAuthClient(self.client_id, **client_options(self.config))
        import secrets  # here, not at the top: it loads OpenSSL's hashing, which nothing before the first frame needs

        state = secrets.token_urlsafe(16)
        server = RedirectServer(state) if use_server else None
        redirect_uri = server.redirect_uri if server else login_client.base_url + "v2/web/auth-code"
        login_client.oauth2_start_flow(
            requested_scopes=scopes,
            redirect_uri=redirect_uri,
            state=state,
            refresh_tokens=True,
            prefill_named_grant=prefill_name(),
        )
        params: dict[str, Any] = {}
        if session_message:
            params["session_message"] = session_message
        url = login_client.oauth2_get_authorize_url(**params)
        mode: LoginMode = "auto-approve" if self.auto_approve else ("local-server" if server else "copy-paste")
        return LoginChallenge(
            self,
            mode=mode,
            url=url,
            login_client=login_client,
            required_scopes=extra,
            redirect_uri=redirect_uri,
            server=server,
            open_browser=bool(server) and (browser if browser is not None else can_open_browser()),
        )

    def handle_consent(self, error: ConsentNeeded) -> LoginChallenge:
        """Start the login that grants what ``error`` asks for; the caller retries after it completes."""
        return self.start_login(error.required_scopes, session_message=error.session_message)

    def _split_requirements(self, extra: list[str]) -> dict[str, list[str]]:
        by_rs: dict[str, list[str]] = {}
        for scope in extra:
            rs = resource_server_of(scope)
            if rs is not None:
                by_rs.setdefault(rs, []).append(scope)
        return by_rs

    def _store_login(self, response: globus_sdk.OAuthTokenResponse, extra: list[str]) -> None:
        """Store a completed login through the app (validated) and remember new consent scopes."""
        from globus_sdk.gare import GlobusAuthorizationParameters

        for token in response.by_resource_server.values():
            register_secret(token.get("access_token"))
            register_secret(token.get("refresh_token"))
        new_requirements = self._split_requirements(extra)
        with self._lock:
            if new_requirements:
                self._app.add_scope_requirements(new_requirements)
            self._handover.pending = response
            try:
                # Storing validates the id token, which asks Globus Auth for its OpenID configuration and
                # key set: an outage there is Auth failing, said as such (not an unexpected AuthAPIError).
                with auth_call("checking your sign-in"):
                    self._app.login(
                        auth_params=GlobusAuthorizationParameters(required_scopes=extra or None), force=True
                    )
            except sdk_validation.IdentityMismatchError:
                self._globus_app = self._build_app()
                raise GtermError(
                    "You logged in as a different identity than the stored session; "
                    "run `gterm logout` first to switch identities."
                ) from None
            except sdk_validation.TokenValidationError as exc:
                self._globus_app = self._build_app()
                raise GtermError(f"Globus Auth returned tokens gterm cannot use ({type(exc).__name__}).") from None
            finally:
                self._handover.pending = None
        changed = False
        for scope in new_requirements.get(TRANSFER_RS, []):
            changed |= self.config.add_consent_scope(scope)
        if changed and self.persist_config:
            try:
                self.config.save()  # the state file; the user's settings file is never written
            except OSError as exc:
                log.warning("could not save consent scopes to the state file: %s", exc)

    def _store_client_credentials(self, extra: list[str]) -> None:
        """Client mode 'login': add requirements and fetch tokens with the client secret."""
        new_requirements = self._split_requirements(extra)
        with self._lock:
            if new_requirements:
                self._app.add_scope_requirements(new_requirements)
            with auth_call("issuing client-credentials tokens", client_credentials=True):
                self._app.login(force=True)
            self._remember_secrets()
        for scope in new_requirements.get(TRANSFER_RS, []):
            self.config.add_consent_scope(scope)

    def check_client_credentials(self) -> None:
        """Client mode: get tokens with the id and secret now; ServiceError/Offline if that fails.

        Front ends call this once at start-up so a wrong secret is one clear
        message before anything else happens. A Transfer token this process was
        already granted (the start-up listing's, fetched while the UI loads)
        proves the id and secret just as well: then no second grant is made.
        """
        if not self.client_credentials:
            raise GtermError("check_client_credentials is for client-credentials mode only.")
        if self._granted_transfer_token():
            return  # the start-up listing's grant already proved them: no second grant
        self._store_client_credentials([])

    def _granted_transfer_token(self) -> bool:
        """Client mode: a live Transfer token that this process was granted (see ``__init__``)."""
        if not self._store_holds_only_own_grants:
            return False
        with self._lock:
            data = self.token_storage.get_token_data(TRANSFER_RS)
        return data is not None and data.expires_at_seconds > time.time()

    # --- identity -----------------------------------------------------------------------

    def whoami(self, *, linked_identities: bool = False) -> list[Identity]:
        """The signed-in identity first, then (if asked and known) its linked identities."""
        if self.client_credentials:
            return [self._client_identity()]
        client = self.auth_client()
        try:
            with self._auth_call("looking up your identity"):
                info = client.userinfo()
        finally:
            client.close()
        from gterm.globus.models import Identity  # the records (and msgspec) load with the first that is read

        primary = Identity.from_doc(info.data)
        if not linked_identities:
            return [primary]
        others = [Identity.from_doc(doc) for doc in info.get("identity_set") or [] if doc.get("sub") != primary.id]
        return [primary, *others]

    def _client_identity(self) -> Identity:
        """Client mode: prove the credentials with a real grant, then ask Auth who the token is for."""
        self.check_client_credentials()
        with self._lock:
            data = self.token_storage.get_token_data(TRANSFER_RS)
            login_client = self._login_client
        if data is None:  # the grant succeeded, so this means a broken store
            raise GtermError("Globus Auth accepted the client credentials but returned no Transfer token.")
        assert isinstance(login_client, globus_sdk.ConfidentialAppAuthClient)
        with self._auth_call("checking the client's token"):
            info = login_client.oauth2_token_introspect(data.access_token)
        if not info.get("active"):
            raise GtermError("Globus Auth issued a token for the client credentials but reports it inactive.")
        from gterm.globus.models import Identity

        return Identity(
            id=str(info.get("sub") or self.client_id),
            username=str(info.get("username") or f"{self.client_id}@clients.auth.globus.org"),
            name=str(info.get("name") or "client credentials"),
        )

    # --- logout ---------------------------------------------------------------------------

    def discard_unreadable_session(self, *, replace_forbidden: bool = False) -> UnreadableSession | None:
        """Remove this session's unreadable tokens (logout and login would stop on them): the token file
        if it cannot be read at all, else only this session's damaged entry in it. What was removed, or None.
        Another user's token file goes only with ``replace_forbidden`` (a login; see discard_if_unreadable)."""
        from gterm.globus.tokens import PlaintextTokenStorage  # a keyring skips a damaged entry itself
        storage = self.token_storage
        if not isinstance(storage, PlaintextTokenStorage):
            return None
        with self._lock:
            damaged = storage.discard_if_unreadable(replace_forbidden=replace_forbidden)
            if damaged is not None:
                self.close()
                self._globus_app = None  # it may have read the store: rebuilt, empty, on next use
        return damaged

    def logout(self) -> LogoutReport:
        """Revoke every stored token at Auth, then remove them all from the store."""
        with self._lock:
            report = revoke_and_remove(self.token_storage, self._login_client, self.storage_description)
            if self._globus_app is not None:
                self._globus_app.close()
            self._globus_app = None  # rebuilt, empty, on next use
        return report

    def close(self) -> None:
        with self._lock:
            if self._token_storage is not None:  # the last chance to store what a locked keyring refused
                from gterm.globus.tokens import keyring_store

                if (store := keyring_store(self._token_storage)) is not None:
                    store.write_unsaved()
            if self._globus_app is not None:
                self._globus_app.close()


__all__ = ["AUTH_RS", "TRANSFER_RS", "TRANSFER_SCOPE", "GtermSession", "SessionLike"]
