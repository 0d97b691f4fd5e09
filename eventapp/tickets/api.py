"""Door API for scanners (device token as Bearer): check-in, offline snapshot and batch upload."""

from datetime import UTC, datetime

from flask import current_app, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from eventapp.api import bp
from eventapp.core.db import transaction
from eventapp.core.errors import DomainError, PermissionDenied
from eventapp.core.i18n import current_language, localized
from eventapp.core.time import utcnow
from eventapp.core.tokens import derive, digest
from eventapp.extensions import csrf, limiter
from eventapp.tickets import queries, scanners
from eventapp.tickets.checkin import CheckInResult, check_in, record_offline_refusal, undo_scan
from eventapp.tickets.codes import search_handle
from eventapp.tickets.days import door_day
from eventapp.tickets.models import Scanner, ScanResult
from eventapp.tickets.scanners import DoorScanner

MAX_BATCH = 500
_VERDICTS = frozenset(r.value for r in ScanResult)
# Per paired phone (its device token), since every phone at a venue shares the Wi-Fi's one address.
# A volunteer scans at most a person every second or two; a phone back online uploads its queue
# (MAX_BATCH scans a request) a few times; the status poll runs every few seconds.
DOOR_LIMIT = "240/minute"
DOOR_BULK_LIMIT = "30/minute"
# The same network: room for a hundred door phones, and a ceiling for requests that change their
# token each time (an unpaired token costs a database look-up before it is refused).
DOOR_NETWORK_LIMIT = "6000/minute"


class BadRequest(DomainError):
    status = 400
    code = "invalid_request"
    default_message = _l("The request is malformed.")


def _bearer_token() -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _device_key() -> str:
    """The rate-limit key of the phone making the request (a digest: the token is never stored)."""
    token = _bearer_token()
    return f"door:{digest(token)}" if token else f"door-anonymous:{get_remote_address()}"


DOOR_NETWORK = limiter.shared_limit(DOOR_NETWORK_LIMIT, scope="door-network")


def door_limits(limit: str):
    """The door endpoints' limits: `limit` per phone, and DOOR_NETWORK_LIMIT for its network."""

    def decorate(view):
        view = limiter.limit(limit, key_func=_device_key)(view)
        return DOOR_NETWORK(view)

    return decorate


def scanner_from_request(now: datetime) -> Scanner:
    """The scanner whose device token is in `Authorization: Bearer …` (raises PermissionDenied)."""
    return scanners.authenticate_scanner(_bearer_token(), now=now)


def door_from_request(now: datetime) -> DoorScanner:
    """The same scanner for the check-in path, from a snapshot a few seconds old at most."""
    return scanners.authenticate_door(_bearer_token(), now=now, ttl=current_app.config["SCANNER_CACHE_TTL"])


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest()
    return body


def _scan_fields(item: dict) -> dict:
    """Shape checks of one scan; the service checks the rules."""
    code, scan_id, people, scanned_at = (
        item.get("code"),
        item.get("scan_id"),
        item.get("people"),
        item.get("scanned_at"),
    )
    if not isinstance(code, str) or len(code) > 200:
        raise BadRequest(_l("The ticket code is missing."), code="invalid_code")
    if not isinstance(scan_id, str) or len(scan_id) > 64:
        raise BadRequest(_l("The scan id is missing or malformed."), code="invalid_scan_id")
    if people is not None and (isinstance(people, bool) or not isinstance(people, int) or not 1 <= people <= 1000):
        raise BadRequest(_l("The number of people must be at least 1."), code="invalid_people")
    when = None
    if scanned_at is not None:
        try:
            when = datetime.fromisoformat(scanned_at) if isinstance(scanned_at, str) else None
            # In UTC, as stored; a time at the edge of the calendar ("0001-01-01T00:00+01:00") has none.
            when = when.astimezone(UTC) if when is not None and when.tzinfo is not None else None
        except (ValueError, OverflowError):
            when = None
        if when is None:
            raise BadRequest(_l("The scan time must be an ISO 8601 time with its offset."), code="invalid_scanned_at")
        if not 2000 <= when.year <= 2100:
            # A phone whose clock is decades off (reset by a flat battery): its time says nothing about
            # the scan, which is judged as of its arrival rather than lost (and no door day is worked
            # out at the calendar's ends, where the conversion to Brussels time overflows).
            when = None
    return {"code": code, "scan_id": scan_id, "people": people, "scanned_at": when}


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def serialize_session(session) -> dict:
    lang = current_language()
    return {
        "title": localized(session, "title", lang).text,
        "start": _iso(session.starts_at),
        "end": _iso(session.ends_at),
        "room": session.room,
    }


