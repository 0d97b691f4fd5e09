"""Opinion map (issue 21): statements, reactions, the map recomputed in the background, Polis import/export.

Services flush, never commit: the caller owns the transaction. Recording a reaction never computes the
map: `recompute_stale_maps` does, in the worker (`flask participation opinions-worker`), within seconds.
numpy is imported only there, so web workers never load it.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from eventapp.accounts.models import User
from eventapp.accounts.services import record_audit
from eventapp.core.db import rows_matched
from eventapp.core.errors import InvalidState, NotFound
from eventapp.core.time import utcnow
from eventapp.events.models import Session
from eventapp.extensions import db
from eventapp.participation import live, polis_format
from eventapp.participation.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Channel,
    Contribution,
    ContributionStatus,
    Moderation,
    Participant,
)
from eventapp.participation.opinion_models import (
    STATEMENT_MAX,
    OpinionMapRecord,
    PolisId,
    Reaction,
    StatementTranslation,
)
from eventapp.participation.services import (
    _add_answer,
    _check_text,
    _from_facilitator,
    _from_participant,
    _may_take_part,
    _organiser,
    channel_of,
)

VOTES = {"agree": 1, "disagree": -1, "pass": 0}
# Moderated out of the map (Polis "zeroes out" these columns; see opinion_groups).
OUT_OF_MAP = (ContributionStatus.HIDDEN, ContributionStatus.REJECTED, ContributionStatus.MERGED)
_POLIS_MODERATION = {
    ContributionStatus.PUBLISHED: polis_format.MODERATED_IN,
    ContributionStatus.PENDING: polis_format.UNMODERATED,
}
_INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


# ---------------------------------------------------------------------------- statements and reactions


def _opinions(activity: Activity) -> None:
    if activity.kind != ActivityKind.OPINIONS:
        raise NotFound()


def statement_languages(session: Session) -> tuple[str, ...]:
    """The languages a statement of this session may be written or translated in: the Region's two, and English
    when the session is (partly) in English."""
    return ("fr", "nl", "en") if "en" in session.language_codes else ("fr", "nl")


def _check_language(session: Session, language: str, *, other_than: str | None = None) -> str:
    if language not in statement_languages(session) or language == other_than:
        raise InvalidState(_l("Choose one of the session's languages."), code="invalid_language", field="language")
    return language


def submit_statement(
    participant: Participant,
    activity: Activity,
    body: str,
    *,
    language: str | None = None,
    now: datetime | None = None,
):
    """A participant's statement (up to 140 characters) written in `language` (the phone's, if one of the
    session's), moderated as ideas are.
    Raises InvalidText, InvalidState (closed), PermissionDenied (access level), NotFound (not an opinions activity)."""
    _opinions(activity)
    _may_take_part(participant, activity)
    # A phone in English on a French and Dutch session: the statement's language is not known, not refused.
    known = language if language in statement_languages(activity.session) else None
    statement = _from_participant(participant, activity, _check_text(body, STATEMENT_MAX), now, language=known)
    _add_answer(statement)
    live.changed(activity.session_id)
    return statement


def seed_statement(
    actor: User, activity: Activity, body: str, *, language: str, now: datetime | None = None
) -> Contribution:
    """An organiser's statement in `language`, public at once, in any state of the activity. Flushes.
    Raises PermissionDenied, NotFound (not an opinions activity), InvalidText, InvalidState (language)."""
    _organiser(actor, activity.session)
    _opinions(activity)
    body = _check_text(body, STATEMENT_MAX)
    return _from_facilitator(actor, activity, body, now, language=_check_language(activity.session, language))


def translate_statement(
    actor: User, statement: Contribution, language: str, body: str, *, now: datetime | None = None
) -> StatementTranslation:
    """Add or replace the organisers' translation of a statement into another of the session's languages,
    recorded in the audit log. Phones in that language show it; everything else keeps the original. Flushes.
    Raises PermissionDenied, NotFound (not a statement), InvalidText (empty, too long), InvalidState (language:
    not one of the session's, or the statement's own)."""
    activity = statement.activity
    _organiser(actor, activity.session)
    _opinions(activity)
    _check_language(activity.session, language, other_than=statement.language)
    body = _check_text(body, STATEMENT_MAX)
    now = now or utcnow()
    translation = db.session.get(StatementTranslation, (statement.id, language))
    record_audit(
        actor,
        "statement.translated",
        now=now,
        event_id=activity.session.event_id,
        target=str(statement.uuid),
        details={"language": language, "replaced": translation is not None},
    )
    if translation is None:
        translation = StatementTranslation(statement_id=statement.id, language=language)
        db.session.add(translation)
    translation.body = body
    translation.translated_at = now
    translation.translated_by_id = actor.id
    live.changed(activity.session_id)
    db.session.flush()
    return translation


def react(participant: Participant, statement: Contribution, vote: str, *, now: datetime | None = None) -> None:
    """Agree, disagree or pass: one reaction per participant and statement (the primary key), a new one
    replaces the old in one upsert, however many phones send at once. Does not touch the map.
    Raises NotFound (not a public statement), InvalidState (closed, unknown vote), PermissionDenied."""
    activity = statement.activity
    _opinions(activity)
    if statement.status != ContributionStatus.PUBLISHED:
        raise NotFound()
    _may_take_part(participant, activity)
    if vote not in VOTES:
        raise InvalidState(_l("Choose agree, disagree or pass."), code="invalid_vote", field="vote")
    now = now or utcnow()
    # PostgreSQL's and SQLite's inserts both have ON CONFLICT, under the same names but distinct types.
    insert: Any = _INSERTS[db.session.get_bind().dialect.name](Reaction).values(
        activity_id=activity.id,
        statement_id=statement.id,
        participant_id=participant.id,
        vote=VOTES[vote],
        channel=channel_of(participant),
        created_at=now,
        updated_at=now,
    )
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=[Reaction.statement_id, Reaction.participant_id],
            set_={k: insert.excluded[k] for k in ("vote", "channel", "updated_at")},
        )
    )


def erase_reactions(participant: Participant, activity: Activity) -> int:
    """A participant erases all their reactions to this activity; returns how many. The map forgets them at
    the worker's next pass. Does not commit. Raises NotFound (another session's activity)."""
    _opinions(activity)
    if participant.session_id != activity.session_id:
        raise NotFound()
    erased = rows_matched(
        db.session.execute(
            sa.delete(Reaction).where(Reaction.activity_id == activity.id, Reaction.participant_id == participant.id),
            execution_options={"synchronize_session": False},
        )
    )
    # The map holds their dot and group until it is recomputed: mark it, closed activities included.
    db.session.execute(
        sa.update(OpinionMapRecord).where(OpinionMapRecord.activity_id == activity.id).values(reactions=ERASED)
    )
    return erased


# ---------------------------------------------------------------------------- reads


def list_statements(activity: Activity, *, statuses: Collection[ContributionStatus] = (ContributionStatus.PUBLISHED,)):
    return db.session.scalars(
        sa.select(Contribution)
        .where(Contribution.activity_id == activity.id, Contribution.status.in_(statuses))
        .order_by(Contribution.id)
    ).all()


def get_statement(activity: Activity, statement_id: int) -> Contribution:
    statement = db.session.get(Contribution, statement_id)
    if statement is None or statement.activity_id != activity.id or statement.status != ContributionStatus.PUBLISHED:
        raise NotFound()
    return statement


@dataclass(frozen=True)
class StatementText:
    """A statement as a phone shows it; `lang` goes in the text's `lang` attribute (None: not known)."""

    text: str
    lang: str | None
    translated: bool  # the organisers' translation: the page offers the original too


