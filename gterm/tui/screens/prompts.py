"""Small modal dialogs: ask for a line of text, or confirm with a list of what is affected.

Both render every piece of server- or user-supplied text literally (``Text``
objects, ``markup=False``), because file names may look like Rich markup.
The text field is a :class:`SafeInput`: a default value holding control
characters is shown escaped, and the parts the user leaves alone map back to
them on submit (see safe_input.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from gterm.globus.models import MAX_BOOKMARK_NAME
from gterm.tui.keymap import CONFIRM_BINDINGS
from gterm.tui.safe_text import has_controls, safe_text
from gterm.tui.screens.modal import GtermModal, ResultT
from gterm.tui.widgets.safe_input import SafeInput, refuse_controls, to_display

# Returns an error message for a bad value, or None when it is acceptable.
Check = Callable[[str], "str | None"]

def name_check(value: str) -> str | None:
    """A single file or directory name: not empty, no ``/``, not ``.`` or ``..``."""
    if not value.strip():
        return "The name is empty."
    if "/" in value:
        return "A name cannot contain '/'."
    if value in (".", ".."):
        return f"'{value}' is not a usable name."
    return None


def not_empty(value: str) -> str | None:
    return None if value.strip() else "Please type something."


def bookmark_name_check(value: str) -> str | None:
    """Transfer's rule, checked before the dialog closes so a refused name is not lost with it."""
    name = value.strip()
    if not name:
        return "The name is empty."
    if len(name) > MAX_BOOKMARK_NAME:
        return f"A bookmark name has at most {MAX_BOOKMARK_NAME} characters ({len(name):,} typed)."
    return None


class Prompt(GtermModal[ResultT]):
    """The small prompts' frame: narrower and padded, the title a line above the question.

    A prompt with a list of affected items (``item_list``) lets that list give
    up rows on a short terminal, so the question and the buttons stay on screen.
    """

    DEFAULT_CSS = """
    Prompt > .modal-frame {
        width: 70;
        max-width: 90%;
        padding: 1 2;
    }
    Prompt .dialog-title {
        margin-bottom: 1;
    }
    """
    FIT = (".dialog-items", 12)
    MAX_ITEMS = 50  # the affected items listed; a count says how many more

    def __init__(self, title: str = "", message: str = "", *, items: Sequence[str] = (),
                 no_result: ResultT | None = None, classes: str | None = None) -> None:
        super().__init__(no_result=no_result, classes=classes)
        self.title_text = title
        self.message = message
        self.items = list(items)

    def compose_question(self) -> ComposeResult:
        """The title, the question and the list of what it affects (all shown literally)."""
        yield self.heading(self.title_text)
        yield Static(safe_text(self.message))
        if self.items:
            yield item_list(self.items, self.MAX_ITEMS)


class InputPrompt(Prompt[str]):
    """Ask for one line of text. Enter accepts (after ``check``), Esc cancels (None)."""

    def __init__(
        self,
        title: str,
        *,
        value: str = "",
        placeholder: str = "",
        check: Check | None = None,
        select_stem: bool = False,
        details: str = "",
        raw_prefixes: Sequence[str] = (),
        items: Sequence[str] = (),
        ok_label: str = "OK",
        cancel_label: str = "Cancel",
        danger: bool = False,
        error: str = "",
    ) -> None:
        """``value`` is the raw default; ``raw_prefixes`` are raw paths whose escaped
        spelling at the start of the answer maps back to them (see ``from_display``).
        ``items`` lists what the answer acts on; the button labels say what each does
        (a "Cancel" button reads wrong on a question about cancelling tasks). ``error``:
        why the answer given before failed (the prompt is back with it)."""
        super().__init__(title, items=items, classes="-danger" if danger else None)
        self.ok_label = ok_label
        self.cancel_label = cancel_label
        self.danger = danger
        self.initial = value
        self.placeholder = placeholder
        self.check = check or not_empty
        self.select_stem = select_stem
        self.details = details
        self.raw_prefixes = tuple(raw_prefixes)
        self.error = error
        self._error_about: str | None = None  # the text the error shown is about (an edit clears it)

    def compose_dialog(self) -> ComposeResult:
        yield self.heading(self.title_text)
        if self.details:
            yield Static(safe_text(self.details))
        if self.items:
            yield item_list(self.items, self.MAX_ITEMS)
        yield SafeInput(
            value=self.initial,
            placeholder=self.placeholder,
            id="prompt-input",
            raw_prefixes=self.raw_prefixes,
            select_on_focus=False,  # on_mount selects the proposal (all of it, or a name's stem)
        )
        if has_controls(self.initial):
            yield Static(
                "Control characters are shown as \\x1b and the like; the name keeps those you leave alone. "
                "What you type is taken literally, and so is an escape you edit.",
                classes="dialog-note",
                markup=False,
            )
        yield Static(safe_text(self.error), classes="dialog-error", id="prompt-error", markup=False)
        yield self.buttons(self.ok_label, cancel=self.cancel_label, danger=self.danger)

    def on_mount(self) -> None:
        box = self.query_one("#prompt-input", SafeInput)
        box.focus()
        shown = to_display(self.initial)
        self._error_about = shown if self.error else None
        # The proposal is selected, so typing replaces it; renaming "report.csv" selects "report"
        # (the extension stays), as file managers do. Back with an error, the text is what the user
        # typed and is to be corrected, not replaced: the cursor goes to its end, nothing selected.
        if self.error:
            box.cursor_position = len(box.value)
        elif self.select_stem and "." in shown.strip(".")[1:]:
            box.select_proposal(shown.rfind("."))
        else:
            box.select_proposal()

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_ok()

    @on(Input.Changed, "#prompt-input")
    def _edited(self, event: Input.Changed) -> None:
        """What the error was about has changed: it no longer stands (a Changed for the same text is no edit)."""
        event.stop()
        if event.value != self._error_about:
            self._error_about = None
            self.query_one("#prompt-error", Static).update("")

    def action_ok(self) -> None:
        value = self.query_one("#prompt-input", SafeInput).raw_value
        problem = refuse_controls(value, self.initial, self.raw_prefixes) or self.check(value)
        if problem:
            # A check's message may quote what was typed or a server's name: escaped like the rest.
            self.query_one("#prompt-error", Static).update(safe_text(problem))
            self._error_about = self.query_one("#prompt-input", SafeInput).value
            return
        self.dismiss(value)


