"""GtermModal: the one base of every gterm dialog (prompts, forms, pickers, detail boxes).

What every modal repeated now lives here, once:

- **Escape backs out**: it dismisses with the screen's "no result" (None for
  most, False for yes/no dialogs and forms), through ``action_back_out``, which
  a screen overrides when backing out has a side effect (a login that must stop
  waiting). A form whose request is out sets ``saving``: Escape and Cancel then
  wait for the answer (``still_saving`` may say so), which closes the form or
  says why not, so the form never looks cancelled while Globus makes the change.
  (:mod:`gterm.tui.screens.saving_form` is that form's one way of saving.)
- **? and F1 show that screen's keys.** Textual stops the binding chain at a
  modal screen, so the app's own help key never reaches a dialog: each modal
  needs its own, and this is it.
- **The frame**: a box in the middle of the screen (``.modal-frame``), with
  the shared dialog classes (``dialog-title``, ``dialog-error``, ``dialog-note``,
  ``dialog-items``, ``dialog-buttons``, ``dialog-hint``). A screen's own CSS sets
  only what differs (width, padding).
- **Short terminals (80x24)**: a screen names the part of it that scrolls
  (``FIT``); that part gives up rows so the title above it and the buttons
  below it stay on screen and reachable by keyboard. (The frame itself has no
  max-height for such a screen: the fit reads the frame's natural height, and
  is made again whenever that height changes, say when an error line appears.)
  A screen whose middle is a ``VerticalScroll`` with ``max-height: 1fr`` gets
  the same from CSS alone, with a ``max-height`` on its frame.
- **Titles from a server** (collection names, paths, labels): ``heading()``
  shows them escaped (control and bidi characters visible) and never as markup.
- **Buttons run actions**, one way for every dialog: ``BUTTON_ACTIONS`` maps a
  button's id to the action it runs (an action string, as a binding's), and
  the base alone handles ``Button.Pressed``. ``buttons()`` makes the usual
  pair: ``#cancel`` backs out like Escape, ``#ok`` runs ``action_ok`` (the
  screen's accept). A screen adds its own ids to the mapping, or overrides
  ``button_action`` when its ids are made at run time.

Bindings are declared in :mod:`gterm.tui.keymap` with ids, so a user's
``[keymap]`` reaches every dialog.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Static

from gterm.tui.keymap import MODAL_BINDINGS
from gterm.tui.safe_text import safe_text

ResultT = TypeVar("ResultT")

MODAL_CSS = """
GtermModal {
    align: center middle;
}
GtermModal > .modal-frame {
    width: 80;
    max-width: 95%;
    height: auto;
    border: thick $accent;
    background: $surface;
    padding: 0 1;
}
GtermModal.-danger > .modal-frame {
    border: thick $error;
}
GtermModal .dialog-title {
    text-style: bold;
    height: auto;
}
GtermModal .dialog-error {
    color: $error;
    height: auto;
}
GtermModal .dialog-note {
    color: $text-muted;
    height: auto;
}
GtermModal .dialog-hint {
    color: $text-muted;
    height: auto;  /* a long hint wraps at 80 columns: a key cut off at the edge is a key nobody finds */
}
GtermModal .dialog-items {
    height: auto;
    max-height: 12;
    margin: 1 0;
    background: $panel;
    padding: 0 1;
}
GtermModal .dialog-buttons {
    height: auto;
    align: right middle;
    margin-top: 1;
}
GtermModal .dialog-buttons Button {
    margin-left: 2;
}
"""


def fit_in_screen(screen: Screen[Any], box: Widget, part: Widget, largest: int) -> None:
    """Give ``part`` (a dialog's scrolling middle) the rows the screen has left, at most ``largest``.

    ``box`` is the dialog's frame (height auto, so its height is its content's):
    on a short terminal (80x24) the middle shrinks and scrolls, so the question
    above it and the buttons below it stay on screen.
    """
    spare = screen.size.height - box.outer_size.height
    rows = max(3, min(largest, part.outer_size.height + spare))
    if part.styles.max_height is None or part.styles.max_height.value != rows:
        part.styles.max_height = rows


class ModalFrame(Vertical):
    """A dialog's box. When its height changes after it was fitted (a message line under the fields grew
    to two lines), the screen fits it again, so that row comes from the part that scrolls, not the buttons."""

    def on_resize(self) -> None:
        screen = self.screen
        if isinstance(screen, GtermModal) and screen.FIT is not None:
            screen.call_after_refresh(screen._fit)


class GtermModal(ModalScreen[ResultT]):
    """A gterm dialog: Escape backs out with ``no_result``, ``?`` shows its keys, one frame.

    Subclasses write ``compose_dialog`` (the frame around it is the base's) and
    declare their own keys in keymap.py (``BINDINGS = [*THEIR_BINDINGS]``;
    Textual merges them over the base's Escape and ``?``).
    """

    DEFAULT_CSS = MODAL_CSS
    BINDINGS: ClassVar[list[BindingType]] = [*MODAL_BINDINGS]

    #: ``(selector, rows)``: the part that scrolls and gives up rows on a short terminal
    #: (it is at most ``rows`` high when there is room). None: the frame fits as it is.
    FIT: ClassVar[tuple[str, int] | None] = None
    #: The frame's id, for screens whose CSS or tests name it.
    FRAME_ID: ClassVar[str | None] = None
    #: Button id -> the action it runs. A screen extends it: ``{**GtermModal.BUTTON_ACTIONS, "submit": "submit"}``.
    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {"cancel": "back_out", "ok": "ok"}

    def __init__(
        self,
        *,
        no_result: ResultT | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.no_result = no_result
        self.saving = False
        """A request this dialog sent is out: backing out waits for its answer (see the module docstring)."""

    # --- the frame -------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with ModalFrame(classes="modal-frame", id=self.FRAME_ID):
            yield from self.compose_dialog()

    def compose_dialog(self) -> ComposeResult:
        """What goes inside the frame."""
        yield from ()

    @staticmethod
    def heading(text: str, *, id: str | None = None, classes: str = "") -> Static:
        """A title that may hold a server's or a file system's text: escaped, never markup."""
        return Static(safe_text(text), id=id, classes=f"dialog-title {classes}".strip(), markup=False)

    @staticmethod
    def buttons(
        ok: str, *, cancel: str = "Cancel", danger: bool = False, classes: str = "dialog-buttons"
    ) -> Horizontal:
        """``cancel`` (backs out) and the primary button ``ok`` (``action_ok``; red when ``danger``), right-aligned."""
        return Horizontal(
            Button(cancel, id="cancel"), Button(ok, variant="error" if danger else "primary", id="ok"), classes=classes
        )

    @property
    def frame(self) -> Vertical:
        return self.query_one(".modal-frame", Vertical)

    def on_mount(self) -> None:
        if self.FIT is not None:
            self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        if self.FIT is not None:
            self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        if self.FIT is None or not self.is_mounted:
            return
        selector, rows = self.FIT
        for frame in self.query(".modal-frame").results(Vertical):
            for part in self.query(selector):
                fit_in_screen(self, frame, part, rows)

    # --- keys ------------------------------------------------------------------------

    def action_back_out(self) -> None:
        """Escape: leave with the screen's "no result" (not while a request is out: ``saving``)."""
        if self.saving:
            self.still_saving()
            return
        self.dismiss(self.no_result)

    def still_saving(self) -> None:
        """Escape or Cancel while ``saving``: a form may say it is still saving."""

    def action_ok(self) -> None:
        """The primary button (``#ok``): a dialog with one accepts its form here."""

    def button_action(self, button: Button) -> str | None:
        """The action ``button`` runs (None: not this dialog's to handle)."""
        return self.BUTTON_ACTIONS.get(button.id or "")

    @on(Button.Pressed)
    async def _button_pressed(self, event: Button.Pressed) -> None:
        action = self.button_action(event.button)
        if action is None:
            return
        event.stop()
        await self.run_action(action)

    def action_help(self) -> None:
        """``?`` / F1: this screen's keys, read from its live bindings (the user keymap applied)."""
        from gterm.tui.screens.help import show_key_help  # help is itself a modal: imported when asked

        show_key_help(self)