def get_statement_text(statement: Contribution, language: str) -> StatementText:
    """The statement in `language` when the organisers translated it into that language, otherwise as written."""
    if language != statement.language:
        translation = db.session.get(StatementTranslation, (statement.id, language))
        if translation is not None:
            return StatementText(translation.body, language, translated=True)
    return StatementText(statement.body, statement.language, translated=False)


def get_translations(statements: Collection[Contribution]) -> dict[int, dict[str, str]]:
    """statement id -> language -> the organisers' translation."""
    found: dict[int, dict[str, str]] = {}
    rows = db.session.execute(
        sa.select(StatementTranslation.statement_id, StatementTranslation.language, StatementTranslation.body).where(
            StatementTranslation.statement_id.in_([s.id for s in statements])
        )
    )
    for statement_id, language, body in rows:
        found.setdefault(statement_id, {})[language] = body
    return found


def get_reactions_of(participant: Participant, activity: Activity) -> dict[int, int]:
    """statement id -> this participant's vote."""
    rows = db.session.execute(
        sa.select(Reaction.statement_id, Reaction.vote).where(
            Reaction.activity_id == activity.id, Reaction.participant_id == participant.id
        )
    )
    return dict(rows.all())


def get_map(activity: Activity) -> dict[str, Any] | None:
    record = db.session.get(OpinionMapRecord, activity.id)
    return None if record is None else record.data


