"""State changes of registrations: register, cancel, waiting list, manage link actions, erasure.

Every function here runs inside the caller's transaction and never commits (the edge does, with
`eventapp.core.db.transaction()`). Every change of seats starts with `lock_event()` (one write of
the event row that also reloads it), so concurrent registrations for one event are serialised on PostgreSQL and SQLite
alike; the counters are then moved by conditional UPDATE statements and the check constraints on
`events` and `sessions` refuse an overbooking even if this code were wrong.

Waiting-list fairness rule (promote_waitlist): the list is walked in the order people joined it.
Each registration that fits in the free seats is promoted; one that does not fit (a group larger
than what is free) keeps its place and the walk goes on, so a later, smaller registration may take
seats the head of the list cannot use. Nobody loses their position by being skipped: as soon as
enough seats are free, the earliest registration that fits goes first.

Registration limits (issue 17; docs/deploy.md, "Registration limits"; explained on the form): one
client must not be able to book out an event, and a teacher must still be able to register a class.
- A registration from the public form of more than CONFIRM_ABOVE_SEATS seats holds its seats only
  until `seats_held_until` unless its address is confirmed (the button behind the link in its email);
  then `release_unconfirmed` cancels it and the waiting list moves up.
- The registrations of one network (/24, /48) whose address is not confirmed hold at most
  UNCONFIRMED_SEATS_PER_NETWORK seats per event (never fewer than one registration's maximum, so a
  class always fits): a school or a venue shares one public address, and its people confirm theirs.
- One mailbox holds at most the event's seats per registration, with its variants ("name+1@").
Registrations made by organisers (back-office) are not limited.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from eventapp.accounts.models import User
from eventapp.core.communes import OUTSIDE_BRUSSELS, get_commune
from eventapp.core.errors import Conflict, InvalidState, NotFound
from eventapp.core.locks import lock_event
from eventapp.core.outbox import OutboxMessage, OutboxStatus
from eventapp.core.time import brussels
from eventapp.core.tokens import digest, random_token, same
from eventapp.events import hooks
from eventapp.events.editing import capacity_below_taken
from eventapp.events.models import Event, EventStatus, Session
from eventapp.extensions import db
from eventapp.registration import emails
from eventapp.registration.models import (
    Audience,
    Registration,
    RegistrationSession,
    RegistrationStatus,
    mailbox_of,
)
from eventapp.registration.names import NAME_RULE, is_name
from eventapp.registration.notices import Mailing
from eventapp.registration.queries import waitlist_position
from eventapp.registration.tokens import assign_secrets, confirm_code, email_change_code

# A registrant may ask for their ticket again at most once per bucket (see resend_ticket).
RESEND_INTERVAL = timedelta(minutes=10)
# Registration limits (module docstring).
CONFIRM_ABOVE_SEATS = 2
CONFIRM_WITHIN = timedelta(hours=24)
# Held seats go back this long before the start at the latest, so that the waiting list can still come…
CONFIRM_BEFORE_START = timedelta(hours=2)
# …but a group registering late always gets at least this long to confirm.
CONFIRM_AT_LEAST = timedelta(hours=1)
UNCONFIRMED_SEATS_PER_NETWORK = 40  # the default of the REGISTRATION_NETWORK_SEATS setting
# The link sent to a new address works this long (request_email_change).
EMAIL_CHANGE_WITHIN = timedelta(hours=48)


@dataclass(frozen=True)
class PublicSender:
    """Who sent a registration from the public form, for the registration limits (module docstring)."""

    network: str  # `tokens.network_digest` of the sender's network
    # Unconfirmed seats one network may hold per event (at least one registration's maximum);
    # 0 turns the per-network limit off (load tests from one machine).
    network_seats: int = UNCONFIRMED_SEATS_PER_NETWORK


LANGUAGES = ("fr", "nl", "en")


@dataclass(frozen=True)
class RegistrationData:
    """What a person gives when registering (shape already checked by the form or the API)."""

    name: str
    email: str
    language: str = "fr"
    seats: int = 1
    audience: Audience | None = None
    commune: str | None = None  # NIS code, "outside", or None
    session_ids: tuple[int, ...] = ()
    accessibility_needs: str = ""
    consent: bool = False


@dataclass
class RegistrationOutcome:
    registration: Registration
    status: RegistrationStatus
    waitlist_position: int | None
    # True when the address already had an active registration: nothing was created, the
    # existing ticket was sent again (if not sent in the last RESEND_INTERVAL).
    existing: bool = False
    resent: bool = False
    promoted: list[Registration] = field(default_factory=list)


# -- counters -----------------------------------------------------------------------------------


def _move_event_seats(event: Event, *, taken: int = 0, waiting: int = 0) -> None:
    """Add to seats_taken / seats_waiting in one conditional UPDATE; Conflict if it would overbook."""
    row = db.session.execute(
        sa.update(Event)
        .where(
            Event.id == event.id,
            Event.seats_taken + taken <= Event.capacity,
            Event.seats_taken + taken >= 0,
            Event.seats_waiting + waiting >= 0,
        )
        .values(seats_taken=Event.seats_taken + taken, seats_waiting=Event.seats_waiting + waiting)
        .returning(Event.seats_taken, Event.seats_waiting)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if row is None:
        raise Conflict(code="capacity_exceeded")
    set_committed_value(event, "seats_taken", row.seats_taken)
    set_committed_value(event, "seats_waiting", row.seats_waiting)


def _take_session_seats(session: Session, seats: int) -> bool:
    """Hold `seats` of a session with its own capacity; False (nothing changed) when it is full."""
    new = db.session.execute(
        sa.update(Session)
        .where(Session.id == session.id, Session.capacity.is_not(None), Session.seats_taken + seats <= Session.capacity)
        .values(seats_taken=Session.seats_taken + seats)
        .returning(Session.seats_taken)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if new is None:
        return False
    set_committed_value(session, "seats_taken", new)
    return True


def _release_session_seats(session: Session, seats: int) -> None:
    new = db.session.execute(
        sa.update(Session)
        .where(Session.id == session.id, Session.seats_taken >= seats)
        .values(seats_taken=Session.seats_taken - seats)
        .returning(Session.seats_taken)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if new is None:
        raise Conflict(code="session_counter")
    set_committed_value(session, "seats_taken", new)


def _release_held_sessions(registration: Registration) -> None:
    for choice in registration.session_choices:
        if choice.holds_seat:
            _release_session_seats(choice.session, registration.seats)
            choice.holds_seat = False


def _hold_sessions_or_drop(registration: Registration) -> list[Session]:
    """On promotion: hold a seat in each chosen session; drop choices whose session is now full."""
    dropped = []
    for choice in list(registration.session_choices):
        session = choice.session
        if session.capacity is None or choice.holds_seat:
            continue
        if _take_session_seats(session, registration.seats):
            choice.holds_seat = True
        else:
            registration.session_choices.remove(choice)
            dropped.append(session)
    return dropped


@hooks.session_capacity_changing.subscribe
def _count_session_seats(session: Session, capacity: int | None) -> None:
    """Follow a session's capacity (events writes it next, under the event lock): the seats it holds
    (`seats_taken`, the choices' `holds_seat`) are only kept while it has its own capacity.

    On the way in they are set from the confirmed choices (people = seats; InvalidState, nothing
    written, when more than `capacity`), on the way out cleared, so that a later cancellation
    releases exactly what was held.
    """
    if capacity is None:
        db.session.execute(
            sa.update(RegistrationSession)
            .where(RegistrationSession.session_id == session.id)
            .values(holds_seat=False)
            .execution_options(synchronize_session="fetch")
        )
        db.session.execute(sa.update(Session).where(Session.id == session.id).values(seats_taken=0))
    elif session.capacity is None:
        confirmed = (
            sa.select(Registration.id)
            .join(RegistrationSession)
            .where(
                RegistrationSession.session_id == session.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        taken = db.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(Registration.seats), 0)).where(Registration.id.in_(confirmed))
        ).scalar_one()
        if taken > capacity:
            raise capacity_below_taken(taken)
        db.session.execute(
            sa.update(RegistrationSession)
            .where(RegistrationSession.session_id == session.id)
            .values(holds_seat=RegistrationSession.registration_id.in_(confirmed))
            .execution_options(synchronize_session="fetch")
        )
        db.session.execute(sa.update(Session).where(Session.id == session.id).values(seats_taken=taken))


# -- checks -------------------------------------------------------------------------------------


def _check_registration_open(event: Event, now: datetime) -> None:
    if event.status == EventStatus.CANCELLED:
        raise InvalidState(_l("This event has been cancelled."), code="event_cancelled")
    if event.status != EventStatus.PUBLISHED:
        raise InvalidState(_l("Registration is not open for this event."), code="registration_closed")
    if event.registration_opens_at and now < event.registration_opens_at:
        raise InvalidState(_l("Registration has not opened yet."), code="registration_not_open")
    if now >= event.starts_at or (event.registration_closes_at and now >= event.registration_closes_at):
        raise InvalidState(_l("Registration for this event is closed."), code="registration_closed")


def _change_refusal(registration: Registration, now: datetime) -> InvalidState | None:
    if registration.status == RegistrationStatus.CANCELLED:
        return InvalidState(_l("This registration has been cancelled."), code="registration_cancelled")
    if registration.event.status == EventStatus.CANCELLED:
        return InvalidState(_l("This event has been cancelled."), code="event_cancelled")
    if now >= registration.event.starts_at:
        return InvalidState(
            _l("The event has started: the registration can no longer be changed."), code="event_started"
        )
    return None


def can_change(registration: Registration, now: datetime) -> bool:
    """Whether the registrant may still change seats and sessions: what the manage page offers is
    what `reduce_seats` and `change_sessions` accept (they re-check it under the event lock)."""
    return _change_refusal(registration, now) is None


def _check_changeable(registration: Registration, now: datetime) -> None:
    refusal = _change_refusal(registration, now)
    if refusal is not None:
        raise refusal


def _check_nobody_admitted(registration: Registration) -> None:
    """Scanning is allowed all day on the event day, before the start: once anyone of the
    registration is in the room, its seats are taken for good (giving them back would promote
    the waiting list into a room that is already full)."""
    if registration.checked_in_people > 0:
        raise InvalidState(
            _l("Someone with this registration has already been let in: it can no longer be cancelled."),
            code="already_admitted",
        )


def _chosen_sessions(event: Event, session_ids: Iterable[int]) -> list[Session]:
    if not session_ids:
        return []
    by_id = {s.id: s for s in event.sessions}
    chosen = []
    for session_id in dict.fromkeys(session_ids):
        if session_id not in by_id:
            raise InvalidState(_l("Choose sessions of this event."), code="invalid_session", field="sessions")
        chosen.append(by_id[session_id])
    for i, a in enumerate(chosen):
        for b in chosen[i + 1 :]:
            if a.starts_at < b.ends_at and b.starts_at < a.ends_at:
                raise InvalidState(
                    _l("Two of the chosen sessions take place at the same time. Choose one of them."),
                    code="sessions_overlap",
                    field="sessions",
                )
    return chosen


def _full_session_error(session: Session, lang: str) -> InvalidState:
    from eventapp.core.i18n import localized

    return InvalidState(
        _l(
            "The session “%(title)s” is full. Choose another session or none.",
            title=localized(session, "title", lang).text,
        ),
        code="session_full",
        field="sessions",
    )


def _deliverable(email: str) -> str:
    """The address lower-cased and trimmed; InvalidState when it could not be sent to."""
    email = email.strip().lower()
    if not email or "@" not in email:
        raise InvalidState(_l("Enter your name and a valid email address."), code="invalid_contact", field="email")
    if not email.isascii():
        # The form writes IDN domains in punycode and refuses accents before the @: such an
        # address could not be sent to (no SMTPUTF8), so it is refused here too, whoever calls.
        raise InvalidState(
            _l("Enter an email address like name@example.be."), code="undeliverable_email", field="email"
        )
    return email


def _a_name(name: str) -> str:
    """The name with surrounding and repeated spaces dropped; InvalidState unless it reads as a name."""
    name = " ".join(name.split())
    if not name:
        raise InvalidState(_l("Enter your name and a valid email address."), code="invalid_contact", field="email")
    if not is_name(name):
        raise InvalidState(NAME_RULE, code="invalid_name", field="name")
    return name


def _normalise(data: RegistrationData, event: Event) -> RegistrationData:
    name = _a_name(data.name)
    email = _deliverable(data.email)
    if data.language not in LANGUAGES:
        raise InvalidState(code="invalid_language", field="language")
    if not data.consent:
        raise InvalidState(
            _l("Please accept the privacy notice to register."), code="consent_required", field="consent"
        )
    if data.commune not in (None, OUTSIDE_BRUSSELS) and get_commune(data.commune) is None:
        raise InvalidState(code="invalid_commune", field="commune")
    if data.seats < 1 or data.seats > event.max_seats_per_registration:
        raise InvalidState(
            _l("You can book from 1 to %(num)d seats.", num=event.max_seats_per_registration),
            code="too_many_seats",
            field="seats",
        )
    return RegistrationData(
        name=name,
        email=email,
        language=data.language,
        seats=data.seats,
        audience=data.audience,
        commune=data.commune,
        session_ids=tuple(data.session_ids),
        accessibility_needs=data.accessibility_needs.strip(),
        consent=True,
    )


def _active_registration(event: Event, email: str) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event.id,
            Registration.email == email,
            Registration.status != RegistrationStatus.CANCELLED,
        )
    )


# -- services -----------------------------------------------------------------------------------


def register(
    event: Event,
    form_data: RegistrationData,
    *,
    key: str,
    now: datetime,
    privacy_version: str,
    sender: PublicSender | None = None,
) -> RegistrationOutcome:
    """Register someone: a confirmed seat if it fits, else a place on the waiting list.

    Writes the confirmation (or waiting-list) email to the outbox. An address that already holds an
    active registration gets its existing ticket again (rate-limited) and nothing new is created.
    `sender` is given for a registration from the public form, which the registration limits apply
    to (module docstring); None for an organiser's.
    Does not commit (after InvalidState the caller rolls back). Raises InvalidState (closed,
    cancelled, not yet open, too many seats, bad name, bad or full session, no consent, a limit
    reached), with `field` set when a form field is at fault.
    """
    lock_event(event)
    _check_registration_open(event, now)
    data = _normalise(form_data, event)
    sessions = _chosen_sessions(event, data.session_ids)

    fits = event.seats_left >= data.seats
    registration = Registration(
        event=event,
        status=RegistrationStatus.CONFIRMED if fits else RegistrationStatus.WAITLISTED,
        name=data.name,
        email=data.email,
        language=data.language,
        audience=data.audience,
        commune=data.commune,
        accessibility_needs=data.accessibility_needs,
        consent_at=now,
        consent_version=privacy_version,
        seats=data.seats,
        created_at=now,
        updated_at=now,
        confirmed_at=now if fits else None,
        waitlisted_at=None if fits else now,
        network_digest=sender.network if sender else None,
        seats_held_until=(
            _hold_deadline(event, now) if fits and sender and _needs_confirmation(sender.network, data.seats) else None
        ),
        session_choices=[],  # filled below: the email's session list then needs no query
    )
    assign_secrets(registration, key)
    # Insert before anything else changes: the unique index on active (event, email) says whether the
    # address already holds a registration, so a sign-up needs no lookup, and the savepoint undoes all.
    try:
        with db.session.begin_nested():
            db.session.add(registration)
    except sa.exc.IntegrityError:
        existing = _active_registration(event, data.email)
        if existing is None:  # another unique column: not expected (random secrets)
            raise Conflict(code="duplicate_registration") from None
        return _existing_outcome(existing, key=key, now=now)
    if sender is not None:
        _check_public_limits(event, registration, sender)

    for session in sessions:
        holds = False
        if fits and session.capacity is not None:
            if not _take_session_seats(session, data.seats):
                raise _full_session_error(session, data.language)
            holds = True
        registration.session_choices.append(RegistrationSession(session=session, holds_seat=holds))
    if fits:
        _move_event_seats(event, taken=data.seats)
    else:
        _move_event_seats(event, waiting=data.seats)

    if registration.status == RegistrationStatus.CONFIRMED:
        emails.enqueue_confirmation(registration, key=key, now=now)
        position = None
    else:
        position = waitlist_position(registration)
        emails.enqueue_waitlisted(registration, key=key, now=now, position=position)
    return RegistrationOutcome(registration, registration.status, position)


def _needs_confirmation(network: str | None, seats: int) -> bool:
    """A group from the public form: its seats are held until its address is confirmed."""
    return network is not None and seats > CONFIRM_ABOVE_SEATS


def _hold_deadline(event: Event, now: datetime) -> datetime:
    return max(min(now + CONFIRM_WITHIN, event.starts_at - CONFIRM_BEFORE_START), now + CONFIRM_AT_LEAST)


def _active_seats(event: Event, *conditions: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
    """SQL: the seats of the event's registrations not cancelled that meet `conditions`."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(Registration.seats), 0))
        .where(Registration.event_id == event.id, Registration.status != RegistrationStatus.CANCELLED, *conditions)
        .scalar_subquery()
    )


