"""TransferService: gterm's typed, thread-friendly face of globus-sdk's TransferClient.

Why a service layer:
- the TUI gets dataclasses (gterm.globus.models) and gterm errors, never SDK
  responses or SDK exceptions (every public method runs in translate_errors);
- globus-sdk clients (and GlobusApp) are not thread safe, while the TUI calls
  from many worker threads: each thread gets its own TransferClient, built
  lazily by the injected factory;
- each method makes the fewest calls the job needs (one ``operation_ls`` per
  listing, one ``task_list`` per task panel refresh), because the task panel
  polls and directories can hold 100,000 entries.

Submissions are once-only: a request gets a submission id before its first
attempt and keeps it (it is stored on the request object), so any retry -- by
the SDK, by :meth:`TransferService.submit_transfer_once`, or by the user
pressing Submit again on the same dialog -- makes Globus answer with the
original task instead of creating a second one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from gterm.globus import paths
from gterm.globus.collection_details import CollectionDetails, details_from
from gterm.globus.early_results import EarlyResults, fulfil, when_all
from gterm.globus.error_mapping import translate_errors
from gterm.globus.errors import InvalidInput, Offline, ServiceError, is_retryable
from gterm.globus.locations import (
    CollectionLocation,
    Location,
    NamedLocation,
    parse_location,
    resolve_bookmark,
    resolve_collection_name,
)
from gterm.globus.ls_bodies import lenient_json, listing_from_body
from gterm.globus.ls_request import FIRST_PAGE, MAX_PAGE, ls_call
from gterm.globus.models import (
    Bookmark,
    Collection,
    Entry,
    Listing,
    Rule,
    Task,
    pause_message_of,
)
from gterm.globus.task_reads import OWNER_ROUTES, TaskReads
from gterm.globus.transfer_documents import build_delete_data, build_transfer_data, deadline_text
from gterm.globus.transfer_requests import SEARCH_SCOPES, DeleteRequest, TransferRequest
from gterm.lazy_modules import LazyModule

if TYPE_CHECKING:
    import globus_sdk
else:
    # Loaded with the first call to Globus, not with the TUI (gterm.lazy_modules).
    globus_sdk = LazyModule("globus_sdk")

log = logging.getLogger(__name__)

_T = TypeVar("_T")


SHARED_COLLECTION_SECONDS = 10.0
"""A collection's document fetched at start-up answers every caller this long (see EarlyResults.take)."""

_ORDER_FIELDS = {"name": "name", "size": "size", "time": "last_modified"}


def listing_order(sort_key: str, reverse: bool = False) -> str:
    """Transfer's ``orderby`` for a pane's sort: directories first, then the key (``name``/``size``/``time``).

    ``type ASC`` puts ``dir`` before ``file`` (and ``invalid_symlink``), as the
    panes show them; the reverse of a pane's sort keeps directories first.
    The service's name order is its own (by code point), so a pane sorting
    names case-insensitively still sorts what arrives; the first page is the
    beginning of the listing in nearly the order shown.
    """
    field = _ORDER_FIELDS.get(sort_key, "name")
    return f"type ASC,{field} {'DESC' if reverse else 'ASC'}"


ORDER_BY_NAME = listing_order("name")


def remembered_order(remembered: str | None) -> str:
    """The ``orderby`` of a pane's remembered sort (``size``, ``-time``; anything else: by name, as the pane)."""
    key = (remembered or "").lstrip("-")
    if key not in _ORDER_FIELDS:
        return ORDER_BY_NAME
    return listing_order(key, (remembered or "").startswith("-"))


def _page_key(
    collection_id: str, path: str, offset: int, orderby: str | None, show_hidden: bool, size: int
) -> tuple[object, ...]:
    """The early-results key of a later page (see ``TransferService._first_page``)."""
    return ("page", collection_id, path, offset, orderby, show_hidden, size)


def _first_page_key(collection_id: str, path: str, orderby: str) -> tuple[str, ...]:
    return ("ls", collection_id, path, orderby, "first page")


class EarlyAnswers(Protocol):
    """Answers to the start-up calls made elsewhere (gterm.globus.head_start): a body, or None to ask here."""

    def answer(self, call: str, collection_id: str, path: str | None, orderby: str) -> bytes | None: ...

    def forget(self, call: str, collection_id: str, path: str | None, orderby: str) -> None: ...


