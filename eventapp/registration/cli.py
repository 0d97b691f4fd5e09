import click
from flask import current_app
from flask.cli import AppGroup

from eventapp.core.db import transaction
from eventapp.core.time import utcnow
from eventapp.registration.services import anonymise_expired, release_unconfirmed, send_reminders

reminders_cli = AppGroup("reminders", help="Reminder emails.")
registrations_cli = AppGroup("registrations", help="Registration housekeeping.")


@reminders_cli.command("send")
def send_reminders_command():
    """Write tomorrow's reminders to the outbox (idempotent: run it from cron as often as you like)."""
    with transaction():
        written = send_reminders(key=current_app.config["SECRET_KEY"], now=utcnow())
    click.echo(f"Reminders written: {written}.")


@registrations_cli.command("anonymise-expired")
def anonymise_expired_command():
    """Anonymise registrations of events that ended more than RETENTION_DAYS ago (daily cron)."""
    with transaction():
        count = anonymise_expired(now=utcnow(), retention_days=current_app.config["RETENTION_DAYS"])
    click.echo(f"Registrations anonymised: {count}.")


@registrations_cli.command("release-unconfirmed")
def release_unconfirmed_command():
    """Give back the seats of groups whose address was not confirmed in time (cron, every 5 minutes)."""
    with transaction():
        released = release_unconfirmed(key=current_app.config["SECRET_KEY"], now=utcnow())
    click.echo(f"Registrations released: {len(released)}.")
