"""State changes of participation. Services flush, never commit: the caller owns the transaction.

Participants act through a `Participant` (a ticket holder or a guest of one session); organisers act
as a `User` and are checked with `require_event_access` here, so the view, the API and the CLI
cannot forget it.
"""

import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy.exc import IntegrityError

from eventapp.accounts.models import User
from eventapp.accounts.permissions import require_event_access
from eventapp.core.db import rows_matched
from eventapp.core.errors import Conflict, DomainError, InvalidState, NotFound, PermissionDenied
from eventapp.core.time import utcnow
from eventapp.events.models import Event, Session
from eventapp.extensions import db
from eventapp.participation import live, queries
from eventapp.participation import text as texts
from eventapp.participation.models import (
    SHORT_ANSWERS_PER_PARTICIPANT,
    Access,
    Activity,
    ActivityKind,
    ActivityStatus,
    Channel,
    ContentReport,
    Contribution,
    ContributionStatus,
    ExportLevel,
    ExportLog,
    Moderation,
    Outcome,
    Participant,
    PollOption,
    PollType,
    Room,
    Screen,
    Upvote,
    Vote,
    VoteChoice,
)
from eventapp.registration.models import Registration, RegistrationStatus
from eventapp.tickets.days import door_day
from eventapp.tickets.queries import was_admitted_on

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read off a projector from the back of the room.
ROOM_CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
ROOM_CODE_LENGTH = 6
# A post-moderated contribution goes back to the moderation queue after this many reports.
REPORTS_BEFORE_REVIEW = 3
MAX_OPTIONS = 10


class InvalidText(DomainError):
    status = 422
    code = "invalid_text"


# ---------------------------------------------------------------------------- helpers


def _check_text(body: str, max_length: int, *, multiline: bool = False, required: bool = True) -> str:
    if texts.has_control_characters(body, multiline=multiline):
        raise InvalidText(_l("Remove the invisible control characters from your text."), code="control_characters")
    body = texts.normalise(body, multiline=multiline)
    if required and not body:
        raise InvalidText(_l("Please write something first."), code="empty")
    if len(body) > max_length:
        raise InvalidText(_l("Please keep it under %(num)d characters.", num=max_length), code="too_long")
    return body


def _organiser(actor: User, session: Session) -> None:
    require_event_access(actor, session.event_id)


def channel_of(participant: Participant) -> Channel:
    """Checked in at the door on the day of the participant's session, registered, or a guest — as of now."""
    registration = participant.registration
    if registration is None:
        return Channel.GUEST
    # An event over several days admits a ticket once a door day. A contribution comes "from the room"
    # when the ticket went through the door on the day of its session: a person who came on Friday
    # only is not in Saturday's room, however they open Saturday's session ("admitted at all" would
    # say they were). Not "admitted today" either: a feedback survey is for those who were there, and
    # is often answered after the session's day. An event of one door day is unchanged: its tickets
    # are admitted on its sessions' day.
    session = db.session.get_one(Session, participant.session_id)
    if was_admitted_on(registration, door_day(session.starts_at)):
        return Channel.CHECKED_IN
    # A ticket is free and takes any address, so a handful of them is a handful of sock puppets: it
    # is a registered voice once its address is confirmed or it went through the door (any day);
    # until then it speaks as a guest (security review, issue 17).
    if not _proven(registration):
        return Channel.GUEST
    return Channel.REGISTERED


def _proven(registration: Registration) -> bool:
    return (
        registration.email_confirmed_at is not None
        or registration.checked_in_on is not None
        or registration.checked_in_people > 0
    )


def _guest_voice() -> sa.ColumnElement[bool]:
    """SQL on Participant: speaks as a guest (no ticket, or one not proven: see `_proven`)."""
    unproven = sa.exists().where(
        Registration.id == Participant.registration_id,
        Registration.email_confirmed_at.is_(None),
        Registration.checked_in_on.is_(None),
        Registration.checked_in_people == 0,
    )
    return sa.or_(Participant.registration_id.is_(None), unproven)


def _may_take_part(participant: Participant, activity: Activity) -> None:
    if participant.session_id != activity.session_id:
        raise NotFound()
    if activity.status != ActivityStatus.OPEN:
        raise InvalidState(_l("This activity is not open at the moment."), code="activity_not_open")
    registration = participant.registration
    if registration is not None and registration.status != RegistrationStatus.CONFIRMED:
        raise PermissionDenied(_l("This ticket is no longer valid."), code="ticket_not_valid")
    if activity.access == Access.REGISTERED and registration is None:
        raise PermissionDenied(
            _l("This activity is for registered participants: open it from the link on your ticket."),
            code="registration_required",
        )
    if activity.access == Access.REGISTERED and channel_of(participant) == Channel.GUEST:
        raise PermissionDenied(
            _l(
                "This activity counts each registered person once: first confirm your email address "
                "with the link in the email of your registration."
            ),
            code="address_unconfirmed",
        )
    if activity.access == Access.CHECKED_IN and channel_of(participant) != Channel.CHECKED_IN:
        raise PermissionDenied(
            _l("This activity is for participants checked in at the door: open it from the link on your ticket."),
            code="check_in_required",
        )