class _EarlyCalls:
    """One start-up location's calls: the helper's answer when it has one, else the call, made on this thread.

    The thread's client is made only for a call made here: with a helper, this
    process loads no client (nor requests, nor a robot's Auth client) while
    the UI is being imported and drawn.
    """

    def __init__(
        self, service: TransferService, collection_id: str, path: str | None, orderby: str,
        answers: EarlyAnswers | None,
    ) -> None:
        self.collection_id = collection_id
        self.orderby = orderby
        self._service = service
        self._asked = path  # the helper's answers are known by the location as asked (None: default directory)
        self._answers = answers
        self._unanswered: set[str] = set()  # calls the helper did not answer (each is made once)

    def _answer(self, call: str) -> bytes | None:
        """The helper's answer, or None. A call the helper makes only after another (the first page after
        the collection's document when the default directory is listed, the rest after the first page)
        is not asked of it when that one was not answered: it will not come."""
        if self._answers is None:
            return None
        before = "first page" if call == "rest" else "collection" if self._asked is None else None
        if before in self._unanswered:
            return None
        body = self._answers.answer(call, self.collection_id, self._asked, self.orderby)
        if body is None:
            log.debug("start-up %s of %s: no head-start answer, asking here", call, self.collection_id)
            self._unanswered.add(call)
        return body

    def forgo_rest(self) -> None:
        """The rest of this listing is asked for by another location's start-up (the same directory)."""
        if self._answers is not None:
            self._answers.forget("rest", self.collection_id, self._asked, self.orderby)

    def collection(self) -> Collection:
        body = self._answer("collection")
        doc = lenient_json(body) if body is not None else {}
        if doc:
            return Collection.from_doc(doc)
        self._service._use_early_client()
        return self._service._get_collection(self.collection_id)

    def first_page(self, path: str) -> Listing:
        body = self._answer("first page")
        if body is not None:
            return listing_from_body(self.collection_id, path, 0, body)
        self._service._use_early_client()
        return self._service._ls(self.collection_id, path, limit=FIRST_PAGE, orderby=self.orderby)

    def rest(self, path: str, offset: int, before_decoding: Callable[[], object] | None) -> Listing:
        """The rest of a big directory after its first page; decoded after ``before_decoding`` (the first frame)."""
        body = self._answer("rest")
        if body is not None:
            if before_decoding is not None:
                before_decoding()
            return listing_from_body(self.collection_id, path, offset, body)
        self._service._use_early_client()
        return self._service._ls(
            self.collection_id, path, offset=offset, limit=MAX_PAGE, orderby=self.orderby,
            before_decoding=before_decoding,
        )


