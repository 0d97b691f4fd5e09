"""A whole participatory session, through the pages people use, from the idea sent before the event
to the bilingual report and the exports."""

import csv
import io
import json
import re
from datetime import timedelta

from eventapp.accounts.models import User
from eventapp.events.models import Event
from eventapp.extensions import db
from eventapp.participation import queries
from eventapp.participation.models import Activity, Contribution, ExportLog, Vote
from eventapp.registration.models import Audience, Registration
from eventapp.tickets.checkin import check_in
from tests.factories import NOW, make_event
from tests.participation.factories import join, make_organiser, make_registration, ticket_code_of


def _login(client, user_id):
    with client.session_transaction() as s:
        s["_user_id"] = str(user_id)
        s["_fresh"] = True


def test_whole_session(app):
    with app.test_request_context():
        event = make_event(sessions=1, starts_at=NOW + timedelta(days=7))
        session = event.sessions[0]
        organiser_id = make_organiser(event).id
        registration = make_registration(event, commune="21015", audience=Audience.CIVIL_SOCIETY)
        # Enough checked-in people of one commune to show in the report, and one of another to suppress.
        for _ in range(5):
            make_registration(event, checked_in=1, commune="21004")
        db.session.commit()
        slug, s_uuid, reg_id, code = event.slug, session.uuid, registration.id, ticket_code_of(registration)
        event_id = event.id

    organiser = app.test_client()
    organiser.set_cookie("lang", "en")
    _login(organiser, organiser_id)
    manage = f"/participate/{s_uuid}/manage"

    # The organiser prepares an idea board before the event and a live poll for the day, in draft.
    organiser.post(
        f"{manage}/activities",
        data={
            "kind": "ideas",
            "poll_type": "single",
            "access": "registered",
            "moderation": "pre",
            "prompt_fr": "Vos idées pour la culture",
            "prompt_nl": "Uw ideeën voor cultuur",
        },
    )
    organiser.post(
        f"{manage}/activities",
        data={
            "kind": "poll",
            "poll_type": "single",
            "access": "link",
            "moderation": "pre",
            "prompt_fr": "Priorité ?",
            "prompt_nl": "Prioriteit?",
            "options_fr": "Écoles\nMusées",
            "options_nl": "Scholen\nMusea",
            "options_en": "Schools\nMuseums",
        },
    )
    with app.test_request_context():
        board, poll = queries.list_activities(queries.get_session(str(s_uuid)))
        board_id, board_uuid, poll_id, poll_uuid = board.id, board.uuid, poll.id, poll.uuid
        museums = poll.options[1].id
        room_code = queries.get_room(board.session).code
    organiser.post(f"{manage}/a/{board_uuid}/open")

    # Before the event: the registered participant follows "join the session" on the ticket page
    # and sends an idea.
    phone = app.test_client()
    phone.set_cookie("lang", "en")
    ticket_page = phone.get(f"/tickets/{code}").get_data(as_text=True)
    join_link = re.search(r'href="(/participate/[^"]+\?ticket=[^"]+)"', ticket_page).group(1)
    response = phone.get(join_link.replace("&amp;", "&"))
    assert response.status_code == 303 and code not in response.headers["Location"]
    response = phone.post(
        f"/participate/{s_uuid}/a/{board_uuid}/contribute",
        data={f"a{board_id}-body": "Une bibliothèque ouverte le dimanche"},
        follow_redirects=True,
    )
    assert "once a moderator has approved it" in response.get_data(as_text=True)
    with app.test_request_context():
        idea = db.session.scalar(db.select(Contribution).filter_by(activity_id=board_id))
        assert idea.channel == "registered" and idea.status == "pending"
        idea_uuid = idea.uuid
    organiser.post(f"{manage}/c/{idea_uuid}/approve")

    # On the day: checked in at the door (the tickets domain's check-in, as a back-office manual entry).
    with app.test_request_context():
        result = check_in(
            code,
            scanner=None,
            scan_id="whole-session-1",
            key=app.config["SECRET_KEY"],
            now=NOW + timedelta(days=7, minutes=-20),
            event=db.session.get(Event, event_id),
        )
        db.session.commit()
        assert db.session.get(Registration, reg_id).checked_in_people == 1, result

    # The poll opens; the participant votes from the ticket link, a guest through the room code.
    organiser.post(f"{manage}/a/{poll_uuid}/open")
    assert (
        phone.post(f"/participate/{s_uuid}/a/{poll_uuid}/vote", data={f"a{poll_id}-choice": museums}).status_code == 303
    )
    again = phone.post(
        f"/participate/{s_uuid}/a/{poll_uuid}/vote", data={f"a{poll_id}-choice": museums}, follow_redirects=True
    )
    assert "already answered" in again.get_data(as_text=True)

    guest = app.test_client()
    guest.set_cookie("lang", "en")
    joined = guest.post("/join", data={"code": room_code.lower()})
    assert joined.headers["Location"].endswith(f"/participate/{s_uuid}")
    join(guest, s_uuid)  # "Take part" on the session page
    assert (
        guest.post(f"/participate/{s_uuid}/a/{poll_uuid}/vote", data={f"a{poll_id}-choice": museums}).status_code == 303
    )
    hostile = guest.post(f"/participate/{s_uuid}/a/{poll_uuid}/vote", data={f"a{poll_id}-choice": "<script>"})
    assert hostile.status_code == 422

    # The projector shows nothing until the organiser reveals the results.
    organiser.post(f"/participate/{s_uuid}/manage/screen", data={"screen": "poll", "activity": poll_uuid})
    screen = organiser.get(f"/participate/{s_uuid}/projector/live").get_data(as_text=True)
    assert "hidden-note" in screen and "bar-fill" not in screen
    organiser.post(f"{manage}/a/{poll_uuid}/reveal")
    screen = organiser.get(f"/participate/{s_uuid}/projector/live").get_data(as_text=True)
    assert re.findall(r'class="bar-fill" width="(\d+)"', screen) == ["0", "100"]
    assert '<span class="bi" lang="fr">Musées</span><span class="bi" lang="nl">Musea</span>' in screen
    organiser.post(f"{manage}/a/{poll_uuid}/close")

    # Afterwards the organiser answers the idea.
    organiser.post(
        f"{manage}/c/{idea_uuid}/outcome",
        data={
            "outcome": "studied",
            "reason_fr": "À l'étude avec les communes",
            "reason_nl": "Wordt met de gemeenten bestudeerd",
        },
    )

    # The report, in each language, shows both votes with their channels, the idea and its answer.
    report = app.test_client().get(f"/participate/events/{slug}/report?lang=nl").get_data(as_text=True)
    table = report[report.index('<th scope="row">Musea</th>') :]
    cells = re.findall(r"<td>(\d+)</td>", table)[:6]
    assert cells == ["2", "100", "1", "0", "1", "0"]  # total, %, checked in, registered, guest, facilitator
    assert "Aangemeld aan de ingang" in report and "Gast" in report
    assert "Wordt met de gemeenten bestudeerd" in report and "Une bibliothèque ouverte le dimanche" in report
    # The one person from 21015 is hidden, and so is the other commune, which the total would give away.
    assert "&lt;5" not in report and report.count("<td>verborgen</td>") == 4  # two communes, two audiences
    assert "<svg" in report and "<table" in report
    report_en = app.test_client().get(f"/participate/events/{slug}/report?lang=en").get_data(as_text=True)
    assert "Checked in at the door" in report_en and "Being studied" in report_en

    # Exports: public aggregates for anyone; the research one pseudonymised and logged.
    public = list(
        csv.DictReader(
            io.StringIO(app.test_client().get(f"/participate/events/{slug}/export.csv").get_data(as_text=True))
        )
    )
    assert {(r["record"], r["answer"], r["channel"], r["count"]) for r in public if r["record"] == "poll_result"} == {
        ("poll_result", "Musées", "checked_in", "1"),
        ("poll_result", "Musées", "guest", "1"),
    }
    assert all(r["email"] == "" and r["participant"] == "" for r in public)
    research = organiser.get(f"/participate/events/{slug}/export.json?level=research").json["records"]
    votes = [r for r in research if r["record"] == "vote"]
    assert len(votes) == 2 and all(len(r["participant"]) == 64 and r["email"] == "" and r["name"] == "" for r in votes)
    second = organiser.get(f"/participate/events/{slug}/export.json?level=research").json["records"]
    assert {r["participant"] for r in second if r["record"] == "vote"}.isdisjoint({r["participant"] for r in votes})
    restricted = organiser.get(f"/participate/events/{slug}/export.csv?level=restricted").get_data(as_text=True)
    assert "@example.org" in restricted
    assert app.test_client().get(f"/participate/events/{slug}/export.csv?level=restricted").status_code == 403
    with app.test_request_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ExportLog)) == 3
        assert db.session.scalar(db.select(db.func.count()).select_from(Vote)) == 2
        assert db.session.scalar(db.select(db.func.count()).select_from(Activity)) == 2
        assert db.session.get(User, organiser_id) is not None
    assert json.loads(json.dumps(research))  # serialisable as documented
