"""Open data: the DCAT-AP catalogue (GET /api/v1/catalog) and the participation results of past events
(GET /api/v1/events/<slug>/results.csv and .json) it lists."""

import json

from flask import Response, current_app

from eventapp.api import bp, dcat, open_results
from eventapp.core.errors import NotFound
from eventapp.core.time import utcnow
from eventapp.events.models import EventStatus
from eventapp.events.queries import get_public_event, get_public_events_dates, list_themes


@bp.get("/catalog")
def catalog():
    now = utcnow()
    config = current_app.config
    settings = dcat.CatalogueSettings(
        base_url=config["PUBLIC_BASE_URL"].rstrip("/"),
        licence=config["OPEN_DATA_LICENCE"],
        publisher_url=config["JSONLD_ORGANIZER_URL"],
    )
    document = dcat.build_catalogue(
        settings,
        events_dates=get_public_events_dates(),
        themes=list_themes(),
        past_events=open_results.list_past_events(now),
        now=now,
    )
    return Response(json.dumps(document, ensure_ascii=False), mimetype="application/ld+json")


@bp.get("/events/<slug>/results.<fmt>")
def event_results(slug: str, fmt: str):
    """A past event's anonymised participation results; 404 before it has ended (or if cancelled)."""
    event = get_public_event(slug, for_page=False)
    if fmt not in ("csv", "json") or event.status != EventStatus.PUBLISHED or event.ends_at > utcnow():
        raise NotFound()
    rows = open_results.build_rows(event)
    if fmt == "csv":
        response = Response(open_results.to_csv(rows), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
    else:
        response = Response(open_results.to_json(rows, event), mimetype="application/json")
    response.headers["Content-Disposition"] = f'inline; filename="{event.slug}-results.{fmt}"'
    return response
