"""Collections on disk: path resolution, ACLs and consent — the sandbox's security core.

Every route that touches files (ls, mkdir, rename, stat, and the task engine)
goes through :func:`resolve`. It turns a Globus-style path into a real path
inside the collection root and refuses anything else:

- Globus paths are absolute *within the collection*: ``/etc/passwd`` means
  ``<root>/etc/passwd`` (and is simply not found); ``..`` that would climb above
  the collection root is a 400.
- Symlinks are followed only when they lead somewhere inside the collection
  root at the moment of use (400 otherwise): every file system access walks
  its path beneath a descriptor of the root (``confined``), and a guest
  collection's root is walked beneath its host's root each time.
- Mapped collections behave like a POSIX file system with one account per user:
  ``/home/<user>/`` and ``/shared/<user>/`` belong to that user only (so a guest
  collection's files are reachable by others only through its ACL rules); the
  top level is read-only; everything below other top-level dirs is shared.
- Guest collections: the owner has full rights; others need an ACL rule
  (identity / group / all_authenticated_users / anonymous, ``r`` or ``rw``) whose
  path is a prefix of the requested path.
- Mapped collections that require data_access consent answer 403 ConsentRequired
  (shape understood by ``globus_sdk.gare.to_gare``) unless the token carries it;
  a guest collection never does, whatever its host requires (it has no
  data_access scope: its owner's consent was given when it was created).
"""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from gterm.sandbox import confined, roles, tasks_store
from gterm.sandbox.confined import RootSpec
from gterm.sandbox.errors import ApiError
from gterm.sandbox.request_parsing import check_path
from gterm.sandbox.seed_ids import TRANSFER_SCOPE, data_access_scope
from gterm.sandbox.state import SandboxState

if TYPE_CHECKING:  # the auth half owns Principal; only its fields are used here
    from gterm.sandbox.auth import Principal

Need = Literal["r", "rw"]
GUEST = "GCSv5_guest_collection"
MAPPED = "GCSv5_mapped_collection"
GCP_MAPPED = "GCP_mapped_collection"  # Globus Connect Personal: one person's machine
GCP_GUEST = "GCP_guest_collection"


@dataclass(frozen=True)
class CollectionRecord:
    id: str
    display_name: str
    entity_type: str
    root: Path  # where the collection's "/" is expected on the host: for display only, never opened
    root_spec: RootSpec  # how to open the root for an operation (guest: walked beneath the host's root)
    requires_consent: bool
    owner_id: str | None
    owner_string: str
    host_collection_id: str | None
    host_path: str | None
    public: bool
    meta: dict[str, Any] = field(default_factory=dict)
    created: str = ""

    @property
    def is_guest(self) -> bool:
        return self.entity_type in (GUEST, GCP_GUEST)

    @property
    def is_gcp(self) -> bool:
        """Globus Connect Personal (mapped or guest): managed through Transfer itself."""
        return self.entity_type in (GCP_MAPPED, GCP_GUEST)


@dataclass(frozen=True)
class ResolvedPath:
    """A collection path checked for a caller; open it with ``open_root(collection)`` at the moment of use."""

    collection: CollectionRecord
    path: str  # Globus-style absolute path; directories end with "/"
    parts: tuple[str, ...]  # its components beneath the collection root ("/" is ())
    real_parts: tuple[str, ...]  # where it led when checked (links resolved): for rights, never for access


# --------------------------------------------------------------------------- lookup


def _row_to_record(state: SandboxState, row: Any) -> CollectionRecord:
    base = state.config.data_dir / "collections"
    if row["host_collection_id"]:
        host = get_collection(state, row["host_collection_id"])
        root = host.root.joinpath(*confined.split(row["host_path"]))
        spec = RootSpec(host.root_spec.base, row["host_path"])
        # A guest collection acts with its owner's stored credential on the host: Globus asks nobody for a
        # data_access consent to use it, and Auth has no data_access scope under a guest's id (only a
        # non-high-assurance GCSv5 mapped collection has one; globus-sdk's add_app_data_access_scope and
        # its GCSDownloader's _uses_data_access say so), so asking for one could never be satisfied.
        requires_consent = False
    else:
        root = base / row["slug"]
        spec = RootSpec(str(root))
        requires_consent = bool(row["requires_consent"])
    return CollectionRecord(
        id=row["id"],
        display_name=row["display_name"],
        entity_type=row["entity_type"],
        root=root,
        root_spec=spec,
        requires_consent=requires_consent,
        owner_id=row["owner_id"],
        owner_string=row["owner_string"],
        host_collection_id=row["host_collection_id"],
        host_path=row["host_path"],
        public=bool(row["public"]),
        meta=json.loads(row["meta"] or "{}"),
        created=row["created"],
    )


