"""Exports at three levels: public (aggregates and approved content), research (pseudonymised) and
restricted (personal data, for the event's organisers, logged)."""

import csv
import hashlib
import hmac
import io
import json
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from eventapp.events.models import Event, Session
from eventapp.extensions import db
from eventapp.participation import queries
from eventapp.participation.models import (
    Activity,
    ActivityKind,
    Contribution,
    ContributionStatus,
    ExportLevel,
    Participant,
    Vote,
)
from eventapp.participation.reports import results_are_public

COLUMNS = [
    "record",
    "session",
    "activity",
    "kind",
    "answer",
    "value",
    "text",
    "channel",
    "count",
    "status",
    "upvotes",
    "outcome",
    "outcome_reason",
    "created_at",
    "participant",
    "audience",
    "commune",
    "name",
    "email",
]


class _Pseudonymiser:
    """HMAC-SHA256 with a fresh random key per export, never stored: two exports cannot be linked."""

    def __init__(self):
        self._key = secrets.token_bytes(32)

    def __call__(self, participant: Participant | None) -> str:
        if participant is None:
            return ""
        subject = f"r:{participant.registration.uuid}" if participant.registration else f"g:{participant.uuid}"
        return hmac.new(self._key, subject.encode(), hashlib.sha256).hexdigest()


def _sessions(event: Event) -> list[Session]:
    return list(db.session.scalars(sa.select(Session).where(Session.event_id == event.id).order_by(Session.starts_at)))


def build_rows(event: Event, level: ExportLevel) -> list[dict]:
    level = ExportLevel(level)
    rows: list[dict] = []
    pseudonym = _Pseudonymiser()
    for session in _sessions(event):
        for activity in queries.list_activities(session, visible_only=True):
            base = {
                "session": session.title_fr or session.title_nl,
                "activity": activity.prompt_fr or activity.prompt_nl,
                "kind": activity.kind.value,
            }
            if activity.kind in (ActivityKind.POLL, ActivityKind.FEEDBACK):
                if level == ExportLevel.PUBLIC:
                    if not results_are_public(activity):
                        continue  # as on the results page: no live counts before the reveal
                    result = queries.poll_results(activity)
                    for row in result.rows:
                        label = row.option.label_fr if row.option else str(row.key)
                        for channel, count in row.by_channel.items():
                            if count:
                                rows.append(
                                    {
                                        **base,
                                        "record": "poll_result",
                                        "answer": label,
                                        "channel": channel.value,
                                        "count": count,
                                    }
                                )
                else:
                    rows += _votes(activity, base, level, pseudonym)
            else:
                query = sa.select(Contribution).where(Contribution.activity_id == activity.id)
                if level == ExportLevel.PUBLIC:
                    query = query.where(Contribution.status == ContributionStatus.PUBLISHED)
                query = query.options(selectinload(Contribution.participant).selectinload(Participant.registration))
                for c in db.session.scalars(query.order_by(Contribution.id)):
                    record = {
                        **base,
                        "record": "contribution",
                        "text": c.body,
                        "channel": c.channel.value,
                        "status": c.status.value,
                        "upvotes": c.upvotes,
                        "outcome": c.outcome.value if c.outcome else "",
                        "outcome_reason": c.outcome_reason_fr or c.outcome_reason_nl,
                        "created_at": c.created_at.isoformat(),
                    }
                    if level != ExportLevel.PUBLIC:
                        record.update(_person(c.participant, level, pseudonym))
                    rows.append(record)
    return [{column: row.get(column, "") for column in COLUMNS} for row in rows]


def _person(participant, level, pseudonym) -> dict:
    registration = participant.registration if participant else None
    person = {
        "participant": pseudonym(participant),
        "audience": registration.audience.value if registration and registration.audience else "",
        "commune": (registration.commune or "") if registration else "",
    }
    if level == ExportLevel.RESTRICTED and registration is not None:
        person.update(name=registration.name, email=registration.email)
    return person


def _votes(activity: Activity, base: dict, level, pseudonym) -> list[dict]:
    labels = {o.id: o.label_fr or o.label_nl for o in activity.options}
    votes = db.session.scalars(
        sa.select(Vote).where(Vote.activity_id == activity.id).options(selectinload(Vote.choices)).order_by(Vote.id)
    )
    participants: dict[int | None, Participant] = {
        p.id: p
        for p in db.session.scalars(
            sa.select(Participant)
            .where(Participant.id.in_(sa.select(Vote.participant_id).where(Vote.activity_id == activity.id)))
            .options(selectinload(Participant.registration))
        )
    }
    rows = []
    for vote in votes:
        rows.append(
            {
                **base,
                "record": "vote",
                "answer": "; ".join(labels[c.option_id] for c in vote.choices),
                "value": vote.value or "",
                "text": vote.text,
                "channel": vote.channel.value,
                "count": vote.weight,
                "created_at": vote.created_at.isoformat(),
                **_person(participants.get(vote.participant_id), level, pseudonym),
            }
        )
    return rows


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        # Spreadsheet formula injection: a cell starting with = + - @ is prefixed with a quote.
        writer.writerow(
            {k: ("'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") else v) for k, v in row.items()}
        )
    return buffer.getvalue()


def to_json(rows: list[dict], event: Event, level: ExportLevel) -> str:
    return json.dumps(
        {"event": event.slug, "level": ExportLevel(level).value, "records": rows}, ensure_ascii=False, indent=1
    )
