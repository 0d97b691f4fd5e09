"""Security hardening: CSP-clean pages, CSRF on every form, cookie flags, size limits, escaping, 503s."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from eventapp import create_app
from eventapp.registration.tokens import manage_token
from eventapp.tickets.scanners import create_scanner
from tests.factories import NOW, make_event
from tests.tickets.factories import KEY, login, make_registration, make_user

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
CSRF_TEXT = "This form has expired or did not come from this site."


class InlineCodeFinder(HTMLParser):
    """What a strict CSP (script-src 'self'; style-src 'self') would block: inline code and styles."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name.lower(): value for name, value in attrs}
        if (
            tag == "script"
            and not names.get("src")
            and names.get("type") not in ("application/json", "application/ld+json")
        ):
            self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in names.items():
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL on <{tag}>")


def inline_problems(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.problems


def test_the_checker_catches_inline_code():
    bad = '<p style="color:red" onclick="x()">a</p><script>alert(1)</script><style>p{}</style><a href="javascript:x">'
    assert len(inline_problems(bad)) == 5
    assert inline_problems('<script src="/static/a.js" type="module"></script><p class="x">ok</p>') == []


# Static scan of every template, so that pages no test renders are covered too.
# A data block (type="application/json" filled with |tojson, or the schema.org "application/ld+json") is
# not executed and the CSP allows it.
SCRIPT_WITHOUT_SRC = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)


# Emails are not served under the CSP (mail clients need inline styles).
PAGE_TEMPLATES = sorted(
    p.relative_to(TEMPLATES).as_posix()
    for p in TEMPLATES.rglob("*.html")
    if p.relative_to(TEMPLATES).parts[0] != "emails"
)


@pytest.mark.parametrize("template", PAGE_TEMPLATES)
def test_no_template_holds_inline_script_style_or_handler(template):
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    assert not SCRIPT_WITHOUT_SRC.search(text)
    assert not STYLE_ATTRIBUTE.search(text)
    assert not re.search(r"<style[\s>]", text, re.I)
    assert not EVENT_HANDLER.search(text)


@pytest.fixture
def pages(app_ctx):
    """Paths of every kind of page, with the data they need."""
    event = make_event(starts_at=NOW + timedelta(days=3), sessions=2)
    registration, code = make_registration(event)
    user = make_user(admin=True)
    _scanner, pairing = create_scanner(None, event, name="Door A", now=NOW)
    from eventapp.extensions import db

    db.session.commit()
    token = manage_token(KEY, registration.secret_seed)
    # With the status each must give: a broken URL must not pass by showing a CSP-clean 404 page.
    return user, [
        ("/", 200),
        ("/?theme=nothing&date_from=2027-01-01&date_to=2026-01-01", 200),  # bad filters: shown, not refused
        (f"/events/{event.slug}", 200),
        ("/feeds", 200),
        (f"/manage/{token}/feed", 200),
        (f"/tickets/{code}", 200),
        ("/scan", 200),
        (f"/scan/pair/{pairing}", 200),
        (f"/admin/events/{event.slug}/scanners", 200),
        ("/events/no-such-event", 404),  # the error page is served under the same policy
    ]


def test_every_page_is_csp_clean_and_has_security_headers(client, pages):
    user, paths = pages
    login(client, user)
    for path, status in paths:
        for lang in ("fr", "nl", "en"):
            response = client.get(path, headers={"Accept-Language": lang})
            assert response.status_code == status, (path, response.status_code)
            assert response.mimetype == "text/html"
            assert inline_problems(response.get_data(as_text=True)) == [], path
            csp = response.headers["Content-Security-Policy"]
            assert "'unsafe-inline'" not in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
            assert "frame-ancestors 'none'" in csp
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["X-Frame-Options"] == "DENY"


def _dummy_url(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        values[name] = 1 if isinstance(converter, IntegerConverter) else "x"
    return rule.build(values, append_unknown=False)[1]


STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
def csrf_app(app):
    return create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True)


def test_every_state_changing_html_endpoint_requires_a_csrf_token(csrf_app):
    client = csrf_app.test_client()
    client.set_cookie("lang", "en")
    checked = []
    for rule in csrf_app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & STATE_CHANGING):
            url = _dummy_url(rule)
            response = client.open(url, method=method, data={"name": "x"})
            if rule.rule.startswith("/api/"):
                # Bearer-authenticated JSON API: exempt from CSRF (no cookie grants anything there),
                # and refused without a token.
                assert response.status_code in (400, 401, 403), (method, rule.rule, response.status_code)
                assert response.is_json and "csrf" not in response.get_data(as_text=True).lower()
                no_auth = client.open(url, method=method, json={"code": "EA1-X", "scan_id": "abcdefgh12", "scans": []})
                assert no_auth.status_code in (401, 403), (method, rule.rule, no_auth.status_code)
            else:
                assert response.status_code == 400, (method, rule.rule, response.status_code)
                assert CSRF_TEXT in response.get_data(as_text=True), rule.rule
            checked.append((method, rule.rule))
    assert len(checked) >= 5  # the walk found the forms


