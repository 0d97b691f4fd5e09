"""Locale selection and multilingual content.

Event content is stored in one column per language (`title_fr`, `title_nl`, `title_en`).
`localized()` picks the reader's language and falls back along a fixed chain, telling the
template which language the text really is in so it can mark it with `lang`.
"""

from dataclasses import dataclass
from functools import cache

from babel import Locale
from flask import current_app, request
from markupsafe import Markup, escape

LANGUAGES = ("fr", "nl", "en")
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}
LANG_COOKIE = "lang"
FALLBACK_CHAIN = {"fr": ("fr", "nl", "en"), "nl": ("nl", "fr", "en"), "en": ("en", "fr", "nl")}


# Formatting locales: Brussels readers of English expect 24-hour times and day-month dates.
FORMAT_LOCALES = {"fr": "fr_BE", "nl": "nl_BE", "en": "en_GB"}


def select_language() -> str:
    """Explicit ?lang=, then the switcher's cookie, then Accept-Language, then French."""
    if not request:
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return request.accept_languages.best_match(LANGUAGES) or current_app.config["BABEL_DEFAULT_LOCALE"]


@cache
def _parsed_locale(identifier: str) -> Locale:
    return Locale.parse(identifier)


def select_locale() -> Locale:
    """Flask-Babel's locale selector (gettext falls back from fr_BE to the fr catalog). A parsed
    Locale, one per language and process: Flask-Babel uses it as it is instead of parsing a name
    on every request."""
    return _parsed_locale(FORMAT_LOCALES[select_language()])


def current_language() -> str:
    """ "fr", "nl" or "en" for the current request (use this, not str(get_locale()))."""
    from flask_babel import get_locale

    return str(get_locale().language)


@dataclass(frozen=True)
class LocalizedText:
    text: str
    lang: str
    is_fallback: bool

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        if self.is_fallback:
            return Markup('<span lang="{}">{}</span>').format(self.lang, self.text)
        return str(escape(self.text))


def localized(obj: object, field: str, lang: str) -> LocalizedText:
    """The text of `obj.<field>_<lang>`, or the first non-empty one along the fallback chain."""
    chain = FALLBACK_CHAIN.get(lang, FALLBACK_CHAIN["fr"])
    for code in chain:
        value = getattr(obj, f"{field}_{code}", None)
        if value:
            return LocalizedText(value, code, code != lang)
    return LocalizedText("", lang, False)
