"""SavingForm: a dialog that sends its own change and stays open until the service answers.

The group form, the collection settings and the pause-rule form save the same way, once, here:

- **Save** (``action_ok``): nothing while a save is out; else the form as typed (``draft``) is a
  draft to send or a sentence saying what is wrong, which the status line under the fields shows
  (nothing is sent). A draft goes to ``submit``, which sends it (a form may ask first).
- **Sending** (``send``): ``saving`` is set (Escape and Cancel wait: see :mod:`.modal`), the status
  line says "Saving…" and ``save`` runs on the form's one exclusive worker; an answer that comes
  after the worker was cancelled is dropped.
- **A refusal** leaves every field as typed: the status line says "Not saved: …" in the one error
  vocabulary (``describe``), and where ``reports`` says so, :func:`report` says it too and, for a
  sign-in or a consent, sends the same draft again once signed in.
- **Accepted**: the form closes with what ``save`` returned (``saved``).
"""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from textual import work
from textual.widgets import Static
from textual.worker import get_current_worker

from gterm.globus.errors import GtermError
from gterm.tui.safe_text import safe_text
from gterm.tui.screens.modal import GtermModal, ResultT
from gterm.tui.worker_errors import deliver, describe, report

DraftT = TypeVar("DraftT")


class SavingForm(GtermModal[ResultT], Generic[DraftT, ResultT]):
    """A form that saves itself (see the module docstring). A subclass writes ``draft``, ``save`` and
    ``save_context``, and yields ``status_line()`` under its fields."""

    #: The id of the line under the fields that says what is wrong, "Saving…" and "Not saved: …".
    STATUS_ID: ClassVar[str] = "form-status"

    def status_line(self) -> Static:
        return Static("", id=self.STATUS_ID, classes="dialog-error", markup=False)

    def status(self, message: str) -> None:
        # A message may quote what was typed or a server's text: escaped, never markup.
        self.query_one(f"#{self.STATUS_ID}", Static).update(safe_text(message))

    # --- what a form says of itself -----------------------------------------------

    def draft(self) -> DraftT | str:
        """The form as typed, ready to send, or what is wrong with it (said on the status line)."""
        raise NotImplementedError

    def save(self, draft: DraftT) -> ResultT:
        """Send ``draft`` (on the worker thread): what the form closes with."""
        raise NotImplementedError

    @property
    def save_context(self) -> str:
        """What a refusal's notice is about ("Saving the settings")."""
        raise NotImplementedError

    def reports(self, error: GtermError) -> bool:
        """Whether a refusal, said on the status line, is also reported (a notice, a sign-in and a retry)."""
        return True

    def submit(self, draft: DraftT) -> None:
        """A draft that passed its checks: sent (a form that asks first overrides this)."""
        self.send(draft)

    def saved(self, result: ResultT) -> None:
        """The service accepted the change: the form closes with ``result``."""
        self.dismiss(result)

    # --- the one way it is saved ----------------------------------------------------

    def action_ok(self) -> None:
        """Save: the form as typed, checked, then submitted (nothing while a save is out)."""
        if self.saving:
            return
        draft = self.draft()
        if isinstance(draft, str):
            self.status(draft)
            return
        self.submit(draft)

    def send(self, draft: DraftT) -> None:
        self.saving = True
        self.status("Saving…")
        self._save(draft)

    @work(thread=True, group="form-save", exclusive=True, exit_on_error=False)
    def _save(self, draft: DraftT) -> None:
        worker = get_current_worker()
        try:
            result = self.save(draft)
        except GtermError as exc:
            if not worker.is_cancelled:
                deliver(self.app, self._failed, exc, draft)
            return
        if not worker.is_cancelled:
            deliver(self.app, self._saved, result)

    def _failed(self, error: GtermError, draft: DraftT) -> None:
        # The form keeps what was typed: only the status line says what went wrong.
        self.saving = False
        self.status(f"Not saved: {describe(error)}")
        if self.reports(error):
            report(self.app, error, context=self.save_context, retry=lambda: self.send(draft))

    def _saved(self, result: ResultT) -> None:
        self.saving = False
        self.saved(result)