def network_allowance(event: Event, network_seats: int) -> int:
    """The unconfirmed seats one network may hold for the event: one registration's maximum at least."""
    return max(network_seats, event.max_seats_per_registration)


def _check_public_limits(event: Event, registration: Registration, sender: PublicSender) -> None:
    """The per-network and per-mailbox limits (module docstring), the new registration counted.

    Raises InvalidState (field "seats" for the mailbox; the network's goes above the form).
    """
    # Both sums in one statement (issue 20: a round trip less per sign-up), each a subquery that reads
    # only the rows of this network (ix_registrations_network) or of this mailbox
    # (ix_registrations_mailbox): reading every registration of the event made a sign-up slower as the
    # event filled, inside the event lock (bench/README.md).
    unconfirmed_here = (Registration.network_digest == sender.network, Registration.email_confirmed_at.is_(None))
    waiting, in_mailbox = db.session.execute(
        sa.select(
            _active_seats(event, *unconfirmed_here) if sender.network_seats else sa.literal(0),
            _active_seats(event, Registration.mailbox == mailbox_of(registration.email)),
        )
    ).one()
    if sender.network_seats and waiting > network_allowance(event, sender.network_seats):
        raise InvalidState(
            _l(
                "Registrations from your internet connection already hold %(num)d seats for this event that "
                "wait for their email address to be confirmed. Confirm them with the link in their email, "
                "then register again, or ask the organisers to register your group.",
                num=waiting - registration.seats,
            ),
            code="network_unconfirmed_seats",
        )
    if in_mailbox > event.max_seats_per_registration:
        raise InvalidState(
            _l(
                "This mailbox already holds seats for this event under another form of the address: "
                "one mailbox can book at most %(num)d seats in all.",
                num=event.max_seats_per_registration,
            ),
            code="mailbox_seats",
            field="seats",
        )


