"""Finding 5: free tickets are not sock puppets in participation.

The attack: three registrations with addresses nobody confirmed took a published idea offline through
reports, and voted three times in a poll for registered people only. A ticket is a registered voice
once its address is confirmed (the button behind the link of its email) or it went through the door;
until then it counts as a guest, and the results' channels say so.
"""

import sqlalchemy as sa

from eventapp.core.errors import PermissionDenied
from eventapp.events.models import Event
from eventapp.extensions import db
from eventapp.participation import queries, services
from eventapp.participation.models import Access, ActivityKind, Channel, ContributionStatus, Moderation
from eventapp.registration.models import Registration
from tests.factories import NOW, make_event
from tests.participation.factories import make_activity, make_organiser


def _free_tickets(client, slug: str, n: int) -> list[int]:
    """Registrations made through the public form, as anyone can, with addresses nobody confirmed."""
    for i in range(n):
        form = {"name": f"Puppet {i}", "email": f"puppet{i}@evil.example", "seats": "1", "language": "fr"}
        form["consent"] = "y"
        assert client.post(f"/events/{slug}/register", data=form).status_code == 303
    return list(db.session.scalars(sa.select(Registration.id).where(Registration.email.like("puppet%"))))


def test_unconfirmed_tickets_cannot_take_an_idea_offline_or_stuff_a_registered_poll(client, app):
    event = make_event(sessions=1)
    slug, event_id = event.slug, event.id
    db.session.commit()
    ids = _free_tickets(client, slug, 3)

    with app.test_request_context():
        event = db.session.get(Event, event_id)
        session = event.sessions[0]
        organiser = make_organiser(event)
        board = make_activity(session, organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
        poll = make_activity(session, organiser, access=Access.REGISTERED)
        author = services.join_as_guest(session, now=NOW)
        idea = services.submit_contribution(author, board, "Plus de bancs au parc", now=NOW)
        puppets = [services.join_with_ticket(session, db.session.get(Registration, i), now=NOW) for i in ids]
        for puppet in puppets:
            services.report_contribution(puppet, idea, now=NOW)
        db.session.refresh(idea)
        assert idea.status == ContributionStatus.PUBLISHED  # one guest voice, not three
        votes = 0
        for puppet in puppets:
            try:
                services.answer_poll(puppet, poll, option_ids=[poll.options[0].id], now=NOW)
                votes += 1
            except PermissionDenied as refusal:
                assert refusal.code == "address_unconfirmed"
        assert votes == 0
        assert queries.poll_results(poll).total == 0
        # What they say where anyone may speak is counted as a guest's, in the results by channel.
        assert services.channel_of(puppets[0]) == Channel.GUEST


def test_a_confirmed_address_is_a_registered_voice(client, app):
    event = make_event(sessions=1)
    slug, event_id = event.slug, event.id
    db.session.commit()
    [registration_id] = _free_tickets(client, slug, 1)
    with app.test_request_context():
        event = db.session.get(Event, event_id)
        session = event.sessions[0]
        poll = make_activity(session, make_organiser(event), access=Access.REGISTERED)
        registration = db.session.get(Registration, registration_id)
        registration.email_confirmed_at = NOW
        participant = services.join_with_ticket(session, registration, now=NOW)
        assert services.channel_of(participant) == Channel.REGISTERED
        vote = services.answer_poll(participant, poll, option_ids=[poll.options[0].id], now=NOW)
        assert vote.channel == Channel.REGISTERED