def next_statement(participant: Participant | None, activity: Activity, *, skipped: Collection[int] = ()):
    """The statement that helps the map most which this participant has not reacted to nor skipped: the least
    reacted to first, then those that split the groups most (from the last computed map), then the oldest."""
    seen = set(get_reactions_of(participant, activity) if participant else ()) | set(skipped)
    counts = dict(
        db.session.execute(
            sa.select(Reaction.statement_id, sa.func.count())
            .where(Reaction.activity_id == activity.id)
            .group_by(Reaction.statement_id)
        ).all()
    )
    split = (get_map(activity) or {}).get("split", {})
    candidates = [s for s in list_statements(activity) if s.id not in seen]
    if not candidates:
        return None
    return min(candidates, key=lambda s: (counts.get(s.id, 0), -split.get(str(s.id), 0.0), s.id))


# ---------------------------------------------------------------------------- the map, in the background


ERASED = -1  # OpinionMapRecord.reactions of a map whose people erased reactions: recompute it whatever its state


def recompute_stale_maps(*, now: datetime | None = None) -> list[int]:
    """Recompute the maps that no longer match their reactions; returns the activities' ids. Flushes, does not
    commit. Looks at open opinions activities (a new or changed reaction, a statement moderated out: the
    count, the latest time or the hidden statements differ) and at maps marked by `erase_reactions` (closed
    activities too), so each pass reads little however many activities the database holds."""
    open_ = sa.select(Activity.id).where(Activity.kind == ActivityKind.OPINIONS, Activity.status == ActivityStatus.OPEN)
    reactions = db.session.execute(
        sa.select(Reaction.activity_id, sa.func.count(), sa.func.max(Reaction.updated_at))
        .where(Reaction.activity_id.in_(open_))
        .group_by(Reaction.activity_id)
    )
    state = {a: (n, latest) for a, n, latest in reactions}
    hidden = dict(
        db.session.execute(
            sa.select(Contribution.activity_id, sa.func.count())
            .where(Contribution.activity_id.in_(open_), Contribution.status.in_(OUT_OF_MAP))
            .group_by(Contribution.activity_id)
        ).all()
    )
    records = {
        r.activity_id: r
        for r in db.session.scalars(
            sa.select(OpinionMapRecord).where(
                sa.or_(OpinionMapRecord.activity_id.in_(open_), OpinionMapRecord.reactions == ERASED)
            )
        )
    }
    stale = []
    for activity_id in sorted(set(db.session.scalars(open_)) | set(records)):
        n, latest = state.get(activity_id, (0, None))
        record = records.get(activity_id)
        if (
            record is None
            or (record.reactions, record.latest_reaction_at) != (n, latest)
            or len(record.data.get("hidden", ())) != hidden.get(activity_id, 0)
        ):
            stale.append(activity_id)
    for activity_id in stale:
        recompute_map(db.session.get_one(Activity, activity_id), now=now)
    return stale


def recompute_map(activity: Activity, *, now: datetime | None = None) -> OpinionMapRecord:
    """Compute and store the activity's map from its reactions now. Flushes, does not commit."""
    from eventapp.participation.opinion_groups import compute_opinion_map  # numpy: the worker only

    # What the map is computed from, counted before the rows are read: a reaction that comes in between is in
    # the rows but not in the count, so the next pass sees the map stale and computes it again (never the
    # other way round, a map marked fresh that lacks a reaction).
    n, latest = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Reaction.updated_at)).where(Reaction.activity_id == activity.id)
    ).one()
    # Plain table columns and no timestamps: the ORM's per-row work and 150,000 datetime conversions were most
    # of a 1,000 x 150 pass (bench/results/opinion_groups.md). One row per pair (the primary key): no order.
    table = Reaction.__table__.c
    rows = db.session.execute(
        sa.select(table.participant_id, table.statement_id, table.vote).where(table.activity_id == activity.id)
    ).all()
    hidden = db.session.scalars(
        sa.select(Contribution.id).where(Contribution.activity_id == activity.id, Contribution.status.in_(OUT_OF_MAP))
    ).all()
    found = compute_opinion_map(rows, hidden_statements=hidden)
    record = db.session.get(OpinionMapRecord, activity.id) or OpinionMapRecord(activity_id=activity.id)
    record.data = {**_serialise(found), "hidden": sorted(hidden)}
    record.computed_at = now or utcnow()
    record.reactions = n
    record.latest_reaction_at = latest
    db.session.add(record)
    live.changed(activity.session_id)
    db.session.flush()
    return record


