import pytest
import sqlalchemy as sa

from eventapp.accounts.models import AuditEntry
from eventapp.backoffice import services
from eventapp.backoffice.queries import AttendeeFilter
from eventapp.core.errors import PermissionDenied
from eventapp.extensions import db
from tests.accounts.factories import make_user
from tests.factories import NOW, make_event

pytestmark = pytest.mark.usefixtures("app_ctx")


def _exports():
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "attendees.exported")).all()


def test_an_attendee_export_is_audited_for_the_events_organiser_only():
    mine, theirs = make_event(), make_event()
    organiser = make_user(events=[mine])
    with pytest.raises(PermissionDenied):
        services.record_attendee_export(organiser, theirs, AttendeeFilter(), rows=3, now=NOW)
    assert _exports() == []
    services.record_attendee_export(organiser, mine, AttendeeFilter(status="confirmed", q=""), rows=2, now=NOW)
    [entry] = _exports()
    assert (entry.event_id, entry.target, entry.created_at) == (mine.id, mine.slug, NOW)
    assert entry.details == {"rows": 2, "filters": {"status": "confirmed"}}
