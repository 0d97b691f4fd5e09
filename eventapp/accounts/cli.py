"""`flask users create-admin EMAIL` and `flask users create-organiser EMAIL --event SLUG`."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from eventapp.accounts import services
from eventapp.accounts.models import Role
from eventapp.core.db import transaction
from eventapp.core.errors import DomainError
from eventapp.core.time import utcnow
from eventapp.events.models import Event
from eventapp.extensions import db

users_cli = AppGroup("users", help="Back-office accounts.")

_password_option = click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="The password (asked for when not given; give it only in scripts).",
)


def _create(email: str, password: str, role: Role, events: tuple[str, ...] = ()) -> None:
    now = utcnow()
    try:
        with transaction():
            found = {}
            for slug in events:
                event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
                if event is None:
                    raise click.ClickException(f"No event with the slug {slug!r}.")
                found[slug] = event
            user = services.get_user_by_email(email) if role == Role.ORGANISER else None
            if user is None:
                user = services.create_user(email, password, role=role, now=now)
            for event in found.values():
                services.assign_organiser(None, user, event.id, now=now)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    click.echo(f"{role.value} {user.email} ready" + (f" for {', '.join(events)}" if events else "") + ".")


@users_cli.command("create-admin")
@click.argument("email")
@_password_option
def create_admin(email: str, password: str):
    """Create an administrator (may do everything)."""
    _create(email, password, Role.ADMIN)


@users_cli.command("create-organiser")
@click.argument("email")
@click.option("--event", "events", multiple=True, required=True, help="Slug of an event they manage (repeatable).")
@_password_option
def create_organiser(email: str, password: str, events: tuple[str, ...]):
    """Create an organiser of the given events, or assign an existing organiser to more events."""
    _create(email, password, Role.ORGANISER, events)