def _serialise(found) -> dict[str, Any]:
    """The map as JSON. Points carry no participant id (the projector draws them); `members` (participant id
    -> group) is for the export and stays on the server."""
    groups = []
    for g in found.groups:
        groups.append(
            {
                "id": g.id,
                "size": g.size,
                "shown": g.shown,
                "centre": list(g.centre),
                "votes": {str(s): [c.agree, c.disagree, c.seen] for s, c in g.votes.items()},
                "representative": [
                    {"statement": r.statement, "direction": r.direction, "n": r.n_success, "of": r.n_trials}
                    for r in g.representative
                ],
            }
        )
    shown = [g for g in found.groups if g.shown]
    split = {}
    for s in found.statements:
        shares = [c.agree / c.seen for g in shown if (c := g.votes.get(s)) and c.seen]
        split[str(s)] = round(max(shares) - min(shares), 4) if len(shares) > 1 else 0.0
    return {
        "groups": groups,
        "points": sorted([round(x, 4), round(y, 4), found.group_of[p]] for p, (x, y) in found.positions.items()),
        "consensus": [
            {"statement": c.statement, "direction": c.direction, "p_by_group": [round(p, 4) for p in c.p_by_group]}
            for c in found.consensus
        ],
        "members": {str(p): g for p, g in found.group_of.items()},
        "split": split,
        "n_participants": found.n_participants,
        "placed": found.placed,
        "min_votes": found.min_votes,
    }


# ---------------------------------------------------------------------------- Polis import and export


def import_polis(session: Session, conversation: polis_format.PolisConversation, *, now: datetime | None = None):
    """A new, closed opinions activity of `session` holding a Polis conversation: every voter and author a guest
    participant, every comment a statement, the latest vote of each pair a reaction, Polis's ids kept.
    Run by the operator (CLI), no organiser to check. Flushes, does not commit."""
    now = now or utcnow()
    topic = conversation.summary.get("topic", "")[:300]
    position = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.max(Activity.position), 0)).where(Activity.session_id == session.id)
    ).scalar_one()
    activity = Activity(
        session_id=session.id,
        kind=ActivityKind.OPINIONS,
        status=ActivityStatus.CLOSED,
        moderation=Moderation.PRE,
        prompt_fr=topic,
        prompt_nl=topic,
        prompt_en=topic,
        position=position + 1,
        created_at=now,
        opened_at=now,
        closed_at=now,
    )
    db.session.add(activity)
    people = sorted({v.voter_id for v in conversation.votes} | {c.author_id for c in conversation.comments})
    participants = {p: Participant(session_id=session.id, created_at=now) for p in people}
    db.session.add_all(participants.values())
    statements = {
        c.comment_id: Contribution(
            activity=activity,
            participant=participants[c.author_id],
            channel=Channel.GUEST,
            body=c.body,
            status=_status_of(c.moderated),
            created_at=_from_ms(c.created_ms),
        )
        for c in conversation.comments
    }
    db.session.add_all(statements.values())
    db.session.flush()
    db.session.add_all(
        [PolisId(activity_id=activity.id, participant_id=p.id, polis_id=pid) for pid, p in participants.items()]
        + [PolisId(activity_id=activity.id, statement_id=s.id, polis_id=cid) for cid, s in statements.items()]
    )
    db.session.execute(
        sa.insert(Reaction),
        [
            {
                "activity_id": activity.id,
                "statement_id": statements[v.comment_id].id,
                "participant_id": participants[v.voter_id].id,
                "vote": v.vote,
                "channel": Channel.GUEST,
                "created_at": _from_ms(v.created_ms),
                "updated_at": _from_ms(v.created_ms),
            }
            for v in conversation.latest_votes()
        ],
    )
    db.session.flush()
    return activity


