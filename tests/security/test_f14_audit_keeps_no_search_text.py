"""Finding 14: erasure does not miss the audit log.

The attack (a privacy one): an organiser exported the attendees found by the search "Erasme"; the
person then erased their data, and the audit log still held {"q": "Erasme"}. The audit keeps no text
typed in a search: only that there was one.
"""

import sqlalchemy as sa

from eventapp.accounts.models import AuditEntry
from eventapp.extensions import db
from eventapp.registration.tokens import manage_token
from tests.accounts.factories import login, make_admin
from tests.backoffice.factories import make_registration
from tests.factories import make_event

KEY = "testing-secret"  # TestingConfig.SECRET_KEY


def test_an_export_search_leaves_no_text_in_the_audit_after_erasure(client):
    event = make_event()
    registration = make_registration(event, name="Erasme Van den Bossche", email="erasme@example.org")
    slug, token, admin = event.slug, manage_token(KEY, registration.secret_seed), make_admin().email
    db.session.commit()
    login(client, admin)
    assert client.post(f"/admin/events/{slug}/attendees/export?q=Erasme").status_code == 200
    assert client.post(f"/manage/{token}/erase", data={"erase-confirm": "y"}).status_code == 303

    details = db.session.scalars(sa.select(AuditEntry.details).where(AuditEntry.action == "attendees.exported")).all()
    assert details == [{"rows": 1, "filters": {"q": True}}]
    everything = " ".join(f"{e.target} {e.details}" for e in db.session.scalars(sa.select(AuditEntry)))
    assert "erasme" not in everything.lower()
    assert "Erasme" not in client.get("/admin/audit").get_data(as_text=True)
