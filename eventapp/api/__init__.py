"""The /api/v1 blueprint. Each domain adds its endpoints in its own api.py module."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from eventapp.events import api as _events_api  # noqa: E402, F401  (registers routes on bp)
