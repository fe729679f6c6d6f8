"""Reading posted forms: typed values out, and errors kept next to the field they concern.

A form field is named as the engine names the field in its errors (``amounts.2025``,
``scores.necessity``, ``paid_on``), so an engine refusal lands next to the right control.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from starlette.datastructures import ImmutableMultiDict

from subsidy.domain.errors import InvalidValue, SubsidyError
from subsidy.domain.wareki import parse_date
from subsidy.web.formatting import parse_yen
from subsidy.web.i18n import Translator

MAX_TEXT = 4_000


@dataclass
class FormErrors:
    """Messages per field, and those that concern the whole form."""

    fields: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)

    def add(self, name: str, message: str) -> None:
        """Keep the first message for ``name``."""
        self.fields.setdefault(name, message)

    def refused(self, error: SubsidyError, names: set[str]) -> None:
        """Place an engine refusal next to its field, or above the form if it names none."""
        target = error.field if error.field in names else _parent(error.field, names)
        if target is None:
            self.general.append(error.message)
        else:
            self.add(target, error.message)


def _parent(name: str | None, names: set[str]) -> str | None:
    """``scores`` for ``scores.x`` when only the group is on the form."""
    if name is None:
        return None
    head = name.split(".", 1)[0].split("[", 1)[0]
    return head if head in names else None


@dataclass
class Reader:
    """Reads one posted form into typed values, collecting what is wrong."""

    form: ImmutableMultiDict[str, Any]
    t: Translator
    errors: FormErrors = field(default_factory=FormErrors)

    def text(self, name: str, *, required: bool = False) -> str:
        """The field as text (trimmed)."""
        raw = self.form.get(name)
        value = raw.strip()[:MAX_TEXT] if isinstance(raw, str) else ""
        if required and not value:
            self.errors.add(name, self.t("error.required"))
        return value

    def lines(self, name: str) -> tuple[str, ...]:
        """The non-empty lines of a text area."""
        return tuple(line.strip() for line in self.text(name).splitlines() if line.strip())

    def day(self, name: str, *, required: bool = False) -> date | None:
        """A date written in 和暦 or ISO; empty is ``None`` unless required."""
        value = self.text(name, required=required)
        if not value:
            return None
        try:
            return parse_date(value, field=name)
        except InvalidValue as error:
            self.errors.add(name, error.message)
            return None

    def yen(self, name: str, *, required: bool = True) -> int | None:
        """Whole yen, typed with or without separators and 円."""
        value = self.text(name, required=required)
        if not value:
            return None
        try:
            return parse_yen(value)
        except ValueError:
            self.errors.add(name, self.t("error.whole_yen"))
            return None

    def whole(
        self, name: str, message: str, *, low: int = 0, high: int | None = None
    ) -> int | None:
        """A whole number within ``low``..``high``; ``message`` (a catalogue key) if not."""
        value = self.text(name, required=True)
        if not value:
            return None
        try:
            number = int(value)
        except ValueError:
            self.errors.add(name, self.t(message))
            return None
        if number < low or (high is not None and number > high):
            self.errors.add(name, self.t(message))
            return None
        return number

    def choice(self, name: str, options: tuple[str, ...]) -> str | None:
        """One of ``options``."""
        value = self.text(name)
        if value not in options:
            self.errors.add(name, self.t("error.choose"))
            return None
        return value

    def safe_write(self) -> dict[str, Any]:
        """The version the form was shown at and its idempotency key, for the engine.

        A write on a record that changed since is refused; a form sent twice records once.
        """
        version = self.text("version")
        return {
            "expected_version": int(version) if version.isdigit() else None,
            "idempotency_key": self.text("idempotency_key") or None,
        }

    def run(self, command: Callable[[], object] | None, names: set[str]) -> None:
        """Run the engine command unless the form has errors; keep a refusal by its field."""
        if command is None or self.errors:
            return
        try:
            command()
        except SubsidyError as error:
            self.errors.refused(error, names)

    def values(self) -> dict[str, str]:
        """What was typed, to fill the form again when it is shown with errors."""
        return {k: v for k, v in self.form.items() if isinstance(v, str)}
