"""The event and session edit and cancel pages: stale forms, session capacity, session
cancellation, moving an event with its programme (review findings)."""

import re
from datetime import timedelta

import sqlalchemy as sa

from eventapp.core.outbox import OutboxMessage
from eventapp.core.time import brussels, utcnow
from eventapp.events.models import Event, Session
from eventapp.extensions import db
from eventapp.participation import services as participation
from eventapp.participation.models import Vote
from tests.accounts.factories import login, make_admin, make_user
from tests.backoffice.factories import make_registration
from tests.factories import NOW, make_event, make_session
from tests.participation.factories import make_activity, make_organiser


def _local(dt):
    return brussels(dt).strftime("%Y-%m-%dT%H:%M")


def _form_values(client, url) -> dict:
    """What the browser would send back unchanged: every input, checked box, textarea and selected option."""
    html = client.get(url).get_data(as_text=True)
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        if name and 'type="checkbox"' not in tag:
            data[name.group(1)] = value.group(1) if value else ""
        elif name and re.search(r"\bchecked\b", tag):  # a checked box sends its value (several: a list)
            data.setdefault(name.group(1), []).append(value.group(1) if value else "y")
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = value.strip()
    for tag, name, options in re.findall(r'(<select[^>]*name="([^"]+)"[^>]*>)(.*?)</select>', html, re.S):
        chosen = [
            re.search(r'value="([^"]*)"', o).group(1) for o in re.findall(r"<option[^>]*>", options) if "selected" in o
        ]
        data[name] = chosen if "multiple" in tag else (chosen[0] if chosen else "")
    return data


def _clients(app, event):
    admin, organiser = make_admin().email, make_user(events=[event]).email
    db.session.commit()
    a, o = app.test_client(), app.test_client()
    login(a, admin)
    login(o, organiser)
    return a, o


