from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventapp.core.errors import InvalidState, NotFound
from eventapp.core.locks import lock_event
from eventapp.core.outbox import AttachmentsGone, OutboxMessage, OutboxStatus, message_attachments, message_content
from eventapp.events.models import Event, EventStatus, Session
from eventapp.extensions import db
from eventapp.registration import notices, services
from eventapp.registration.models import Registration, RegistrationStatus
from eventapp.registration.queries import (
    get_registration_by_manage_token,
    waitlist_position,
)
from eventapp.registration.tokens import manage_token
from tests.factories import NOW, make_event, make_session
from tests.registration.factories import KEY, registration_data, sign_up

pytestmark = pytest.mark.usefixtures("app_ctx")


def _messages(registration=None, kind=None):
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if registration is not None:
        query = query.where(OutboxMessage.registration_id == registration.id)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


def _assert_counters(event):
    db.session.refresh(event)
    # Recomputed from the registrations, independently of the counters the services move.
    counts = dict(
        db.session.execute(
            sa.select(Registration.status, sa.func.sum(Registration.seats))
            .where(Registration.event_id == event.id)
            .group_by(Registration.status)
        ).all()
    )
    assert event.seats_taken == counts.get(RegistrationStatus.CONFIRMED, 0)
    assert event.seats_waiting == counts.get(RegistrationStatus.WAITLISTED, 0)
    assert event.seats_taken <= event.capacity


def test_register_confirms_a_seat_and_writes_the_ticket_email():
    event = make_event(capacity=10)
    outcome = sign_up(event, seats=3, language="nl", email="  Anna@Example.org ", name="  Anna   Peeters ")
    registration = outcome.registration
    assert outcome.status == RegistrationStatus.CONFIRMED and not outcome.existing
    assert outcome.waitlist_position is None
    assert registration.email == "anna@example.org" and registration.name == "Anna Peeters"
    assert registration.consent_version == "2026-11" and registration.consent_at == NOW
    assert event.seats_taken == 3
    [message] = _messages(registration)
    assert message.kind == "registration.confirmed" and message.language == "nl"
    assert message.recipient == "anna@example.org"
    # Rendered when sent, not in the request that holds the event lock: the text and the attachments.
    assert (message.subject, message.body_text, message.render_from) == ("", "", "registration.email")
    content = message_content(message)
    assert content.subject.startswith("Uw ticket")
    assert "/tickets/EA1-" in content.text and "/manage/" in content.text
    assert content.html and "<html" in content.html
    assert message.attachments is None and message.attachments_from == "registration.ticket"
    assert [a["filename"] for a in message_attachments(message)] == ["ticket.png", "event.ics"]
    _assert_counters(event)


def test_the_ticket_email_writes_its_labels_the_french_way():
    event = make_event(capacity=10)
    [message] = _messages(sign_up(event, seats=3, language="fr").registration)
    # A no-break space before the colon; a plain-text email shows the apostrophe as is.
    text = message_content(message).text
    assert "Places\u00a0: 3" in text and "Page de l'événement\u00a0: http" in text


def test_manage_token_finds_the_registration():
    registration = sign_up(make_event()).registration
    token = manage_token(KEY, registration.secret_seed)
    assert get_registration_by_manage_token(token) is registration


def test_full_event_puts_people_on_the_waiting_list_in_order():
    event = make_event(capacity=2)
    sign_up(event, seats=2)
    first = sign_up(event, seats=1)
    second = sign_up(event, seats=2, now=NOW + timedelta(minutes=1))
    assert first.status == second.status == RegistrationStatus.WAITLISTED
    assert (first.waitlist_position, second.waitlist_position) == (1, 2)
    assert event.seats_taken == 2 and event.seats_waiting == 3
    [message] = _messages(second.registration)
    assert message.kind == "registration.waitlisted" and "position 2" in message_content(message).text
    assert message.attachments is None and message_attachments(message) == []
    _assert_counters(event)


