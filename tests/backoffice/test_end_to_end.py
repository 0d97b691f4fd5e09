"""From an empty database to a cancelled event, through the pages, with CSRF protection on.

An admin created on the command line logs in, sets up a theme and a venue, creates and publishes an
event in three languages, finds it in the public catalogue, someone registers on the public page,
the admin exports the attendee list, sends a message and cancels the event; every email is in the
outbox and readable in the development mailbox.
"""

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventapp.core.outbox import OutboxMessage
from eventapp.core.time import brussels, utcnow
from eventapp.events.models import Event, EventStatus
from eventapp.extensions import db

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


def submit(client, url: str, data: dict, *, form_url: str | None = None):
    """Open the page holding the form, then post it with the token that page carried."""
    page = client.get(form_url or url)
    assert page.status_code == 200, form_url or url
    return client.post(url, data=data | {"csrf_token": csrf(page.get_data(as_text=True))})


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "MAIL_DEV_MAILBOX", True)


def test_admin_runs_an_event_from_scratch(app, client, runner, csrf_on):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0

    # 1. The first admin, from the command line.
    result = runner.invoke(args=["users", "create-admin", "chef@digital.brussels", "--password", "a long pass phrase"])
    assert result.exit_code == 0, result.output

    # 2. Logging in needs the form's token: a post without it is refused.
    refused = client.post("/admin/login", data={"email": "chef@digital.brussels", "password": "a long pass phrase"})
    assert refused.status_code in (400, 422)
    response = submit(client, "/admin/login", {"email": "chef@digital.brussels", "password": "a long pass phrase"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"

    # 3. A theme and a venue (the database is empty).
    theme = {"slug": "education", "name_fr": "Éducation", "name_nl": "Onderwijs", "name_en": "Education"}
    assert submit(client, "/admin/themes/new", theme).status_code == 302
    venue = {
        "name": "BIP",
        "slug": "bip",
        "street": "Rue Royale 2-4",
        "postcode": "1000",
        "commune_nis": "21004",
        "city_fr": "Bruxelles",
        "city_nl": "Brussel",
        "latitude": "50.8443",
        "longitude": "4.3613",
    }
    assert submit(client, "/admin/venues/new", venue).status_code == 302

    # 4. The event in French, Dutch and English, then published.
    form_page = client.get("/admin/events/new").get_data(as_text=True)
    theme_id = re.search(r'<option value="(\d+)">Éducation</option>', form_page).group(1)
    venue_id = re.search(r'<option value="(\d+)">BIP</option>', form_page).group(1)
    start = brussels(utcnow() + timedelta(days=30)).replace(hour=14, minute=0, second=0, microsecond=0)
    event = {
        "title_fr": "L'école de demain",
        "title_nl": "De school van morgen",
        "title_en": "Tomorrow's school",
        "summary_fr": "Un après-midi d'échanges.",
        "summary_nl": "Een namiddag vol uitwisseling.",
        "summary_en": "An afternoon of exchanges.",
        "description_fr": "Programme complet.",
        "description_nl": "Volledig programma.",
        "description_en": "Full programme.",
        "slug": "school-of-tomorrow",
        "theme_id": theme_id,
        "venue_id": venue_id,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "30",
        "max_seats_per_registration": "4",
    }
    assert submit(client, "/admin/events/new", event).status_code == 302
    published = submit(
        client, "/admin/events/school-of-tomorrow/publish", {}, form_url="/admin/events/school-of-tomorrow"
    )
    assert published.status_code == 302

    # 5. In the public catalogue, in each language.
    for lang, title in (
        ("fr", "L&#39;école de demain"),
        ("nl", "De school van morgen"),
        ("en", "Tomorrow&#39;s school"),
    ):
        assert title in client.get(f"/?lang={lang}").get_data(as_text=True)

    # 6. Someone registers on the public event page (in Dutch).
    registered = submit(
        client,
        "/events/school-of-tomorrow/register",
        {"name": "Lotte Maes", "email": "lotte@example.be", "language": "nl", "seats": "2", "consent": "y"},
        form_url="/events/school-of-tomorrow?lang=nl",
    )
    assert registered.status_code == 303, registered.get_data(as_text=True)[:2000]

    # 7. The attendee list, exported.
    assert "Lotte Maes" in client.get("/admin/events/school-of-tomorrow/attendees").get_data(as_text=True)
    export = submit(client, "/admin/events/school-of-tomorrow/attendees/export", {})
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(export.get_data().decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][0] == "Lotte Maes" and rows[1][1] == "lotte@example.be"

    # 8. A message to everyone with a seat: preview, then send.
    compose = client.get("/admin/events/school-of-tomorrow/messages/new").get_data(as_text=True)
    message = {
        "csrf_token": csrf(compose),
        "message_id": re.search(r'name="message_id" type="hidden" value="([0-9a-f]{32})"', compose).group(1),
        "subject_fr": "Infos pratiques",
        "subject_nl": "Praktische info",
        "subject_en": "Practical information",
        "body_fr": "L'entrée se fait par la rue Royale.",
        "body_nl": "De ingang is in de Koningsstraat.",
        "body_en": "The entrance is on Rue Royale.",
        "confirmed": "y",
    }
    preview = client.post("/admin/events/school-of-tomorrow/messages/new", data=message | {"action": "preview"})
    assert preview.status_code == 200
    sent = client.post("/admin/events/school-of-tomorrow/messages/new", data=message | {"action": "send"})
    assert sent.status_code == 302

    # 9. The event is cancelled (with the confirmation box ticked).
    cancelled = submit(client, "/admin/events/school-of-tomorrow/cancel", {"confirm": "y"})
    assert cancelled.status_code == 302
    assert db.session.scalar(sa.select(Event.status).where(Event.slug == "school-of-tomorrow")) == (
        EventStatus.CANCELLED
    )

    # 10. Lotte's emails, in Dutch, in the outbox and the development mailbox.
    mails = db.session.execute(
        sa.select(OutboxMessage.kind, OutboxMessage.language, OutboxMessage.subject)
        .where(OutboxMessage.recipient == "lotte@example.be")
        .order_by(OutboxMessage.id)
    ).all()
    kinds = [kind for kind, _lang, _subject in mails]
    assert kinds == ["registration.confirmed", "events.message", "registration.event_cancelled"]
    assert {lang for _kind, lang, _subject in mails} == {"nl"}
    assert ("events.message", "nl", "Praktische info") in mails
    mailbox = client.get("/dev/mailbox/").get_data(as_text=True)
    assert "Praktische info" in mailbox and "lotte@example.be" in mailbox

    # 11. And the audit log says who did it.
    audit = client.get("/admin/audit").get_data(as_text=True)
    for action in ("event.created", "event.published", "attendees.exported", "event.message_sent", "event.cancelled"):
        assert action in audit
