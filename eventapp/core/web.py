"""Request hooks shared by every blueprint: language switcher, error pages, security headers."""

import ipaddress
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map
from werkzeug.wrappers import Response as BaseResponse

from eventapp.core.errors import DomainError
from eventapp.core.i18n import LANG_COOKIE, LANGUAGE_NAMES, LANGUAGES, current_language, localized

bp = Blueprint("core", __name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; media-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Set on every answer unless the view set its own (a view may tighten them, never drop them).
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
)
# Pages that show personal data or carry a secret in their address (the back-office, manage links,
# confirmation pages, tickets, scanner pairing, the door API): no browser or proxy keeps a copy, so
# nobody reads them back from a shared computer's cache after the person left. The ticket pages'
# offline copy lives in their service worker's own storage, which these headers do not govern.
NO_STORE_PREFIXES = (
    "/admin/",
    "/manage/",
    "/registered/",
    "/tickets/",
    "/scan/",
    "/api/v1/checkin",
    "/api/v1/scanner/",
)
# Of those, the ones whose address is the secret: it must not leak through the Referer of a link either.
NO_REFERRER_PREFIXES = ("/manage/", "/registered/", "/tickets/", "/scan/")
# The database is unreachable or restarting: a transient condition, answered 503 with Retry-After
# (the pool replaces the connections it closed on the next request: core/db.py), never a 500.
DATABASE_UNAVAILABLE = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    sa.exc.DisconnectionError,
    sa.exc.TimeoutError,  # pool exhausted
)
RETRY_AFTER_SECONDS = 5
UNAVAILABLE_MESSAGE = _l("The service is briefly unavailable. Nothing was saved: please try again in a moment.")
CSRF_MESSAGE = _l("This form has expired or did not come from this site. Reload the page and send it again.")
MESSAGES = {
    413: _l("What you sent is too large. Shorten it and try again."),
}
# The JSON API's messages for HTTP errors, in the reader's language (Werkzeug's descriptions are English).
API_MESSAGES = MESSAGES | {
    404: _l("Nothing exists at this address in the API."),
    405: _l("This method is not allowed at this address."),
    429: _l("Please wait a moment and try again."),
}
API_FALLBACK = _l("The request could not be completed.")


def local_path(target: str | None, default: str, *, under: str = "/") -> str:
    """`target` if it is a path of this site starting with `under` (itself a path), else `default`.

    Every `next`-style parameter goes through this, so none can send a visitor to another site.
    Browsers read "//host", "/\\host" and their variants with more slashes, or with a tab or a
    newline in between (which they drop), as the address of another host: none of them is a path here.
    """
    if not target or not target.startswith(under):
        return default
    if target.startswith("//") or "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def client_network() -> str:
    """The network a request comes from, for security records: its /24 (IPv4) or /48 (IPv6), which
    tells an office from another country without pointing at one device. Empty when unknown."""
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return ""
    return str(ipaddress.ip_network(f"{address}/{24 if address.version == 4 else 48}", strict=False))


def set_language_cookie(response: BaseResponse, code: str) -> None:
    """The one place that writes the language cookie, so the switcher and ?lang= set the same flags."""
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )


@bp.get("/lang/<code>")
def switch_language(code: str) -> ResponseReturnValue:
    """The language switcher: remember the choice in a cookie and go back to the same page."""
    response = redirect(local_path(request.args.get("next"), "/"))
    if code in LANGUAGES:
        set_language_cookie(response, code)
    return response


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness: answers without touching the database."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """Readiness: the database answers."""
    from eventapp.extensions import db

    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="up")


def wants_json() -> bool:
    return request.path.startswith("/api/")


# The largest value of an integer column (PostgreSQL's `integer`, which every id is; SQLite's is wider).
MAX_DB_INT = 2**31 - 1


class DatabaseIntConverter(IntegerConverter):
    """`<int:…>` in every route: a number no id column can hold matches nothing (404), instead of
    reaching the database (SQLite raises OverflowError past 64 bits)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_DB_INT,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_DB_INT if max is None else max, signed=signed)


def register_converters(app: Flask) -> None:
    """Before the blueprints: each rule binds its converters when it is added."""
    app.url_map.converters["int"] = DatabaseIntConverter


def show_domain_error(form: Any, error: DomainError) -> bool:
    """Show a service error next to the form field it names (True). False when the form has no such
    field: the caller decides where it goes instead (the error page, a flash, the top of the form)."""
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
        return True
    return False


