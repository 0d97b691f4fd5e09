"""`flask --app wsgi outbox send [--loop]`: the outbox worker."""

import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError

from eventapp.core.outbox import MAX_ATTEMPTS, send_due
from eventapp.extensions import db

outbox_cli = AppGroup("outbox", help="Deliver the emails waiting in the outbox.")


@outbox_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep running as a worker (several may run at once).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds to wait when nothing is due.")
@click.option("--max-attempts", default=MAX_ATTEMPTS, show_default=True, help="Mark FAILED after this many.")
def send_command(loop: bool, interval: float, max_attempts: int) -> None:
    """Send due messages once (for cron), or continuously with --loop."""
    target = "the development mailbox" if current_app.config.get("MAIL_DEV_MAILBOX") else "SMTP"
    totals = [0, 0, 0]
    try:
        while True:
            try:
                report = send_due(max_attempts=max_attempts)
            except OperationalError:
                if not loop:
                    raise  # cron runs it again
                # The database is restarting or unreachable: a worker waits it out like the web
                # app does (its pool drops the dead connections) instead of exiting.
                db.session.rollback()
                current_app.logger.warning("outbox: database unavailable, retrying in %.0f s", interval)
                time.sleep(interval)
                continue
            totals = [totals[0] + report.sent, totals[1] + report.retried, totals[2] + report.failed]
            if report.total:
                continue  # more may be due right away
            if not loop:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        pass
    click.echo(f"Outbox ({target}): {totals[0]} sent, {totals[1]} to retry, {totals[2]} failed.")