# ---------------------------------------------------------------------------- rooms and activities


def ensure_room(session: Session, *, now: datetime | None = None) -> Room:
    """The session's room code, created on first use (retries on the rare code collision)."""
    room = db.session.scalar(sa.select(Room).where(Room.session_id == session.id))
    if room is not None:
        return room
    for _attempt in range(8):
        code = "".join(secrets.choice(ROOM_CODE_ALPHABET) for _ in range(ROOM_CODE_LENGTH))
        room = Room(session_id=session.id, code=code, created_at=now or utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(room)
                db.session.flush()
        except IntegrityError:
            existing = db.session.scalar(sa.select(Room).where(Room.session_id == session.id))
            if existing is not None:  # created meanwhile by another organiser
                return existing
            continue
        return room
    raise Conflict()


def create_activity(
    actor: User,
    session: Session,
    *,
    kind: ActivityKind,
    prompts: dict[str, str],
    access: Access = Access.LINK,
    moderation: Moderation = Moderation.PRE,
    poll_type: PollType | None = None,
    options: Iterable[dict[str, str]] = (),
    now: datetime | None = None,
) -> Activity:
    """A new activity in draft. Feedback surveys are always for checked-in attendees. Raises PermissionDenied."""
    _organiser(actor, session)
    now = now or utcnow()
    kind = ActivityKind(kind)
    if kind == ActivityKind.FEEDBACK:
        access = Access.CHECKED_IN
    if kind != ActivityKind.POLL:
        poll_type = None
    elif poll_type is None:
        raise InvalidState(_l("Choose the type of poll."), code="poll_type_required", field="poll_type")
    clean = {lang: _check_text(prompts.get(lang, ""), 300, required=False) for lang in ("fr", "nl", "en")}
    if not any(clean.values()):
        raise InvalidState(
            _l("Write the question in at least one language."), code="prompt_required", field="prompt_fr"
        )
    options = [
        {lang: _check_text(o.get(lang, ""), 200, required=False) for lang in ("fr", "nl", "en")} for o in options
    ]
    options = [o for o in options if any(o.values())]
    if poll_type in (PollType.SINGLE, PollType.MULTIPLE) and not 2 <= len(options) <= MAX_OPTIONS:
        raise InvalidState(
            _l("A choice poll needs between 2 and %(num)d options.", num=MAX_OPTIONS),
            code="options_required",
            field="options_fr",
        )
    position = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.max(Activity.position), 0)).where(Activity.session_id == session.id)
    ).scalar_one()
    activity = Activity(
        session_id=session.id,
        kind=kind,
        status=ActivityStatus.DRAFT,
        access=Access(access),
        moderation=Moderation(moderation),
        poll_type=PollType(poll_type) if poll_type else None,
        prompt_fr=clean["fr"],
        prompt_nl=clean["nl"],
        prompt_en=clean["en"],
        position=position + 1,
        created_at=now,
    )
    if poll_type in (PollType.SINGLE, PollType.MULTIPLE):
        activity.options = [
            PollOption(position=i, label_fr=o["fr"], label_nl=o["nl"], label_en=o["en"]) for i, o in enumerate(options)
        ]
    db.session.add(activity)
    db.session.flush()
    ensure_room(session, now=now)
    return activity


def open_activity(actor: User, activity: Activity, *, now: datetime | None = None) -> None:
    """Open a draft or closed activity (on cue). Raises PermissionDenied."""
    _organiser(actor, activity.session)
    activity.status = ActivityStatus.OPEN
    activity.opened_at = now or utcnow()
    activity.closed_at = None
    live.changed(activity.session_id)
    db.session.flush()


def close_activity(actor: User, activity: Activity, *, now: datetime | None = None) -> None:
    """Stop taking contributions and votes. Raises PermissionDenied, InvalidState if it never opened."""
    _organiser(actor, activity.session)
    if activity.status == ActivityStatus.DRAFT:
        raise InvalidState(_l("This activity has not been opened yet."), code="activity_not_open")
    activity.status = ActivityStatus.CLOSED
    activity.closed_at = now or utcnow()
    live.changed(activity.session_id)
    db.session.flush()


def reveal_results(actor: User, activity: Activity, *, revealed: bool = True) -> None:
    """Show (or hide again) a poll's results on the projector and to participants. Raises PermissionDenied."""
    _organiser(actor, activity.session)
    activity.results_revealed = revealed
    live.changed(activity.session_id)
    db.session.flush()


# What each kind of activity is shown as on the room's screen.
SCREEN_OF_KIND = {
    ActivityKind.IDEAS: Screen.IDEAS,
    ActivityKind.QUESTIONS: Screen.QUESTIONS,
    ActivityKind.POLL: Screen.POLL,
    ActivityKind.FEEDBACK: Screen.POLL,
    ActivityKind.SHORT_ANSWERS: Screen.WORDS,
    ActivityKind.OPINIONS: Screen.OPINIONS,
}


