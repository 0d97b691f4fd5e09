"""`flask --app wsgi participation …`: Polis import and export of opinion maps, and the worker that recomputes them."""

import os
import time
from pathlib import Path
from uuid import UUID

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import IntegrityError, OperationalError

from eventapp.core.db import transaction
from eventapp.events.models import Session
from eventapp.extensions import db
from eventapp.participation import opinions, polis_format
from eventapp.participation.models import Activity

participation_cli = AppGroup("participation", help="Opinion maps: Polis import and export, background recompute.")


@participation_cli.command("import-polis")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--session", "session_uuid", required=True, type=click.UUID, help="The session that gets the activity.")
def import_polis_command(directory: Path, session_uuid: UUID) -> None:
    """Read a Polis conversation (comments.csv, votes.csv) into a new opinions activity; print its id."""
    try:
        conversation = polis_format.read_conversation(directory)
    except polis_format.PolisFormatError as error:
        raise click.ClickException(str(error)) from None
    with transaction():
        session = db.session.scalar(sa.select(Session).where(Session.uuid == session_uuid))
        if session is None:
            raise click.ClickException(f"No session {session_uuid}.")
        activity = opinions.import_polis(session, conversation)
        opinions.recompute_map(activity)
    click.echo(activity.id)


@participation_cli.command("export-polis")
@click.argument("activity_id", type=int)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export_polis_command(activity_id: int, directory: Path) -> None:
    """Write the activity as Polis's comments.csv, votes.csv, participants-votes.csv and summary.csv."""
    with transaction():
        activity = db.session.get(Activity, activity_id)
        if activity is None:
            raise click.ClickException(f"No activity {activity_id}.")
        # The groups of the reactions as they are now, not as of the worker's last pass.
        opinions.recompute_map(activity)
        files = opinions.export_polis(activity)
    polis_format.write_conversation(directory, files)
    click.echo(f"{len(files)} files written to {directory}.")


@participation_cli.command("opinions-worker")
@click.option("--loop", is_flag=True, help="Keep running (one worker is enough).")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between passes.")
def opinions_worker_command(loop: bool, interval: float) -> None:
    """Recompute the opinion maps whose reactions changed (once, or every --interval seconds)."""
    # One thread of BLAS per worker: the matrices are small, and the web workers share the cores.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    recomputed = 0
    try:
        while True:
            try:
                with transaction():
                    recomputed += len(opinions.recompute_stale_maps())
            except IntegrityError:
                if not loop:
                    raise
                db.session.rollback()  # a second worker stored the same new map first: it is done
            except OperationalError:
                if not loop:
                    raise
                db.session.rollback()  # the database is restarting: wait it out, as the outbox worker
                current_app.logger.warning("opinions: database unavailable, retrying in %.0f s", interval)
            if not loop:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        pass
    click.echo(f"Opinion maps recomputed: {recomputed}.")