def confirm_address(registration: Registration, code: str, *, key: str, now: datetime) -> None:
    """Record that the registrant opened the confirm-address link of their email: the seats of a
    group are then theirs for good and participation counts them as a registered voice.

    `code` is the `confirm_code` of the registration (only ever in its emails). Idempotent. Does not
    commit. Raises NotFound for a wrong code, InvalidState once the registration is cancelled.
    """
    if not registration.secret_seed or not same(code, confirm_code(key, registration.secret_seed)):
        raise NotFound()
    lock_event(registration.event, registration)
    if registration.status == RegistrationStatus.CANCELLED:
        raise InvalidState(
            _l("This registration has been cancelled: register again on the event page."), code="already_cancelled"
        )
    _address_proven(registration, now)
    db.session.flush()


def _address_proven(registration: Registration, now: datetime) -> None:
    """The registrant opened a link sent to the registration's address: it is theirs."""
    registration.email_confirmed_at = registration.email_confirmed_at or now
    registration.seats_held_until = None
    registration.network_digest = None  # no longer counted against its network: forget it
    registration.updated_at = now


def _check_not_cancelled(registration: Registration) -> None:
    if registration.status == RegistrationStatus.CANCELLED:
        raise InvalidState(
            _l("This registration has been cancelled: register again on the event page."), code="already_cancelled"
        )