def serialize_result(result: CheckInResult, scanner: Scanner | DoorScanner | None) -> dict:
    # The reader's language only matters for titles; most scans show none (a duplicate never does).
    ticket = result.ticket
    data = {
        "status": str(result.status),
        "scan_id": result.scan_id,
        "people": result.people,
        "people_remaining": result.people_remaining,
        "seats": result.seats,
        "sessions": [serialize_session(s) for s in result.sessions] if result.status == ScanResult.OK else [],
        "previous": {"at": _iso(result.previous_at), "gate": result.previous_gate} if result.previous_at else None,
        "other_event": None,
        # The days a ticket scanned on another day is valid for, which the scanner shows at once.
        "door_days": {"first": result.door_days[0].isoformat(), "last": result.door_days[1].isoformat()}
        if result.door_days
        else None,
        "replayed": result.replayed,
        "duplicate_discovered": result.duplicate_discovered,
    }
    if result.other_event is not None:
        data["other_event"] = {
            "slug": result.other_event.slug,
            "title": localized(result.other_event, "title", current_language()).text,
            "start": _iso(result.other_event.starts_at),
        }
        data["sessions"] = []
    # Names only for scanners allowed to search by name (and only for tickets of their own event).
    if (
        ticket is not None
        and scanner is not None
        and scanner.profile.can_search
        and ticket.event_id == scanner.event_id
    ):
        data["name"] = ticket.name
    return data


@bp.post("/checkin")
@csrf.exempt
@door_limits(DOOR_LIMIT)
def checkin():
    """Judge one scanned ticket and admit it (see checkin.check_in)."""
    now = utcnow()
    fields = _scan_fields(_json_body())
    with transaction():
        door = door_from_request(now)
        result = check_in(scanner=door, key=current_app.config["SECRET_KEY"], now=now, **fields)
    return jsonify(serialize_result(result, door))


@bp.post("/checkin/batch")
@csrf.exempt
@door_limits(DOOR_BULK_LIMIT)
def checkin_batch():
    """Upload scans made offline, oldest first; each one is judged and committed on its own."""
    now = utcnow()
    body = _json_body()
    scans = body.get("scans")
    if not isinstance(scans, list) or len(scans) > MAX_BATCH:
        raise BadRequest()
    with transaction():
        door = door_from_request(now)
    results = []
    # Earliest scans first, so that "earliest scan wins" needs as few corrections as possible.
    items = sorted((s for s in scans if isinstance(s, dict)), key=lambda s: str(s.get("scanned_at") or ""))
    for item in items:
        try:
            fields = _scan_fields(item)
            verdict = item.get("verdict", "ok")
            with transaction():
                if fields["scanned_at"] is None:
                    fields["scanned_at"] = now
                # A list or an object is not a verdict (and is unhashable: `in {...}` would raise).
                if not isinstance(verdict, str) or verdict not in _VERDICTS:
                    raise BadRequest(_l("The offline verdict is not one of the scan results."), code="invalid_verdict")
                if verdict == ScanResult.OK:
                    result = check_in(scanner=door, key=current_app.config["SECRET_KEY"], now=now, **fields)
                else:
                    result = record_offline_refusal(
                        fields["code"],
                        scanner=door,
                        scan_id=fields["scan_id"],
                        scanned_at=fields["scanned_at"],
                        verdict=ScanResult(verdict),
                        now=now,
                    )
                results.append(serialize_result(result, door))
        except DomainError as error:
            # The scan id echoed only when it is one (not an arbitrary structure sent in its place).
            scan_id = item.get("scan_id") if isinstance(item.get("scan_id"), str) else None
            results.append({"scan_id": scan_id, "error": {"code": error.code, "message": str(error.message)}})
    return jsonify(results=results)


