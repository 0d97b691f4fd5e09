import pytest

from tests.factories import make_event
from tests.participation.factories import make_organiser


@pytest.fixture
def setup(app_ctx):
    """An event with one session and one of its organisers, for the service tests."""
    event = make_event(sessions=1)
    session = event.sessions[0]
    organiser = make_organiser(event)
    return event, session, organiser
