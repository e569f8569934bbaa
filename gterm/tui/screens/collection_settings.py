"""``e`` on the details screen: edit a collection's settings (administrators only).

Every field is checked before anything is sent; a bad value is named under
its field and the form stays. Saving shows what will change and asks first;
an error from the service leaves the form exactly as typed.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.widgets import Checkbox, Label, Select, Static

from gterm.globus.collection_settings import (
    VERIFICATION,
    Change,
    CollectionSettings,
    SettingsService,
    Value,
    verification_choice,
)
from gterm.tui.keymap import SETTINGS_BINDINGS
from gterm.tui.safe_text import escape_controls, safe_text
from gterm.tui.screens.prompts import ConfirmPrompt
from gterm.tui.screens.saving_form import SavingForm
from gterm.tui.widgets.checkbox import ClearCheckbox
from gterm.tui.widgets.safe_input import SafeInput
from gterm.tui.widgets.safe_text_area import SafeTextArea
from gterm.wording import plural


class CollectionSettingsForm(SavingForm[list[Change], bool]):
    """The settings form; dismisses True once the service accepted the changes (Esc: False)."""

    BINDINGS: ClassVar[list[BindingType]] = [*SETTINGS_BINDINGS]
    # The fields scroll; on a short terminal (80x24) they give up rows so Save and Cancel stay on screen.
    FIT = ("#settings-fields", 30)
    DEFAULT_CSS = """
    CollectionSettingsForm > .modal-frame { width: 100; }
    CollectionSettingsForm #settings-fields { height: auto; }
    CollectionSettingsForm .settings-label { margin-top: 1; }
    CollectionSettingsForm .dialog-error.-empty { display: none; }
    CollectionSettingsForm .settings-buttons { height: auto; align-horizontal: right; }
    """
    STATUS_ID = "settings-status"
    save_context = "Saving the settings"

    def __init__(self, settings: CollectionSettings, service: SettingsService) -> None:
        super().__init__(no_result=False)
        self.settings = settings
        self.service = service

    def compose_dialog(self) -> ComposeResult:
        via = "its GCS Manager" if self.settings.api == "gcs" else "Globus Transfer"
        yield self.heading(f"Settings of {self.settings.display_name}", id="settings-title")
        yield Static(f"Saved through {via}. Ctrl+S saves (after a summary), Esc cancels.", classes="dialog-note")
        with VerticalScroll(id="settings-fields", can_focus=False):  # its fields take the focus (and scroll it)
            for field in self.settings.fields:
                value = self.settings.values.get(field.name, "")
                if field.kind == "flag":
                    yield ClearCheckbox(field.label, bool(value), id=f"field-{field.name}", compact=True)
                    continue
                if field.kind == "choice":
                    yield Label(field.label, classes="settings-label")
                    yield Select[str]([(words, words) for words in VERIFICATION], value=verification_choice(value),
                                      allow_blank=False, id=f"field-{field.name}", compact=True)
                    yield Static("", id=f"error-{field.name}", classes="dialog-error -empty", markup=False)
                    continue
                yield Label(field.label, classes="settings-label")
                if field.multiline:  # lines and tabs as they are; Tab still moves on
                    yield SafeTextArea(str(value), id=f"field-{field.name}")
                else:
                    yield SafeInput(str(value), id=f"field-{field.name}", select_on_focus=False)
                yield Static("", id=f"error-{field.name}", classes="dialog-error -empty", markup=False)
        yield self.status_line()
        yield self.buttons("Save…", classes="settings-buttons")

    def on_mount(self) -> None:
        self.query_one(f"#field-{self.settings.fields[0].name}").focus()

    def values(self) -> dict[str, Value]:
        """The form as typed (raw text: control characters shown escaped map back)."""
        result: dict[str, Value] = {}
        for field in self.settings.fields:
            widget = self.query_one(f"#field-{field.name}")
            if isinstance(widget, Checkbox):
                result[field.name] = widget.value
            elif isinstance(widget, Select):
                result[field.name] = str(widget.value)
            elif isinstance(widget, SafeInput):
                result[field.name] = widget.raw_value
            elif isinstance(widget, SafeTextArea):
                result[field.name] = widget.raw_text
        return result

    def draft(self) -> list[Change] | str:
        """Save… (or ctrl+s): every field checked (a bad value named under its field), then what changes."""
        values = self.values()
        problems = self.settings.check(values)
        for field in self.settings.fields:
            for error in self.query(f"#error-{field.name}").results(Static):
                message = problems.get(field.name, "")
                error.update(safe_text(f"{field.label}: {message}" if message else ""))
                error.set_class(not message, "-empty")
        if problems:
            first = next(iter(problems))
            self.query_one(f"#field-{first}").focus()
            return f"{plural(len(problems), 'field')} to correct; nothing was sent."
        changes = self.settings.changes(values)
        return changes or "Nothing changed."

    def submit(self, draft: list[Change]) -> None:
        """What will change is shown, and asked about, before anything is sent."""
        self.status("")

        def answered(yes: bool | None) -> None:
            if yes:
                self.send(draft)

        self.app.push_screen(
            ConfirmPrompt(
                f"Save the settings of {self.settings.display_name}?",
                f"{plural(len(draft), 'setting')} will change:",
                items=[change.line() for change in draft],
                confirm_label="Save",
            ),
            answered,
        )

    def save(self, draft: list[Change]) -> bool:
        self.service.save(self.settings, draft)
        return True

    def saved(self, result: bool) -> None:
        self.notify(f"Saved the settings of {escape_controls(self.settings.display_name)}.", title="Settings",
                    timeout=4)
        super().saved(result)
