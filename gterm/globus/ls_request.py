"""gterm's one ``operation_ls`` request and its page sizes.

A module of its own, light to import: the start-up helper process
(gterm.globus.head_start) sends this very request before it has loaded
anything to decode the answer with, and the app's TransferService sends it
for every listing, so the two always ask for the same thing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gterm.globus import paths
from gterm.lazy_modules import LazyModule

if TYPE_CHECKING:
    import globus_sdk
else:
    globus_sdk = LazyModule("globus_sdk")

MAX_PAGE = 100_000
"""The most entries one ``operation_ls`` answer carries (Transfer's limit and default)."""

FIRST_PAGE = 1_000
"""A pane's first request: a few screenfuls, painted before the rest of a big directory arrives.

A directory of up to this many entries is listed whole by that one request;
see ``tests/perf/ls_paging.py`` for the measurements behind the number.
"""

LS_FIELDS = "name,type,size,last_modified,permissions,link_target"
"""What a listing asks for (Transfer's ``fields`` parameter): what :class:`Entry` shows.

The owner, group and the link's own ``link_*`` facts are never shown, and
leaving them out makes a 100,000-entry body about 40% smaller to send and parse.
"""


def ls_call(
    client: globus_sdk.TransferClient,
    collection_id: str,
    path: str,
    *,
    offset: int = 0,
    limit: int = MAX_PAGE,
    orderby: str | None = None,
    show_hidden: bool = True,
) -> globus_sdk.GlobusHTTPResponse:
    """gterm's one ``operation_ls`` request: ``limit`` entries from ``offset`` in ``orderby``, the fields shown.

    Also sent by the start-up helper process (gterm.globus.head_start), so its
    answers are the very ones this process would have asked for.
    """
    return client.operation_ls(
        collection_id,
        path=paths.globus_spelling(path) or globus_sdk.MISSING,
        show_hidden=show_hidden,
        offset=offset or globus_sdk.MISSING,
        limit=limit if limit != MAX_PAGE else globus_sdk.MISSING,
        orderby=orderby or globus_sdk.MISSING,
        query_params={"fields": LS_FIELDS},
    )
