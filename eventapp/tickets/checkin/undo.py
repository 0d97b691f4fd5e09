"""Taking an admission back: a supervisor's or an organiser's correction at the door."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from eventapp.core.errors import InvalidState, NotFound, PermissionDenied
from eventapp.extensions import db
from eventapp.registration.models import Registration
from eventapp.tickets.days import door_day
from eventapp.tickets.models import CheckIn, ScanAttempt, Scanner


def undo_check_in(check: CheckIn, *, by: str, now: datetime) -> None:
    """Take back an admission (a supervisor's or organiser's correction): the people may be admitted again.

    Flushes, never commits. Raises InvalidState if it was already undone.
    """
    marked = db.session.execute(
        sa.update(CheckIn)
        .where(CheckIn.id == check.id, CheckIn.undone_at.is_(None))
        .values(undone_at=now, undone_by=by[:120])
        .returning(CheckIn.id),
        execution_options={"synchronize_session": False},
    ).scalar_one_or_none()
    if marked is None:
        raise InvalidState(_l("This check-in has already been undone."), code="already_undone")
    # The registration counts the people of its latest door day only: an admission of an earlier day
    # (an event over several days) is marked undone and leaves that count alone.
    same_day = sa.or_(Registration.checked_in_on.is_(None), Registration.checked_in_on == door_day(check.scanned_at))
    db.session.execute(
        sa.update(Registration)
        .where(Registration.id == check.registration_id, Registration.checked_in_people >= check.people, same_day)
        .values(checked_in_people=Registration.checked_in_people - check.people),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(check)
    db.session.refresh(check.registration)


def undo_scan(scan_id: str, *, scanner: Scanner, now: datetime) -> CheckIn:
    """A supervisor scanner undoes one of its event's admissions by the scan that made it.

    Raises PermissionDenied for other profiles, NotFound if no admission has this scan id.
    """
    if not scanner.profile.can_undo:
        raise PermissionDenied(_l("Only a supervisor scanner can undo a check-in."), code="profile_forbids")
    check = db.session.scalar(
        sa.select(CheckIn)
        .join(ScanAttempt, CheckIn.attempt_id == ScanAttempt.id)
        .where(ScanAttempt.scan_id == scan_id, CheckIn.event_id == scanner.event_id)
    )
    if check is None:
        raise NotFound(_l("No admission was made by this scan."), code="check_in_not_found")
    undo_check_in(check, by=f"scanner:{scanner.name}", now=now)
    return check