def correct_name(registration: Registration, name: str, *, key: str, now: datetime) -> None:
    """Correct the registrant's name (the same rule as the form's, registration.names) and tell the
    address in the "registration updated" email. Does not commit. Raises InvalidState (not a name,
    registration cancelled)."""
    _check_not_cancelled(registration)
    name = _a_name(name)
    if name == registration.name:
        return
    registration.name = name
    registration.updated_at = now
    db.session.flush()
    emails.enqueue_updated(registration, key=key, now=now)


def request_email_change(registration: Registration, email: str, *, key: str, now: datetime) -> None:
    """Ask for the registration's emails to go to another address: a link is sent to that address,
    and nothing changes until it is opened (`confirm_new_email`, within EMAIL_CHANGE_WITHIN); a later
    request replaces this one. Does not commit. Raises InvalidState (undeliverable or same address,
    registration cancelled)."""
    _check_not_cancelled(registration)
    email = _deliverable(email)
    if email == registration.email:
        raise InvalidState(_l("This is already the address of your registration."), code="same_email", field="email")
    registration.new_email = email
    registration.new_email_requested_at = now
    registration.updated_at = now
    db.session.flush()
    emails.enqueue_email_change(registration, key=key, now=now)


def is_email_change_code(registration: Registration, code: str, *, key: str) -> bool:
    """Whether `code` is that of the link sent for the address change waiting (request_email_change)."""
    new = registration.new_email
    return bool(new and registration.secret_seed and same(code, email_change_code(key, registration.secret_seed, new)))