def test_a_form_with_its_token_is_accepted(csrf_app):
    """The control for the walk above: CSRF refuses only what lacks the token."""
    from eventapp.extensions import db

    with csrf_app.app_context():
        event = make_event()
        user = make_user(admin=True)
        slug = event.slug
        db.session.commit()
        user_id = user.id
    client = csrf_app.test_client()
    with client.session_transaction() as s:
        s["_user_id"] = str(user_id)
        s["_fresh"] = True
    page = client.get(f"/admin/events/{slug}/scanners").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(f"/admin/events/{slug}/scanners", data={"csrf_token": token, "name": "Door Z"})
    assert response.status_code in (200, 302, 303)
    assert CSRF_TEXT not in response.get_data(as_text=True)


def test_production_cookies_are_secure_httponly_and_lax(app):
    prod = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY="p" * 40,
        LOG_FORMAT="text",
    )
    assert prod.config["SESSION_COOKIE_SECURE"] and prod.config["SESSION_COOKIE_HTTPONLY"]
    assert prod.config["SESSION_COOKIE_SAMESITE"] == "Lax" and prod.config["REMEMBER_COOKIE_SECURE"]
    assert prod.config["WTF_CSRF_ENABLED"] is True
    client = prod.test_client()
    cookie = client.get("/lang/nl", headers={"X-Forwarded-Proto": "https"}).headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    secure = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    # Statement parameters (emails, names) never appear in errors or logs.
    with prod.app_context():
        from eventapp.extensions import db

        assert db.engine.hide_parameters
        db.engine.dispose()


def test_too_large_requests_get_a_clean_413(csrf_app):
    client = csrf_app.test_client()
    client.set_cookie("lang", "en")
    big = "x" * (csrf_app.config["MAX_CONTENT_LENGTH"] + 1)
    page = client.post("/scan/pair/x", data={"name": big})
    assert page.status_code == 413 and page.mimetype == "text/html"
    assert "too large" in page.get_data(as_text=True)
    client.set_cookie("lang", "fr")
    french = client.post("/scan/pair/x", data={"name": big})
    assert "trop" in french.get_data(as_text=True)
    api = client.post("/api/v1/checkin", data=big, content_type="application/json")
    assert api.status_code == 413 and api.is_json


# Every place that marks text as safe, with why it cannot carry user input.
ALLOWED_SAFE = {
    "eventapp/core/i18n.py": "wraps an escaped text in <span lang>: Markup.format escapes the content",
    "eventapp/tickets/views.py": "QR code SVGs generated by qrcode from codes/links we built (CODE_RE-matched)",
    "eventapp/accounts/views.py": "the two-factor QR SVG, generated by qrcode from our own otpauth URI",
    "eventapp/backoffice/charts.py": "SVG charts: every label passes through markupsafe.escape, the rest are numbers",
    "eventapp/events/jsonld.py": "the schema.org data block: json.dumps output with <, > and & written as \\u escapes"
    " (script_data), so no text can close the script element",
    "templates/participation/_projector_screen.html": "the room's QR SVG (qrcode, from our own join URL)",
    "eventapp/participation/projector.py": "the screen's text in each language in <span lang>: Markup.format"
    " and markupsafe.escape escape every text, organisers' and participants' alike",
}


def test_nothing_is_rendered_unescaped_without_a_reason():
    found = set()
    for path in [*TEMPLATES.rglob("*.html"), *(ROOT / "eventapp").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        if re.search(r"\|\s*safe\b|Markup\(|autoescape\s+false", text):
            found.add(path.relative_to(ROOT).as_posix())
    assert found <= set(ALLOWED_SAFE), sorted(found - set(ALLOWED_SAFE))
    assert all((ROOT / p).exists() for p in ALLOWED_SAFE)


def test_tokens_are_compared_in_constant_time_or_by_digest_lookup():
    """No secret is compared with == in Python: lookups go through digests, comparisons through hmac."""
    suspicious = re.compile(r"\b(\w*(token|secret)\w*|code)\s*[!=]=\s*(\w*(token|secret)\w*|code)\b", re.I)
    offenders = []
    for path in (ROOT / "eventapp").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # SQL expressions (.where(Model.x == y)) are index lookups, not comparisons in Python.
            if suspicious.search(line) and not re.search(r"\.where\(|filter|status_code|error\.code", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_database_outage_is_a_503_with_retry_after_never_a_500(app):
    broken = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])

    @broken.get("/down")
    def down():
        raise sa.exc.OperationalError("SELECT 1", {"email": "someone@example.org"}, Exception("server closed"))

    @broken.get("/api/v1/down")
    def api_down():
        raise sa.exc.DisconnectionError("gone")

    client = broken.test_client()
    page = client.get("/down", headers={"Accept-Language": "nl"})
    assert page.status_code == 503 and page.headers["Retry-After"] == "5"
    assert "Niets" in page.get_data(as_text=True)  # translated, and says nothing was half-saved
    assert "someone@example.org" not in page.get_data(as_text=True)
    api = client.get("/api/v1/down")
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "service_unavailable"
    assert api.headers["Retry-After"] == "5"
