"""Personal data in the back-office's own records: the audit log names no attendee by email, and
the retention job clears what could still point to someone."""

from datetime import timedelta

import sqlalchemy as sa

from eventapp.accounts.models import AuditEntry
from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.maintenance.retention import apply_retention
from tests.accounts.factories import login, make_admin
from tests.backoffice.factories import make_registration
from tests.factories import make_event, make_session


def _entries():
    return db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.target, AuditEntry.details).order_by(AuditEntry.id)
    ).all()


def test_attendee_audit_entries_hold_the_registration_uuid_and_retention_clears_them(client):
    now = utcnow()
    event = make_event(starts_at=now + timedelta(days=2), capacity=1)
    alice = make_registration(event, name="Alice Dupont", email="alice.dupont@example.org")
    admin = make_admin()
    slug, uuid, admin_email = event.slug, str(alice.uuid), admin.email
    db.session.commit()
    login(client, admin_email)

    assert client.post(f"/admin/events/{slug}/attendees/{uuid}/resend").status_code == 302
    new = {"name": "Bob Martin", "email": "bob.martin@example.org", "seats": "1", "language": "fr", "consent": "y"}
    assert client.post(f"/admin/events/{slug}/attendees/new", data=new).status_code == 302
    assert client.post(f"/admin/events/{slug}/attendees/export?q=alice").status_code == 200
    assert client.post(f"/admin/events/{slug}/attendees/{uuid}/cancel", data={"confirm": "y"}).status_code == 302

    entries = _entries()
    assert [a for a, _t, _d in entries if a.startswith("attendee.")] == [
        "attendee.ticket_resent",
        "attendee.registered",
        "attendee.cancelled",
    ]
    assert not any("@" in target for _a, target, _d in entries)
    assert ("attendee.cancelled", uuid) in [(a, t) for a, t, _d in entries]
    # The audit page still says who it was, from the registration.
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Alice Dupont &lt;alice.dupont@example.org&gt;" in html
    assert "Bob Martin &lt;bob.martin@example.org&gt;" in html

    report = apply_retention(now=now + timedelta(days=400), retention_days=90)
    db.session.commit()
    assert report.audit_entries == 3  # three attendee entries (the search kept no text to clear)
    for action, target, details in _entries():
        if action.startswith("attendee."):
            assert target == ""
        if action == "attendees.exported":
            assert details["filters"] == {"q": True} and details["rows"] == 1
    assert "Alice" not in client.get("/admin/audit").get_data(as_text=True)
    # Idempotent.
    assert apply_retention(now=now + timedelta(days=400), retention_days=90).audit_entries == 0


def test_retention_command_clears_older_entries_that_held_emails(app, app_ctx):
    now = utcnow()
    old = make_event(starts_at=now - timedelta(days=200))
    recent = make_event(starts_at=now - timedelta(days=10))
    admin = make_admin()
    for event in (old, recent):
        db.session.add_all(
            [
                AuditEntry(actor_id=admin.id, action="attendee.checked_in", event_id=event.id, target="a@example.org"),
                AuditEntry(
                    actor_id=admin.id,
                    action="attendees.exported",
                    event_id=event.id,
                    target=event.slug,
                    details={"rows": 2, "filters": {"q": True, "status": "confirmed"}},
                ),
                AuditEntry(actor_id=admin.id, action="event.published", event_id=event.id, target=event.slug),
            ]
        )
    db.session.commit()
    old_id, old_slug = old.id, old.slug
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["retention", "apply", "--dry-run"])
    assert "1 audit entries cleared" in dry.output
    result = runner.invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    assert "1 audit entries cleared" in result.output

    rows = db.session.execute(
        sa.select(AuditEntry.event_id, AuditEntry.action, AuditEntry.target, AuditEntry.details).order_by(AuditEntry.id)
    ).all()
    old_rows = [(a, t, d) for e, a, t, d in rows if e == old_id]
    assert old_rows == [
        ("attendee.checked_in", "", None),
        ("attendees.exported", old_slug, {"rows": 2, "filters": {"q": True, "status": "confirmed"}}),
        ("event.published", old_slug, None),
    ]
    recent_rows = [(a, t, d) for e, a, t, d in rows if e != old_id]
    assert recent_rows[0][1] == "a@example.org"
    assert recent_rows[1][2]["filters"]["q"] is True


def _export_setup(client):
    event = make_event(capacity=20)
    wanted = make_session(event)
    for _n in range(3):
        make_registration(event, sessions=[wanted])
    for _n in range(5):
        make_registration(event)
    admin = make_admin()
    slug, session_id, admin_email = event.slug, wanted.id, admin.email
    db.session.commit()
    login(client, admin_email)
    return slug, session_id


def _exports():
    return db.session.scalars(sa.select(AuditEntry.details).where(AuditEntry.action == "attendees.exported")).all()


def test_an_export_with_invalid_filters_is_refused_with_the_errors(client):
    slug, session_id = _export_setup(client)
    for query in ("q=" + "x" * 101, f"session={session_id + 1000}", "status=nonsense"):
        page = client.get(f"/admin/events/{slug}/attendees/export?{query}&lang=fr")
        html = page.get_data(as_text=True)
        assert page.status_code == 400
        assert "Rien n'est exporté tant que les filtres ne sont pas valides" in html
        assert 'class="error-summary"' in html and "Download" not in html
        download = client.post(f"/admin/events/{slug}/attendees/export?{query}")
        assert download.status_code == 400 and download.mimetype == "text/html"
        # The list does not pretend either: no one is shown for a filter it could not apply.
        listing = client.get(f"/admin/events/{slug}/attendees?{query}&lang=nl")
        assert listing.status_code == 400
        assert "Corrigeer de filters om de deelnemers te zien." in listing.get_data(as_text=True)
        assert "Person" not in listing.get_data(as_text=True)
    assert _exports() == []


def test_an_export_records_the_filters_it_applied_and_nothing_else(client):
    slug, session_id = _export_setup(client)
    download = client.post(f"/admin/events/{slug}/attendees/export?session={session_id}&page=3&utm=x&q=+")
    assert download.status_code == 200
    assert download.get_data(as_text=True).count("\n") == 1 + 3
    assert _exports() == [{"rows": 3, "filters": {"session": session_id}}]