def find_collection(state: SandboxState, collection_id: str) -> CollectionRecord | None:
    row = state.db.query_one("SELECT * FROM collections WHERE id = ?", (str(collection_id),))
    return _row_to_record(state, row) if row is not None else None


def get_collection(state: SandboxState, collection_id: str) -> CollectionRecord:
    """The collection, or 404 EndpointNotFound."""
    coll = find_collection(state, collection_id)
    if coll is None:
        raise ApiError(404, "EndpointNotFound", f"No such collection '{collection_id}'")
    return coll


def all_collections(state: SandboxState) -> list[CollectionRecord]:
    rows = state.db.query("SELECT * FROM collections ORDER BY display_name, id")
    return [_row_to_record(state, row) for row in rows]


# --------------------------------------------------------------------------- principals


def local_user(principal: Principal) -> str:
    """The POSIX account a mapped collection maps this identity to (username local part)."""
    return principal.username.split("@", 1)[0] or principal.identity_id


def home_path(coll: CollectionRecord, principal: Principal) -> str:
    # A GCP collection's root is its owner's home directory on the machine.
    return "/" if coll.is_guest or coll.entity_type == GCP_MAPPED else f"/home/{local_user(principal)}/"


def rules_for(state: SandboxState, collection_id: str) -> list[Any]:
    return state.db.query(
        "SELECT * FROM acl_rules WHERE collection_id = ? ORDER BY create_time, id", (collection_id,)
    )


def _rule_matches_principal(state: SandboxState, rule: Any, principal: Principal) -> bool:
    """Whether ``rule`` grants ``principal`` anything now: it has not expired, and it names them."""
    expires = tasks_store.parse_time(rule["expiration_date"])  # checked when the rule was written
    if expires is not None and expires <= time.time():
        return False  # an expired rule grants nothing any more (it stays listed until it is deleted)
    kind = rule["principal_type"]
    if kind in ("anonymous", "all_authenticated_users"):
        return True  # every request here carries a valid token
    if kind == "identity":
        return bool(rule["principal"] == principal.identity_id)
    if kind == "group":
        # Active members only, asked of Groups at each check: a member removed loses access at once.
        return str(rule["principal"]) in state.groups_of(principal.identity_id)
    return False


def acl_permission(state: SandboxState, coll: CollectionRecord, principal: Principal, path: str) -> str:
    """Best permission ("", "r" or "rw") the ACL rules grant on a guest collection path."""
    if coll.owner_id == principal.identity_id:
        return "rw"
    if roles.is_access_manager(state, coll, principal.identity_id):
        return "rw"  # these roles carry an implicit "rw" rule on "/" (Transfer lists it with the role's id)
    best = ""
    probe = path if path.endswith("/") else path + "/"
    for rule in rules_for(state, coll.id):
        if not _rule_matches_principal(state, rule, principal):
            continue
        if probe.startswith(rule["path"]):
            if rule["permissions"] == "rw":
                return "rw"
            best = "r"
    return best


def can_see(state: SandboxState, coll: CollectionRecord, principal: Principal) -> bool:
    """Whether the collection shows up in search / get_endpoint for this identity."""
    if coll.public or coll.owner_id == principal.identity_id:
        return True
    if any(_rule_matches_principal(state, r, principal) for r in rules_for(state, coll.id)):
        return True
    # Any effective role (administrator, activity monitor, ...) shows a private entity to its holder.
    return bool(roles.effective_role_set(state, coll, principal.identity_id))


#: Top-level dirs of a mapped collection whose children belong to one user each
#: (``/home/alice/``, ``/shared/bob/``), like 0700 POSIX dirs owned by that account.
PRIVATE_TOPS = ("home", "shared")


def _mapped_permission(user: str, path: str) -> str:
    """POSIX-like rights on a mapped collection: private per-user dirs, shared projects."""
    parts = [p for p in path.split("/") if p]
    if parts and parts[0] in PRIVATE_TOPS:
        if len(parts) == 1:
            return "r"  # /home/ itself: listable, not writable
        return "rw" if parts[1] == user else ""
    if len(parts) <= 1:
        return "r"  # the root and its top-level dirs belong to the admins: write below them
    return "rw"


