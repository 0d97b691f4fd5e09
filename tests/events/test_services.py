import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eventapp.accounts.models import AuditEntry
from eventapp.core.errors import Conflict, InvalidState, PermissionDenied
from eventapp.core.outbox import OutboxMessage
from eventapp.core.time import BRUSSELS
from eventapp.events import event_changes, places, session_changes
from eventapp.events.models import Event, EventStatus, Session
from eventapp.extensions import db
from eventapp.registration import notices
from eventapp.registration.models import RegistrationStatus
from tests.accounts.factories import make_admin, make_user
from tests.backoffice.factories import make_registration
from tests.factories import NOW, make_event, make_session, make_theme, make_venue

MAILING = notices.Mailing(key="testing-secret", base_url="http://events.test")


def outbox(kind=None):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def event_values(**overrides):
    values = {
        "slug": "smart-schools",
        "title_fr": "Écoles intelligentes",
        "title_nl": "Slimme scholen",
        "title_en": "Smart schools",
        "summary_fr": "Résumé",
        "summary_nl": "Samenvatting",
        "summary_en": "Summary",
        "theme_id": make_theme("education").id,
        "venue_id": make_venue().id,
        "starts_at": NOW + timedelta(days=10),
        "ends_at": NOW + timedelta(days=10, hours=3),
        "capacity": 80,
        "max_seats_per_registration": 4,
    }
    return values | overrides


def test_admin_creates_a_draft_and_publishes_it(app_ctx):
    admin = make_admin()
    event = event_changes.create_event(admin, event_values(), now=NOW)
    assert event.status == EventStatus.DRAFT and event.capacity == 80 and event.sequence == 0
    event_changes.publish_event(admin, event, now=NOW + timedelta(minutes=5))
    assert event.status == EventStatus.PUBLISHED
    assert event.published_at == NOW + timedelta(minutes=5) and event.sequence == 1
    actions = list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["event.created", "event.published"]


def test_organisers_cannot_create_events(app_ctx):
    organiser = make_user(events=[make_event()])
    with pytest.raises(PermissionDenied):
        event_changes.create_event(organiser, event_values(), now=NOW)


def test_slug_must_be_free(app_ctx):
    admin = make_admin()
    make_event(slug="smart-schools")
    with pytest.raises(Conflict) as caught:
        event_changes.create_event(admin, event_values(), now=NOW)
    assert caught.value.field == "slug"


def test_publishing_needs_three_languages(app_ctx):
    admin = make_admin()
    event = event_changes.create_event(admin, event_values(summary_nl=""), now=NOW)
    with pytest.raises(InvalidState) as caught:
        event_changes.publish_event(admin, event, now=NOW)
    assert caught.value.field == "summary_nl" and event.status == EventStatus.DRAFT


def test_time_change_of_published_event_notifies_registrants_in_their_language(app_ctx):
    event = make_event()
    organiser = make_user(events=[event])
    make_registration(event, language="nl", email="an@example.org")
    make_registration(event, status=RegistrationStatus.WAITLISTED, language="en", email="bo@example.org")
    make_registration(event, status=RegistrationStatus.CANCELLED, email="cy@example.org")
    sequence = event.sequence
    later = event.starts_at + timedelta(hours=2)
    changed = event_changes.update_event(
        organiser, event, {"starts_at": later, "ends_at": later + timedelta(hours=3)}, now=NOW, mailing=MAILING
    )
    assert changed == {"starts_at", "ends_at"}
    assert event.sequence == sequence + 1 and event.updated_at == NOW
    messages = outbox("registration.event_changed")
    assert {(m.recipient, m.language) for m in messages} == {("an@example.org", "nl"), ("bo@example.org", "en")}
    dutch = next(m for m in messages if m.language == "nl")
    assert event.title_nl in dutch.subject
    # Its links open the pages in Dutch, whatever the language of the device reading the mail.
    assert f"http://events.test/events/{event.slug}?lang=nl" in dutch.body_text
    assert re.search(r"http://events\.test/manage/[\w-]+\?lang=nl", dutch.body_text)


def test_venue_change_is_a_change_of_place(app_ctx):
    event = make_event()
    make_registration(event)
    admin = make_admin()
    event_changes.update_event(admin, event, {"venue_id": make_venue().id}, now=NOW, mailing=MAILING)
    assert event.sequence == 1 and len(outbox("registration.event_changed")) == 1


