"""Open-data catalogue: GET /api/v1/events and /api/v1/events/<slug>."""

from flask import jsonify, request

from eventapp.api import bp
from eventapp.core.errors import DomainError
from eventapp.core.time import utcnow
from eventapp.events.forms import CatalogueFilterForm
from eventapp.events.queries import CatalogueFilter, get_public_event, list_public_events, list_themes
from eventapp.events.serializers import event_to_json
from eventapp.events.views import uitdatabank_document

MAX_PER_PAGE = 100


@bp.get("/events")
def list_events():
    form = CatalogueFilterForm(request.args)
    form.theme.choices = [("", "")] + [(t.slug, t.slug) for t in list_themes()]
    if not form.validate():
        raise DomainError(
            "; ".join(f"{name}: {', '.join(map(str, errors))}" for name, errors in form.errors.items()),
            code="invalid_filter",
        )
    flt = CatalogueFilter(theme=form.theme.data or None, date_from=form.date_from.data, date_to=form.date_to.data)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    per_page = min(max(request.args.get("per_page", 50, type=int) or 50, 1), MAX_PER_PAGE)
    result = list_public_events(flt, now=utcnow(), page=page, per_page=per_page, with_sessions=True)
    return jsonify(
        events=[event_to_json(e) for e in result.items],
        page=result.page,
        per_page=result.per_page,
        total=result.total,
    )


@bp.get("/events/<slug>")
def get_event(slug: str):
    return jsonify(event_to_json(get_public_event(slug), detail=True))


@bp.get("/events/<slug>/uitdatabank")
def get_event_uitdatabank(slug: str):
    """The event as publiq's UiTdatabank Entry API takes it (see eventapp/events/uitdatabank.py)."""
    return jsonify(uitdatabank_document(get_public_event(slug), utcnow()))
