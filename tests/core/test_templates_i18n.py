"""No user-visible text in a template outside gettext.

Each template is split by Jinja's own lexer; the raw text between tags ("data" tokens) must contain
no words once HTML tags, comments and entities are removed, and the attributes people read
(alt, title, aria-label, placeholder) must not hold literal words either.
"""

import re
from pathlib import Path

import pytest
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p for p in (ROOT / "templates").rglob("*") if p.suffix in {".html", ".txt"})
# Words that are the same in every language and are not sentences: the email subject marker.
ALLOWED_WORDS = {"Subject"}

_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.S)
_ENTITY = re.compile(r"&[a-zA-Z]+;|&#\d+;")
_WORD = re.compile(r"[^\W\d_]{2,}")
_CSS_CLASS = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
_READ_ATTRIBUTE = re.compile(r'\b(alt|title|aria-label|placeholder)="([^"]*)"')


def _visible_words(source: str) -> list[str]:
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)  # only lexed, never rendered
    pieces, in_trans, after_block_begin = [], False, False
    for _, kind, value in env.lex(source):
        if kind == "whitespace":
            continue
        if after_block_begin and kind == "name":
            in_trans = {"trans": True, "pluralize": True, "endtrans": False}.get(value, in_trans)
        after_block_begin = kind == "block_begin"
        # Text inside {% trans %} is translated; a lone kebab-case token is a CSS class
        # ({% block body_class %}scanner-body{% endblock %}), not prose.
        if kind == "data" and not in_trans and not _CSS_CLASS.match(value.strip()):
            pieces.append(value)
    raw = "".join(pieces)
    words = []
    for _, value in _READ_ATTRIBUTE.findall(raw):
        words += _WORD.findall(value)
    text = _ENTITY.sub(" ", _TAG.sub(" ", raw))
    words += _WORD.findall(text)
    return [w for w in words if w not in ALLOWED_WORDS]


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT / "templates")))
def test_template_has_no_text_outside_gettext(path):
    assert _visible_words(path.read_text(encoding="utf-8")) == []


def test_the_check_catches_literal_text():
    assert _visible_words("<p>Hello {{ name }}</p>") == ["Hello"]
    assert _visible_words('<img alt="Logo" src="x">') == ["Logo"]
    assert _visible_words("<p>{{ _('Hello') }} · {{ n }}</p>") == []
    assert _visible_words("<p>{% trans %}Hello {{ n }}{% endtrans %} Bye</p>") == ["Bye"]
    assert _visible_words("{% block c %}scanner-body{% endblock %}{% block d %}Title{% endblock %}") == ["Title"]
