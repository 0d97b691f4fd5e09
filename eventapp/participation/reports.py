"""The public results of a session and the one-page report of an event (aggregates only)."""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from eventapp.core.communes import OUTSIDE_BRUSSELS, get_commune
from eventapp.events.models import Event, Session
from eventapp.extensions import db
from eventapp.participation import queries
from eventapp.participation.models import Activity, ActivityKind, ActivityStatus, Contribution, ContributionStatus
from eventapp.registration.models import Registration, RegistrationStatus
from eventapp.tickets.queries import count_people_who_came

# Counts under this are shown as "<5" so that no one is recognisable in a small group.
SUPPRESS_BELOW = 5


def suppressed(count: int) -> str:
    return f"<{SUPPRESS_BELOW}" if 0 < count < SUPPRESS_BELOW else str(count)


@dataclass
class ActivityResults:
    """What the public may see of one activity: a poll's figures, the published ideas or questions (most
    supported first, up to CONTRIBUTIONS_SHOWN), or a word cloud."""

    activity: Activity
    poll: queries.PollResult | None = None
    contributions: list[Contribution] = field(default_factory=list)
    published: int = 0  # ideas, questions or short answers published
    answered: int = 0  # questions answered in the room
    cloud: list[queries.CloudWord] = field(default_factory=list)
    people: int = 0  # people who gave short answers


@dataclass
class SessionResults:
    session: Session
    activities: list[ActivityResults]

    def _of(self, *kinds: ActivityKind) -> list[ActivityResults]:
        return [a for a in self.activities if a.activity.kind in kinds]

    @property
    def polls(self) -> list:  # PollResult
        return [a.poll for a in self._of(ActivityKind.POLL)]

    @property
    def feedback(self) -> list:  # PollResult
        return [a.poll for a in self._of(ActivityKind.FEEDBACK)]

    def _contributions(self, kind: ActivityKind) -> list[Contribution]:
        return sorted((c for a in self._of(kind) for c in a.contributions), key=lambda c: -c.upvotes)

    @property
    def ideas(self) -> list[Contribution]:
        return self._contributions(ActivityKind.IDEAS)

    @property
    def questions(self) -> list[Contribution]:
        return self._contributions(ActivityKind.QUESTIONS)

    @property
    def short_answers(self) -> list[ActivityResults]:
        return self._of(ActivityKind.SHORT_ANSWERS)


CONTRIBUTIONS_SHOWN = 20


def results_are_public(activity: Activity) -> bool:
    """May anyone see this poll's or survey's figures? A poll once revealed or closed, a survey once closed.

    The one rule for the results page, the event report, the open-data API and the public export.
    """
    if activity.kind == ActivityKind.POLL:
        return activity.results_revealed or activity.status == ActivityStatus.CLOSED
    if activity.kind == ActivityKind.FEEDBACK:
        return activity.status == ActivityStatus.CLOSED
    return False


def session_results(session: Session) -> SessionResults:
    """The session's activities as the public may see them, in their order: polls and surveys whose
    results are public (see `results_are_public`), published ideas, questions and short answers."""
    activities = []
    for activity in queries.list_activities(session, visible_only=True):
        result = ActivityResults(activity)
        if activity.kind in (ActivityKind.POLL, ActivityKind.FEEDBACK):
            if not results_are_public(activity):
                continue
            result.poll = queries.poll_results(activity)
        elif activity.kind == ActivityKind.SHORT_ANSWERS:
            result.cloud = queries.word_cloud(activity)
            result.published, result.people = queries.count_short_answers(activity)
        else:
            result.contributions = queries.list_public_contributions(activity, limit=CONTRIBUTIONS_SHOWN)
            result.published, result.answered = queries.count_public_contributions(activity)
        activities.append(result)
    return SessionResults(session, activities)


def protect(cells: list[tuple[str, int]]) -> list[tuple[str, str]] | None:
    """One breakdown of a published total, with its small counts hidden so that none can be worked out.

    Counts under SUPPRESS_BELOW are hidden; as the total is shown, the smallest others are hidden with them
    until at least two are hidden and they hold together at least SUPPRESS_BELOW people, more than one
    each (complementary suppression: subtracting the shown counts from the total then gives only their sum).
    Every hidden count shows the same mark ("<5", or "hidden" when one of them is not under 5), and the
    hidden rows come last in label order, so that neither the mark nor the order tells them apart.
    None when even hiding every row is not enough (a single small row is the total; or rows that hold
    no more people than there are rows are 1 each): the breakdown is then not published at all.
    """
    ordered = sorted(cells, key=lambda cell: cell[1])
    hidden = [cell for cell in ordered if 0 < cell[1] < SUPPRESS_BELOW]
    shown = [cell for cell in ordered if not 0 < cell[1] < SUPPRESS_BELOW]

    def exposed() -> bool:
        people = sum(count for _label, count in hidden)
        return len(hidden) < 2 or people < max(SUPPRESS_BELOW, len(hidden) + 1)

    while hidden and shown and exposed():
        hidden.append(shown.pop(0))
    if hidden and exposed():
        return None
    mark = suppressed(1) if all(count < SUPPRESS_BELOW for _label, count in hidden) else str(_("hidden"))
    shown.sort(key=lambda cell: -cell[1])
    return [(label, str(count)) for label, count in shown] + [(label, mark) for label, _count in sorted(hidden)]


@dataclass
class Attendance:
    registered_people: int
    checked_in_people: int
    by_commune: list[tuple[str, str]] | None  # (label, suppressed count); None: withheld (see protect)
    by_audience: list[tuple[str, str]] | None

    # What the report shows: a total under SUPPRESS_BELOW is a small count too (and would give away the
    # count of a breakdown's only row).
    @property
    def registered_shown(self) -> str:
        return suppressed(self.registered_people)

    @property
    def checked_in_shown(self) -> str:
        return suppressed(self.checked_in_people)


def attendance(event: Event, lang: str) -> Attendance:
    """People registered and people who came to the door (at least once, for an event over several
    days: see `count_people_who_came`); reach of those who came by commune and audience."""
    confirmed = sa.and_(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
    registered = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Registration.seats), 0)).where(confirmed)
    ).scalar_one()
    came = count_people_who_came([event.id])
    by_commune: dict[str | None, int] = {}
    by_audience: dict[str | None, int] = {}
    for registration_id, commune, audience in db.session.execute(
        sa.select(Registration.id, Registration.commune, Registration.audience).where(confirmed)
    ):
        if registration_id not in came:
            continue
        by_commune[commune] = by_commune.get(commune, 0) + came[registration_id]
        by_audience[audience] = by_audience.get(audience, 0) + came[registration_id]

    def grouped(counts: dict) -> list[tuple]:
        return sorted(counts.items(), key=lambda r: -r[1])

    communes = []
    for nis, count in grouped(by_commune):
        if nis == OUTSIDE_BRUSSELS:
            label = "outside"
        elif nis and (known := get_commune(nis)):
            label = known.name(lang)
        else:
            label = "unknown"
        communes.append((label, count))
    audiences = [(str(key) if key else "unknown", count) for key, count in grouped(by_audience)]
    return Attendance(int(registered), sum(by_commune.values()), protect(communes), protect(audiences))


def count_contributions(event: Event) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Contribution)
        .join(Activity, Activity.id == Contribution.activity_id)
        .join(Session, Session.id == Activity.session_id)
        .where(Session.event_id == event.id, Contribution.status == ContributionStatus.PUBLISHED)
    ).scalar_one()
