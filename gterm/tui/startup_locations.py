"""The main screen's start-up locations: --left/--right, the last ones, or a default collection.

A location written out opens at once; a name, a bookmark or none at all is looked
up on a worker. A lookup that fails is said in its pane, which then shows nothing
else and keeps it (:meth:`Pane.look_up_failed`): ctrl+r there (or the sign-in's
retry) asks here for it again (:class:`LookUpAgain`), as a pane with no collection
open has nothing to reload.
"""

from __future__ import annotations

from textual import on, work

from gterm.globus.locations import CollectionLocation, written_out
from gterm.tui.messages import LookUpAgain
from gterm.tui.transfer_actions import TransferScreen
from gterm.tui.widgets.pane import Pane
from gterm.tui.worker_errors import deliver, report


class StartupLocations(TransferScreen):
    """Opens the start-up locations in the panes ``#left`` and ``#right`` (MainScreen's)."""

    def _start_locations(self, left: str | None, right: str | None) -> None:
        """Open --left/--right, else the last locations, else a sensible default.

        A location written out (``COLLECTION_ID[:PATH]``, ``local:PATH``) opens
        here, on the event loop before the first frame: a start-up listing that
        has already arrived (gterm.globus.head_start) is then in that frame. A
        name, a bookmark or none at all is looked up on a worker.
        """
        wanted = dict(zip(("left", "right"), self.host.config.startup_texts(left, right), strict=True))
        to_look_up: dict[str, str | None] = {}
        for pane_id, text in wanted.items():
            location = written_out(text)
            if location is None:
                to_look_up[pane_id] = text
            else:
                self._open_in(pane_id, location.collection_id, location.path)
        if to_look_up:
            self._look_up_locations(to_look_up)

    @work(thread=True, group="startup", exit_on_error=False)
    def _look_up_locations(self, wanted: dict[str, str | None]) -> None:
        """Resolve start-up locations by name or bookmark, else a sensible default; then open them.

        A location that cannot be resolved is reported in its pane, which then
        stays empty rather than silently showing somewhere else.
        """
        fallback: CollectionLocation | Exception | bool | None = False  # False: not looked up yet
        for pane_id, text in wanted.items():
            location: CollectionLocation | None = None
            if text:
                try:
                    location = self.host.service.resolve_location(text)
                except Exception as exc:  # noqa: BLE001 - routed; the pane says why and stays empty
                    deliver(self.app, self._startup_failed, pane_id, text, exc)
                    continue
            if location is None:
                if fallback is False:
                    fallback = self._default_location()
                    if isinstance(fallback, Exception):  # said once; each pane that wanted it says so too
                        deliver(self.app, self._startup_failed, pane_id, None, fallback)
                        continue
                elif isinstance(fallback, Exception):
                    deliver(self.app, self._lookup_failed_here, pane_id, None)
                    continue
                location = fallback if isinstance(fallback, CollectionLocation) else None
            if location is not None:
                deliver(self.app, self._open_in, pane_id, location.collection_id, location.path)

    def _default_location(self) -> CollectionLocation | Exception | None:
        """The first recently used collection, else the first of mine; None when there is none, the
        error when the search failed."""
        for scope in ("recently-used", "my-endpoints"):
            try:
                found = self.host.service.search_collections("", scope=scope, limit=5)
            except Exception as exc:  # noqa: BLE001 - the caller says it in the panes that wanted it
                return exc
            if found:
                return CollectionLocation(found[0].id, None)
        return None

    def _startup_failed(self, pane_id: str, text: str | None, error: BaseException) -> None:
        """``text`` (None: the default collection) could not be looked up: said in its pane, which ctrl+r
        (or the sign-in's retry) looks it up again from, as it lists a location that failed again."""
        pane = self._lookup_failed_here(pane_id, text)
        shown = text or "a default collection"
        report(
            self.app,
            error,
            context=f"Cannot open {shown}",
            # A pane already showing a good listing keeps a clean message line (the toast says it).
            target=pane if pane.listing is None else None,
            retry=lambda: pane.look_up_again(text),
        )

    def _lookup_failed_here(self, pane_id: str, text: str | None) -> Pane:
        """A pane that shows nothing else says the lookup failed, and ctrl+r there looks it up again."""
        pane = self.query_one(f"#{pane_id}", Pane)
        pane.look_up_failed(text)
        return pane

    @on(LookUpAgain)
    def _look_up_again(self, event: LookUpAgain) -> None:
        event.stop()
        self._look_up_locations({event.pane_id: event.text})

    def _open_in(self, pane_id: str, collection_id: str, path: str | None) -> None:
        self.query_one(f"#{pane_id}", Pane).open(collection_id, path)