def _status_of(moderated: int) -> ContributionStatus:
    statuses = {polis: status for status, polis in _POLIS_MODERATION.items()}
    return statuses.get(moderated, ContributionStatus.HIDDEN)


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


@dataclass(frozen=True)
class _Ids:
    participants: dict[int, int]  # our id -> Polis id
    statements: dict[int, int]


def _polis_ids(activity: Activity, participants: Collection[int], statements: Collection[int]) -> _Ids:
    """Polis's ids for imported rows; ours are numbered after the largest, in the order they were created."""
    kept = db.session.execute(
        sa.select(PolisId.participant_id, PolisId.statement_id, PolisId.polis_id).where(
            PolisId.activity_id == activity.id
        )
    ).all()
    return _Ids(
        participants=_numbered(participants, {p: i for p, _, i in kept if p is not None}),
        statements=_numbered(statements, {s: i for _, s, i in kept if s is not None}),
    )


def _numbered(ours: Collection[int], kept: Mapping[int, int]) -> dict[int, int]:
    ids = {o: kept[o] for o in ours if o in kept}
    following = max(kept.values(), default=-1) + 1
    for offset, o in enumerate(sorted(o for o in ours if o not in kept)):
        ids[o] = following + offset
    return ids


def export_polis(activity: Activity) -> dict[str, str]:
    """The activity in Polis's export format (file name -> text), groups from the last computed map. Reads only.
    Raises NotFound for another kind of activity."""
    _opinions(activity)
    statements = db.session.scalars(
        sa.select(Contribution).where(Contribution.activity_id == activity.id).order_by(Contribution.id)
    ).all()
    reactions = db.session.scalars(sa.select(Reaction).where(Reaction.activity_id == activity.id)).all()
    people = {r.participant_id for r in reactions} | {s.participant_id for s in statements if s.participant_id}
    ids = _polis_ids(activity, people, [s.id for s in statements])
    # Organisers' statements (no participant) share one author id after everyone else's.
    organiser = max(ids.participants.values(), default=-1) + 1
    comments = [
        polis_format.PolisComment(
            comment_id=ids.statements[s.id],
            author_id=ids.participants[s.participant_id] if s.participant_id else organiser,
            body=s.body,
            moderated=_POLIS_MODERATION.get(s.status, polis_format.MODERATED_OUT),
            created_ms=_ms(s.created_at),
        )
        for s in statements
    ]
    votes = [
        polis_format.PolisVote(
            created_ms=_ms(r.updated_at),
            comment_id=ids.statements[r.statement_id],
            voter_id=ids.participants[r.participant_id],
            vote=r.vote,
        )
        for r in reactions
    ]
    members = (get_map(activity) or {}).get("members", {})
    groups = {ids.participants[int(p)]: g for p, g in members.items() if int(p) in ids.participants}
    return polis_format.render_conversation(
        comments, votes, groups=groups, topic=activity.prompt_en or activity.prompt_fr or activity.prompt_nl
    )


# ---------------------------------------------------------------------------- the map as pages show it

MAP_SIZE = 400  # the SVG's viewBox is MAP_SIZE x MAP_SIZE
GROUP_NAMES = "ABCDE"


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    group: str | None  # None: a group too small to be shown on its own


@dataclass(frozen=True)
class StatementShare:
    statement: Contribution
    direction: str  # "agree" or "disagree"
    percent: int  # of the group (or of every group, at least) who reacted that way


@dataclass(frozen=True)
class GroupView:
    name: str
    size: int
    apart: list[StatementShare]


@dataclass(frozen=True)
class MapView:
    dots: list[Dot]
    groups: list[GroupView]  # groups of MIN_GROUP_SIZE people or more
    others: int  # people placed in smaller groups, shown together
    consensus: list[StatementShare]
    placed: int
    participants: int
    min_votes: int
    computed_at: datetime
    key: str  # unique on a page of several maps (element ids)
    size: int = MAP_SIZE  # of the SVG's square viewBox