def screen_for(activity: Activity) -> Screen:
    """The screen that shows an activity (an open-answer poll is a poll: its answers as bars)."""
    return SCREEN_OF_KIND[activity.kind]


def show_on_screen(actor: User, session: Session, screen: Screen, activity: Activity | None = None) -> Room:
    """Choose what the room's screen shows: a screen, and for an activity's screen which activity
    (none: the latest opened of its kind). Raises PermissionDenied, InvalidState (activity of another kind)."""
    _organiser(actor, session)
    screen = Screen(screen)
    if activity is not None:
        if activity.session_id != session.id:
            raise NotFound()
        if screen_for(activity) != screen and not (screen == Screen.RESULTS and activity.kind == ActivityKind.POLL):
            raise InvalidState(_l("This activity cannot be shown on that screen."), code="wrong_screen")
    room = ensure_room(session)
    room.screen = screen
    room.screen_activity_id = activity.id if activity is not None else None
    live.changed(session.id)
    db.session.flush()
    return room


def next_activity(actor: User, session: Session, *, now: datetime | None = None) -> Activity:
    """Close the activity on the room's screen (or the last one opened) and open the next one in the
    session's order, on the screen. Raises PermissionDenied, InvalidState when there is no next one."""
    _organiser(actor, session)
    activities = list(
        db.session.scalars(
            sa.select(Activity).where(Activity.session_id == session.id).order_by(Activity.position, Activity.id)
        )
    )
    room = ensure_room(session, now=now)
    current = next((a for a in activities if a.id == room.screen_activity_id), None)
    if current is None:
        opened = [a for a in activities if a.status == ActivityStatus.OPEN]
        current = max(opened, key=lambda a: (a.opened_at or now or utcnow(), a.id), default=None)
    later = activities[activities.index(current) + 1 :] if current is not None else activities
    following = later[0] if later else None
    if following is None:
        raise InvalidState(_l("There is no next activity: this was the last one."), code="no_next_activity")
    if current is not None and current.status == ActivityStatus.OPEN:
        close_activity(actor, current, now=now)
    if following.status != ActivityStatus.OPEN:
        open_activity(actor, following, now=now)
    show_on_screen(actor, session, screen_for(following), following)
    return following


# ---------------------------------------------------------------------------- participants


