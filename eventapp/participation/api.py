"""Open data of participation: GET /api/v1/participation/sessions/<uuid>/results (public aggregates only)."""

from flask import jsonify

from eventapp.api import bp
from eventapp.participation import queries
from eventapp.participation.reports import session_results


def _texts(obj, field):
    return {lang: getattr(obj, f"{field}_{lang}") or None for lang in ("fr", "nl", "en")}


def _poll(result) -> dict:
    activity = result.activity
    return {
        "id": str(activity.uuid),
        "kind": activity.kind.value,
        "type": activity.poll_type.value if activity.poll_type else None,
        "prompt": _texts(activity, "prompt"),
        "total": result.total,
        "by_channel": {k.value: v for k, v in result.by_channel.items()},
        "rows": [
            {
                "label": _texts(row.option, "label")
                if row.option
                else {"fr": str(row.key), "nl": str(row.key), "en": str(row.key)},
                "count": row.count,
                "by_channel": {k.value: v for k, v in row.by_channel.items()},
            }
            for row in result.rows
        ],
    }


def _contribution(c) -> dict:
    return {
        "id": str(c.uuid),
        "text": c.body,
        "channel": c.channel.value,
        "upvotes": c.upvotes,
        "answered": c.answered_at is not None,
        "outcome": c.outcome.value if c.outcome else None,
        "outcome_reason": _texts(c, "outcome_reason") if c.outcome else None,
    }


def _short_answers(result) -> dict:
    return {
        "id": str(result.activity.uuid),
        "prompt": _texts(result.activity, "prompt"),
        "answers": result.published,
        "people": result.people,
        "words": [{"text": word.text, "count": word.weight} for word in result.cloud],
    }


@bp.get("/participation/sessions/<session_uuid>/results")
def participation_results(session_uuid: str):
    session = queries.get_session(session_uuid)
    r = session_results(session)
    return jsonify(
        session=str(session.uuid),
        polls=[_poll(p) for p in r.polls],
        ideas=[_contribution(c) for c in r.ideas],
        questions=[_contribution(c) for c in r.questions],
        short_answers=[_short_answers(a) for a in r.short_answers],
    )
