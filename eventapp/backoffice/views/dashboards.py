"""Dashboards: the figures of one event (with its live JSON) and of the whole series."""

from flask import jsonify, render_template
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_login import current_user

from eventapp.backoffice import queries
from eventapp.backoffice.charts import bar_chart, line_chart
from eventapp.backoffice.views import bp
from eventapp.core.i18n import current_language, localized
from eventapp.core.time import utcnow


def _chart_rows(rows):
    return [(label, value) for _key, label, value in rows]


def _live_charts(figures: queries.EventFigures) -> dict:
    """What backoffice/_live_charts.html draws: the charts that change while the doors are open (seats,
    arrivals). The page includes it and the live JSON carries it rendered, so a chart never disagrees
    with the figure above it."""
    seats_rows = [
        (_("Seats taken"), figures.seats_taken),
        (_("Seats left"), max(figures.capacity - figures.seats_taken, 0)),
        (_("Waiting list"), figures.seats_waiting),
        (_("Checked in"), figures.checked_in_people),
    ]
    arrivals = [(format_time(slot, "HH:mm"), people) for slot, people in figures.arrivals]
    return {
        "seats_chart": bar_chart("chart-seats", _("Seats"), seats_rows, maximum=figures.capacity),
        "seats_rows": seats_rows,
        "arrivals_chart": bar_chart("chart-arrivals", _("Arrivals per quarter hour"), arrivals) if arrivals else None,
        "arrivals": arrivals,
    }


@bp.get("/events/<slug>/dashboard")
def event_dashboard(slug: str):
    event = queries.get_managed_event(current_user, slug)
    lang = current_language()
    figures = queries.event_figures(current_user, event, lang, now=utcnow())
    timeline = [(format_date(day, "short"), value) for day, value in figures.by_day]
    charts = {
        "timeline": line_chart("chart-timeline", _("Registrations over time (running total)"), timeline),
        "communes": bar_chart("chart-communes", _("People by commune"), _chart_rows(figures.by_commune)),
        "audiences": bar_chart("chart-audiences", _("People by audience"), _chart_rows(figures.by_audience)),
    }
    return render_template(
        "backoffice/event_dashboard.html",
        event=event,
        figures=figures,
        **_live_charts(figures),
        charts=charts,
        timeline=timeline,
        commune_rows=_chart_rows(figures.by_commune),
        audience_rows=_chart_rows(figures.by_audience),
    )


@bp.get("/events/<slug>/dashboard.json")
def event_dashboard_json(slug: str):
    event = queries.get_managed_event(current_user, slug)
    figures = queries.event_figures(current_user, event, current_language(), now=utcnow(), with_timeline=False)
    response = jsonify(
        figures=figures.live(),
        charts=render_template("backoffice/_live_charts.html", **_live_charts(figures)),
        updated=format_time(utcnow(), "medium"),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/dashboard")
def series_dashboard():
    lang = current_language()
    totals, rows = queries.series_figures(current_user, lang)
    timeline = [(format_date(day, "short"), value) for day, value in totals.by_day]
    charts = {
        "timeline": line_chart("chart-timeline", _("Registrations over time (running total)"), timeline),
        "events": bar_chart(
            "chart-events",
            _("Seats taken per event"),
            [(localized(e, "title", lang).text, f.seats_taken) for e, f in rows],
        ),
        "communes": bar_chart("chart-communes", _("People by commune"), _chart_rows(totals.by_commune)),
        "audiences": bar_chart("chart-audiences", _("People by audience"), _chart_rows(totals.by_audience)),
    }
    return render_template(
        "backoffice/series_dashboard.html",
        totals=totals,
        rows=rows,
        charts=charts,
        timeline=timeline,
        commune_rows=_chart_rows(totals.by_commune),
        audience_rows=_chart_rows(totals.by_audience),
    )
