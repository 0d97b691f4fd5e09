"""`flask scanners …`: door scanners for scripts, hardware scanners and organisers on a terminal."""

import click
from flask import current_app
from flask.cli import AppGroup

from eventapp.core.db import transaction
from eventapp.core.errors import DomainError
from eventapp.core.time import utcnow
from eventapp.tickets import queries, scanners
from eventapp.tickets.models import ScannerProfile

scanners_cli = AppGroup("scanners", help="Door scanners (devices) of an event.")


def pairing_url(token: str) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/scan/pair/{token}"


@scanners_cli.command("create")
@click.argument("event_slug")
@click.option("--name", required=True, help='Gate name, e.g. "Door A".')
@click.option("--profile", type=click.Choice([p.value for p in ScannerProfile]), default=ScannerProfile.SCAN_ONLY.value)
@click.option("--token", "direct", is_flag=True, help="Print a device token instead of a pairing link.")
@click.option(
    "--same-name",
    is_flag=True,
    help="Create it even if a scanner of the event (not revoked) has that name: a second phone at one gate.",
)
def create_command(event_slug: str, name: str, profile: str, direct: bool, same_name: bool):
    """Create a scanner and print its pairing link (valid 10 minutes, once) or device token.
    Refuses a gate name already in use unless --same-name is given."""
    now = utcnow()
    try:
        with transaction():
            event = queries.get_event_by_slug(event_slug)
            # No user at a terminal: the audit entry names none (actor None).
            scanner, secret = scanners.create_scanner(
                None,
                event,
                name=name,
                profile=ScannerProfile(profile),
                direct_token=direct,
                same_name=same_name,
                now=now,
            )
    except DomainError as error:
        if error.code == "gate_name_taken":  # the terminal's own words (in English, as its other output)
            raise click.ClickException(
                f'A scanner named "{name.strip()}" already exists for {event_slug}. Add --same-name to create '
                'a second phone at that gate, or choose another name ("flask scanners list" shows them).'
            ) from error
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Scanner {scanner.id} ({scanner.name}, {scanner.profile}) for {event.slug}")
    if direct:
        click.echo(f"Device token (shown once; send it as 'Authorization: Bearer <token>'): {secret}")
    else:
        click.echo(f"Pairing link (open it once on the phone within 10 minutes): {pairing_url(secret)}")


@scanners_cli.command("list")
@click.argument("event_slug")
def list_command(event_slug: str):
    """List an event's scanners with their scan and admission counts."""
    try:
        event = queries.get_event_by_slug(event_slug)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    scans = queries.count_scans_by_scanner(event)
    admitted = queries.count_admissions_by_scanner(event)
    for scanner in queries.list_scanners(event):
        if scanner.revoked_at:
            state = f"revoked {scanner.revoked_at:%Y-%m-%d %H:%M}"
        elif scanner.token_digest:
            state = "paired"
        else:
            state = "waiting for pairing"
        seen = f"{scanner.last_seen_at:%Y-%m-%d %H:%M}" if scanner.last_seen_at else "never"
        click.echo(
            f"{scanner.id}\t{scanner.name}\t{scanner.profile}\t{state}\tscans={scans.get(scanner.id, 0)}"
            f"\tadmitted={admitted.get(scanner.id, 0)}\tlast seen={seen}"
        )


@scanners_cli.command("revoke")
@click.argument("scanner_id", type=int)
def revoke_command(scanner_id: int):
    """Revoke a scanner at once (lost phone): its token and pairing link stop working."""
    try:
        with transaction():
            scanner = queries.get_scanner(scanner_id)
            scanners.revoke_scanner(None, scanner, now=utcnow())
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Scanner {scanner_id} revoked.")
