"""`flask --app wsgi retention apply [--days N] [--dry-run]`: the daily retention job."""

import click
from flask import current_app
from flask.cli import AppGroup

from eventapp.core.db import transaction
from eventapp.core.time import utcnow
from eventapp.maintenance.retention import apply_retention, count_expired

retention_cli = AppGroup("retention", help="Anonymise personal data after the retention period.")


@retention_cli.command("apply")
@click.option("--days", type=click.IntRange(min=0), default=None, help="Override RETENTION_DAYS.")
@click.option("--dry-run", is_flag=True, help="Only count what would be anonymised.")
def apply_command(days: int | None, dry_run: bool) -> None:
    """Anonymise personal data of events that ended more than RETENTION_DAYS ago (idempotent)."""
    retention_days = current_app.config["RETENTION_DAYS"] if days is None else days
    if dry_run:
        report = count_expired(now=utcnow(), retention_days=retention_days)
        click.echo(f"Dry run, {retention_days} days after the end: would be {report}.")
        return
    with transaction():
        report = apply_retention(now=utcnow(), retention_days=retention_days)
    click.echo(f"Retention, {retention_days} days after the end: {report}.")
