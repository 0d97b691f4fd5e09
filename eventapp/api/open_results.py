"""The anonymised participation results of a past event, as open data (CSV and JSON).

Only aggregates, with the small-count protection of the participation report (participation.reports):
totals under 5 people read "<5", and every breakdown of people (poll answers, reach by commune and by
audience) goes through `reports.protect`, which hides its small counts and as many others as needed so
that none can be worked out from the total; a breakdown that cannot be protected is withheld. Idea and
question counts are counts of published contributions, as the report shows them. No text written by a
participant is in it: poll answers are the organiser's options or scale values (open polls' words are
left out, being participants' words). An opinion map gives the sizes of its groups (protected like any
breakdown of people), how many were placed on it and how many statements unite every group; never the
statements themselves, which participants may have written.
"""

import csv
import io
import json
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale

from eventapp.core.i18n import FORMAT_LOCALES
from eventapp.events.models import Event, EventStatus
from eventapp.extensions import db
from eventapp.participation import opinions, queries, reports
from eventapp.participation.models import ActivityKind, PollType

COLUMNS = ["record", "session", "activity", "kind", "answer", "count"]
WITHHELD = "withheld"


def list_past_events(now: datetime) -> list[Event]:
    """Published events that have ended, the latest first: those whose results are open data."""
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.status == EventStatus.PUBLISHED, Event.ends_at <= now)
            .order_by(Event.ends_at.desc(), Event.id)
        )
    )


def _breakdown(record: str, base: dict[str, str], cells: list[tuple[str, str]] | None) -> list[dict[str, str]]:
    if cells is None:
        return [{**base, "record": record, "answer": "", "count": WITHHELD}]
    return [{**base, "record": record, "answer": label, "count": count} for label, count in cells]


def _poll_rows(result: queries.PollResult, base: dict[str, str]) -> list[dict[str, str]]:
    rows = [{**base, "record": "answers", "answer": "", "count": reports.suppressed(result.total)}]
    if result.activity.poll_type == PollType.OPEN and result.activity.kind == ActivityKind.POLL:
        return rows  # the words are participants' own: the report's word cloud, not open data
    cells = [(row.option.label_fr if row.option else str(row.key), row.count) for row in result.rows]
    return rows + _breakdown("poll_result", base, reports.protect(cells))


def _opinion_rows(activity, base: dict[str, str]) -> list[dict[str, str]]:
    view = opinions.get_map_view(activity)
    if view is None:  # not computed yet: nobody reacted
        return []
    sizes = [(group.name, group.size) for group in view.groups]
    if view.others:
        sizes.append(("others", view.others))
    return [
        {**base, "record": "opinion_placed", "answer": "", "count": reports.suppressed(view.placed)},
        *_breakdown("opinion_group", base, reports.protect(sizes)),
        {**base, "record": "opinion_consensus", "answer": "", "count": str(len(view.consensus))},
    ]


def build_rows(event: Event) -> list[dict[str, str]]:
    """The event's results as rows of COLUMNS, counts as text. Labels are the organisers' French ones (as in
    the participation export); the report's "hidden" mark is in English whatever the request's language:
    in open data it is a value, which must not change with the reader."""
    with force_locale(FORMAT_LOCALES["en"]):
        return _rows(event)


def _rows(event: Event) -> list[dict[str, str]]:
    attendance = reports.attendance(event, "fr")
    event_base = {"session": "", "activity": "", "kind": ""}
    rows = [
        {**event_base, "record": "registered", "answer": "", "count": attendance.registered_shown},
        {**event_base, "record": "checked_in", "answer": "", "count": attendance.checked_in_shown},
    ]
    rows += _breakdown("reach_by_commune", event_base, attendance.by_commune)
    rows += _breakdown("reach_by_audience", event_base, attendance.by_audience)
    for session in queries.list_participatory_sessions(event):
        results = reports.session_results(session)
        title = session.title_fr or session.title_nl or session.slug
        for kind in (ActivityKind.IDEAS, ActivityKind.QUESTIONS):
            published = sum(a.published for a in results.activities if a.activity.kind == kind)
            rows.append(
                {"record": "contributions", "session": title, "activity": "", "kind": kind.value, "answer": ""}
                | {"count": str(published)}
            )
        for result in results.polls + results.feedback:
            base = {"session": title, "activity": result.activity.prompt_fr or result.activity.prompt_nl}
            rows += _poll_rows(result, base | {"kind": result.activity.kind.value})
        for activity in (a.activity for a in results.activities if a.activity.kind == ActivityKind.OPINIONS):
            base = {"session": title, "activity": activity.prompt_fr or activity.prompt_nl, "kind": activity.kind.value}
            rows += _opinion_rows(activity, base)
    return [{column: row.get(column, "") for column in COLUMNS} for row in rows]


def to_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    # Spreadsheet formula injection (labels are organisers' text): a cell starting = + - @ gets a quote.
    writer.writerows({k: "'" + v if v[:1] in ("=", "+", "-", "@") else v for k, v in row.items()} for row in rows)
    return buffer.getvalue()


def to_json(rows: list[dict[str, str]], event: Event) -> str:
    return json.dumps({"event": event.slug, "records": rows}, ensure_ascii=False, indent=1)
