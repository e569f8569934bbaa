"""SharingService: access rules of guest collections, guest creation, and the names of people and groups.

Access rules go through Transfer for every kind of guest collection (GCSv5
guests and Globus Connect Personal shares alike): ``endpoint_acl_list``,
``add_endpoint_acl_rule``, ``update_endpoint_acl_rule``,
``delete_endpoint_acl_rule``. A Globus Connect Personal share is created with
Transfer's ``create_shared_endpoint``; a GCSv5 guest is created at the
endpoint's GCS Manager (not here: it needs the endpoint's own token).

"Share this folder" asks Transfer what kind of collection it is: a GCSv5 mapped
collection's guest is created at its endpoint's GCS Manager (``create_collection``
with a ``GuestCollectionDocument``; the token is the endpoint's
``manage_collections`` scope with the mapped collection's ``data_access`` as a
dependency), a Globus Connect Personal one through Transfer's ``create_shared_endpoint``.

Identities come from Auth's ``get_identities`` (by usernames with
``provision=True``, so a colleague who never signed in still gets an id a rule
can name; by ids to show names) and are cached for the session: rules and
group members name the same few people again and again. ``forget_names`` (on
ctrl+r) empties the cache.

Like TransferService, every public method speaks gterm errors and each thread
has its own SDK clients (they are not thread safe).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from gterm.globus.collection_roles import CollectionRoles, GcsManagerFactory
from gterm.globus.collection_settings import display_name_problem
from gterm.globus.error_mapping import explained, translate_errors
from gterm.globus.errors import ConsentNeeded, GtermError, InvalidInput, NotFound
from gterm.globus.models import Collection, Identity, Rule
from gterm.globus.sharing_input import expiry_text, identity_label, is_identity_id, username_problem
from gterm.lazy_modules import LazyModule

if TYPE_CHECKING:
    import globus_sdk
else:
    # Loaded with the first call to Globus, not with the TUI (gterm.lazy_modules).
    globus_sdk = LazyModule("globus_sdk")

#: (endpoint_id, gcs_manager_url, mapped_collection_id) -> a GCSClient allowed to create guests there.
GcsFactory = Callable[[str, str, str], "globus_sdk.GCSClient"]

PrincipalType = Literal["identity", "group", "all_authenticated_users", "anonymous"]
Permissions = Literal["r", "rw"]

#: What a person types for the two principals that name nobody in particular.
ALL_USERS_WORDS = frozenset({"all users", "all signed-in users", "all_authenticated_users", "everyone signed in"})
PUBLIC_WORDS = frozenset({"public", "anyone", "anonymous", "anyone (public)"})

ALL_USERS_LABEL = "all signed-in users"
PUBLIC_LABEL = "anyone (public)"



@dataclass(frozen=True, slots=True)
class Grantee:
    """Who a rule is for: its principal (an id or empty) and how gterm names it."""

    principal_type: PrincipalType
    principal: str
    label: str


@dataclass(frozen=True, slots=True)
class GroupRef:
    """A group a person belongs to, as far as sharing needs it (id and name)."""

    id: str
    name: str


#: Groups asked about by id per listing of rules or roles (a group rule not of mine is rare; a list of them slow).
MAX_GROUP_LOOKUPS = 10


def grantee_from_words(text: str) -> Grantee | None:
    """The all-users or public grantee when ``text`` names one of them, else None."""
    words = " ".join(text.lower().split())
    if words in ALL_USERS_WORDS:
        return Grantee("all_authenticated_users", "", ALL_USERS_LABEL)
    if words in PUBLIC_WORDS:
        return Grantee("anonymous", "", PUBLIC_LABEL)
    return None


class SharingService:
    """Access rules, Globus Connect Personal shares and names. Thread-safe: one SDK client per thread."""

    def __init__(
        self,
        transfer_factory: Callable[[], globus_sdk.TransferClient],
        auth_factory: Callable[[], globus_sdk.AuthClient],
        gcs_factory: GcsFactory | None = None,
        groups_source: Callable[[], list[GroupRef]] | None = None,
        gcs_manager: GcsManagerFactory | None = None,
        group_named: Callable[[str], GroupRef] | None = None,
    ) -> None:
        """``gcs_factory(endpoint_id, gcs_manager_url, mapped_collection_id)`` builds a GCSClient for guest
        creation on a GCSv5 endpoint (None: only Globus Connect Personal folders can be shared);
        ``gcs_manager(endpoint_id, gcs_manager_url)`` one with the endpoint's manage_collections scope
        alone, for roles. ``group_named(group_id)`` asks Groups for a group that is not one of mine (NotFound:
        deleted, or not visible to me)."""
        self._transfer_factory = transfer_factory
        self._auth_factory = auth_factory
        self._gcs_factory = gcs_factory
        self._groups_source = groups_source  # the groups I belong to (Groups' my_groups), for group rules
        self._my_groups: list[GroupRef] | None = None
        # Groups asked for a consent the last time my groups were wanted: group rules then show ids.
        self._groups_consent: ConsentNeeded | None = None  # that consent's scopes, asked for when a group is named
        self._local = threading.local()
        self._names_lock = threading.Lock()
        self._by_id: dict[str, Identity] = {}
        self._by_username: dict[str, Identity | None] = {}  # None: Auth knows no such user
        self._group_names: dict[str, str] = {}
        # Groups deleted from gterm this session: rules and roles outlive a group at Globus, and go on naming it
        # by id; a name for it would be stale, a bare id unexplained (kept through ctrl+r: a deletion is final).
        self._deleted_groups: set[str] = set()
        self._group_named = group_named
        self._unseen_groups: set[str] = set()  # ids Groups does not know for me (deleted elsewhere, or hidden)
        self._me: frozenset[str] | None = None  # my identity and the linked ones Auth shows (asked once)
        self.roles = CollectionRoles(self._transfer, gcs_manager)

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def groups_need_consent(self) -> bool:
        """My groups could not be read for want of a consent (said where group rules show their ids)."""
        return self._groups_consent is not None

    def _transfer(self) -> globus_sdk.TransferClient:
        client: globus_sdk.TransferClient | None = getattr(self._local, "transfer", None)
        if client is None:
            client = self._local.transfer = self._transfer_factory()
        return client

    def _auth(self) -> globus_sdk.AuthClient:
        client: globus_sdk.AuthClient | None = getattr(self._local, "auth", None)
        if client is None:
            client = self._local.auth = self._auth_factory()
        return client

    # -- access rules -----------------------------------------------------------------------

    def rules(self, guest_id: str) -> list[Rule]:
        """The guest collection's access rules (access managers only)."""
        with self._explained():
            return [Rule.from_doc(doc) for doc in self._transfer().endpoint_acl_list(guest_id)]

    def add_rule(
        self,
        guest_id: str,
        grantee: Grantee,
        path: str,
        permissions: Permissions = "r",
        *,
        expires: datetime | None = None,
        notify_email: str | None = None,
        notify_message: str | None = None,
    ) -> str:
        """Create an access rule; returns its id. ``path`` is relative to the guest's root ("/" = all)."""
        if grantee.principal_type == "anonymous" and permissions != "r":
            raise InvalidInput("Public access can only be read-only.")
        if notify_message and not notify_email:  # Transfer sends the message in the email: alone, it is lost
            raise InvalidInput("The message goes in the notification email: give a notify email too, or leave the "
                               "message empty.")
        document: dict[str, Any] = {
            "DATA_TYPE": "access",
            "principal_type": grantee.principal_type,
            "principal": grantee.principal,
            "path": rule_path(path),
            "permissions": permissions,
        }
        if expires is not None:
            document["expiration_date"] = expiry_text(expires)
        if notify_email:
            document["notify_email"] = notify_email
            if notify_message:
                document["notify_message"] = notify_message
        with self._explained(grantee=grantee, path=document["path"]):
            response = self._transfer().add_endpoint_acl_rule(guest_id, document)
        return str(response["access_id"])

    def update_rule(
        self, guest_id: str, rule_id: str, *, permissions: Permissions, expires: datetime | None
    ) -> None:
        """Change a rule's permissions and expiry (None: never expires)."""
        document: dict[str, Any] = {
            "DATA_TYPE": "access",
            "permissions": permissions,
            "expiration_date": expiry_text(expires) if expires is not None else None,
        }
        with self._explained():
            self._transfer().update_endpoint_acl_rule(guest_id, rule_id, document)

    def delete_rule(self, guest_id: str, rule_id: str) -> None:
        with self._explained():
            self._transfer().delete_endpoint_acl_rule(guest_id, rule_id)

    @staticmethod
    def _explained(*, grantee: Grantee | None = None, path: str = "") -> AbstractContextManager[None]:
        """The rule calls' translator: gterm errors, and what to do about the ones people meet."""

        def denied(error: GtermError) -> str:
            return (f"{error.message} -- you need the access manager role on this guest collection "
                    "(ask its owner or an administrator).")

        def exists(error: GtermError) -> str:
            if grantee is None:
                return error.message
            return f"{grantee.label} already has a rule for {path}; change that rule (e) instead."

        return explained(denied=denied, exists=exists)

    # -- guest collections ------------------------------------------------------------------

    @translate_errors()
    def shared_by_me(self, host_id: str | None = None) -> list[Collection]:
        """Guest collections I manage (Transfer's ``shared-by-me`` scope), optionally only those on ``host_id``.

        Every page of them: one call answers 25 by default, so the SDK's paginator asks for pages of 100
        until ``has_next_page`` is false (Transfer stops any search at 1,000 results).
        """
        pages = self._transfer().paginated.endpoint_search(filter_scope="shared-by-me")
        found = [Collection.from_doc(doc) for doc in pages.items()]
        if host_id is None:
            return found
        return [c for c in found if c.host_endpoint_id == host_id]

    @translate_errors()
    def share_folder(self, collection_id: str, path: str, display_name: str, description: str = "") -> str:
        """A new guest collection rooted at ``path`` of a mapped collection, made the way Globus makes
        one for that kind of endpoint; its id."""
        display_name = _guest_name(display_name)
        document = self._transfer().get_endpoint(collection_id).data
        entity = str(document.get("entity_type") or "")
        if entity == "GCP_mapped_collection":
            return self.create_personal_share(collection_id, path, display_name, description)
        if entity != "GCSv5_mapped_collection":
            raise InvalidInput(
                "Only a mapped collection (Globus Connect Server v5 or Personal) can be shared; "
                "this one is a guest collection already: add access rules to it instead."
                if entity.endswith("guest_collection")
                else "This collection cannot be shared from gterm."
            )
        endpoint_id = document.get("non_functional_endpoint_id")
        manager_url = document.get("gcs_manager_url")
        if self._gcs_factory is None or not endpoint_id or not manager_url:
            raise InvalidInput("gterm cannot reach this collection's GCS Manager to create a guest collection.")
        gcs = self._gcs_factory(str(endpoint_id), str(manager_url), collection_id)
        try:
            guest = globus_sdk.GuestCollectionDocument(
                mapped_collection_id=collection_id,
                collection_base_path=path if path.endswith("/") else path + "/",
                display_name=display_name,
                description=description.strip() or globus_sdk.MISSING,
            )
            return str(gcs.create_collection(guest)["id"])
        finally:
            gcs.close()

    @translate_errors()
    def delete_guest(self, guest_id: str) -> None:
        """Delete a guest collection (and its rules) where Globus deletes that kind: the GCS Manager for a
        GCSv5 guest, Transfer's delete_endpoint for a Globus Connect Personal share."""
        document = self._transfer().get_endpoint(guest_id).data
        entity = str(document.get("entity_type") or "")
        if entity == "GCP_guest_collection":
            self._transfer().delete_endpoint(guest_id)
            return
        if entity != "GCSv5_guest_collection":
            raise InvalidInput("Only a guest collection can be deleted here.")
        endpoint_id = document.get("non_functional_endpoint_id")
        manager_url = document.get("gcs_manager_url")
        mapped_id = document.get("host_endpoint_id") or document.get("mapped_collection_id")
        if self._gcs_factory is None or not endpoint_id or not manager_url or not mapped_id:
            raise InvalidInput("gterm cannot reach this collection's GCS Manager to delete it.")
        gcs = self._gcs_factory(str(endpoint_id), str(manager_url), str(mapped_id))
        try:
            gcs.delete_collection(guest_id)
        finally:
            gcs.close()

    @translate_errors()
    def create_personal_share(self, host_id: str, path: str, display_name: str, description: str = "") -> str:
        """A guest collection on a Globus Connect Personal endpoint (Transfer's shared_endpoint); its id."""
        display_name = _guest_name(display_name)
        document: dict[str, Any] = {
            "DATA_TYPE": "shared_endpoint",
            "host_endpoint": host_id,
            "host_path": path if path.endswith("/") else path + "/",
            "display_name": display_name,
        }
        if description.strip():
            document["description"] = description.strip()
        return str(self._transfer().create_shared_endpoint(document)["id"])

    # -- names ------------------------------------------------------------------------------

    def identities_by_username(
        self, usernames: Iterable[str], *, provision: bool = True
    ) -> dict[str, Identity | None]:
        """Each username's identity; None when Auth has none.

        With ``provision`` (the default: a name the user gave), Auth makes an identity for a username in a
        known domain, so a colleague who never signed in can be named. A lookup while the name is still
        being typed passes ``provision=False``: every half-typed address would otherwise become an identity
        at Globus. Its "no one" is not remembered, as a later lookup with provision may find someone.
        """
        wanted = [u.strip().lower() for u in usernames if u.strip()]
        with self._names_lock:  # a malformed name is nobody's: never sent to Auth (see username_problem)
            missing = sorted({u for u in wanted if u not in self._by_username and username_problem(u) is None})
        if missing:
            with translate_errors():
                docs = self._auth().get_identities(usernames=missing, provision=provision)["identities"]
            found = {str(doc.get("username") or "").lower(): Identity.from_doc(doc) for doc in docs}
            with self._names_lock:
                for username in missing:
                    identity = found.get(username)
                    if identity is None and not provision:
                        continue
                    self._by_username[username] = identity
                    if identity is not None:
                        self._by_id[identity.id] = identity
        with self._names_lock:
            return {u: self._by_username.get(u) for u in wanted}

    def identity_named(self, text: str) -> Identity | None:
        """The identity ``text`` names, an identity id or a username (None when Auth knows neither)."""
        text = text.strip()
        if is_identity_id(text):
            return self.identities_by_id([text]).get(text)
        return self.identities_by_username([text]).get(text.lower())

    def identities_by_id(self, ids: Iterable[str]) -> dict[str, Identity]:
        """The identities Auth knows among ``ids`` (cached for the session)."""
        wanted = [i for i in ids if i]
        with self._names_lock:
            missing = sorted({i for i in wanted if i not in self._by_id})
        if missing:
            with translate_errors():
                docs = self._auth().get_identities(ids=missing)["identities"]
            with self._names_lock:
                for doc in docs:
                    identity = Identity.from_doc(doc)
                    self._by_id[identity.id] = identity
                    self._by_username[identity.username.lower()] = identity
        with self._names_lock:
            return {i: self._by_id[i] for i in wanted if i in self._by_id}

    def my_identity_ids(self) -> frozenset[str]:
        """The signed-in identity's id and those of the identities linked to it that Auth shows (userinfo).

        Asked once per session (who is signed in does not change under a running app): the Roles tab
        tells a role of my own from anyone else's with it.
        """
        with self._names_lock:
            cached = self._me
        if cached is not None:
            return cached
        with translate_errors():
            info = self._auth().userinfo()
        linked = [doc.get("sub") for doc in info.get("identity_set") or () if isinstance(doc, dict)]
        mine = frozenset(str(sub) for sub in (info.get("sub"), *linked) if sub)
        with self._names_lock:
            self._me = mine
        return mine

    def owner_elsewhere(self, guest_id: str) -> str | None:
        """Who owns a guest collection, by name, when it is not me (None: mine, or no one says whose)."""
        owner = self.roles.owner(guest_id)
        if owner is None or owner in self.my_identity_ids():
            return None
        try:
            person = self.identities_by_id([owner]).get(owner)
        except GtermError:
            person = None  # the name is a nicety: the id still says it is someone else's
        return identity_label(person) if person else owner

    def remember_groups(self, groups: Iterable[GroupRef]) -> None:
        """Group names learned elsewhere (the Groups service) for labelling group rules."""
        with self._names_lock:
            for group in groups:
                self._group_names[group.id] = group.name

    def my_groups(self) -> list[GroupRef]:
        """The groups I belong to (asked once per session; [] without a Groups service or when it fails)."""
        with self._names_lock:
            cached = self._my_groups
        if cached is not None or self._groups_source is None:
            return list(cached or [])
        try:
            return self.load_my_groups()
        except ConsentNeeded as exc:
            self._groups_consent = exc  # said where group rules show their ids (the sharing screen)
            return []
        except GtermError:
            return []  # group names are offered when Groups answers; people and words still work

    def load_my_groups(self) -> list[GroupRef]:
        """Ask Groups for my groups now (errors raised: a consent is worth asking for in the app)."""
        if self._groups_source is None:
            return []
        groups = self._groups_source()
        self._groups_consent = None
        self.remember_groups(groups)
        with self._names_lock:
            self._my_groups = list(groups)
        return list(groups)

    def match_label(self, match: str) -> str:
        """How a match reads in the list: a person with their name, a group offered by its id with its name."""
        with self._names_lock:
            groups = list(self._my_groups or [])
        for group in groups:
            if group.id == match:
                return f"{group.name} (group {group.id})"
        with self._names_lock:
            person = self._by_username.get(match.lower())
        return f"{person.name} ({match})" if person is not None and person.name else match

    def known_identities(self) -> list[Identity]:
        """Everyone gterm has a name for this session (offered as matches while typing)."""
        with self._names_lock:
            return sorted(self._by_id.values(), key=lambda i: i.username)

    def forget_group(self, group_id: str) -> None:
        """``group_id`` was deleted (from gterm): its name goes, and rules and roles call it a deleted group."""
        with self._names_lock:
            self._group_names.pop(group_id, None)
            self._deleted_groups.add(group_id)
            if self._my_groups is not None:
                self._my_groups = [group for group in self._my_groups if group.id != group_id]

    def forget_names(self) -> None:
        """Drop the cached names (ctrl+r): the next lookups ask Auth again."""
        with self._names_lock:
            self._by_id.clear()
            self._by_username.clear()
            self._group_names.clear()
            self._unseen_groups.clear()
            self._my_groups = None

    def principal_labels(self, rules: Iterable[Rule]) -> dict[str, str]:
        """A name for each rule's principal (``rule.key`` -> label); a bare id only when no name can be found."""
        rules = list(rules)
        names = self.principal_names((r.principal_type, r.principal) for r in rules)
        return {rule.key: names[(rule.principal_type, rule.principal)] for rule in rules}

    def principal_names(self, principals: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """A name for each (principal_type, principal): people by name and username, groups by name,
        the two words for everyone; a bare id only when Auth or Groups has no name for it."""
        principals = list(principals)
        ids = [p for kind, p in principals if kind == "identity"]
        try:
            people = self.identities_by_id(ids) if ids else {}
        except GtermError:
            people = {}  # the names are a nicety: what they label was read
        with self._names_lock:
            deleted = set(self._deleted_groups)
            unnamed = any(kind == "group" and p not in self._group_names and p not in deleted
                          for kind, p in principals)
        if unnamed:
            self.my_groups()
            if not self.groups_need_consent:  # (else each get_group would be refused the same way: not sent)
                self._ask_groups([p for kind, p in principals if kind == "group" and p not in deleted])
        with self._names_lock:
            groups = dict(self._group_names)
            unseen = set(self._unseen_groups)
        labels: dict[tuple[str, str], str] = {}
        for kind, principal in principals:
            if kind == "identity":
                person = people.get(principal)
                label = identity_label(person) if person else principal
            elif kind == "group":
                name = groups.get(principal)
                label = (f"deleted group {principal}" if principal in deleted
                         else f"group {name}" if name
                         else f"group {principal} (deleted, or not visible to you)" if principal in unseen
                         else f"group {principal}")
            elif kind == "all_authenticated_users":
                label = ALL_USERS_LABEL
            elif kind == "anonymous":
                label = PUBLIC_LABEL
            else:
                label = principal or kind
            labels[(kind, principal)] = label
        return labels

    def _ask_groups(self, group_ids: Iterable[str]) -> None:
        """Groups' word on the groups still unnamed once mine are known (a few, once each until ctrl+r): a name,
        or NotFound, which Groups answers for a deleted group and for one hidden from me alike."""
        if self._group_named is None:
            return
        with self._names_lock:
            known = self._group_names.keys() | self._unseen_groups
        wanted = [group_id for group_id in dict.fromkeys(group_ids) if group_id not in known]
        for group_id in wanted[:MAX_GROUP_LOOKUPS]:
            try:
                group = self._group_named(group_id)
            except NotFound:
                with self._names_lock:
                    self._unseen_groups.add(group_id)
                continue
            except GtermError:
                return  # the bare id stays: the service is down, or wants a consent asked for elsewhere
            self.remember_groups([group])

    def resolve_grantee(self, text: str, groups: Iterable[GroupRef] | None = None) -> Grantee:
        """What the add-rule field's text names: all users / public, one of my groups, or a person.

        A group by its name or id; a person by identity id (as globus-cli's ``--identity``) or by
        username (or an email address used as one) with provision. Globus lets groups share a name:
        a name several of my groups have is refused with their ids, and the id names the one meant.
        NotFound says when nothing matches, with the near matches gterm knows of.
        """
        text = text.strip()
        if not text:
            raise InvalidInput("Type a username, an email address, a group name, 'all users' or 'public'.")
        words = grantee_from_words(text)
        if words is not None:
            return words
        mine = groups is None
        groups = list(groups) if groups is not None else self.my_groups()
        if is_identity_id(text):
            return self._grantee_by_id(str(uuid.UUID(text)), groups)
        named = [group for group in groups if group.name.casefold() == text.casefold()]
        if len(named) > 1:
            ids = "; ".join(group.id for group in sorted(named, key=lambda g: g.id))
            raise InvalidInput(f"{len(named)} of your groups are called {text!r}; type the id of the one "
                               f"you mean: {ids}.")
        if named:
            return Grantee("group", named[0].id, f"group {named[0].name}")
        if "@" in text:
            identity = self.identity_named(text)
            if identity is not None:
                return Grantee("identity", identity.id, identity_label(identity))
        consent = self._groups_consent if mine else None
        if consent is not None and "@" not in text:
            # Perhaps one of my groups, which Groups shows only with a consent: ask for it (then resolve again)
            # rather than say no group of mine has that name.
            raise ConsentNeeded(f"Your groups need your consent to find {text!r} among them.",
                                required_scopes=consent.required_scopes, session_message=consent.session_message)
        near = self.matches(text, groups, limit=3)
        hint = f" Did you mean {', '.join(near)}?" if near else ""
        raise NotFound(f"No Globus user or group of yours is called {text!r}.{hint}")

    def _grantee_by_id(self, principal_id: str, groups: list[GroupRef]) -> Grantee:
        """One of my groups, or else the person Auth knows, by id."""
        for group in groups:
            if group.id.lower() == principal_id:
                return Grantee("group", group.id, f"group {group.name}")
        identity = self.identities_by_id([principal_id]).get(principal_id)
        if identity is None:
            raise NotFound(f"No Globus identity, and no group of yours, has the id {principal_id}.")
        return Grantee("identity", identity.id, identity_label(identity))

    def resolve_person_or_group(self, text: str) -> Grantee:
        """What a role dialog's field names: one of my groups or a person (roles are never for everyone)."""
        if grantee_from_words(text) is not None:
            raise InvalidInput("A role is given to a person or a group, not to everyone: type a username or a group.")
        return self.resolve_grantee(text)

    def names_exactly(self, text: str) -> bool:
        """Whether ``text`` is a whole name the Who field may be sent with: the words for everyone, an id,
        a username (or an email used as one: Auth answers for it) or the exact name of one of my groups.

        Anything else is part of a name; Enter offers what it matches (:meth:`suggestions`) instead of
        sending it, as the web app makes one pick a suggestion."""
        text = text.strip()
        if grantee_from_words(text) is not None or is_identity_id(text):
            return True
        if "@" in text and username_problem(text) is None:
            return True
        with self._names_lock:
            groups = list(self._my_groups or [])
        return any(group.name.casefold() == text.casefold() for group in groups)

    def suggestions(self, text: str, *, words: bool = True) -> list[str]:
        """What Enter puts in the Who field in place of ``text``, best first: [] when ``text`` names someone
        exactly, or when nothing gterm knows matches it (then sending it resolves it or says why not).

        Best: a match whose name (or username) starts with ``text``, or has a word that does, before one
        that only contains it; otherwise in the order of :meth:`matches`."""
        if not text.strip() or self.names_exactly(text):
            return []
        needle = " " + " ".join(text.casefold().split())

        def inside_a_word(match: str) -> bool:
            return needle not in " " + self.match_label(match).casefold()

        return sorted(self.matches(text, words=words), key=inside_a_word)

    def matches(self, text: str, groups: Iterable[GroupRef] | None = None, *, limit: int = 8,
                words: bool = True) -> list[str]:
        """Suggestions for what is typed so far: words, my groups, people gterm knows (no network)."""
        needle = text.strip().lower()
        if not needle:
            return []
        if groups is None:
            with self._names_lock:
                groups = list(self._my_groups or [])
        out: list[str] = []
        for word in ("all users", "public") if words else ():
            if word.startswith(needle):
                out.append(word)
        groups = list(groups)
        shared_names = _names_shared(groups)
        for group in groups:
            if needle in group.name.lower():
                # A name several of my groups have names none of them: such a group is offered by its id.
                out.append(group.id if group.name.casefold() in shared_names else group.name)
        for identity in self.known_identities():
            if needle in identity.username.lower() or needle in identity.name.lower():
                out.append(identity.username)
        return out[:limit]


def _guest_name(display_name: str) -> str:
    """A new guest collection's display name, trimmed, checked as the settings form checks a rename (its
    length limit included) before anything is created; InvalidInput otherwise."""
    if not display_name.strip():
        raise InvalidInput("A guest collection needs a display name.")
    if problem := display_name_problem(display_name):
        raise InvalidInput(problem)
    return display_name.strip()


def _names_shared(groups: Iterable[GroupRef]) -> set[str]:
    """The (casefolded) names more than one of ``groups`` has."""
    counts = Counter(group.name.casefold() for group in groups)
    return {name for name, count in counts.items() if count > 1}


def rule_path(path: str) -> str:
    """A rule path as Transfer wants it: absolute, ending in ``/``."""
    path = path.strip() or "/"
    if not path.startswith("/"):
        path = "/" + path
    if not path.endswith("/"):
        path += "/"
    return path


def path_in_guest(host_path: str, guest_root: str) -> str:
    """``host_path`` (a directory on the host collection) as a path inside a guest rooted at ``guest_root``.

    Rule paths are relative to the guest's root (globus-sdk-python#401): ``/home/alice/results/sub/``
    in a guest rooted at ``/home/alice/results/`` is ``/sub/``. Outside the root: ``/``.
    """
    root = rule_path(guest_root)
    here = rule_path(host_path)
    if here.startswith(root):
        return "/" + here[len(root):]
    return "/"