def item_list(items: Sequence[str], most: int) -> VerticalScroll:
    """A dialog's list of affected items, literal, the first ``most`` of them and a count of the rest."""
    shown = items[:most]
    lines = Text("\n").join(safe_text(item) for item in shown)
    if len(items) > len(shown):
        lines.append(f"\n… and {len(items) - len(shown):,} more")
    # Not focusable: Tab goes between the buttons, never to an invisible scroll area
    # (the mouse wheel still scrolls a long list).
    return VerticalScroll(Static(lines, id="prompt-items"), classes="dialog-items", can_focus=False)


class ConfirmPrompt(Prompt[bool]):
    """Yes/no with the list of affected items (shown literally, long lists shortened); Esc and n: no."""

    BINDINGS: ClassVar[list[BindingType]] = [*CONFIRM_BINDINGS]
    BUTTON_ACTIONS: ClassVar[dict[str, str]] = {"yes": "answer(True)", "no": "answer(False)"}

    def __init__(
        self,
        title: str,
        message: str,
        *,
        items: Sequence[str] = (),
        confirm_label: str = "Yes",
        decline_label: str = "Cancel",
        danger: bool = False,
    ) -> None:
        """``decline_label``: the button that answers no ("Keep" where "Cancel" would read as the action)."""
        super().__init__(title, message, items=items, no_result=False, classes="-danger" if danger else None)
        self.confirm_label = confirm_label
        self.decline_label = decline_label
        self.danger = danger

    def compose_dialog(self) -> ComposeResult:
        yield from self.compose_question()
        with Horizontal(classes="dialog-buttons"):
            yield Button(self.decline_label, id="no")
            yield Button(self.confirm_label, variant="error" if self.danger else "primary", id="yes")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class ChoicePrompt(Prompt[str]):
    """One of several answers (a button each, its first letter a key) about a list of items; Esc: None."""

    # Up to five buttons (a download's name conflict) in one row of the 70-column frame: each as wide as
    # its label (a stock Button is at least 16, and the fourth was cut off even at 120 columns).
    DEFAULT_CSS = """
    ChoicePrompt .dialog-buttons > Button {
        min-width: 8;
        margin-left: 1;
    }
    """

    def __init__(
        self,
        title: str,
        message: str,
        choices: Sequence[tuple[str, str]],
        *,
        items: Sequence[str] = (),
        default: str | None = None,
    ):
        super().__init__(title, message, items=items)
        self.choices = list(choices)  # (answer, button label)
        self.default = default  # the answer Enter gives at first (its button has the focus); else the first

    def compose_dialog(self) -> ComposeResult:
        yield from self.compose_question()
        with Horizontal(classes="dialog-buttons"):
            yield Button("Cancel", id="choice-cancel")
            for answer, label in self.choices:
                yield Button(label, id=f"choice-{answer}")

    def on_mount(self) -> None:
        answers = [answer for answer, _label in self.choices]
        first = self.default if self.default in answers else (answers[0] if answers else None)
        if first is not None:
            self.query_one(f"#choice-{first}", Button).focus()

    def on_key(self, event: events.Key) -> None:
        for answer, label in self.choices:
            if event.character and event.character.lower() == label[:1].lower():
                event.stop()
                self.dismiss(answer)
                return

    def button_action(self, button: Button) -> str | None:
        # The ids are made from the answers (``choice-<answer>``), so the mapping is made here too.
        answer = (button.id or "").removeprefix("choice-")
        return "back_out" if answer == "cancel" else f"choose({answer!r})"

    def action_choose(self, answer: str) -> None:
        self.dismiss(answer)
