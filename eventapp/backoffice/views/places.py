"""Venues and themes: the lists, creating and editing one."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eventapp.backoffice import queries
from eventapp.backoffice.forms import ThemeForm, VenueForm
from eventapp.backoffice.views import bp
from eventapp.backoffice.views.pages import mailing, save
from eventapp.core.communes import list_communes
from eventapp.core.i18n import current_language
from eventapp.core.time import utcnow
from eventapp.events import places as place_changes


@bp.get("/venues")
def venues():
    return render_template("backoffice/venues.html", venues=queries.list_venues(current_user))


def _venue_form(form: VenueForm) -> VenueForm:
    lang = current_language()
    form.commune_nis.choices = [(c.nis_code, c.name(lang)) for c in list_communes()]
    return form


@bp.route("/venues/new", methods=["GET", "POST"])
def venue_new():
    queries.require_admin(current_user)
    form = _venue_form(VenueForm())
    return save(
        form,
        lambda: place_changes.create_venue(current_user, form.values(), now=utcnow()),
        lambda _venue: (_("Saved."), url_for("backoffice.venues")),
        "backoffice/venue_form.html",
        venue=None,
    )


@bp.route("/venues/<venue_slug>/edit", methods=["GET", "POST"])
def venue_edit(venue_slug: str):
    venue = queries.get_venue(current_user, venue_slug)
    form = _venue_form(VenueForm(obj=venue) if request.method == "GET" else VenueForm())
    return save(
        form,
        lambda: place_changes.update_venue(current_user, venue, form.values(), now=utcnow(), mailing=mailing()),
        lambda _changed: (_("Saved."), url_for("backoffice.venues")),
        "backoffice/venue_form.html",
        venue=venue,
    )


@bp.get("/themes")
def themes():
    queries.require_admin(current_user)
    return render_template("backoffice/themes.html", themes=queries.list_themes(current_user))


@bp.route("/themes/new", methods=["GET", "POST"])
def theme_new():
    queries.require_admin(current_user)
    form = ThemeForm()
    return save(
        form,
        lambda: place_changes.create_theme(current_user, form.values(), now=utcnow()),
        lambda _theme: (_("Saved."), url_for("backoffice.themes")),
        "backoffice/theme_form.html",
        theme=None,
    )


@bp.route("/themes/<theme_slug>/edit", methods=["GET", "POST"])
def theme_edit(theme_slug: str):
    theme = queries.get_theme(current_user, theme_slug)
    form = ThemeForm(obj=theme) if request.method == "GET" else ThemeForm()
    return save(
        form,
        lambda: place_changes.update_theme(current_user, theme, form.values(), now=utcnow()),
        lambda _changed: (_("Saved."), url_for("backoffice.themes")),
        "backoffice/theme_form.html",
        theme=theme,
    )
