"""Scanner management is audited like the organiser's other actions: who, what, when, never a secret."""

import sqlalchemy as sa

from eventapp.accounts.models import AuditEntry
from eventapp.extensions import db
from eventapp.tickets.scanners import create_scanner, pair_scanner, renew_pairing, revoke_scanner
from tests.factories import NOW, make_event
from tests.tickets.factories import make_user


def test_creation_pairing_renewal_and_revocation_are_audited_without_secrets(app_ctx):
    event = make_event()
    organiser = make_user(events=[event])
    scanner, pairing = create_scanner(organiser, event, name="Door A", now=NOW)
    _, device_token = pair_scanner(pairing, now=NOW)
    second_pairing = renew_pairing(organiser, scanner, now=NOW)
    revoke_scanner(organiser, scanner, now=NOW)
    revoke_scanner(organiser, scanner, now=NOW)  # idempotent: audited once
    _, direct_token = create_scanner(None, event, name="Hardware", direct_token=True, now=NOW)

    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.event_id == event.id).order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.actor_id, e.target) for e in entries] == [
        ("scanner.created", organiser.id, "Door A"),
        ("scanner.paired", None, "Door A"),  # the phone that opened the link has no account
        ("scanner.pairing_renewed", organiser.id, "Door A"),
        ("scanner.revoked", organiser.id, "Door A"),
        ("scanner.created", None, "Hardware"),  # from the command line
    ]
    assert entries[0].details == {"scanner": scanner.id, "profile": "scan_only", "direct_token": False}
    assert all(e.created_at == NOW for e in entries)
    logged = repr([(e.target, e.details) for e in entries])
    for secret in (pairing, device_token, second_pairing, direct_token):
        assert secret not in logged