def test_text_change_moves_updated_at_but_not_sequence_and_sends_nothing(app_ctx):
    event = make_event()
    make_registration(event)
    event_changes.update_event(
        make_admin(), event, {"title_en": "New title"}, now=NOW + timedelta(days=1), mailing=MAILING
    )
    assert event.sequence == 0 and event.updated_at == NOW + timedelta(days=1)
    assert outbox() == []


def test_draft_changes_send_nothing(app_ctx):
    event = make_event(status=EventStatus.DRAFT)
    later = event.starts_at + timedelta(days=1)
    event_changes.update_event(
        make_admin(), event, {"starts_at": later, "ends_at": later + timedelta(hours=1)}, now=NOW, mailing=MAILING
    )
    assert event.sequence == 0 and outbox() == []


def test_slug_is_frozen_once_published(app_ctx):
    event = make_event()
    with pytest.raises(InvalidState):
        event_changes.update_event(make_admin(), event, {"slug": "other"}, now=NOW, mailing=MAILING)


def test_capacity_cannot_go_below_seats_taken(app_ctx):
    event = make_event(capacity=10)
    make_registration(event, seats=4)
    make_registration(event, seats=3)
    admin = make_admin()
    with pytest.raises(InvalidState) as caught:
        event_changes.set_capacity(admin, event, 6, now=NOW, mailing=MAILING)
    assert caught.value.field == "capacity" and "7" in str(caught.value.message)
    version = event.version
    event_changes.set_capacity(admin, event, 7, now=NOW, mailing=MAILING)
    assert event.capacity == 7 and event.version == version + 1


def test_raising_capacity_promotes_the_waiting_list_in_order(app_ctx):
    event = make_event(capacity=2)
    make_registration(event, seats=2)
    first = make_registration(event, status=RegistrationStatus.WAITLISTED, seats=2)
    second = make_registration(event, status=RegistrationStatus.WAITLISTED, seats=1)
    promoted = event_changes.set_capacity(make_admin(), event, 4, now=NOW, mailing=MAILING)
    assert promoted == [first]
    assert first.status == RegistrationStatus.CONFIRMED and second.status == RegistrationStatus.WAITLISTED
    assert (event.seats_taken, event.seats_waiting) == (4, 1)
    assert [m.recipient for m in outbox("registration.promoted")] == [first.email]


def test_unpublish_only_without_registrations(app_ctx):
    admin = make_admin()
    empty = make_event()
    event_changes.unpublish_event(admin, empty, now=NOW)
    assert empty.status == EventStatus.DRAFT and empty.sequence == 1
    busy = make_event()
    make_registration(busy, status=RegistrationStatus.WAITLISTED)
    with pytest.raises(InvalidState) as caught:
        event_changes.unpublish_event(admin, busy, now=NOW)
    assert caught.value.code == "has_registrations" and busy.status == EventStatus.PUBLISHED


def test_cancel_event_notifies_everyone_once(app_ctx):
    event = make_event()
    make_registration(event, language="fr")
    make_registration(event, status=RegistrationStatus.WAITLISTED, language="nl")
    admin = make_admin()
    assert event_changes.cancel_event(admin, event, now=NOW, mailing=MAILING) == 2
    assert event.status == EventStatus.CANCELLED and event.cancelled_at == NOW and event.sequence == 1
    messages = outbox("registration.event_cancelled")
    assert sorted(m.language for m in messages) == ["fr", "nl"]
    with pytest.raises(InvalidState):
        event_changes.cancel_event(admin, event, now=NOW, mailing=MAILING)
    with pytest.raises(InvalidState):
        event_changes.update_event(admin, event, {"title_en": "x"}, now=NOW, mailing=MAILING)


def test_duplicate_copies_sessions_and_organisers_as_a_draft(app_ctx):
    event = make_event(sessions=2)
    make_registration(event)
    organiser = make_user(events=[event])
    copy = event_changes.duplicate_event(make_admin(), event, now=NOW)
    assert copy.slug == f"{event.slug}-copy" and copy.status == EventStatus.DRAFT
    assert copy.seats_taken == 0 and copy.title_nl == event.title_nl
    assert len(db.session.scalars(sa.select(Session).where(Session.event_id == copy.id)).all()) == 2
    from eventapp.accounts.permissions import can_manage_event

    assert can_manage_event(organiser, copy.id)
    assert event_changes.duplicate_event(make_admin(), event, now=NOW).slug == f"{event.slug}-copy-2"


