"""Japanese first, English on request: the language of a request and its translator."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from markupsafe import Markup, escape

from subsidy.web.labels import EVENT_LABELS, PLAN_LABELS, ROLE_LABELS, STATUS_LABELS
from subsidy.web.messages import MESSAGES

LANGUAGES = ("ja", "en")
LANG_COOKIE = "subsidy_lang"


def language_of(request: Request) -> str:
    """``?lang=`` on the request, else the language cookie, else Japanese."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return "ja"


@dataclass(frozen=True)
class Translator:
    """Looks labels up in the catalogue for one language."""

    lang: str

    def __call__(self, key: str, **values: object) -> Markup:
        """The message ``key`` in this language, with ``{name}`` placeholders filled.

        The result is markup: the catalogue's text and plain values are escaped, while values
        that are markup already (a ``<time>`` element) are kept as they are.
        """
        text = escape(_pick(MESSAGES.get(key), self.lang, key))
        return text.format(**values) if values else text

    def status(self, value: str | None) -> str:
        """An application's or approval's status."""
        return _pick(STATUS_LABELS.get(value or ""), self.lang, value or "—")

    def role(self, value: str | None) -> str:
        """A role's name."""
        return _pick(ROLE_LABELS.get(value or ""), self.lang, value or "—")

    def event(self, value: str) -> str:
        """An event's name on a timeline."""
        return _pick(EVENT_LABELS.get(value), self.lang, value)

    def plan(self, value: str) -> str:
        """A value of an Action Plan's enumerations (roles, groups, components, modes)."""
        return _pick(PLAN_LABELS.get(value), self.lang, value)

    def kind(self, value: str) -> str:
        """A ledger row's kind."""
        return self(f"kind.{value}") if f"kind.{value}" in MESSAGES else value

    def criterion(self, value: str) -> str:
        """A review rubric criterion."""
        key = f"criterion.{value}"
        return self(key) if key in MESSAGES else value


def _pick(pair: tuple[str, str] | None, lang: str, fallback: str) -> str:
    if pair is None:
        return fallback
    return pair[1] if lang == "en" else pair[0]