def test_same_email_resends_the_existing_ticket_at_most_every_ten_minutes():
    event = make_event()
    first = sign_up(event, email="same@example.org")
    again = sign_up(event, email="SAME@example.org", name="Someone else")
    assert again.existing and again.registration is first.registration and again.resent
    assert first.registration.name != "Someone else"
    flood = sign_up(event, email="same@example.org", now=NOW + timedelta(minutes=1))
    assert flood.existing and not flood.resent
    later = sign_up(event, email="same@example.org", now=NOW + timedelta(minutes=11))
    assert later.resent
    kinds = [m.kind for m in _messages(first.registration)]
    assert kinds == ["registration.confirmed", "registration.resent", "registration.resent"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
    assert event.seats_taken == 1


def test_cancel_frees_the_seat_and_promotes_the_next_with_an_email():
    event = make_event(capacity=1)
    holder = sign_up(event).registration
    waiting = sign_up(event).registration
    promoted = services.cancel(holder, key=KEY, now=NOW)
    assert promoted == [waiting]
    assert holder.status == RegistrationStatus.CANCELLED and holder.cancelled_at == NOW
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert [m.kind for m in _messages(holder)][-1] == "registration.cancelled"
    [_, promotion] = _messages(waiting)
    assert promotion.kind == "registration.promoted" and len(message_attachments(promotion)) == 2
    _assert_counters(event)
    with pytest.raises(InvalidState) as error:
        services.cancel(holder, key=KEY, now=NOW)
    assert error.value.code == "already_cancelled"


def test_waiting_list_fairness_for_groups():
    """In order while the head fits; a later, smaller registration may use seats the head cannot."""
    event = make_event(capacity=4)
    a = sign_up(event, seats=2).registration
    b = sign_up(event, seats=2).registration
    w1 = sign_up(event, seats=3, now=NOW + timedelta(minutes=1)).registration
    w2 = sign_up(event, seats=1, now=NOW + timedelta(minutes=2)).registration
    w3 = sign_up(event, seats=2, now=NOW + timedelta(minutes=3)).registration
    assert services.cancel(b, key=KEY, now=NOW) == [w2]  # w1 needs 3, only 2 free
    assert waitlist_position(w1) == 1 and waitlist_position(w3) == 2
    assert event.seats_left == 1
    assert services.cancel(a, key=KEY, now=NOW) == [w1]  # 3 free: the head goes first
    assert w3.status == RegistrationStatus.WAITLISTED and waitlist_position(w3) == 1
    _assert_counters(event)


def test_capacity_increase_promotes_with_promote_waitlist():
    event = make_event(capacity=1)
    sign_up(event)
    waiting = [sign_up(event, now=NOW + timedelta(minutes=i)).registration for i in range(3)]
    event.capacity = 3
    db.session.flush()
    assert services.promote_waitlist(event, key=KEY, now=NOW) == waiting[:2]
    assert waitlist_position(waiting[2]) == 1
    _assert_counters(event)


@pytest.mark.parametrize(
    ("values", "data", "code"),
    [
        ({"status": EventStatus.CANCELLED}, {}, "event_cancelled"),
        ({"status": EventStatus.DRAFT}, {}, "registration_closed"),
        ({"registration_opens_at": NOW + timedelta(days=1)}, {}, "registration_not_open"),
        ({"registration_closes_at": NOW - timedelta(minutes=1)}, {}, "registration_closed"),
        ({"starts_at": NOW - timedelta(minutes=30)}, {}, "registration_closed"),
        ({}, {"seats": 5}, "too_many_seats"),
        ({}, {"seats": 0}, "too_many_seats"),
        ({}, {"consent": False}, "consent_required"),
        ({}, {"commune": "99999"}, "invalid_commune"),
    ],
)
def test_register_refuses_with_a_clear_error_and_writes_nothing(values, data, code):
    event = make_event(**values)
    with pytest.raises(InvalidState) as error:
        services.register(event, registration_data(**data), key=KEY, now=NOW, privacy_version="2026-11")
    assert error.value.code == code
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    assert _messages() == []


def test_sessions_with_their_own_capacity_are_never_overbooked():
    event = make_event(capacity=10)
    workshop = make_session(event, capacity=2)
    other = make_session(event, capacity=5, starts_at=workshop.ends_at, ends_at=workshop.ends_at + timedelta(hours=1))
    first = sign_up(event, seats=2, session_ids=[workshop.id, other.id]).registration
    assert [c.holds_seat for c in first.session_choices] == [True, True]
    assert workshop.seats_taken == 2 and other.seats_taken == 2
    with pytest.raises(InvalidState) as error:
        sign_up(event, session_ids=[workshop.id])
    assert error.value.code == "session_full" and error.value.field == "sessions"


def test_overlapping_or_foreign_sessions_are_refused():
    event = make_event()
    a = make_session(event, capacity=5)
    b = make_session(event, capacity=5)
    foreign = make_session(make_event(), capacity=5)
    with pytest.raises(InvalidState) as error:
        sign_up(event, session_ids=[a.id, b.id])
    assert error.value.code == "sessions_overlap"
    with pytest.raises(InvalidState) as error:
        sign_up(event, session_ids=[foreign.id])
    assert error.value.code == "invalid_session"


def test_waitlisted_choices_take_session_seats_on_promotion_or_are_dropped():
    event = make_event(capacity=1)
    workshop = make_session(event, capacity=1)
    holder = sign_up(event).registration
    waiting = sign_up(event, session_ids=[workshop.id]).registration
    assert waiting.session_choices[0].holds_seat is False and workshop.seats_taken == 0
    services.cancel(holder, key=KEY, now=NOW)
    assert waiting.session_choices[0].holds_seat is True and workshop.seats_taken == 1


def test_reduce_seats_frees_seats_for_the_waiting_list():
    event = make_event(capacity=4)
    group = sign_up(event, seats=4).registration
    waiting = sign_up(event, seats=1).registration
    promoted = services.reduce_seats(group, 3, key=KEY, now=NOW)
    assert promoted == [waiting] and group.seats == 3
    with pytest.raises(InvalidState):
        services.reduce_seats(group, 3, key=KEY, now=NOW)
    assert "registration.updated" in [m.kind for m in _messages(group)]
    _assert_counters(event)


def test_change_sessions_moves_session_seats_all_or_nothing():
    event = make_event(capacity=10)
    a = make_session(event, capacity=1)
    b = make_session(event, capacity=1, starts_at=a.ends_at, ends_at=a.ends_at + timedelta(hours=1))
    c = make_session(event, capacity=1, starts_at=a.ends_at, ends_at=a.ends_at + timedelta(hours=1))
    registration = sign_up(event, session_ids=[a.id]).registration
    sign_up(event, session_ids=[c.id])  # c is now full
    services.change_sessions(registration, [b.id], key=KEY, now=NOW)
    assert [s.id for s in registration.sessions] == [b.id]
    assert (a.seats_taken, b.seats_taken) == (0, 1)
    with pytest.raises(InvalidState):
        services.change_sessions(registration, [a.id, c.id], key=KEY, now=NOW)
    assert [s.id for s in registration.sessions] == [b.id]
    for session in (a, b, c):
        db.session.refresh(session)
    assert (a.seats_taken, b.seats_taken, c.seats_taken) == (0, 1, 1)


def test_changes_refused_after_the_event_started():
    event = make_event(capacity=5, max_seats_per_registration=4)
    registration = sign_up(event, seats=2).registration
    with pytest.raises(InvalidState) as error:
        services.reduce_seats(registration, 1, key=KEY, now=event.starts_at)
    assert error.value.code == "event_started"


def test_erase_anonymises_scrubs_outbox_and_kills_links():
    event = make_event(capacity=1)
    registration = sign_up(event, accessibility_needs="wheelchair", audience="resident", commune="21004").registration
    waiting = sign_up(event).registration
    token = manage_token(KEY, registration.secret_seed)
    services.erase(registration, now=NOW, key=KEY)
    assert (registration.name, registration.email, registration.accessibility_needs) == ("", "", "")
    assert registration.audience == "resident" and registration.commune == "21004"
    assert registration.status == RegistrationStatus.CANCELLED and registration.anonymised_at == NOW
    assert waiting.status == RegistrationStatus.CONFIRMED
    with pytest.raises(NotFound):
        get_registration_by_manage_token(token)
    [message] = _messages(registration)
    assert (message.recipient, message.body_text, message.attachments, message.attachments_from) == ("", "", None, None)
    assert message.status == OutboxStatus.FAILED and message_attachments(message) == []
    services.erase(registration, now=NOW, key=KEY)  # idempotent
    _assert_counters(event)


def test_ticket_attachments_of_an_erased_registration_are_gone():
    """A message still holding its renderer (e.g. claimed by the worker before the erasure
    committed) renders nothing of the erased registration: the worker gives it up instead."""
    registration = sign_up(make_event()).registration
    [message] = _messages(registration)
    services._anonymise(registration, NOW)  # what erasure and retention do to the registration…
    db.session.refresh(message)
    message.attachments_from = "registration.ticket"  # …with the outbox row read before it
    with pytest.raises(AttachmentsGone):
        message_attachments(message)
    message.registration_id = None  # the registration row deleted (ON DELETE SET NULL)
    with pytest.raises(AttachmentsGone):
        message_attachments(message)


def test_export_personal_data_holds_everything_about_the_person():
    event = make_event()
    registration = sign_up(event, name="Jan", email="jan@example.org", accessibility_needs="sign language").registration
    data = services.export_personal_data(registration)
    assert data["registration"]["name"] == "Jan" and data["registration"]["email"] == "jan@example.org"
    assert data["registration"]["accessibility_needs"] == "sign language"
    assert data["registration"]["consent"]["privacy_notice_version"] == "2026-11"
    assert data["event"]["id"] == str(event.uuid)
    assert [e["kind"] for e in data["emails"]] == ["registration.confirmed"]


def test_reminders_for_tomorrow_are_written_once():
    event = make_event(starts_at=NOW + timedelta(days=1))
    later = make_event(starts_at=NOW + timedelta(days=5))
    registration = sign_up(event).registration
    sign_up(later)
    waiting_event = make_event(starts_at=NOW + timedelta(days=1), capacity=0)
    sign_up(waiting_event)
    assert services.send_reminders(key=KEY, now=NOW) == 1
    assert services.send_reminders(key=KEY, now=NOW + timedelta(hours=2)) == 0
    [reminder] = _messages(kind="registration.reminder")
    assert reminder.registration_id == registration.id


def test_notify_registrants_once_per_event_version():
    event = make_event(capacity=1)
    sign_up(event)
    sign_up(event)
    assert notices.notify_registrants(event, "changed", now=NOW, key=KEY) == 2
    assert notices.notify_registrants(event, "changed", now=NOW, key=KEY) == 0
    event.sequence += 1
    assert notices.notify_registrants(event, "cancelled", now=NOW, key=KEY) == 2


def test_the_lock_reloads_what_another_transaction_committed():
    event = make_event(capacity=2)
    version = event.version
    # As if another request had changed the row after this one loaded the event.
    db.session.execute(sa.text("UPDATE events SET capacity = 5, seats_waiting = 1 WHERE id = :id"), {"id": event.id})
    assert event.capacity == 2  # the loaded instance does not know yet
    assert lock_event(event) == version + 1
    assert (event.capacity, event.seats_waiting, event.version) == (5, 1, version + 1)
    assert [s.id for s in event.sessions] == []  # relations load again on use
    gone = make_event()
    db.session.execute(sa.text("DELETE FROM events WHERE id = :id"), {"id": gone.id})
    with pytest.raises(NotFound):
        lock_event(gone)


def test_lock_event_bumps_the_version_and_the_database_refuses_overbooking():
    event = make_event(capacity=2)
    before = event.version
    assert lock_event(event) == before + 1 == event.version
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(Event).where(Event.id == event.id).values(seats_taken=3))
    session = make_session(event, capacity=1)
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(Session).where(Session.id == session.id).values(seats_taken=2))


