"""What an organiser does to one registration from the back-office.

No rules of its own: each function checks that the acting user manages the event, calls the
service of the domain that owns the change (registration) and writes the audit entry, all in the
caller's transaction (nothing here commits). The check-in by hand is the tickets domain's own
(`tickets.checkin.check_in_by_hand`), audited there the same way.

Audit entries name the person by the registration's uuid, never by email: the audit page shows who it
was while the registration exists, and the retention job blanks the uuid with the rest (accounts/retention.py).
"""

from datetime import datetime

from eventapp.accounts.models import User
from eventapp.accounts.permissions import require_event_access
from eventapp.accounts.services import record_audit
from eventapp.backoffice.queries import AttendeeFilter
from eventapp.events.models import Event
from eventapp.registration import services as registration_services
from eventapp.registration.models import Registration
from eventapp.registration.services import RegistrationData, RegistrationOutcome


def attendee_target(registration: Registration) -> str:
    """What an audit entry about this person holds as its target: the uuid, no personal data."""
    return str(registration.uuid)


def register_on_behalf(
    actor: User, event: Event, data: RegistrationData, *, key: str, now: datetime, privacy_version: str
) -> RegistrationOutcome:
    """Register someone who asked the organiser (phone, email, at the door): same rules as online.

    Raises PermissionDenied, and whatever `registration.services.register` raises.
    """
    require_event_access(actor, event.id)
    outcome = registration_services.register(event, data, key=key, now=now, privacy_version=privacy_version)
    record_audit(
        actor,
        "attendee.registered",
        now=now,
        event_id=event.id,
        target=attendee_target(outcome.registration),
        details={"status": str(outcome.status), "seats": outcome.registration.seats, "existing": outcome.existing},
    )
    return outcome


def cancel_registration(actor: User, registration: Registration, *, key: str, now: datetime) -> list[Registration]:
    """Cancel on the person's behalf (also after the start); the freed seats go to the waiting list."""
    require_event_access(actor, registration.event_id)
    promoted = registration_services.cancel(registration, key=key, now=now, actor=actor)
    record_audit(
        actor,
        "attendee.cancelled",
        now=now,
        event_id=registration.event_id,
        target=attendee_target(registration),
        details={"promoted": len(promoted)},
    )
    return promoted


def resend_ticket(actor: User, registration: Registration, *, key: str, now: datetime) -> bool:
    """Send the ticket (or waiting-list) email again; False if one went out in the last minutes."""
    require_event_access(actor, registration.event_id)
    sent = registration_services.resend_ticket(registration, key=key, now=now)
    record_audit(
        actor,
        "attendee.ticket_resent",
        now=now,
        event_id=registration.event_id,
        target=attendee_target(registration),
        details={"sent": sent},
    )
    return sent


def record_attendee_export(actor: User, event: Event, flt: AttendeeFilter, *, rows: int, now: datetime) -> None:
    """Audit an attendee export (how many rows, with which filters) before the file is streamed.

    Raises PermissionDenied when `actor` does not manage the event.
    """
    require_event_access(actor, event.id)
    record_audit(
        actor,
        "attendees.exported",
        now=now,
        event_id=event.id,
        target=event.slug,
        details={"rows": rows, "filters": _applied_filters(flt)},
    )


def _applied_filters(flt: AttendeeFilter) -> dict[str, object]:
    """The filters an export used, named as in its URL, for the audit log.

    Of the search only the fact that there was one ("q": true): the text typed is usually the name
    of someone, and the audit outlives that person's erasure of their registration (issue 17).
    """
    values = {
        "q": bool(flt.q),
        "status": flt.status,
        "session": flt.session_id,
        "checked_in": flt.checked_in,
        "commune": flt.commune,
        "audience": flt.audience,
    }
    return {name: value for name, value in values.items() if value}
