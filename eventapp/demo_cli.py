"""`flask demo load`: the demo data of every domain together, so it sits above them all."""

import click
from flask import current_app
from flask.cli import AppGroup

from eventapp.core.db import transaction
from eventapp.core.time import brussels, utcnow
from eventapp.events.demo import DOOR_OPEN_TODAY, load_demo
from eventapp.participation.demo import load_demo_activities
from eventapp.tickets.days import door_day

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
def load_command():
    """Create or refresh the six demo Smart City Events, with participation in their participatory
    sessions (idempotent)."""
    now = utcnow()
    with transaction():
        events = load_demo(door_day(now), now)
        rooms = load_demo_activities(events, now)
        codes = ", ".join(room.code for room in rooms)
    click.echo(f"Demo data loaded: {len(events)} events.")
    base_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    click.echo(f"Participation room codes (join at {base_url}/join): {codes}")
    tonight = next(event for event in events if event.slug == DOOR_OPEN_TODAY)
    click.echo(
        f"Door open today: {tonight.title_en} ({base_url}/events/{tonight.slug}, {brussels(tonight.starts_at):%H:%M});"
        f' pair a phone with `flask scanners create {tonight.slug} --name "Door A"`'
    )