def test_register_refuses_an_address_that_cannot_be_sent_to(app_ctx):
    # Whoever calls (a future API, a script): the form is not the only guard.
    event = make_event()
    with pytest.raises(InvalidState) as error:
        sign_up(event, email="françois@example.be")
    assert error.value.code == "undeliverable_email" and error.value.field == "email"


def _admit(registration, people, *, now):
    """Let `people` of the registration in, through the door's own service (manual check-in)."""
    from eventapp.tickets.checkin import check_in
    from eventapp.tickets.codes import ticket_code

    result = check_in(
        ticket_code(KEY, registration.secret_seed),
        scanner=None,
        people=people,
        scan_id=f"test-admit-{registration.id}-{people}",
        key=KEY,
        now=now,
        event=registration.event,
        gate="A",
    )
    assert result.ok and registration.checked_in_people == people


def test_once_people_are_let_in_the_registration_keeps_their_seats():
    # Scanning is open all day on the event day; the manage link until the start time.
    event = make_event(capacity=4, starts_at=NOW + timedelta(hours=1))
    group = sign_up(event, seats=4, now=NOW - timedelta(days=1)).registration
    waiting = sign_up(event, seats=2, now=NOW - timedelta(days=1)).registration
    _admit(group, 3, now=NOW)
    with pytest.raises(InvalidState) as error:
        services.reduce_seats(group, 2, key=KEY, now=NOW)
    assert (error.value.code, error.value.field) == ("already_admitted", "seats")
    assert "3 personnes de cette inscription sont déjà entrées : gardez au moins 3 places." in str(error.value.message)
    for actor in (None, "organiser"):
        with pytest.raises(InvalidState) as error:
            services.cancel(group, key=KEY, now=NOW, actor=actor)
        assert error.value.code == "already_admitted"
    assert services.reduce_seats(group, 3, key=KEY, now=NOW) == []  # the fourth seat may still go
    assert (group.status, group.seats, waiting.status) == (
        RegistrationStatus.CONFIRMED,
        3,
        RegistrationStatus.WAITLISTED,
    )
    _assert_counters(event)


