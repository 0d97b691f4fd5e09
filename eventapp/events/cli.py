import click
from flask.cli import AppGroup

from eventapp.core.db import transaction
from eventapp.core.time import brussels, utcnow
from eventapp.events.demo import load_demo

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("load")
def load_command():
    """Create or refresh the six demo Smart City Events (idempotent)."""
    now = utcnow()
    with transaction():
        events = load_demo(brussels(now).date(), now)
    click.echo(f"Demo data loaded: {len(events)} events.")