def get_map_view(activity: Activity) -> MapView | None:
    """The stored map with its statements' texts, dots scaled to the SVG, small groups folded into "others".
    None before the worker first computed it. Reads only."""
    record = db.session.get(OpinionMapRecord, activity.id)
    if record is None:
        return None
    data = record.data
    ids = {r["statement"] for g in data["groups"] for r in g["representative"]} | {
        c["statement"] for c in data["consensus"]
    }
    texts = {s.id: s for s in db.session.scalars(sa.select(Contribution).where(Contribution.id.in_(ids)))}
    names = {g["id"]: GROUP_NAMES[i] for i, g in enumerate(g for g in data["groups"] if g["shown"])}
    groups = [
        GroupView(
            name=names[g["id"]],
            size=g["size"],
            apart=[
                StatementShare(texts[r["statement"]], r["direction"], round(100 * r["n"] / r["of"]) if r["of"] else 0)
                for r in g["representative"]
                if r["statement"] in texts
            ],
        )
        for g in data["groups"]
        if g["shown"]
    ]
    consensus = [
        StatementShare(texts[c["statement"]], c["direction"], round(100 * min(c["p_by_group"], default=0)))
        for c in data["consensus"]
        if c["statement"] in texts
    ]
    return MapView(
        dots=_scaled([(x, y, names.get(g)) for x, y, g in data["points"]]),
        groups=groups,
        others=sum(g["size"] for g in data["groups"] if not g["shown"]),
        consensus=consensus,
        placed=data["placed"],
        participants=data["n_participants"],
        min_votes=data["min_votes"],
        computed_at=record.computed_at,
        key=str(activity.uuid),
    )


def _scaled(points: list[tuple[float, float, str | None]]) -> list[Dot]:
    """Positions fitted into the SVG with a margin, the same scale on both axes (distances mean something)."""
    if not points:
        return []
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    margin = MAP_SIZE * 0.06
    scale = (MAP_SIZE - 2 * margin) / span
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return [
        Dot(round(MAP_SIZE / 2 + (x - cx) * scale, 1), round(MAP_SIZE / 2 - (y - cy) * scale, 1), g)
        for x, y, g in points
    ]


# ---------------------------------------------------------------------------- the report

IN_THE_ROOM = (Channel.CHECKED_IN,)


@dataclass(frozen=True)
class StatementFigures:
    statement: Contribution
    agree: int
    disagree: int
    passed: int
    room: tuple[int, int]  # (agree, reactions) of people checked in at the door
    remote: tuple[int, int]  # the same for everyone else

    @property
    def total(self) -> int:
        return self.agree + self.disagree + self.passed


@dataclass(frozen=True)
class OpinionsReport:
    activity: Activity
    people: int  # who reacted at least once
    statements: list[StatementFigures]  # published, most reacted to first
    map: MapView | None


def opinions_report(activity: Activity) -> OpinionsReport:
    """The report's "Opinions" section of one activity: each published statement's reactions, in the room and
    remote, and the map. Reads only."""
    rows = db.session.execute(
        sa.select(Reaction.statement_id, Reaction.vote, Reaction.channel, sa.func.count())
        .where(Reaction.activity_id == activity.id)
        .group_by(Reaction.statement_id, Reaction.vote, Reaction.channel)
    ).all()
    counts: dict[int, dict[tuple[int, bool], int]] = {}
    for statement_id, vote, channel, n in rows:
        key = (vote, channel in IN_THE_ROOM)
        counts.setdefault(statement_id, {})[key] = counts.get(statement_id, {}).get(key, 0) + n

    def figures(statement: Contribution) -> StatementFigures:
        c = counts.get(statement.id, {})

        def of(vote: int | None, room: bool | None) -> int:
            return sum(n for (v, r), n in c.items() if vote in (None, v) and room in (None, r))

        return StatementFigures(
            statement,
            agree=of(1, None),
            disagree=of(-1, None),
            passed=of(0, None),
            room=(of(1, True), of(None, True)),
            remote=(of(1, False), of(None, False)),
        )

    people = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Reaction.participant_id))).where(Reaction.activity_id == activity.id)
    )
    statements = sorted((figures(s) for s in list_statements(activity)), key=lambda f: (-f.total, f.statement.id))
    return OpinionsReport(activity, people or 0, statements, get_map_view(activity))