def join_with_ticket(
    session: Session, registration: Registration, *, guest: Participant | None = None, now: datetime | None = None
) -> Participant:
    """The participant of this ticket in this session, created once however many phones open the link.

    `guest` is the phone's guest identity in this session, if any: what it did is folded into the
    ticket's participant (see `_fold_guest`), so a phone that first joined from the room's QR code does
    not vote twice once it opens its ticket. Raises PermissionDenied when the ticket is for another event
    or no longer confirmed.
    """
    if registration.event_id != session.event_id or registration.status != RegistrationStatus.CONFIRMED:
        raise PermissionDenied(_l("This ticket is not valid for this session."), code="ticket_not_valid")
    query = sa.select(Participant).where(
        Participant.session_id == session.id, Participant.registration_id == registration.id
    )
    participant = db.session.scalar(query)
    if participant is None:
        participant = Participant(session_id=session.id, registration_id=registration.id, created_at=now or utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(participant)
                db.session.flush()
        except IntegrityError:
            participant = db.session.execute(query).scalar_one()  # the same ticket joined from another phone meanwhile
    if guest is not None and guest.registration_id is None and guest.session_id == session.id:
        _fold_guest(guest, participant)
    return participant


def _fold_guest(guest: Participant, participant: Participant) -> None:
    """Move a guest's votes, upvotes, reports and contributions to `participant`, then delete the guest.

    Where both answered the same poll, or supported or reported the same contribution, the
    participant's own row stays and the guest's is dropped (its counter with it), so that each poll
    keeps one answer per person. Runs in the caller's transaction.
    """
    if guest.id == participant.id:
        return
    for _attempt in range(2):  # a vote cast meanwhile from the ticket's other phone: drop again, once
        try:
            with db.session.begin_nested():
                _move_votes(guest, participant)
            break
        except IntegrityError:
            continue
    else:
        raise Conflict(_l("Please wait a moment and try again."), code="busy")

    # Upvotes: a contribution both supported loses the guest's voice.
    both = sa.select(Upvote.contribution_id).where(Upvote.participant_id == participant.id)
    _drop_upvotes(guest, Upvote.contribution_id.in_(both))
    db.session.execute(sa.update(Upvote).where(Upvote.participant_id == guest.id).values(participant_id=participant.id))
    # No one supports their own contribution: the guest's support for the ticket's contributions, or the
    # ticket's for the guest's, goes (both are now the one person's).
    own = sa.select(Contribution.id).where(Contribution.participant_id.in_((guest.id, participant.id)))
    _drop_upvotes(participant, Upvote.contribution_id.in_(own))

    # Reports: one person's second report no longer counts where it counted (made since the last review).
    both = sa.select(ContentReport.contribution_id).where(ContentReport.participant_id == participant.id)
    doubled_reports = list(
        db.session.scalars(
            sa.select(ContentReport).where(
                ContentReport.participant_id == guest.id, ContentReport.contribution_id.in_(both)
            )
        )
    )
    for report in doubled_reports:
        contribution = db.session.get_one(Contribution, report.contribution_id)
        if contribution.moderated_at is None or report.created_at > contribution.moderated_at:
            db.session.execute(
                sa.update(Contribution)
                .where(Contribution.id == contribution.id, Contribution.reports > 0)
                .values(reports=Contribution.reports - 1)
            )
        db.session.delete(report)
    db.session.flush()
    db.session.execute(
        sa.update(ContentReport).where(ContentReport.participant_id == guest.id).values(participant_id=participant.id)
    )

    _move_short_answers(guest, participant)
    db.session.execute(
        sa.update(Contribution).where(Contribution.participant_id == guest.id).values(participant_id=participant.id)
    )
    db.session.execute(sa.delete(Participant).where(Participant.id == guest.id))
    live.changed(participant.session_id)  # supports counted twice are gone
    db.session.expunge(guest)
    db.session.expire_all()


def _drop_upvotes(participant: Participant, condition: sa.ColumnElement[bool]) -> None:
    """Delete the participant's upvotes that meet `condition`, each contribution's count with it."""
    dropped = list(
        db.session.scalars(sa.select(Upvote.contribution_id).where(Upvote.participant_id == participant.id, condition))
    )
    if dropped:
        db.session.execute(
            sa.delete(Upvote).where(Upvote.participant_id == participant.id, Upvote.contribution_id.in_(dropped))
        )
        db.session.execute(
            sa.update(Contribution)
            .where(Contribution.id.in_(dropped), Contribution.upvotes > 0)
            .values(upvotes=Contribution.upvotes - 1)
        )


def _move_short_answers(guest: Participant, participant: Participant) -> None:
    """The guest's short answers join the participant's in their free places; one that repeats an answer
    the participant gave, or goes beyond the three, is dropped, as a second vote on a poll is."""
    taken: dict[int, list[tuple[int | None, str | None]]] = {}
    for activity_id, slot, key in db.session.execute(
        sa.select(Contribution.activity_id, Contribution.answer_slot, Contribution.answer_key).where(
            Contribution.participant_id == participant.id, Contribution.answer_slot.is_not(None)
        )
    ):
        taken.setdefault(activity_id, []).append((slot, key))
    for answer in db.session.scalars(
        sa.select(Contribution)
        .where(Contribution.participant_id == guest.id, Contribution.answer_slot.is_not(None))
        .order_by(Contribution.activity_id, Contribution.answer_slot)
    ).all():
        given = taken.setdefault(answer.activity_id, [])
        free = [slot for slot in range(1, SHORT_ANSWERS_PER_PARTICIPANT + 1) if slot not in {s for s, _k in given}]
        if not free or answer.answer_key in {k for _s, k in given}:
            db.session.delete(answer)
        else:
            answer.participant_id, answer.answer_slot = participant.id, free[0]
            given.append((free[0], answer.answer_key))
        db.session.flush()


def _move_votes(guest: Participant, participant: Participant) -> None:
    answered = sa.select(Vote.activity_id).where(Vote.participant_id == participant.id).scalar_subquery()
    doubled = sa.select(Vote.id).where(Vote.participant_id == guest.id, Vote.activity_id.in_(answered))
    db.session.execute(sa.delete(VoteChoice).where(VoteChoice.vote_id.in_(doubled)))
    db.session.execute(
        sa.delete(Vote).where(Vote.participant_id == guest.id, Vote.activity_id.in_(answered)),
        execution_options={"synchronize_session": False},
    )
    db.session.execute(
        sa.update(Vote).where(Vote.participant_id == guest.id).values(participant_id=participant.id),
        execution_options={"synchronize_session": False},
    )


def join_as_guest(session: Session, *, network: str | None = None, now: datetime | None = None) -> Participant:
    """A new guest of the session (no account, no personal data; `network` is a keyed hash of the
    network it joins from, for the moderator's view of surges). Raises InvalidState while the moderator
    has paused new guests."""
    paused = db.session.scalar(sa.select(Room.guests_paused).where(Room.session_id == session.id))
    if paused:
        raise InvalidState(
            _l(
                "The organisers have paused new guests for a moment. Try again in a few minutes, "
                "or open the link on your ticket if you have one."
            ),
            code="guests_paused",
        )
    participant = Participant(session_id=session.id, registration_id=None, network=network, created_at=now or utcnow())
    db.session.add(participant)
    db.session.flush()
    return participant


def pause_guest_joins(actor: User, session: Session, *, paused: bool = True) -> Room:
    """Stop (or allow again) new guests joining the session; who joined already takes part as before,
    and ticket holders still join. Raises PermissionDenied."""
    _organiser(actor, session)
    room = ensure_room(session)
    room.guests_paused = paused
    live.changed(session.id)
    db.session.flush()
    return room


# ---------------------------------------------------------------------------- ideas and questions


# Activities whose answers are contributions: moderated, reported, shown once published.
CONTRIBUTION_KINDS = (ActivityKind.IDEAS, ActivityKind.QUESTIONS, ActivityKind.SHORT_ANSWERS)


def _max_length(activity: Activity) -> int:
    return {ActivityKind.IDEAS: texts.IDEA_MAX, ActivityKind.SHORT_ANSWERS: texts.SHORT_ANSWER_MAX}.get(
        activity.kind, texts.QUESTION_MAX
    )


def _from_participant(
    participant: Participant, activity: Activity, body: str, now: datetime | None, **values: Any
) -> Contribution:
    """A participant's contribution, pending moderation (or public at once under post-moderation)."""
    return Contribution(
        activity_id=activity.id,
        participant_id=participant.id,
        channel=channel_of(participant),
        body=body,
        status=ContributionStatus.PENDING if activity.moderation == Moderation.PRE else ContributionStatus.PUBLISHED,
        created_at=now or utcnow(),
        **values,
    )


def submit_contribution(
    participant: Participant, activity: Activity, body: str, *, now: datetime | None = None
) -> Contribution:
    """An idea or question, pending moderation (or public at once under post-moderation).

    Raises InvalidText, InvalidState (closed), PermissionDenied (access level).
    """
    if activity.kind not in (ActivityKind.IDEAS, ActivityKind.QUESTIONS):
        raise NotFound()
    _may_take_part(participant, activity)
    body = _check_text(body, _max_length(activity), multiline=activity.kind == ActivityKind.IDEAS)
    contribution = _from_participant(participant, activity, body, now)
    _add_answer(contribution)
    live.changed(activity.session_id)
    return contribution


def submit_short_answers(
    participant: Participant, activity: Activity, answers: Iterable[str], *, now: datetime | None = None
) -> list[Contribution]:
    """Short answers of a word cloud, pending moderation (or public at once under post-moderation).

    Three different answers per participant and activity in all, held by the database (unique slot and
    answer per participant), however many phones or workers send at once. Blank entries are left out.
    Raises InvalidText, InvalidState (closed), PermissionDenied (access level), Conflict (more than
    three in all, an answer given already).
    """
    if activity.kind != ActivityKind.SHORT_ANSWERS:
        raise NotFound()
    _may_take_part(participant, activity)
    bodies = [_check_text(answer, texts.SHORT_ANSWER_MAX) for answer in answers if answer and answer.strip()]
    keys = [texts.answer_key(body) for body in bodies]
    if not bodies or not all(keys):
        raise InvalidText(_l("Please write something first."), code="empty")
    given = dict(
        db.session.execute(
            sa.select(Contribution.answer_key, Contribution.answer_slot).where(
                Contribution.activity_id == activity.id, Contribution.participant_id == participant.id
            )
        ).all()
    )
    if len(set(keys)) < len(keys) or set(keys) & set(given):
        raise Conflict(_l("You have already given this answer: give another one."), code="same_answer")
    free = [slot for slot in range(1, SHORT_ANSWERS_PER_PARTICIPANT + 1) if slot not in given.values()]
    if len(bodies) > len(free):
        raise Conflict(_short_answers_left(len(free)), code="too_many_answers")
    now = now or utcnow()
    contributions = [
        _from_participant(participant, activity, body, now, answer_slot=slot, answer_key=key)
        for body, key, slot in zip(bodies, keys, free, strict=False)
    ]
    # The same slot or answer sent meanwhile from another phone of this participant: they try again.
    _add_answer(*contributions, duplicate=Conflict(_l("Please wait a moment and try again."), code="busy"))
    live.changed(activity.session_id)
    return contributions


def _short_answers_left(left: int) -> str:
    # Lazy strings, cast to the str that the errors take as their message (flask_babel ships no types).
    if not left:
        return cast(str, _l("You have given your %(num)d answers. Thank you!", num=SHORT_ANSWERS_PER_PARTICIPANT))
    return cast(str, lazy_ngettext("You can give %(num)d more answer.", "You can give %(num)d more answers.", left))


def withdraw_contribution(participant: Participant | None, contribution: Contribution) -> None:
    """The author takes back what they sent while no organiser has dealt with it (see
    `queries.withdrawable`): deleted, with its upvotes and reports, in one conditional DELETE, so a
    moderation decision committed meanwhile wins. Raises NotFound (not theirs), InvalidState (dealt with).
    """
    if participant is None or contribution.participant_id != participant.id:
        raise NotFound()
    deleted = rows_matched(
        db.session.execute(
            sa.delete(Contribution).where(
                Contribution.id == contribution.id,
                Contribution.participant_id == participant.id,
                queries.withdrawable(),
            ),
            execution_options={"synchronize_session": False},
        )
    )
    if not deleted:
        raise InvalidState(
            _l("The organisers have already dealt with it: it can no longer be withdrawn."), code="moderated"
        )
    live.changed(contribution.activity.session_id)
    db.session.expunge(contribution)


def enter_paper_card(actor: User, activity: Activity, body: str, *, now: datetime | None = None) -> Contribution:
    """An organiser types in a paper card: public at once, channel "facilitator". Raises PermissionDenied."""
    _organiser(actor, activity.session)
    if activity.kind not in CONTRIBUTION_KINDS:
        raise NotFound()
    short = activity.kind == ActivityKind.SHORT_ANSWERS
    body = _check_text(body, _max_length(activity), multiline=not short)
    return _from_facilitator(
        actor, activity, body, now, answer_key=(texts.answer_key(body) or body.casefold()) if short else None
    )


def _from_facilitator(actor: User, activity: Activity, body: str, now: datetime | None, **values: Any) -> Contribution:
    """An organiser's entry (a paper card, a seeded statement), public at once. Flushes."""
    now = now or utcnow()
    contribution = Contribution(
        activity_id=activity.id,
        participant_id=None,
        channel=Channel.FACILITATOR,
        body=body,
        status=ContributionStatus.PUBLISHED,
        created_at=now,
        moderated_at=now,
        moderated_by_id=actor.id,
        **values,
    )
    db.session.add(contribution)
    live.changed(activity.session_id)
    db.session.flush()
    return contribution


def upvote(participant: Participant, contribution: Contribution, *, now: datetime | None = None) -> bool:
    """Support a public idea or question once; False if this participant already did.

    Raises NotFound (not public, or a short answer: the cloud counts people, not support),
    PermissionDenied (one's own contribution), InvalidState (closed)."""
    activity = contribution.activity
    _may_take_part(participant, activity)
    if contribution.status != ContributionStatus.PUBLISHED or activity.kind == ActivityKind.SHORT_ANSWERS:
        raise NotFound()
    if contribution.participant_id == participant.id:
        raise PermissionDenied(_l("You cannot support your own contribution."), code="own_contribution")
    try:
        with db.session.begin_nested():
            db.session.add(
                Upvote(contribution_id=contribution.id, participant_id=participant.id, created_at=now or utcnow())
            )
            db.session.flush()
    except IntegrityError:
        return False
    db.session.execute(
        sa.update(Contribution).where(Contribution.id == contribution.id).values(upvotes=Contribution.upvotes + 1)
    )
    live.changed(activity.session_id)
    db.session.refresh(contribution)
    return True


def report_contribution(participant: Participant, contribution: Contribution, *, now: datetime | None = None) -> bool:
    """Flag content for the organisers once per participant; REPORTS_BEFORE_REVIEW reports made since the
    last moderation decision send it back to the moderation queue. False if already reported. Raises NotFound.

    A guest (no ticket) is a new participant whenever the phone's cookie is cleared, and a ticket whose
    address is not confirmed (nor let in at the door) is free to make, so both count as one guest voice
    together (`channel_of`): each proven ticket holder's report counts, guests' only once between two reviews.
    Otherwise one person could take any idea offline alone (found in the security review).
    """
    if participant.session_id != contribution.activity.session_id or contribution.status not in (
        ContributionStatus.PUBLISHED,
        ContributionStatus.PENDING,
    ):
        raise NotFound()
    try:
        with db.session.begin_nested():
            db.session.add(
                ContentReport(
                    contribution_id=contribution.id, participant_id=participant.id, created_at=now or utcnow()
                )
            )
            db.session.flush()
    except IntegrityError:
        return False
    if channel_of(participant) == Channel.GUEST and _another_guest_reported_since_review(contribution, participant):
        return True  # logged for the organisers, not counted again
    db.session.execute(
        sa.update(Contribution).where(Contribution.id == contribution.id).values(reports=Contribution.reports + 1)
    )
    db.session.execute(
        sa.update(Contribution)
        .where(
            Contribution.id == contribution.id,
            Contribution.status == ContributionStatus.PUBLISHED,
            Contribution.channel != Channel.FACILITATOR,
            Contribution.reports >= REPORTS_BEFORE_REVIEW,
        )
        .values(status=ContributionStatus.PENDING)
    )
    live.changed(contribution.activity.session_id)
    db.session.refresh(contribution)
    return True


def _another_guest_reported_since_review(contribution: Contribution, guest: Participant) -> bool:
    since_review = ContentReport.created_at > contribution.moderated_at if contribution.moderated_at else sa.true()
    return db.session.execute(
        sa.select(
            sa.exists()
            .where(ContentReport.contribution_id == contribution.id, ContentReport.participant_id != guest.id)
            .where(ContentReport.participant_id == Participant.id, _guest_voice())
            .where(since_review)
        )
    ).scalar_one()


# ---------------------------------------------------------------------------- moderation


def _moderate(actor: User, contribution: Contribution, status: ContributionStatus, now: datetime | None) -> None:
    _organiser(actor, contribution.activity.session)
    if contribution.status == ContributionStatus.MERGED:
        raise InvalidState(_l("This contribution was merged into another one."), code="merged")
    contribution.status = status
    _reviewed(actor, contribution, now)


def _reviewed(actor: User, contribution: Contribution, now: datetime | None) -> None:
    """An organiser looked at it: reports made so far are dealt with, only later ones count again."""
    contribution.moderated_at = now or utcnow()
    contribution.moderated_by_id = actor.id
    contribution.reports = 0
    live.changed(contribution.activity.session_id)
    db.session.flush()


def approve(actor: User, contribution: Contribution, *, now: datetime | None = None) -> None:
    """Make a contribution public (also un-hides). Raises PermissionDenied, InvalidState (merged)."""
    _moderate(actor, contribution, ContributionStatus.PUBLISHED, now)
    contribution.rejection_reason = ""


def hide(actor: User, contribution: Contribution, *, reason: str = "", now: datetime | None = None) -> None:
    """Take a contribution out of public view (kept for the organisers), with a reason its author can
    read if one is given. Raises PermissionDenied, InvalidText, InvalidState (merged)."""
    reason = _check_text(reason, texts.REASON_MAX, required=False)
    _moderate(actor, contribution, ContributionStatus.HIDDEN, now)
    contribution.rejection_reason = reason


def reject(actor: User, contribution: Contribution, reason: str, *, now: datetime | None = None) -> None:
    """Refuse a contribution with a reason its author can read. Raises PermissionDenied, InvalidText."""
    reason = _check_text(reason, texts.REASON_MAX)
    _moderate(actor, contribution, ContributionStatus.REJECTED, now)
    contribution.rejection_reason = reason


def merge(actor: User, duplicate: Contribution, target: Contribution, *, now: datetime | None = None) -> None:
    """Fold a duplicate into `target`: its supporters' upvotes carry over (once each, and never to the
    target's own author). Raises PermissionDenied, InvalidState (not a valid target)."""
    if duplicate.id == target.id or duplicate.activity_id != target.activity_id:
        raise InvalidState(_l("Choose another contribution of the same activity."), code="merge_target")
    if target.status in (ContributionStatus.MERGED, ContributionStatus.REJECTED):
        raise InvalidState(_l("Choose another contribution of the same activity."), code="merge_target")
    _moderate(actor, duplicate, ContributionStatus.MERGED, now)
    duplicate.merged_into_id = target.id
    already = sa.select(Upvote.participant_id).where(Upvote.contribution_id == target.id)
    db.session.execute(
        sa.insert(Upvote).from_select(
            ["contribution_id", "participant_id", "created_at"],
            sa.select(sa.literal(target.id), Upvote.participant_id, Upvote.created_at).where(
                Upvote.contribution_id == duplicate.id,
                Upvote.participant_id.not_in(already),
                Upvote.participant_id.is_distinct_from(target.participant_id),
            ),
        )
    )
    count = sa.select(sa.func.count()).where(Upvote.contribution_id == target.id).scalar_subquery()
    db.session.execute(sa.update(Contribution).where(Contribution.id == target.id).values(upvotes=count))
    db.session.refresh(target)


def mark_answered(
    actor: User, contribution: Contribution, *, answered: bool = True, now: datetime | None = None
) -> None:
    """A question answered in the room drops off the projector's list. Raises PermissionDenied."""
    _organiser(actor, contribution.activity.session)
    contribution.answered_at = (now or utcnow()) if answered else None
    live.changed(contribution.activity.session_id)
    db.session.flush()


def pin(actor: User, contribution: Contribution, *, pinned: bool = True, now: datetime | None = None) -> None:
    """Put a public idea or question first on the projector and the phones (or take it down again).

    Raises PermissionDenied, InvalidState when it is not public."""
    _organiser(actor, contribution.activity.session)
    if pinned and contribution.status != ContributionStatus.PUBLISHED:
        raise InvalidState(_l("Only a public contribution can be pinned."), code="not_public")
    contribution.pinned_at = (now or utcnow()) if pinned else None
    live.changed(contribution.activity.session_id)
    db.session.flush()


def set_outcome(
    actor: User, contribution: Contribution, outcome: Outcome, reasons: dict[str, str], *, now: datetime | None = None
) -> None:
    """The organisers' answer to an idea: accepted, studied or not retained, with a reason. Raises PermissionDenied."""
    _organiser(actor, contribution.activity.session)
    clean = {
        lang: _check_text(reasons.get(lang, ""), 1000, multiline=True, required=False) for lang in ("fr", "nl", "en")
    }
    if not any(clean.values()):
        raise InvalidText(_l("Give the reason in at least one language."), code="reason_required", field="reason_fr")
    contribution.outcome = Outcome(outcome)
    contribution.outcome_reason_fr = clean["fr"]
    contribution.outcome_reason_nl = clean["nl"]
    contribution.outcome_reason_en = clean["en"]
    _reviewed(actor, contribution, now)


# ---------------------------------------------------------------------------- polls and feedback


def _choices(activity: Activity, option_ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(option_ids))
    valid = {o.id for o in activity.options}
    if not wanted or not set(wanted) <= valid:
        raise InvalidState(_l("Choose one of the answers."), code="invalid_choice", field="choice")
    if activity.poll_type == PollType.SINGLE and len(wanted) != 1:
        raise InvalidState(_l("Choose one answer only."), code="invalid_choice", field="choice")
    return wanted


def _build_vote(
    activity: Activity,
    *,
    option_ids: Iterable[int],
    value: int | None,
    text: str,
    channel: Channel,
    now: datetime | None,
) -> Vote:
    vote = Vote(activity_id=activity.id, channel=channel, created_at=now or utcnow(), text="")
    if activity.kind == ActivityKind.FEEDBACK:
        if value is None or not 1 <= value <= 5:
            raise InvalidState(_l("Choose a rating from 1 to 5."), code="invalid_value", field="value")
        vote.value = value
        vote.text = _check_text(text or "", texts.COMMENT_MAX, multiline=True, required=False)
    elif activity.poll_type in (PollType.SINGLE, PollType.MULTIPLE):
        vote.choices = [VoteChoice(option_id=option_id) for option_id in _choices(activity, option_ids)]
    elif activity.poll_type == PollType.SCALE:
        if value is None or not 1 <= value <= 5:
            raise InvalidState(_l("Choose a value from 1 to 5."), code="invalid_value", field="value")
        vote.value = value
    elif activity.poll_type == PollType.OPEN:
        vote.text = _check_text(text or "", texts.OPEN_ANSWER_MAX)
    else:
        raise NotFound()
    return vote


def answer_poll(
    participant: Participant,
    activity: Activity,
    *,
    option_ids: Iterable[int] = (),
    value: int | None = None,
    text: str = "",
    now: datetime | None = None,
) -> Vote:
    """One answer per participant and poll (or feedback survey), enforced by a unique index.

    Raises Conflict (already answered), InvalidState (closed, bad choice), PermissionDenied, InvalidText.
    """
    if activity.kind not in (ActivityKind.POLL, ActivityKind.FEEDBACK):
        raise NotFound()
    _may_take_part(participant, activity)
    vote = _build_vote(
        activity, option_ids=option_ids, value=value, text=text, channel=channel_of(participant), now=now
    )
    vote.participant_id = participant.id
    _add_answer(vote, duplicate=Conflict(_l("You have already answered. Thank you!"), code="already_voted"))
    live.changed(activity.session_id)
    return vote


def _add_answer(*answers: Vote | Contribution, duplicate: Conflict | None = None) -> None:
    """Insert a participant's answers, in a savepoint so that a refusal leaves the transaction usable.

    The database refuses it when the activity is gone: the organiser cancelled the session between the
    participant opening the activity and answering (PostgreSQL reads the activity, then the DELETE
    commits). Otherwise a refusal is the unique index's: `duplicate` says it (one answer per poll)."""
    try:
        with db.session.begin_nested():
            db.session.add_all(answers)
            db.session.flush()
    except IntegrityError:
        if not db.session.scalar(sa.select(sa.exists().where(Activity.id == answers[0].activity_id))):
            raise InvalidState(_l("This activity is not open at the moment."), code="activity_not_open") from None
        if duplicate is None:
            raise
        raise duplicate from None


def record_show_of_hands(
    actor: User,
    activity: Activity,
    *,
    count: int,
    option_ids: Iterable[int] = (),
    value: int | None = None,
    text: str = "",
    now: datetime | None = None,
) -> Vote:
    """Paper ballots or raised hands counted by a facilitator, added as `count` votes of the facilitator channel."""
    _organiser(actor, activity.session)
    if activity.kind != ActivityKind.POLL:
        raise NotFound()
    if not 1 <= count <= 10000:
        raise InvalidState(_l("Enter a number of people from 1 to 10000."), code="invalid_count", field="count")
    vote = _build_vote(activity, option_ids=option_ids, value=value, text=text, channel=Channel.FACILITATOR, now=now)
    vote.weight = count
    db.session.add(vote)
    live.changed(activity.session_id)
    db.session.flush()
    return vote


# ---------------------------------------------------------------------------- exports


def log_export(
    actor: User, event: Event, level: ExportLevel, fmt: str, rows: int, *, now: datetime | None = None
) -> ExportLog:
    """Record who took a research or restricted export. Raises PermissionDenied."""
    require_event_access(actor, event.id)
    entry = ExportLog(
        user_id=actor.id, event_id=event.id, level=ExportLevel(level), format=fmt, rows=rows, created_at=now or utcnow()
    )
    db.session.add(entry)
    db.session.flush()
    return entry
