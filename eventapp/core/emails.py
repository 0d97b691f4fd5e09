"""Render an email in its recipient's language from templates/emails/<domain>/<name>.{txt,html}.

The subject is the first line of the .txt template ("Subject: …"); the rest is the plain-text body.
"""

from dataclasses import dataclass
from typing import Any

from flask import render_template
from flask_babel import force_locale

from eventapp.core.i18n import FORMAT_LOCALES


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str | None


def render_email(name: str, language: str, **context: Any) -> RenderedEmail:
    """`name` is "<domain>/<template>", e.g. "registration/confirmed"."""
    with force_locale(FORMAT_LOCALES.get(language, "fr_BE")):
        text = render_template(f"emails/{name}.txt", lang=language, **context)
        try:
            html = render_template(f"emails/{name}.html", lang=language, **context)
        except LookupError:  # jinja2.TemplateNotFound: plain-text only email
            html = None
    first, _, body = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ValueError(f"emails/{name}.txt must start with a 'Subject:' line")
    return RenderedEmail(first.removeprefix("Subject:").strip(), body.lstrip("\n"), html)