def test_saving_a_stale_event_page_does_not_undo_a_colleagues_change(app):
    event = make_event(starts_at=NOW + timedelta(days=300))
    for _ in range(3):
        make_registration(event)
    slug, event_id, start = event.slug, event.id, event.starts_at
    admin, organiser = _clients(app, event)
    url = f"/admin/events/{slug}/edit?lang=en"
    stale = _form_values(organiser, url)  # the organiser opens the page at 08:00
    fresh = _form_values(admin, url)
    moved = start + timedelta(hours=2)
    fresh |= {"starts_at": _local(moved), "ends_at": _local(moved + timedelta(hours=3))}
    assert admin.post(url, data=fresh).status_code == 302

    response = organiser.post(url, data=stale | {"summary_en": "Fixed a typo"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Someone else changed this in the meantime." in html
    assert 'href="#edit_token"' in html and 'id="edit_token"' in html  # the summary links to the notice
    assert "Open the current version" in html and "Fixed a typo" in html  # their text, to copy
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    assert event.starts_at == moved and event.summary_en == "Summary" and event.sequence == 1
    kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert kinds == ["registration.event_changed"] * 3  # one email each, not two

    # Reloaded, the page carries the new times and the fix goes through.
    again = _form_values(organiser, url)
    assert again["starts_at"].replace(" ", "T")[:16] == _local(moved)
    assert organiser.post(url, data=again | {"summary_en": "Fixed a typo"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, event_id).summary_en == "Fixed a typo"


def test_the_stale_page_message_is_translated(app):
    event = make_event(starts_at=NOW + timedelta(days=300))
    slug = event.slug
    admin, _organiser = _clients(app, event)
    data = _form_values(admin, f"/admin/events/{slug}/edit")
    html = admin.post(f"/admin/events/{slug}/edit?lang=nl", data=data | {"edit_token": "0" * 32}).get_data(as_text=True)
    assert "Iemand anders heeft dit intussen gewijzigd." in html


def test_a_stale_session_page_is_refused(app):
    event = make_event(starts_at=NOW + timedelta(days=300))
    session = make_session(event)
    url = f"/admin/events/{event.slug}/sessions/{session.slug}/edit?lang=fr"
    session_id = session.id
    admin, organiser = _clients(app, event)
    stale = _form_values(organiser, url)
    assert admin.post(url, data=_form_values(admin, url) | {"room": "Salle 2"}).status_code == 302
    response = organiser.post(url, data=stale | {"title_en": "Typo fixed"})
    assert response.status_code == 422
    assert "Une autre personne a modifié ceci entre-temps." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Session, session_id).room == "Salle 2"


def test_session_capacity_below_the_people_in_it_is_shown_on_the_field(app):
    event = make_event(starts_at=NOW + timedelta(days=300), capacity=100)
    session = make_session(event)
    for _ in range(12):
        make_registration(event, sessions=[session])
    url = f"/admin/events/{event.slug}/sessions/{session.slug}/edit?lang=en"
    session_id = session.id
    admin, _organiser = _clients(app, event)
    response = admin.post(url, data=_form_values(admin, url) | {"capacity": "10"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'<p class="error" id="capacity-error">12 seats are already taken', html)
    db.session.expire_all()
    assert db.session.get(Session, session_id).capacity is None
    assert admin.post(url, data=_form_values(admin, url) | {"capacity": "12"}).status_code == 302
    db.session.expire_all()
    session = db.session.get(Session, session_id)
    assert (session.capacity, session.seats_taken) == (12, 12)


def test_moving_an_event_away_from_its_sessions_is_explained_on_the_field(app):
    event = make_event(starts_at=NOW + timedelta(days=300), sessions=1)
    title, slug, start = event.sessions[0].title_en, event.slug, event.starts_at
    admin, _organiser = _clients(app, event)
    url = f"/admin/events/{slug}/edit?lang=en"
    data = _form_values(admin, url) | {"starts_at": _local(start + timedelta(hours=2))}  # a later start only
    response = admin.post(url, data=data)
    assert response.status_code == 422
    error = re.search(r'<p class="error" id="starts_at-error">([^<]*)</p>', response.get_data(as_text=True))
    assert error and "1 session would fall outside the event" in error.group(1) and title in error.group(1)
    db.session.expire_all()
    assert db.session.get(Event, event.sessions[0].event_id).starts_at == start


def test_cancelling_a_session_with_answers_is_refused_before_and_after_the_click(app):
    event = make_event(starts_at=NOW + timedelta(days=300), sessions=1)
    session = event.sessions[0]
    with app.test_request_context():
        poll = make_activity(session, make_organiser(event))
        participant = participation.join_as_guest(session, now=NOW)
        participation.answer_poll(participant, poll, option_ids=[poll.options[0].id], now=NOW)
        db.session.commit()  # before the context's teardown removes the session
    url = f"/admin/events/{event.slug}/sessions/{session.slug}/cancel?lang=en"
    session_id = session.id
    admin, _organiser = _clients(app, event)
    html = admin.get(url).get_data(as_text=True)
    assert "Close or hide its activities instead." in html and 'name="confirm"' not in html
    response = admin.post(url, data={"confirm": "y"})
    assert response.status_code == 422 and "Close or hide its activities instead." in response.get_data(as_text=True)
    assert db.session.get(Session, session_id) is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Vote)) == 1


def test_the_session_cancel_page_says_what_cancelling_does(app):
    event = make_event(starts_at=NOW + timedelta(days=300))
    session = make_session(event)
    make_registration(event, sessions=[session])
    make_registration(event, sessions=[session])
    url = f"/admin/events/{event.slug}/sessions/{session.slug}/cancel?lang=en"
    slug = event.slug
    admin, _organiser = _clients(app, event)
    html = admin.get(url).get_data(as_text=True)
    assert "2 people who chose it will receive an email" in html and 'name="confirm"' in html
    assert admin.post(url, data={"confirm": "y"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == 0
    assert slug


def test_a_past_session_cannot_be_cancelled_from_the_page(app):
    event = make_event(starts_at=utcnow() - timedelta(hours=1))  # the views use the real clock
    session = make_session(event)
    url = f"/admin/events/{event.slug}/sessions/{session.slug}/cancel?lang=en"
    admin, _organiser = _clients(app, event)
    html = admin.get(url).get_data(as_text=True)
    assert "This session has started or is over" in html and 'name="confirm"' not in html
    assert admin.post(url, data={"confirm": "y"}).status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == 1


def test_a_text_fix_leaves_times_with_seconds_alone(app):
    # Times made outside the form (demo data, API, imports) may carry seconds the form cannot show.
    event = make_event(starts_at=NOW + timedelta(days=300, seconds=17))
    session = make_session(event, starts_at=event.starts_at, ends_at=event.starts_at + timedelta(minutes=45))
    make_registration(event, sessions=[session])
    slug, session_slug, event_id, start = event.slug, session.slug, event.id, event.starts_at
    admin, _organiser = _clients(app, event)
    url = f"/admin/events/{slug}/edit"
    assert admin.post(url, data=_form_values(admin, url) | {"summary_en": "Typo fixed"}).status_code == 302
    url = f"/admin/events/{slug}/sessions/{session_slug}/edit"
    assert admin.post(url, data=_form_values(admin, url) | {"title_en": "Typo fixed"}).status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event_id)
    assert event.starts_at == start and event.sessions[0].starts_at == start and event.sequence == 0
    assert event.summary_en == event.sessions[0].title_en == "Typo fixed"
    assert db.session.scalars(sa.select(OutboxMessage.kind)).all() == []  # no "changed" email