def _gcp_permission(state: SandboxState, coll: CollectionRecord, identity_id: str | None) -> str:
    """A Globus Connect Personal machine: its owner and administrators have it all, nobody else anything."""
    if identity_id is not None and roles.is_administrator(state, coll, identity_id):
        return "rw"
    return ""


def _host_permission(state: SandboxState, coll: CollectionRecord, path: str) -> str:
    """What a guest collection's owner may do at ``path`` (guest-relative) on the host."""
    assert coll.host_path is not None and coll.host_collection_id is not None
    host = find_collection(state, coll.host_collection_id)
    if host is not None and host.entity_type == GCP_MAPPED:
        return _gcp_permission(state, host, coll.owner_id)
    owner_user = coll.owner_string.split("@", 1)[0]
    return _mapped_permission(owner_user, coll.host_path.rstrip("/") + path)


def permission(state: SandboxState, coll: CollectionRecord, principal: Principal, path: str) -> str:
    """Effective permission ("", "r", "rw") of principal on a collection path."""
    if coll.is_guest:
        granted = acl_permission(state, coll, principal, path)
        # A guest collection acts as its owner's account on the host: rights are
        # what the ACL grants, capped by what the owner may do there.
        if not granted:
            return ""
        host_perm = _host_permission(state, coll, path)
        if not host_perm:
            return ""
        return "rw" if granted == "rw" and host_perm == "rw" else "r"
    if coll.entity_type == GCP_MAPPED:
        return _gcp_permission(state, coll, principal.identity_id)
    return _mapped_permission(local_user(principal), path)


def require_consent(coll: CollectionRecord, principal: Principal) -> None:
    if coll.requires_consent and coll.id not in principal.data_access:
        scope = f"{TRANSFER_SCOPE}[*{data_access_scope(coll.id)}]"
        message = (
            f"Missing required data_access consent for collection '{coll.display_name}' ({coll.id})"
        )
        raise ApiError(
            403,
            "ConsentRequired",
            message,
            required_scopes=[scope],
            authorization_parameters={"session_message": message, "required_scopes": [scope]},
        )


# --------------------------------------------------------------------------- paths


def normalize(path: str, home: str, *, refuse_above_root: bool = False) -> str:
    """Globus path -> canonical absolute path (no trailing slash except "/").

    ``~`` and ``/~/`` mean the home directory; relative paths are relative to
    it, as on a GridFTP/GCS server. ``.`` and ``..`` are resolved on the text,
    before anything on disk is looked at, and ``..`` at "/" stays at "/" (the
    parent of the root is the root): the Globus data server does exactly this
    (globus_l_gfs_normalize_path in globus-toolkit's gridftp/server/src/
    globus_i_gfs_data.c) before it roots the path at a guest collection's share
    path, so "/../" on a guest collection is its root, never its host's. What
    comes out has no ``..`` left, so it cannot climb anywhere; links met on the
    way are still confined by :mod:`confined`.

    ``refuse_above_root`` answers 400 instead, for the callers whose Globus
    answer is not known (a guest's base path at creation, HTTPS access).
    """
    check_path(path)  # valid text, no NUL, within PATH_MAX / NAME_MAX
    if path in ("", "~", "/~"):
        path = home
    elif path.startswith("/~/"):
        path = home + path[3:]
    elif path.startswith("~/"):
        path = home + path[2:]
    elif not path.startswith("/"):
        path = home + path
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            elif refuse_above_root:
                raise ApiError(400, "ClientError.BadRequest", f"Path '{path}' escapes the collection root")
            continue
        parts.append(part)
    return "/" + "/".join(parts)


@contextmanager
def open_root(coll: CollectionRecord) -> Iterator[confined.Root]:
    """The collection's root, opened for one operation (a guest's is walked beneath its host's root).

    A guest root that no longer resolves inside its host answers an error,
    never anything outside.
    """
    try:
        root = coll.root_spec.open()
    except confined.RootOutside:
        raise ApiError(
            403, "PermissionDenied",
            f"The root of collection '{coll.display_name}' leads outside its host collection",
        ) from None
    except OSError:
        raise ApiError(
            404, "ClientError.NotFound",
            f"The root of collection '{coll.display_name}' ({coll.id}) no longer exists on its host",
        ) from None
    with root:
        yield root