def confirm_new_email(registration: Registration, code: str, *, key: str, now: datetime) -> None:
    """Make the address the link was sent to the registration's (`request_email_change`); opening it
    also proves that address (as `confirm_address` does). The old address is told. Does not commit.
    Raises NotFound for a wrong or superseded code, InvalidState when the link has expired, the
    registration was cancelled, or the address already has a registration for this event or
    would hold more seats than one mailbox may (module docstring)."""
    event = registration.event
    lock_event(event, registration)
    if not is_email_change_code(registration, code, key=key):
        raise NotFound()
    new = registration.new_email or ""  # not empty: the code names it
    _check_not_cancelled(registration)
    requested = registration.new_email_requested_at
    if requested is None or now > requested + EMAIL_CHANGE_WITHIN:
        raise InvalidState(
            _l("This link has expired. Ask for the change again on your registration page."), code="link_expired"
        )
    taken = InvalidState(
        _l("This address already has a registration for this event: cancel one of the two first."),
        code="email_taken",
    )
    others = db.session.execute(
        sa.select(_active_seats(event, Registration.mailbox == mailbox_of(new), Registration.id != registration.id))
    ).scalar_one()
    if others + registration.seats > event.max_seats_per_registration:
        raise taken
    old = registration.email
    registration.email = new
    registration.new_email = None
    registration.new_email_requested_at = None
    _address_proven(registration, now)
    try:
        with db.session.begin_nested():  # the unique index on active (event, email) has the last word
            db.session.flush()
    except sa.exc.IntegrityError:
        raise taken from None
    emails.enqueue_email_changed(registration, old_email=old, key=key, now=now)


