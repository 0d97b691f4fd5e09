"""The /api/v1 blueprint. Each domain adds its endpoints in its own api.py module."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Each import registers its routes on bp.
from eventapp.api import catalog as _catalog  # noqa: E402, F401
from eventapp.api import openapi as _openapi  # noqa: E402, F401
from eventapp.events import api as _events_api  # noqa: E402, F401
from eventapp.participation import api as _participation_api  # noqa: E402, F401
from eventapp.tickets import api as _tickets_api  # noqa: E402, F401