@bp.post("/checkin/undo")
@csrf.exempt
@door_limits(DOOR_LIMIT)
def checkin_undo():
    """A supervisor scanner takes back an admission made by `scan_id`."""
    now = utcnow()
    scan_id = _json_body().get("scan_id")
    if not isinstance(scan_id, str):
        raise BadRequest(code="invalid_scan_id")
    with transaction():
        scanner = scanner_from_request(now)
        check = undo_scan(scan_id, scanner=scanner, now=now)
        data = {
            "status": "undone",
            "scan_id": scan_id,
            "people": check.people,
            # Today's: undoing an admission of an earlier day (an event over several days) frees no one today.
            "people_remaining": check.registration.seats - check.registration.admitted_on_day(door_day(now)),
        }
    return jsonify(data)


def serialize_scanner(scanner: Scanner) -> dict:
    """Who the phone is paired as. `key` names the scanner (the same across re-pairings, opaque, not
    a secret): scans the phone queued offline are uploaded only by the scanner that made them."""
    key = derive(current_app.config["SECRET_KEY"], "scanner-queue", str(scanner.id), 16)
    return {"gate": scanner.name, "profile": str(scanner.profile), "key": key}


def _counts(scanner: Scanner, now: datetime) -> dict:
    return queries.count_check_ins(scanner.event, now=now).as_dict()


def serialize_late_duplicates(event) -> list[dict]:
    """Offline admissions found on upload to be duplicates, each with the admission that let its
    ticket in first that day."""
    attempts = queries.list_late_duplicates(event)
    first_admissions = queries.first_admissions_of_their_day(attempts)

    def admitted(attempt) -> dict | None:
        first = first_admissions.get(attempt.id)
        return {"gate": first.gate, "at": _iso(first.scanned_at)} if first else None

    return [
        {
            "scan_id": attempt.scan_id,
            "gate": attempt.gate,
            "scanned_at": _iso(attempt.scanned_at),
            "discovered_at": _iso(attempt.duplicate_discovered_at),
            "admitted": admitted(attempt),
        }
        for attempt in attempts
    ]


@bp.get("/scanner/snapshot")
@door_limits(DOOR_BULK_LIMIT)
def scanner_snapshot():
    """Everything a scanner needs to keep judging tickets of its event without a network."""
    now = utcnow()
    with transaction():
        scanner = scanner_from_request(now)
        lang = current_language()
        event = scanner.event
        snapshot = queries.build_snapshot(scanner, now=now)
        data = {
            "generated_at": snapshot["generated_at"],
            "day": snapshot["day"],
            "day_starts": snapshot["day_starts"],
            "scanner": serialize_scanner(scanner),
            "event": {
                "slug": event.slug,
                "title": localized(event, "title", lang).text,
                "start": _iso(event.starts_at),
                "end": _iso(event.ends_at),
                "status": str(event.status),
            },
            "sessions": [serialize_session(s) for s in snapshot["sessions"]],
            "tickets": snapshot["tickets"],
            "counts": _counts(scanner, now),
            "duplicates": serialize_late_duplicates(event),
        }
    return jsonify(data)


@bp.get("/scanner/status")
@door_limits(DOOR_LIMIT)
def scanner_status():
    """Live counts and duplicates discovered after the fact, for the scanner page to poll."""
    now = utcnow()
    with transaction():
        scanner = scanner_from_request(now)
        data = {
            "scanner": serialize_scanner(scanner),
            "counts": _counts(scanner, now),
            "duplicates": serialize_late_duplicates(scanner.event),
        }
    return jsonify(data)


@bp.get("/scanner/search")
@door_limits(DOOR_LIMIT)
def scanner_search():
    """Attendees of the scanner's event by name (scan_and_search and supervisor profiles only)."""
    now = utcnow()
    with transaction():
        scanner = scanner_from_request(now)
        if not scanner.profile.can_search:
            raise PermissionDenied(_l("This scanner may not search by name."), code="profile_forbids")
        key = current_app.config["SECRET_KEY"]
        found = queries.search_registrations(scanner.event, request.args.get("q", "")[:100])
        today = door_day(now)
        data = {
            "results": [
                {
                    "name": r.name,
                    "status": str(r.status),
                    "seats": r.seats,
                    "checked_in": r.admitted_on_day(today),  # an event over several days admits a ticket each day
                    # What admits the person found, at this scanner only: never the ticket code,
                    # which is also their credential elsewhere. The digest finds them in the snapshot.
                    "handle": search_handle(key, scanner.id, r.ticket_digest),
                    "d": r.ticket_digest,
                }
                for r in found
            ]
        }
    return jsonify(data)