class TransferService(TaskReads):
    """Typed Transfer calls. Safe to share between threads: each thread uses its own client.

    Reading one of my tasks in full (task, events, successes, skips, pause info) is
    :class:`~gterm.globus.task_reads.TaskReads`, through the owner's routes.
    """

    def __init__(
        self,
        client_factory: Callable[[], globus_sdk.TransferClient],
        *,
        retry_delay: float = 0.5,
        early_client_factory: Callable[[], globus_sdk.TransferClient] | None = None,
        wait_for_first_frame: Callable[[], object] | None = None,
    ) -> None:
        """``early_client_factory`` makes the clients of :meth:`start_listing_early`'s calls
        (default: ``client_factory``): the composition root gives them one that does not
        wait for the first frame, so a start-up listing leaves at once (see cli.build_tui).
        ``wait_for_first_frame`` blocks until the UI's first frame is drawn (bounded): the
        rest of a start-up listing, asked for early, is decoded only after it (see
        :meth:`_first_page`). None: nothing to wait for.
        """
        super().__init__(client_factory, OWNER_ROUTES)
        self._retry_delay = retry_delay
        self._early = EarlyResults()
        self._early_client_factory = early_client_factory or client_factory
        self._wait_for_first_frame = wait_for_first_frame
        # collection id -> the absolute directory a listing of ``~`` there came back with (see home_directory).
        self._homes: dict[str, str] = {}

    def home_directory(self, collection_id: str) -> str | None:
        """The absolute directory ``~`` stands for on the collection, as a listing of ``~`` made in this session
        answered it; None when none did, or its answer kept ``/~/`` (only the service resolves ``~``: never guessed)."""
        return self._homes.get(collection_id)

    def _learn_home(self, asked: str, listing: Listing) -> Listing:
        """Remember where ``~`` is when ``listing`` answers a listing of ``~`` itself with an absolute path."""
        if paths.normalise(asked) == paths.HOME and not paths.is_home_relative(listing.path):
            self._homes[listing.collection_id] = listing.path
        return listing

    # -- collections ------------------------------------------------------------------------

    @translate_errors()
    def search_collections(self, text: str, scope: str = "all", limit: int = 50) -> list[Collection]:
        """Full-text collection search within a filter scope (one endpoint_search call).

        Globus requires search text for the ``all`` scope, so an empty search
        there returns no results without asking.
        """
        if scope not in SEARCH_SCOPES:
            raise InvalidInput(f"Unknown search scope {scope!r}.")
        text = text.strip()
        if not text and scope == "all":
            return []
        response = self.client().endpoint_search(
            filter_fulltext=text or globus_sdk.MISSING, filter_scope=scope, limit=limit
        )
        return [Collection.from_doc(doc) for doc in response]

    def get_collection(self, collection_id: str) -> Collection:
        # Shared: the bookmarks asking first must not send a pane to a service busy with a big listing.
        early = self._early.take(("collection", collection_id), share_for=SHARED_COLLECTION_SECONDS)
        if early is not None:
            return early.result()  # type: ignore[return-value]  # raises the early call's error, if any
        return self._get_collection(collection_id)

    @translate_errors()
    def _get_collection(self, collection_id: str) -> Collection:
        return Collection.from_doc(self.client().get_endpoint(collection_id).data)

    @translate_errors()
    def collection_details(self, collection_id: str) -> CollectionDetails:
        """Everything Transfer reports about a collection (``i``), with its servers where it has them.

        Servers are listed only for Globus Connect Personal and older endpoints: GCSv5
        collections have none in Transfer (their data is served by the endpoint itself).
        """
        client = self.client()
        document = client.get_endpoint(collection_id).data
        servers: list[Mapping[str, Any]] = []
        entity = str(document.get("entity_type") or "")
        if entity.startswith(("GCP_", "GCSv4")):
            servers = [dict(doc) for doc in client.endpoint_server_list(collection_id)]
        return details_from(document, servers)

    @translate_errors()
    def acl_rules(self, collection_id: str) -> list[Rule]:
        """The access rules of a guest collection (owner/manager only)."""
        return [Rule.from_doc(doc) for doc in self.client().endpoint_acl_list(collection_id)]

    # -- files ------------------------------------------------------------------------------

    def start_listing_early(
        self,
        collection_id: str,
        path: str | None,
        *,
        orderby: str = ORDER_BY_NAME,
        answers: EarlyAnswers | None = None,
    ) -> Future[object]:
        """Begin listing a location on background threads, before the UI asks for it; done when the
        collection's document and the first page have come (or one failed).

        What is started is a pane's first request: the first page
        (:data:`FIRST_PAGE` entries in the pane's ``orderby``, see :meth:`ls_page`
        and :func:`remembered_order`). The
        first :meth:`ls_page` (and :meth:`get_collection`) of the same location and order
        then returns this answer, or raises its error, instead of calling the
        service again; see :mod:`gterm.globus.early_results`. ``path`` None is
        the collection's default directory, found the way a pane finds it:
        the collection's document first, then the listing of its
        ``default_directory``. With ``answers`` (a helper process making these
        very calls, gterm.globus.head_start), each call takes the helper's
        answer and is made here only when the helper has none.
        """
        early = _EarlyCalls(self, collection_id, path, orderby, answers)
        collection_key = ("collection", collection_id)
        if path is not None:
            # The rest of a big directory is asked for as soon as the first page is back (see
            # _first_page), not together with it: a service answers the small first page at once
            # when it is not busy producing the rest at the same moment (measured on the sandbox:
            # 8 ms alone, 0.35-0.43 s beside the rest of 100,000 entries), and the rest, asked for
            # after it, finds the directory already read and sorted.
            first_page_key = _first_page_key(collection_id, path, orderby)
            first = self._early.start(first_page_key, lambda: self._first_page(early, path))
            return when_all(first, self._early.start(collection_key, early.collection))
        collection = self._early.promise(collection_key)
        listed: Future[object] = Future()

        def default_directory_then_listing() -> None:
            try:
                found = early.collection()
            except BaseException as exc:  # noqa: BLE001 - the pane's get_collection raises it
                collection.set_exception(exc)
                listed.set_exception(exc)
                return
            target = found.default_directory or "/"
            # Promised before the collection is handed out, so the caller's ls finds it.
            listing = self._early.promise(_first_page_key(collection_id, target, orderby))
            collection.set_result(found)
            fulfil(listing, lambda: self._first_page(early, target))
            fulfil(listed, listing.result)

        threading.Thread(target=default_directory_then_listing, name="gterm-early", daemon=True).start()
        return listed

    def _use_early_client(self) -> None:
        """Make this (early) thread's client with the early factory, unless it has one."""
        if getattr(self._local, "client", None) is None:
            self._local.client = self._early_client_factory()

    def _first_page(self, early: _EarlyCalls, path: str) -> Listing:
        """A start-up first page; when the directory has more, the rest is asked for at once.

        The pane asks for the rest only once the UI is up and the first page is
        painted (most of a second after start); starting it here, right after the
        first page and with the early client (ahead of the first-frame gate), lets
        the service read and send it while the UI is still being built.
        :meth:`more_pages` takes it like any early answer (same path, offset,
        order and size). Its body is decoded only after the first frame: decoding
        100,000 entries is one long call that holds the GIL, which the UI's
        import and first frame must not wait behind.
        """
        listing = self._learn_home(path, early.first_page(path))  # a helper's answer too
        offset = listing.offset + len(listing.entries)
        rest_key = _page_key(early.collection_id, listing.path, offset, early.orderby, True, MAX_PAGE)
        if not listing.complete and rest_key not in self._early:
            self._early.start(rest_key, lambda: early.rest(listing.path, offset, self._wait_for_first_frame))
        elif not listing.complete:
            early.forgo_rest()
        return listing

    def ls(self, collection_id: str, path: str, *, show_hidden: bool = True) -> Listing:
        """List a whole directory: one operation_ls call up to 100,000 entries, pages beyond.

        An empty ``path`` lists the collection's default directory. The returned
        Listing carries the absolute path the service resolved (``~`` expanded).
        """
        listing = self._ls(collection_id, path, show_hidden=show_hidden)
        for page in self.more_pages(listing, show_hidden=show_hidden):
            listing = listing.extended(page)
        return listing.finished()

    def ls_page(
        self,
        collection_id: str,
        path: str,
        *,
        offset: int = 0,
        limit: int = MAX_PAGE,
        orderby: str | None = None,
        show_hidden: bool = True,
    ) -> Listing:
        """One operation_ls call: ``limit`` entries from ``offset`` in ``orderby`` order (see :func:`listing_order`).

        The Listing's ``total`` says how many the whole directory has; a pane
        shows this page at once and asks for :meth:`more_pages`.
        """
        if (offset, limit, show_hidden) == (0, FIRST_PAGE, True) and orderby is not None:
            early = self._early.take(_first_page_key(collection_id, path, orderby))
            if early is not None:
                return early.result()  # type: ignore[return-value]  # raises the early call's error, if any
        return self._ls(collection_id, path, offset=offset, limit=limit, orderby=orderby, show_hidden=show_hidden)

    def first_page_at_hand(
        self, collection_id: str, path: str | None, *, orderby: str
    ) -> tuple[Collection, Listing] | None:
        """A start-up location's collection and first page when both have arrived already, taken as
        :meth:`get_collection` and :meth:`ls_page` would take them; None when either is still on its
        way or failed (the pane then asks as usual, and reports the error). Never calls the service:
        the event loop may ask, so a pane shows a listing that came before the screen was drawn in
        the frame being drawn instead of one a worker hands over after it."""
        collection_key = ("collection", collection_id)
        collection = self._early.peek(collection_key)
        if not isinstance(collection, Collection):
            return None
        target = path if path is not None else collection.default_directory or "/"
        listing_key = _first_page_key(collection_id, target, orderby)
        listing = self._early.peek(listing_key)
        if not isinstance(listing, Listing):
            return None
        self._early.take(collection_key, share_for=SHARED_COLLECTION_SECONDS)
        self._early.take(listing_key)
        return collection, listing

    def more_pages(
        self,
        listing: Listing,
        *,
        orderby: str | None = None,
        show_hidden: bool = True,
        page_size: int = MAX_PAGE,
    ) -> Iterator[Listing]:
        """The pages after ``listing`` (a first page, or pages merged so far), one call each, lazily.

        Stops when the service's ``total`` is reached or a page comes back
        empty (the directory shrank). Each page is a Listing of its own
        entries with its ``offset``; :meth:`Listing.extended` merges them.
        While the caller merges a page, the next one is already asked for (on
        a daemon thread, so a page in flight never delays exit): the service
        reads and sends it meanwhile instead of waiting for the merge.
        """
        offset = listing.offset + len(listing.entries)
        total = listing.total

        def page_at(start: int) -> Callable[[], Listing]:
            return lambda: self._ls(
                listing.collection_id, listing.path, offset=start, limit=page_size, orderby=orderby,
                show_hidden=show_hidden,
            )

        coming: Future[object] | None = None
        while total is not None and offset < total:
            if coming is None:
                key = _page_key(listing.collection_id, listing.path, offset, orderby, show_hidden, page_size)
                coming = self._early.take(key)  # the rest of a start-up listing, asked for early
            page: Listing
            if coming is None:
                page = page_at(offset)()
            else:
                page = coming.result()  # type: ignore[assignment]  # a Listing, or the call's error raised here
            if not page.entries:
                return
            offset += len(page.entries)
            total = page.total
            coming = None
            if total is not None and offset < total:
                coming = Future()
                coming.set_running_or_notify_cancel()
                threading.Thread(target=fulfil, args=(coming, page_at(offset)), name="gterm-page", daemon=True).start()
            yield page

    @translate_errors()
    def _ls(
        self,
        collection_id: str,
        path: str,
        *,
        offset: int = 0,
        limit: int = MAX_PAGE,
        orderby: str | None = None,
        show_hidden: bool = True,
        before_decoding: Callable[[], object] | None = None,
    ) -> Listing:
        """One operation_ls call, decoded; ``before_decoding`` runs once the body is here."""
        body = ls_call(
            self.client(), collection_id, path, offset=offset, limit=limit, orderby=orderby, show_hidden=show_hidden
        ).binary_content
        if before_decoding is not None:
            before_decoding()
        return self._learn_home(path, listing_from_body(collection_id, path, offset, body))

    @translate_errors()
    def mkdir(self, collection_id: str, path: str) -> None:
        self.client().operation_mkdir(collection_id, paths.globus_spelling(path))

    @translate_errors()
    def rename(self, collection_id: str, old_path: str, new_path: str) -> None:
        """Rename or move within one collection (operation_rename)."""
        self.client().operation_rename(
            collection_id, paths.globus_spelling(old_path), paths.globus_spelling(new_path)
        )

    @translate_errors()
    def stat(self, collection_id: str, path: str) -> Entry:
        return Entry.from_doc(self.client().operation_stat(collection_id, paths.globus_spelling(path)).data)

    # -- submissions ------------------------------------------------------------------------

    @translate_errors()
    def new_submission_id(self) -> str:
        return str(self.client().get_submission_id()["value"])

    @translate_errors()
    def submit_transfer(self, request: TransferRequest) -> str:
        """Submit ``request``; returns the task id.

        The submission id is fetched (once) and stored on ``request`` before the
        document is sent, so resubmitting the same request returns the same task.
        """
        data = build_transfer_data(request)  # validates before a call is spent on a submission id
        if request.submission_id is None:
            request.submission_id = data["submission_id"] = self.new_submission_id()
        response = self.client().submit_transfer(data)
        return str(response["task_id"])

    @translate_errors()
    def submit_delete(self, request: DeleteRequest) -> str:
        """Submit a delete task; same once-only rule as :meth:`submit_transfer`."""
        data = build_delete_data(request)
        if request.submission_id is None:
            request.submission_id = data["submission_id"] = self.new_submission_id()
        response = self.client().submit_delete(data)
        return str(response["task_id"])

    def submit_transfer_once(self, request: TransferRequest, retries: int = 2) -> str:
        """submit_transfer, retried after Offline or a 5xx with the same submission id."""
        return self._with_retries(lambda: self.submit_transfer(request), retries)

    def submit_delete_once(self, request: DeleteRequest, retries: int = 2) -> str:
        """submit_delete, retried after Offline or a 5xx with the same submission id."""
        return self._with_retries(lambda: self.submit_delete(request), retries)

    def _with_retries(self, attempt: Callable[[], _T], retries: int) -> _T:
        for attempt_number in range(retries + 1):
            try:
                return attempt()
            except (Offline, ServiceError) as error:
                if attempt_number >= retries or not is_retryable(error):
                    raise
                time.sleep(self._retry_delay * (2**attempt_number))
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    # -- tasks ------------------------------------------------------------------------------

    @translate_errors()
    def tasks(self, *, limit: int = 50) -> list[Task]:
        """The user's most recent tasks, newest first, in ONE task_list call."""
        client = self.client()
        response = client.task_list(limit=limit, orderby="request_time DESC")
        tasks = [Task.from_doc(doc) for doc in response]
        # A paused task says why: one pause_info call per paused task (rare; none when nothing is paused).
        return [
            replace(task, pause_message=pause_message_of(client.task_pause_info(task.task_id).data))
            if task.is_paused else task
            for task in tasks
        ]

    @translate_errors()
    def cancel(self, task_id: str) -> str:
        """Cancel a task; returns the service's message (e.g. "The task has been cancelled.")."""
        response = self.client().cancel_task(task_id)
        return str(response.get("message") or response.get("code") or "Cancel requested.")

    @translate_errors()
    def update_task(self, task_id: str, *, label: str | None = None, deadline: datetime | None = None) -> Task:
        """Change a running task's label and/or deadline and return the updated task."""
        document: dict[str, Any] = {"DATA_TYPE": "task"}
        if label is not None:
            document["label"] = label
        if deadline is not None:
            document["deadline"] = deadline_text(deadline)
        client = self.client()
        if len(document) > 1:
            client.update_task(task_id, document)
        return Task.from_doc(client.get_task(task_id).data)

    # -- bookmarks --------------------------------------------------------------------------

    @translate_errors()
    def bookmarks(self) -> list[Bookmark]:
        return [Bookmark.from_doc(doc) for doc in self.client().bookmark_list()]

    @translate_errors()
    def create_bookmark(self, name: str, collection_id: str, path: str) -> Bookmark:
        """Bookmark a directory (Globus requires bookmark paths to end with ``/``)."""
        if not name.strip():
            raise InvalidInput("A bookmark needs a name.")
        document = {"name": name, "endpoint_id": collection_id, "path": paths.as_dir(path)}
        return Bookmark.from_doc(self.client().create_bookmark(document).data)

    @translate_errors()
    def rename_bookmark(self, bookmark_id: str, name: str) -> Bookmark:
        if not name.strip():
            raise InvalidInput("A bookmark needs a name.")
        return Bookmark.from_doc(self.client().update_bookmark(bookmark_id, {"name": name}).data)

    @translate_errors()
    def delete_bookmark(self, bookmark_id: str) -> None:
        self.client().delete_bookmark(bookmark_id)

    # -- locations --------------------------------------------------------------------------

    def resolve_location(self, location: str | Location) -> CollectionLocation:
        """Parse ``COLLECTION_ID[:PATH]`` / ``NAME:PATH`` / ``bookmark:NAME``.

        A bookmark costs one bookmark_list call, a display name one endpoint_search.
        """
        parsed = parse_location(location) if isinstance(location, str) else location
        if isinstance(parsed, CollectionLocation):
            return parsed
        if isinstance(parsed, NamedLocation):
            return resolve_collection_name(parsed, self.search_collections(parsed.name, scope="all", limit=100))
        return resolve_bookmark(parsed, self.bookmarks())


def wait_for_task(
    service: TransferService,
    task_id: str,
    *,
    timeout: float = 60.0,
    poll: float = 0.2,
    statuses: Sequence[str] = ("SUCCEEDED", "FAILED"),
) -> Task:
    """Poll ``service.task`` until the task reaches one of ``statuses`` (for scripts and tests).

    Raises TimeoutError (not a gterm error: it is the caller's own deadline).
    """
    deadline = time.monotonic() + timeout
    while True:
        current = service.task(task_id)
        if current.status in statuses:
            return current
        if time.monotonic() > deadline:
            raise TimeoutError(f"task {task_id} still {current.status} after {timeout:.0f}s")
        time.sleep(poll)