def test_erasing_an_admitted_registration_removes_the_data_but_not_the_seats():
    event = make_event(capacity=2, starts_at=NOW + timedelta(hours=1))
    group = sign_up(event, seats=2, now=NOW - timedelta(days=1)).registration
    waiting = sign_up(event, now=NOW - timedelta(days=1)).registration
    _admit(group, 1, now=NOW)
    services.erase(group, now=NOW, key=KEY)
    assert (group.name, group.email, group.anonymised_at) == ("", "", NOW)
    assert group.status == RegistrationStatus.CONFIRMED and waiting.status == RegistrationStatus.WAITLISTED
    _assert_counters(event)


def test_erasing_after_the_event_started_keeps_the_registration_for_the_figures():
    # On the second day of an event, a ticket whose admission of the day was undone counts zero
    # although it came the day before: erasure must not turn it into a cancellation.
    event = make_event(capacity=2, starts_at=NOW - timedelta(hours=1))
    absent = sign_up(event, now=NOW - timedelta(days=2)).registration
    services.erase(absent, now=NOW, key=KEY)
    assert (absent.name, absent.email, absent.anonymised_at) == ("", "", NOW)
    assert absent.status == RegistrationStatus.CONFIRMED and event.seats_taken == 1
    _assert_counters(event)