def test_organiser_of_one_event_cannot_change_another(app_ctx):
    mine, other = make_event(), make_event()
    organiser = make_user(events=[mine])
    session = make_session(other)
    calls = [
        lambda: event_changes.update_event(organiser, other, {"title_en": "x"}, now=NOW, mailing=MAILING),
        lambda: event_changes.set_capacity(organiser, other, 99, now=NOW, mailing=MAILING),
        lambda: event_changes.publish_event(organiser, other, now=NOW),
        lambda: event_changes.unpublish_event(organiser, other, now=NOW),
        lambda: event_changes.cancel_event(organiser, other, now=NOW, mailing=MAILING),
        lambda: event_changes.duplicate_event(organiser, mine, now=NOW),
        lambda: session_changes.create_session(organiser, other, {}, now=NOW),
        lambda: session_changes.update_session(organiser, session, {}, now=NOW, mailing=MAILING),
        lambda: session_changes.cancel_session(organiser, session, now=NOW, mailing=MAILING),
        lambda: notices.message_attendees(
            organiser,
            other,
            message_id="a" * 32,
            subjects={"fr": "x"},
            bodies={"fr": "y"},
            confirmed=True,
            waitlisted=False,
            now=NOW,
            mailing=MAILING,
        ),
        lambda: places.create_venue(organiser, {}, now=NOW),
        lambda: places.create_theme(organiser, {}, now=NOW),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert other.status == EventStatus.PUBLISHED and other.capacity == 50


def _assert_short_times(body: str) -> None:
    """Times as every other email gives them (18:00, an en dash, 21:00), not "18 h 00 min 00 s heure normale…"."""
    assert re.search(r"\b\d{1,2}:\d{2}\u2013\d{1,2}:\d{2}\b", body), body
    assert not re.search(r"\d{1,2}:\d{2}:\d{2}|standaardtijd|zomertijd|Central European|heure", body), body


def test_session_time_change_and_cancel_notify_those_who_chose_it(app_ctx):
    event = make_event()
    chosen, other = make_session(event), make_session(event)
    make_registration(event, sessions=[chosen], email="in@example.org", language="nl")
    make_registration(event, sessions=[other], email="out@example.org")
    admin = make_admin()
    session_changes.update_session(
        admin,
        chosen,
        {"starts_at": chosen.starts_at + timedelta(minutes=30), "ends_at": chosen.ends_at + timedelta(minutes=30)},
        now=NOW,
        mailing=MAILING,
    )
    (changed,) = outbox("events.session_changed")
    assert changed.recipient == "in@example.org"
    # Its links open the pages in the registrant's language, whatever the device reading the mail.
    assert re.search(r"http://events\.test/manage/[\w-]+\?lang=nl\b", changed.body_text)
    _assert_short_times(changed.body_text)
    assert event.sequence == 1
    assert session_changes.cancel_session(admin, chosen, now=NOW, mailing=MAILING) == 1
    assert [m.recipient for m in outbox("events.session_cancelled")] == ["in@example.org"]
    assert [s.id for s in event.sessions] == [other.id]


def test_session_must_fit_in_the_event(app_ctx):
    event = make_event()
    with pytest.raises(InvalidState):
        session_changes.create_session(
            make_admin(),
            event,
            {
                "slug": "early",
                "kind": "plenary",
                "title_fr": "Tôt",
                "starts_at": event.starts_at - timedelta(hours=1),
                "ends_at": event.starts_at,
            },
            now=NOW,
        )


def test_message_goes_to_chosen_audience_in_each_language_with_fallback(app_ctx):
    event = make_event()
    make_registration(event, language="nl", email="nl@example.org")
    make_registration(event, language="en", email="en@example.org")
    make_registration(event, status=RegistrationStatus.WAITLISTED, email="wait@example.org")
    admin = make_admin()
    sent = notices.message_attendees(
        admin,
        event,
        message_id="b" * 32,
        subjects={"fr": "Infos pratiques", "nl": "Praktische info", "en": ""},
        bodies={"fr": "Venez tôt.", "nl": "Kom vroeg.", "en": ""},
        confirmed=True,
        waitlisted=False,
        now=NOW,
        mailing=MAILING,
    )
    assert sent == 2
    by_recipient = {m.recipient: m for m in outbox("events.message")}
    assert set(by_recipient) == {"nl@example.org", "en@example.org"}
    assert by_recipient["nl@example.org"].subject == "Praktische info"
    assert by_recipient["en@example.org"].subject == "Infos pratiques"  # EN empty: falls back to FR
    assert "Kom vroeg." in by_recipient["nl@example.org"].body_text
    for message in by_recipient.values():
        _assert_short_times(message.body_text)
        _assert_short_times(message.body_html)
    with pytest.raises(Conflict):
        notices.message_attendees(
            admin,
            event,
            message_id="b" * 32,
            subjects={"fr": "x"},
            bodies={"fr": "y"},
            confirmed=True,
            waitlisted=False,
            now=NOW,
            mailing=MAILING,
        )
    assert len(outbox("events.message")) == 2


def test_venue_address_change_moves_its_published_events(app_ctx):
    venue = make_venue()
    event = make_event(venue=venue)
    make_registration(event)
    places.update_venue(make_admin(), venue, {"street": "Rue Neuve 1"}, now=NOW, mailing=MAILING)
    assert event.sequence == 1 and event.updated_at == NOW
    assert len(outbox("registration.event_changed")) == 1


def test_theme_rename_moves_updated_at(app_ctx):
    theme = make_theme("culture")
    event = make_event(theme=theme)
    places.update_theme(make_admin(), theme, {"name_en": "Arts"}, now=NOW + timedelta(days=2))
    db.session.refresh(event)
    assert event.updated_at == NOW + timedelta(days=2)
    assert db.session.get(Event, event.id).sequence == 0


def test_a_themes_short_name_is_frozen_once_one_of_its_events_is_public(app_ctx):
    theme = make_theme("mobility")
    admin = make_admin()
    places.update_theme(admin, theme, {"slug": "mobilite"}, now=NOW)  # no public event yet
    make_event(theme=theme)
    with pytest.raises(InvalidState) as refused:
        places.update_theme(admin, theme, {"slug": "mobility"}, now=NOW)
    assert (refused.value.code, refused.value.field) == ("slug_frozen", "slug")
    assert theme.slug == "mobilite"


def test_moving_the_venue_emails_the_new_place(app_ctx):
    old, new = make_venue(name="Bozar"), make_venue(name="Flagey")
    event = make_event(venue=old)
    make_registration(event, email="lea@example.org", language="en")
    db.session.expunge_all()
    # Loaded as the back-office loads it: the venue comes with the event, and again on refresh.
    event = db.session.scalar(sa.select(Event).where(Event.id == event.id).options(selectinload(Event.venue)))
    event_changes.update_event(make_admin(), event, {"venue_id": new.id}, now=NOW, mailing=MAILING)
    (notice,) = outbox("registration.event_changed")
    assert "Flagey" in notice.body_text and "Bozar" not in notice.body_text


def test_moving_a_whole_event_across_the_summer_time_change_keeps_its_clock_times(app_ctx):
    # Saturday 27 March 2027 10:00 to Sunday 18:00, Brussels: the clocks go forward that night.
    saturday = datetime(2027, 3, 27, 10, 0, tzinfo=BRUSSELS)
    sunday_evening = datetime(2027, 3, 28, 18, 0, tzinfo=BRUSSELS)
    event = make_event(starts_at=saturday, ends_at=sunday_evening, registration_closes_at=saturday - timedelta(days=1))
    on_saturday = make_session(event, starts_at=saturday + timedelta(hours=4), ends_at=saturday + timedelta(hours=5))
    on_sunday = make_session(
        event,
        starts_at=datetime(2027, 3, 28, 14, 0, tzinfo=BRUSSELS),
        ends_at=datetime(2027, 3, 28, 15, 0, tzinfo=BRUSSELS),
    )
    next_day = {
        "starts_at": datetime(2027, 3, 28, 10, 0, tzinfo=BRUSSELS),
        "ends_at": datetime(2027, 3, 29, 18, 0, tzinfo=BRUSSELS),
        "registration_closes_at": event.registration_closes_at,  # the form sends it unchanged
    }
    event_changes.update_event(make_admin(), event, next_day, now=NOW, mailing=MAILING)

    def clock(moment):
        return moment.astimezone(BRUSSELS).strftime("%a %H:%M")

    assert [clock(on_saturday.starts_at), clock(on_sunday.starts_at)] == ["Sun 14:00", "Mon 14:00"]
    # The registration window the form left as it was moved with the event.
    assert clock(event.registration_closes_at) == "Sat 10:00"
    assert event.registration_closes_at.astimezone(BRUSSELS).day == 27
