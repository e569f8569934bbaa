"""Messages the browser's widgets post upwards.

Panes and the sidebar never reach into the screen: they post one of these and
the screen (or the app) coordinates. Attributes go down, messages go up.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from gterm.globus.models import Bookmark, Collection, Listing


@dataclass
class PaneLocationChanged(Message):
    """A pane now shows a new, successfully listed location.

    The app records it as the pane's last location and the collection as
    recently used.
    """

    pane_id: str
    collection: Collection
    listing: Listing


@dataclass
class PaneSortChanged(Message):
    """The user changed a pane's sort order; the app remembers it with the pane's location."""

    pane_id: str
    sort_key: str
    reverse: bool


@dataclass
class PaneFocused(Message):
    """A pane (or something inside it) received focus: it becomes the active pane."""

    pane_id: str


@dataclass
class BookmarkChosen(Message):
    """The user pressed Enter on a bookmark in the sidebar."""

    bookmark: Bookmark


@dataclass
class BookmarksChanged(Message):
    """The bookmark list was (re)loaded; the palette and the sidebar read it from the app."""

    bookmarks: list[Bookmark]



@dataclass
class CollectionRead(Message):
    """A collection's document was read again (its details screen, after a save): what shows its name
    (a pane's header, the app's remembered collections) takes the new one."""

    collection: Collection


@dataclass
class CollectionDeleted(Message):
    """A collection no longer exists: a pane's listing found it gone, or gterm deleted it (a guest collection,
    from the sharing screen). The panes showing it let it go; with ``by_gterm`` a guest's pane shows the folder
    it shared on its host collection instead (see gterm.tui.widgets.pane_gone)."""

    collection: Collection
    by_gterm: bool = False


@dataclass
class BookmarkGone(Message):
    """A pane opened ``bookmark`` and found its collection deleted: the bookmarks say so where Del removes it
    (the pane goes on showing what it showed)."""

    bookmark: Bookmark


@dataclass(frozen=True)
class FailedLookup:
    """What a pane keeps of a start-up location whose lookup failed while it showed nothing (a name, a
    bookmark; None: a default collection): ctrl+r there asks for it again (:class:`LookUpAgain`)."""

    text: str | None


@dataclass
class LookUpAgain(Message):
    """ctrl+r (or the sign-in's retry) on a pane whose start-up lookup failed: the screen that looks the
    start-up locations up looks ``text`` up again for that pane."""

    pane_id: str
    text: str | None


@dataclass
class DestinationChosen(Message):
    """F5's dialog sent into ``path`` on ``collection_id``: the app keeps it first in that collection's "to"
    history (for the session, and in the state file), where the next dialog's Up recalls it."""

    collection_id: str
    path: str
