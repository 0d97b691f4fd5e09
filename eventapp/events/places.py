"""State changes of the places and themes events refer to: venues and themes (admins only).

Conventions as in `eventapp.events.event_changes`. A venue's or a theme's change shows in its
events' pages and feeds, so it moves their `updated_at` (and, for a venue's address, their
`sequence`, telling their registrants through `eventapp.events.hooks`). No commit.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventapp.accounts.models import User
from eventapp.accounts.permissions import require_admin
from eventapp.accounts.services import record_audit
from eventapp.core.errors import InvalidState
from eventapp.events import hooks
from eventapp.events.editing import apply_changes, flush_unique
from eventapp.events.models import Event, EventStatus, Theme, Venue
from eventapp.extensions import db

VENUE_FIELDS = (
    "slug",
    "name",
    "street",
    "postcode",
    "commune_nis",
    "city_fr",
    "city_nl",
    "latitude",
    "longitude",
    "uitdatabank_place_id",
)
THEME_FIELDS = ("slug", "name_fr", "name_nl", "name_en")


def create_venue(actor: User, values: dict[str, Any], *, now: datetime) -> Venue:
    """A new venue (admins only). Raises Conflict (short name taken). No commit."""
    require_admin(actor)
    venue = Venue(**{name: values.get(name) for name in VENUE_FIELDS})
    db.session.add(venue)
    flush_unique("slug", _l("Another venue already uses this short name."))
    record_audit(actor, "venue.created", now=now, target=venue.slug)
    return venue


def update_venue(actor: User, venue: Venue, values: dict[str, Any], *, now: datetime, mailing: object) -> set[str]:
    """Change a venue (admins only). Its published events move in the feeds; if the address moved,
    their registrants are told, as for any change of place (`hooks.event_moved`). No commit."""
    require_admin(actor)
    changed = apply_changes(venue, values, VENUE_FIELDS)
    if "slug" in changed:
        flush_unique("slug", _l("Another venue already uses this short name."))
    if not changed:
        return changed
    # The UiTdatabank id changes no address: only the export reads it (its `updated_at` below).
    moved = bool(changed - {"slug", "name", "uitdatabank_place_id"})
    events = db.session.scalars(
        sa.select(Event).where(Event.venue_id == venue.id, Event.status == EventStatus.PUBLISHED, Event.ends_at > now)
    ).all()
    for event in events:
        event.updated_at = now
        if moved:
            event.sequence += 1
            db.session.flush()
            hooks.event_moved(event, now=now, mailing=mailing)
    record_audit(actor, "venue.updated", now=now, target=venue.slug, details={"fields": sorted(changed)})
    return changed


def create_theme(actor: User, values: dict[str, Any], *, now: datetime) -> Theme:
    """A new theme (admins only). Raises Conflict (short name taken). No commit."""
    require_admin(actor)
    theme = Theme(**{name: values[name] for name in THEME_FIELDS})
    db.session.add(theme)
    flush_unique("slug", _l("Another theme already uses this short name."))
    record_audit(actor, "theme.created", now=now, target=theme.slug)
    return theme


def update_theme(actor: User, theme: Theme, values: dict[str, Any], *, now: datetime) -> set[str]:
    """Change a theme. Its short name is in the web address of its feed and of the filtered catalogue:
    once one of its events is public, people may have subscribed, so it no longer changes."""
    require_admin(actor)
    if "slug" in values and values["slug"] != theme.slug and _has_public_events(theme):
        raise InvalidState(
            _l("The short name can no longer change: calendars are subscribed to this theme's feed."),
            code="slug_frozen",
            field="slug",
        )
    changed = apply_changes(theme, values, THEME_FIELDS)
    if "slug" in changed:
        flush_unique("slug", _l("Another theme already uses this short name."))
    if changed:
        # Feeds may show the theme as a category.
        db.session.execute(sa.update(Event).where(Event.theme_id == theme.id).values(updated_at=now))
        record_audit(actor, "theme.updated", now=now, target=theme.slug, details={"fields": sorted(changed)})
    return changed


def _has_public_events(theme: Theme) -> bool:
    return db.session.execute(
        sa.select(sa.exists().where(Event.theme_id == theme.id, Event.status != EventStatus.DRAFT))
    ).scalar_one()
