"""Development mailbox: read the outbox in the browser instead of running an SMTP server.

Only with MAIL_DEV_MAILBOX (development); every route answers 404 otherwise.
"""

import base64

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template

from eventapp.core.emails import RenderedEmail
from eventapp.core.outbox import AttachmentsGone, OutboxMessage, message_attachments, message_content
from eventapp.extensions import db

bp = Blueprint("devmailbox", __name__, url_prefix="/dev/mailbox")

# The email's own HTML, shown on its own URL: inline styles allowed, nothing else.
EMAIL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


@bp.before_request
def only_in_development() -> None:
    if not current_app.config.get("MAIL_DEV_MAILBOX"):
        abort(404)


@bp.get("/")
def index() -> str:
    messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200))
    return render_template("devmailbox/index.html", messages=list(messages))


def _message(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return message


def _attachments(message: OutboxMessage) -> list[dict[str, str]]:
    try:
        return message_attachments(message)
    except AttachmentsGone:
        return []


def _content(message: OutboxMessage) -> RenderedEmail:
    """A message not sent yet may be rendered only when it is (`render_from`): show it as it would be now."""
    try:
        return message_content(message)
    except AttachmentsGone:
        return RenderedEmail(message.subject, message.body_text, message.body_html)


@bp.get("/<int:message_id>")
def message(message_id: int) -> str:
    message = _message(message_id)
    return render_template(
        "devmailbox/message.html", message=message, content=_content(message), attachments=_attachments(message)
    )


@bp.get("/<int:message_id>/html")
def message_html(message_id: int) -> Response:
    html = _content(_message(message_id)).html
    if not html:
        abort(404)
    return Response(html, mimetype="text/html", headers={"Content-Security-Policy": EMAIL_CSP})


@bp.get("/<int:message_id>/attachments/<int:index>")
def attachment(message_id: int, index: int) -> Response:
    items = _attachments(_message(message_id))
    if index >= len(items):
        abort(404)
    item = items[index]
    return Response(
        base64.b64decode(item["data_b64"]),
        mimetype=item["content_type"].split(";")[0],
        headers={"Content-Disposition": f'attachment; filename="{item["filename"]}"'},
    )
