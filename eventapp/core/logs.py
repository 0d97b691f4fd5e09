"""Structured JSON logs with a request id, for production behind a proxy.

Each request gets an id (the proxy's X-Request-ID when it is a sane token, else a fresh one),
echoed in the response header and attached to every log record of that request.
"""

import logging
import re
import secrets
import sys

from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = getattr(g, "request_id", None)
            record.method = request.method
            # The route pattern, not the path: paths carry manage, ticket and feed tokens, which
            # must never be logged ("/manage/<token>", not the token itself).
            record.path = request.url_rule.rule if request.url_rule else "(no route)"
        return True


def configure_logging(app: Flask) -> None:
    @app.before_request
    def assign_request_id() -> None:
        incoming = request.environ.get("HTTP_X_REQUEST_ID", "")  # the X-Request-ID header
        g.request_id = incoming if _REQUEST_ID.match(incoming) else secrets.token_hex(8)

    @app.after_request
    def echo_request_id(response: Response) -> Response:
        if getattr(g, "request_id", None):
            response.headers["X-Request-ID"] = g.request_id
        return response

    if app.config.get("LOG_FORMAT") != "json":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RequestContextFilter())
    app.logger.handlers = [handler]
    app.logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    app.logger.propagate = False