def leaves_collection(path: str) -> ApiError:
    """Globus' answer to a path that leads outside the collection (a link pointing outside)."""
    return ApiError(400, "ClientError.BadRequest", f"Path '{path}' leaves the collection")


_USE_WRITE_INTERVAL = 5.0  # seconds; a 5,000-item submission resolves 10,000 paths


def _record_use(state: SandboxState, principal: Principal, coll: CollectionRecord) -> None:
    """Remember use for the "recently-used" search scope.

    The time is kept in memory on every call; SQLite is written at most every few
    seconds per (identity, collection), so bulk task submissions stay cheap.
    """
    entry = state.collection_use.setdefault((principal.identity_id, coll.id), [0.0, -1e9])
    entry[0] = time.time()
    if time.monotonic() - entry[1] < _USE_WRITE_INTERVAL:
        return
    entry[1] = time.monotonic()
    state.db.execute(
        "INSERT INTO collection_use (identity_id, collection_id, last_used) VALUES (?, ?, ?)"
        " ON CONFLICT (identity_id, collection_id) DO UPDATE SET last_used = excluded.last_used",
        (principal.identity_id, coll.id, entry[0]),
    )


def recently_used(state: SandboxState, identity_id: str) -> list[str]:
    """Collection ids this identity used, most recent first (persisted and in-memory times)."""
    times = {
        row["collection_id"]: row["last_used"]
        for row in state.db.query(
            "SELECT collection_id, last_used FROM collection_use WHERE identity_id = ?", (identity_id,)
        )
    }
    for (who, cid), (when, _) in list(state.collection_use.items()):
        if who == identity_id:
            times[cid] = max(times.get(cid, 0.0), when)
    return sorted(times, key=lambda cid: times[cid], reverse=True)


def resolve(
    state: SandboxState, principal: Principal, collection_id: str, path: str, need: Need,
    *, refuse_above_root: bool = False,
) -> ResolvedPath:
    """Resolve a Globus path on a collection for principal, enforcing consent, ACLs and the root.

    Raises ApiError: 404 EndpointNotFound, 403 ConsentRequired, 403 PermissionDenied,
    400 ClientError.BadRequest (a symlink leading outside the root).
    The path itself need not exist (mkdir, transfer destinations); callers check.
    """
    coll = get_collection(state, collection_id)
    if not can_see(state, coll, principal):
        raise ApiError(403, "PermissionDenied", f"No access to collection '{collection_id}'")
    require_consent(coll, principal)

    home = home_path(coll, principal)
    uses_home = path in ("", "~", "/~") or path.startswith(("~/", "/~/")) or not path.startswith("/")
    logical = normalize(path, home, refuse_above_root=refuse_above_root)
    parts = tuple(confined.split(logical))

    with open_root(coll) as root:
        try:
            if uses_home and not coll.is_guest:
                root.makedirs(home)  # created on demand, like pam_mkhomedir
            real_parts = root.canonical(parts)
            is_dir = bool(parts) and stat.S_ISDIR(root.stat(parts, follow_last=True).st_mode)
        except confined.OutsideRoot:
            raise leaves_collection(logical) from None
        except OSError:
            is_dir = False  # missing (mkdir, transfer destinations): callers check

    # Check rights on both the path asked for and where it really leads (a link
    # in a shared dir must not open someone's private home).
    for probe in {logical, "/" + "/".join(real_parts)}:
        granted = permission(state, coll, principal, probe)
        if not granted or (need == "rw" and granted != "rw"):
            raise ApiError(
                403,
                "PermissionDenied",
                f"Permission denied: {'write' if need == 'rw' else 'read'} access to '{logical}'"
                f" on collection '{coll.display_name}'",
            )

    _record_use(state, principal, coll)
    globus_path = logical if logical == "/" else logical + ("/" if is_dir else "")
    return ResolvedPath(collection=coll, path=globus_path, parts=parts, real_parts=real_parts)


def collection_path(parts: tuple[str, ...] | list[str], is_dir: bool = False) -> str:
    """Components beneath a root -> the Globus path ("/" for the root; directories end with "/")."""
    if not parts:
        return "/"
    return "/" + "/".join(parts) + ("/" if is_dir else "")
