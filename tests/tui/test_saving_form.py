"""SavingForm, the one way a form saves itself (the group form, the collection settings, the pause-rule form):
a problem is said under the fields and nothing is sent; while the save is out the form says so and waits; a
refusal is said under the fields with what was typed kept, and a sign-in's retry sends the same draft again;
accepted, the form closes with what the service saved."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Button, Input, Static

from gterm.globus.errors import GtermError, SessionExpired
from gterm.tui.screens.saving_form import SavingForm
from gterm.tui.worker_errors import Retry
from tests.support.browser_helpers import wait_for


@dataclass(frozen=True)
class Name:
    text: str


class NameForm(SavingForm[Name, str | None]):
    """One field; ``answers`` are what the service does with each save, in turn (an error is raised)."""

    STATUS_ID = "name-status"
    save_context = "Saving the name"

    def __init__(self, answers: list[str | GtermError], gate: threading.Event) -> None:
        super().__init__()
        self.answers = answers
        self.gate = gate
        self.sent: list[Name] = []

    def compose_dialog(self) -> ComposeResult:
        yield Input("first", id="name")
        yield self.status_line()
        yield self.buttons("Save")

    def draft(self) -> Name | str:
        name = self.query_one("#name", Input).value
        return Name(name) if name else "The name is empty."

    def save(self, draft: Name) -> str | None:
        self.gate.wait(10)  # the service answers when the test says so
        self.sent.append(draft)
        answer = self.answers.pop(0)
        if isinstance(answer, GtermError):
            raise answer
        return answer


class SignIns:
    """The app's sign-in (``SignsIn``): what it was asked to retry."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, Retry | None]] = []

    def request(self, error: GtermError, *, retry: Retry | None, context: str, target: Any) -> None:
        self.asked.append((context, retry))


class FormHost(App[None]):
    def __init__(self, make: Callable[[], NameForm]) -> None:
        super().__init__()
        self.make = make
        self.reauth = SignIns()
        self.results: list[object] = []

    def on_mount(self) -> None:
        self.push_screen(self.make(), self.results.append)


async def press_save(pilot: Any, form: NameForm) -> None:
    """Save, clicked (a button takes no second press while it shows the first, 0.2 s)."""
    ok = form.query_one("#ok", Button)
    await wait_for(pilot, lambda: not ok.has_class("-active"), "the Save button, ready")
    await pilot.click(ok)
    await pilot.pause()


def status(form: NameForm) -> str:
    return str(form.query_one("#name-status", Static).render())


async def test_a_form_says_a_problem_waits_for_its_save_and_a_sign_ins_retry_sends_the_same_draft() -> None:
    gate = threading.Event()
    app = FormHost(lambda: NameForm([SessionExpired("Your session has expired."), "saved name"], gate))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NameForm)
        form.query_one("#name", Input).value = ""
        await press_save(pilot, form)
        await pilot.pause()
        assert status(form) == "The name is empty." and not form.saving and form.sent == []

        form.query_one("#name", Input).value = "typed"
        await press_save(pilot, form)
        await pilot.pause()
        assert form.saving and status(form) == "Saving…"
        await pilot.press("escape")  # the save is out: the form waits for its answer
        await pilot.pause()
        assert app.screen is form and app.results == []

        gate.set()
        await wait_for(pilot, lambda: not form.saving, "the refusal")
        assert status(form) == "Not saved: Your session has expired."
        assert form.query_one("#name", Input).value == "typed"
        [(context, retry)] = app.reauth.asked
        assert context == "Saving the name" and retry is not None

        retry()  # signed in again: the same draft is sent again, and accepted
        await wait_for(pilot, lambda: app.results == ["saved name"], "the form closed with what was saved")
        assert form.sent == [Name("typed"), Name("typed")]