def release_unconfirmed(*, key: str, now: datetime) -> list[Registration]:
    """Cancel the group registrations whose address was not confirmed by `seats_held_until`: their
    seats go to the waiting list (promoted in the same transaction) and the registrant is told.

    A registration of which someone was let in keeps its seats. Idempotent; run by
    `flask registrations release-unconfirmed` (cron, docs/deploy.md). Does not commit.
    Returns the registrations released.
    """
    due = db.session.scalars(
        sa.select(Registration)
        .where(Registration.seats_held_until <= now, Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(Registration.seats_held_until, Registration.id)
    ).all()
    released = []
    for registration in due:
        event = registration.event
        lock_event(event, registration)
        held = registration.seats_held_until
        if registration.status != RegistrationStatus.CONFIRMED or held is None or held > now:
            continue  # confirmed or cancelled meanwhile
        registration.seats_held_until = None
        if registration.email_confirmed_at is not None or registration.checked_in_people > 0:
            continue
        if event.status != EventStatus.PUBLISHED or now >= event.starts_at:
            continue  # nobody could take the seats any more
        _withdraw(registration, now)
        registration.network_digest = None
        if registration.email:
            emails.enqueue_released(registration, key=key, now=now)
        _promote(event, key=key, now=now)
        released.append(registration)
    return released


def _existing_outcome(registration: Registration, *, key: str, now: datetime) -> RegistrationOutcome:
    resent = resend_ticket(registration, key=key, now=now)
    position = waitlist_position(registration) if registration.status == RegistrationStatus.WAITLISTED else None
    return RegistrationOutcome(registration, registration.status, position, existing=True, resent=resent)


def resend_ticket(registration: Registration, *, key: str, now: datetime) -> bool:
    """Write the ticket (or waiting-list) email again, at most once per RESEND_INTERVAL.

    Returns False when one was already written in the current interval (the dedupe key carries
    the time bucket, so the database refuses the duplicate). Does not commit.
    """
    if registration.status == RegistrationStatus.CANCELLED or not registration.email:
        return False
    bucket = int(now.timestamp() // RESEND_INTERVAL.total_seconds())
    dedupe_key = f"registration.resend:{registration.id}:{bucket}"
    if registration.status == RegistrationStatus.CONFIRMED:
        message = emails.enqueue_confirmation(registration, key=key, now=now, resent=True, dedupe_key=dedupe_key)
    else:
        message = emails.enqueue_waitlisted(
            registration, key=key, now=now, position=waitlist_position(registration), dedupe_key=dedupe_key
        )
    return message is not None


def promote_waitlist(event: Event, *, key: str, now: datetime) -> list[Registration]:
    """Promote waiting registrations into free seats (fairness rule in the module docstring).

    Call it after anything that frees seats or raises capacity; each promoted person gets their
    ticket by email. Does not commit. Returns the promoted registrations in order.
    """
    lock_event(event)
    return _promote(event, key=key, now=now)


@hooks.seats_added.subscribe
def _promote_into_new_seats(event: Event, *, now: datetime, mailing: Mailing) -> list[Registration]:
    return promote_waitlist(event, key=mailing.key, now=now)


def _promote(event: Event, *, key: str, now: datetime) -> list[Registration]:
    if event.status != EventStatus.PUBLISHED or now >= event.starts_at:
        return []
    free = event.seats_left
    promoted: list[Registration] = []
    if free <= 0 or event.seats_waiting <= 0:
        return promoted
    waiting = db.session.scalars(
        sa.select(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.waitlisted_at, Registration.id)
    )
    for registration in waiting:
        if registration.seats > free:
            continue
        _move_event_seats(event, taken=registration.seats, waiting=-registration.seats)
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.updated_at = now
        if registration.email_confirmed_at is None and _needs_confirmation(
            registration.network_digest, registration.seats
        ):
            registration.seats_held_until = _hold_deadline(event, now)
        dropped = _hold_sessions_or_drop(registration)
        promoted.append(registration)
        free -= registration.seats
        db.session.flush()
        emails.enqueue_promoted(registration, key=key, now=now, dropped_sessions=dropped)
        if free == 0:
            break
    return promoted


def cancel(registration: Registration, *, key: str, now: datetime, actor: User | None = None) -> list[Registration]:
    """Cancel a registration, free its seats and promote from the waiting list in the same transaction.

    `actor` is None for the registrant (manage link) or the organiser's user. Writes the
    cancellation email. Does not commit. Raises InvalidState when already cancelled, once someone
    of it has been let in (for anyone: the organiser undoes the check-in first) or, for the
    registrant, once the event has started. Returns the registrations promoted.
    """
    event = registration.event
    lock_event(event, registration)
    if registration.status == RegistrationStatus.CANCELLED:
        raise InvalidState(_l("This registration has already been cancelled."), code="already_cancelled")
    _check_nobody_admitted(registration)
    if actor is None and now >= event.starts_at:
        raise InvalidState(
            _l("The event has started: the registration can no longer be changed."), code="event_started"
        )
    _withdraw(registration, now)
    if registration.email:
        emails.enqueue_cancelled(registration, key=key, now=now)
    return _promote(event, key=key, now=now)


def _withdraw(registration: Registration, now: datetime) -> None:
    """Give back everything the registration holds and mark it cancelled (caller holds the lock)."""
    event = registration.event
    if registration.status == RegistrationStatus.CONFIRMED:
        _release_held_sessions(registration)
        _move_event_seats(event, taken=-registration.seats)
    elif registration.status == RegistrationStatus.WAITLISTED:
        _move_event_seats(event, waiting=-registration.seats)
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.updated_at = now
    db.session.flush()


def reduce_seats(registration: Registration, seats: int, *, key: str, now: datetime) -> list[Registration]:
    """Lower the number of seats of a registration (never raise it: that would jump the queue).

    Freed seats go to the waiting list at once. Does not commit. Raises InvalidState for a number
    outside 1..current seats, below the number of people already let in, or when the registration
    can no longer change. Returns the promoted.
    """
    event = registration.event
    lock_event(event, registration)
    _check_changeable(registration, now)
    if 1 <= seats < registration.checked_in_people:  # so at least 2 people: no singular needed
        raise InvalidState(
            _l(
                "%(num)d people with this registration have already been let in: keep at least %(num)d seats.",
                num=registration.checked_in_people,
            ),
            code="already_admitted",
            field="seats",
        )
    if seats < 1 or seats >= registration.seats:
        raise InvalidState(
            _l("Choose a number of seats from 1 to %(num)d.", num=max(registration.seats - 1, 1)),
            code="invalid_seats",
            field="seats",
        )
    freed = registration.seats - seats
    if registration.status == RegistrationStatus.CONFIRMED:
        for choice in registration.session_choices:
            if choice.holds_seat:
                _release_session_seats(choice.session, freed)
        _move_event_seats(event, taken=-freed)
    else:
        _move_event_seats(event, waiting=-freed)
    registration.seats = seats
    registration.updated_at = now
    db.session.flush()
    emails.enqueue_updated(registration, key=key, now=now)
    return _promote(event, key=key, now=now)


def change_sessions(registration: Registration, session_ids: Iterable[int], *, key: str, now: datetime) -> Registration:
    """Replace the sessions a registration chose, holding seats in sessions with their own capacity.

    All or nothing: if one new session is full, nothing changes. Does not commit. Raises
    InvalidState (full or overlapping session, registration no longer changeable).
    """
    event = registration.event
    lock_event(event, registration)
    _check_changeable(registration, now)
    wanted = _chosen_sessions(event, session_ids)
    current = {choice.session_id: choice for choice in registration.session_choices}
    confirmed = registration.status == RegistrationStatus.CONFIRMED
    with db.session.begin_nested():
        for session_id, choice in list(current.items()):
            if session_id not in {s.id for s in wanted}:
                if choice.holds_seat:
                    _release_session_seats(choice.session, registration.seats)
                registration.session_choices.remove(choice)
        for session in wanted:
            if session.id in current:
                continue
            holds = False
            if confirmed and session.capacity is not None:
                if not _take_session_seats(session, registration.seats):
                    raise _full_session_error(session, registration.language)
                holds = True
            registration.session_choices.append(RegistrationSession(session=session, holds_seat=holds))
        registration.updated_at = now
        db.session.flush()
    emails.enqueue_updated(registration, key=key, now=now)
    return registration


def erase(registration: Registration, *, now: datetime, key: str) -> None:
    """Cancel the registration (seats go to the waiting list) and anonymise its personal data.

    Name, email and accessibility needs are blanked, the manage and ticket links stop working,
    and the outbox copies of its emails are emptied (pending ones are never sent). Audience and
    commune stay for aggregate reach figures. Once someone of it has been let in, or once the event
    has started, its seats stay taken and only the personal data goes: the people may be in the
    room, no one could take the seats any more, and the results report counts the registration as
    it was (on a second day, an admission undone leaves a zero count although they came the day
    before). Idempotent. Does not commit.
    """
    event = registration.event
    lock_event(event, registration)
    withdraw = (
        registration.status != RegistrationStatus.CANCELLED
        and registration.checked_in_people == 0
        and now < event.starts_at
    )
    if withdraw:
        _withdraw(registration, now)
    _anonymise(registration, now)
    if withdraw:
        _promote(event, key=key, now=now)


def _anonymise(registration: Registration, now: datetime) -> None:
    registration.name = ""
    registration.email = ""
    registration.accessibility_needs = ""
    # Unknown digests: the old manage link, ticket code and feed no longer lead anywhere.
    registration.manage_digest = digest(random_token())
    registration.ticket_digest = digest(random_token())
    registration.secret_seed = ""
    registration.feed_seed = None
    registration.feed_digest = None
    registration.network_digest = None
    registration.seats_held_until = None
    registration.new_email = None
    registration.new_email_requested_at = None
    registration.anonymised_at = registration.anonymised_at or now
    registration.updated_at = now
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.registration_id == registration.id)
        .values(
            recipient="",
            subject="",
            body_text="",
            body_html=None,
            render_from=None,
            render_args=None,
            attachments=None,
            attachments_from=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.registration_id == registration.id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.FAILED, last_error="erased at the registrant's request")
        .execution_options(synchronize_session=False)
    )
    db.session.flush()


