"""Request hooks shared by every blueprint: language switcher, error pages, security headers."""

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, Flask, jsonify, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime, format_time
from werkzeug.exceptions import HTTPException

from eventapp.core.errors import DomainError
from eventapp.core.i18n import LANG_COOKIE, LANGUAGE_NAMES, LANGUAGES, current_language, localized

bp = Blueprint("core", __name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; media-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@bp.get("/lang/<code>")
def switch_language(code: str):
    """The language switcher: remember the choice in a cookie and go back to the same page."""
    target = request.args.get("next", "/")
    # Only local paths, so the switcher cannot be used as an open redirect.
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        target = "/"
    response = redirect(target)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.get("/healthz")
def healthz():
    """Liveness: answers without touching the database."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
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


def register_web_hooks(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def inject_current_language():
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

    @app.template_global()
    def switch_language_url(code: str) -> str:
        here = request.full_path.rstrip("?") if request else "/"
        return url_for("core.switch_language", code=code, next=here)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        if wants_json():
            return jsonify(error={"code": error.code, "message": str(error.message)}), error.status
        return render_template("errors/error.html", status=error.status, message=error.message), error.status

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        if wants_json():
            return jsonify(error={"code": error.name.lower().replace(" ", "_"), "message": error.description}), (
                error.code or 500
            )
        return render_template("errors/error.html", status=error.code, message=None), error.code

    @app.errorhandler(Exception)
    def handle_unexpected_error(error: Exception):
        app.logger.exception("unhandled error")
        if wants_json():
            return jsonify(error={"code": "internal_error", "message": "Internal error"}), 500
        return render_template("errors/error.html", status=500, message=None), 500

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if response.mimetype == "text/html":  # pages differ by language cookie and header
            response.vary.add("Cookie")
            response.vary.add("Accept-Language")
            # A page opened with an explicit ?lang= (a shared link, an email) keeps that language for
            # the next pages, forms included, as if the switcher had been used.
            chosen = request.args.get("lang")
            if chosen in LANGUAGES and request.cookies.get(LANG_COOKIE) != chosen:
                response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        return response