def with_colon(label: str) -> str:
    """`label:` in the language being rendered: French puts a no-break space before the colon.

    A translated label is Markup in HTML templates and str in plain-text ones; the colon is added
    without changing which (escaping a plain-text label would show "&#39;" in an email).
    """
    locale = get_locale()
    colon = "\u00a0:" if locale is not None and locale.language == "fr" else ":"
    return label + (escape(colon) if isinstance(label, Markup) else colon)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a body nested too deeply to parse is malformed JSON like any other.

    Python's parser raises RecursionError past about a thousand levels (`[[[[…]]]]`), which is no
    ValueError: `get_json()` let it through as a 500 with a traceback. As a ValueError it is a
    400 (or None with `silent=True`), and each endpoint answers it with its message.
    """

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None


def register_web_hooks(app: Flask) -> None:
    from eventapp.core.cookies import SessionInterface

    app.register_blueprint(bp)
    app.session_interface = SessionInterface()
    app.json = JSONProvider(app)

    @app.context_processor
    def inject_current_language() -> dict[str, str]:
        return {"current_lang": current_language()}

    # Globals, not context variables, so that imported macros see them too.
    app.jinja_env.globals.update(
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
        tr=lambda obj, field: localized(obj, field, current_language()),
        format_date=format_date,
        format_time=format_time,
        format_datetime=format_datetime,
    )
    app.jinja_env.filters["colon"] = with_colon

    @app.template_global()
    @pass_context
    def switch_language_url(context: Context, code: str) -> str:
        """Back to this page in another language. A page shown in answer to a form POST (with its
        errors) names its own address in `page_path`: the POST's address would answer 405."""
        if not request:
            here = "/"
        elif request.method in ("GET", "HEAD"):
            here = request.full_path.rstrip("?")
        else:  # a form posted to the page's own address otherwise
            here = context.get("page_path") or request.path
        return url_for("core.switch_language", code=code, next=here)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError) -> ResponseReturnValue:
        if wants_json():
            return jsonify(error={"code": error.code, "message": str(error.message)}), error.status
        return render_template("errors/error.html", status=error.status, message=error.message), error.status

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException) -> ResponseReturnValue:
        code = error.code or 500
        if wants_json():
            message = CSRF_MESSAGE if isinstance(error, CSRFError) else API_MESSAGES.get(code, API_FALLBACK)
            response = jsonify(error={"code": error.name.lower().replace(" ", "_"), "message": str(message)})
            # Werkzeug's own headers beyond the content type (Allow on a 405).
            response.headers.extend((k, v) for k, v in error.get_headers() if k.lower() != "content-type")
            return response, code
        message = CSRF_MESSAGE if isinstance(error, CSRFError) else MESSAGES.get(code)
        return render_template("errors/error.html", status=code, message=message), code

    def handle_database_unavailable(error: Exception) -> Response:
        from eventapp.extensions import db

        # The class only: the message carries the SQL statement and maybe personal data.
        app.logger.warning("database unavailable: %s", type(error).__name__)
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:
            db.session.close()
        if wants_json():
            response = jsonify(error={"code": "service_unavailable", "message": str(UNAVAILABLE_MESSAGE)})
        else:
            response = app.make_response(render_template("errors/error.html", status=503, message=UNAVAILABLE_MESSAGE))
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response

    for error_class in DATABASE_UNAVAILABLE:
        app.register_error_handler(error_class, handle_database_unavailable)

    @app.teardown_appcontext
    def close_session_quietly(exc: BaseException | None) -> None:
        # Runs before Flask-SQLAlchemy's own teardown (teardowns run in reverse order). If the
        # database dropped the connection after the answer was built, rolling back fails: that
        # must not turn a good answer into a 500. The dead connection is already invalidated.
        from eventapp.extensions import db

        try:
            db.session.remove()
        except sa.exc.DBAPIError:
            app.logger.warning("database connection lost at the end of a request")
            db.session.registry.clear()

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error")
        if wants_json():
            return jsonify(error={"code": "internal_error", "message": "Internal error"}), 500
        return render_template("errors/error.html", status=500, message=None), 500

    @app.before_request
    def refuse_nul_bytes() -> None:
        # A NUL byte can be no slug, token or filter value; PostgreSQL refuses it in text (a 500 found
        # by fuzzing the paths on PostgreSQL). Form fields are checked by their forms. A query string
        # can only decode to a NUL from a raw NUL or "%00", so it is checked without parsing it (as
        # strict as checking every decoded name and value, and free for requests without one).
        query = request.query_string
        if "\x00" in request.path or (query and (b"\x00" in query or b"%00" in query)):
            abort(400)

    @app.after_request
    def security_headers(response: Response) -> Response:
        # One pass over the response's headers instead of a setdefault() per header (each of which
        # scans the list and raises a KeyError when the header is missing, the usual case).
        present = {name.lower() for name, _ in response.headers}
        for name, value in SECURITY_HEADERS:
            if name.lower() not in present:
                response.headers.add(name, value)
        if request.path.startswith(NO_STORE_PREFIXES):
            response.headers["Cache-Control"] = "no-store"
            if request.path.startswith(NO_REFERRER_PREFIXES):
                # A secret in the path: never sent to another site, never indexed if a link leaks.
                response.headers["Referrer-Policy"] = "no-referrer"
                response.headers["X-Robots-Tag"] = "noindex, nofollow"
        if request.is_secure and "strict-transport-security" not in present:
            # Behind the proxy, ProxyFix turns X-Forwarded-Proto: https into this.
            response.headers.add("Strict-Transport-Security", "max-age=63072000")
        if response.mimetype == "text/html":  # pages differ by language cookie and header
            response.vary.add("Cookie")
            response.vary.add("Accept-Language")
            # A page opened with an explicit ?lang= (a shared link, an email) keeps that language for
            # the next pages, forms included, as if the switcher had been used.
            chosen = request.args.get("lang") if request.query_string else None
            if chosen in LANGUAGES and request.cookies.get(LANG_COOKIE) != chosen:
                set_language_cookie(response, chosen)
        return response