def anonymise_expired(*, now: datetime, retention_days: int) -> int:
    """Anonymise registrations of events that ended more than `retention_days` ago. Does not commit."""
    cutoff = now - timedelta(days=retention_days)
    registrations = db.session.scalars(
        sa.select(Registration)
        .join(Registration.event)
        .where(Event.ends_at < cutoff, Registration.anonymised_at.is_(None))
    ).all()
    for registration in registrations:
        _anonymise(registration, now)
    return len(registrations)


def export_personal_data(registration: Registration) -> dict[str, Any]:
    """Everything held about this person for this registration (right of access), JSON-ready."""
    from eventapp.core.i18n import localized

    event = registration.event
    messages = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.registration_id == registration.id).order_by(OutboxMessage.id)
    )

    def iso(dt: datetime | None) -> str | None:
        return dt.isoformat() if dt else None

    return {
        "registration": {
            "id": str(registration.uuid),
            "status": registration.status.value,
            "name": registration.name,
            "email": registration.email,
            "new_email_waiting_for_confirmation": registration.new_email,
            "language": registration.language,
            "audience": registration.audience.value if registration.audience else None,
            "commune": registration.commune,
            "seats": registration.seats,
            "accessibility_needs": registration.accessibility_needs,
            "consent": {
                "given_at": iso(registration.consent_at),
                "privacy_notice_version": registration.consent_version,
            },
            "created_at": iso(registration.created_at),
            "confirmed_at": iso(registration.confirmed_at),
            "waitlisted_at": iso(registration.waitlisted_at),
            "cancelled_at": iso(registration.cancelled_at),
            "checked_in_people": registration.checked_in_people,
            "sessions": [localized(s, "title", registration.language).text for s in registration.sessions],
        },
        "event": {
            "id": str(event.uuid),
            "title": localized(event, "title", registration.language).text,
            "starts_at": iso(event.starts_at),
            "ends_at": iso(event.ends_at),
        },
        "emails": [
            {
                "kind": m.kind,
                "recipient": m.recipient,
                "subject": m.subject,
                "status": m.status.value,
                "created_at": iso(m.created_at),
                "sent_at": iso(m.sent_at),
            }
            for m in messages
        ],
    }


def send_reminders(*, key: str, now: datetime) -> int:
    """Write tomorrow's reminder (Brussels calendar day) for every confirmed registration.

    Idempotent: one dedupe key per registration and event, so cron may run it as often as it likes.
    Does not commit. Returns the number of reminders written now.
    """
    tomorrow = brussels(now).date() + timedelta(days=1)
    candidates = db.session.scalars(
        sa.select(Registration)
        .join(Registration.event)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now,
            Event.starts_at < now + timedelta(hours=48),
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.email != "",
        )
        .order_by(Registration.id)
    ).all()
    written = 0
    for registration in candidates:
        if brussels(registration.event.starts_at).date() != tomorrow:
            continue
        if emails.enqueue_reminder(registration, key=key, now=now) is not None:
            written += 1
    return written
