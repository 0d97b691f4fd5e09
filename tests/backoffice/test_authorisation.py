"""The authorisation matrix: every /admin URL rule (found in app.url_map, so new pages are covered
automatically) against anonymous visitors, an organiser of another event, and an account with no
event at all. Nothing may be read or changed without access."""

import pytest
import sqlalchemy as sa

from eventapp import create_app
from eventapp.accounts.models import AuditEntry
from eventapp.core.outbox import OutboxMessage
from eventapp.events.models import Event
from eventapp.extensions import db
from tests.accounts.factories import login, make_admin, make_user
from tests.backoffice.factories import make_registration
from tests.factories import make_event, make_session, make_theme, make_venue

# Pages anyone may open: the way in.
PUBLIC = {
    "accounts.login",
    "accounts.login_totp",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.logout",
}
# Pages every account with access sees (their own content only).
FOR_EVERY_ORGANISER = {"backoffice.index"}


def _admin_rules():
    # Only its URL map is read; no database is touched.
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    pairs = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin") or rule.endpoint in PUBLIC:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            pairs.append((rule.endpoint, rule.rule, tuple(sorted(rule.arguments)), method))
    return sorted(pairs, key=lambda p: (p[1], p[3]))


RULES = _admin_rules()
IDS = [f"{method} {rule}" for _endpoint, rule, _args, method in RULES]
# Pages about one event; the index lists the organiser's own events only (tested in test_views).
EVENT_RULES = [r for r in RULES if r[0] not in FOR_EVERY_ORGANISER]
EVENT_IDS = [f"{method} {rule}" for _endpoint, rule, _args, method in EVENT_RULES]


@pytest.fixture
def world():
    """Two events; the organiser manages `mine` only; `theirs` has a registration, a session, a venue."""
    mine, theirs = make_event(), make_event()
    session = make_session(theirs)
    registration = make_registration(theirs, sessions=[session])
    organiser = make_user(events=[mine])
    # Commit (a savepoint of the test's transaction): a request that ends without committing
    # rolls the session back, and with it anything only flushed.
    world = {
        "organiser": organiser.email,
        "nobody": make_user().email,
        "admin": make_admin().email,
        "values": {
            "slug": theirs.slug,
            "session_slug": session.slug,
            "venue_slug": make_venue().slug,
            "theme_slug": make_theme("culture").slug,
            "registration_uuid": str(registration.uuid),
            "uuid": str(registration.uuid),
            "message_id": "0" * 32,
            "token": "x",
        },
        "theirs": theirs.id,
    }
    db.session.commit()
    world["snapshot"] = _snapshot(theirs.id)
    return world


def _snapshot(event_id):
    event = db.session.get(Event, event_id)
    return (
        event.status,
        event.capacity,
        event.title_en,
        event.sequence,
        event.version,
        db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)),
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.event_id == event_id)),
    )


def _url(rule: str, args: tuple, values: dict) -> tuple[str, bool]:
    """The URL with the other event's identifiers; False when an argument had to be guessed."""
    known = True
    path = rule
    for name in args:
        value = values.get(name)
        if value is None:
            known, value = False, "1"
        path = path.replace(f"<{name}>", value)
        for converter in ("int", "string", "path", "uuid"):
            path = path.replace(f"<{converter}:{name}>", value)
    return path, known


def _request(client, method, path):
    data = {"title_en": "hacked", "capacity": "0", "confirm": "y", "reason": "x"}
    return client.open(path, method=method, data=data if method != "GET" else None)


@pytest.mark.parametrize(("endpoint", "rule", "args", "method"), RULES, ids=IDS)
def test_anonymous_is_sent_to_the_login_page(client, world, endpoint, rule, args, method):
    path, _known = _url(rule, args, world["values"])
    response = _request(client, method, path)
    assert response.status_code == 302, path
    assert response.headers["Location"].startswith("/admin/login")
    assert _snapshot(world["theirs"]) == world["snapshot"]


@pytest.mark.parametrize(("endpoint", "rule", "args", "method"), EVENT_RULES, ids=EVENT_IDS)
def test_organiser_of_another_event_is_refused(client, world, endpoint, rule, args, method):
    login(client, world["organiser"])
    path, known = _url(rule, args, world["values"])
    response = _request(client, method, path)
    # Another's event answers as an unknown slug would (tests/security/test_f16_other_events_not_found.py).
    expected = {404} if "slug" in args else {403} if known else {403, 404}
    assert response.status_code in expected, path
    assert b"hacked" not in response.data
    assert _snapshot(world["theirs"]) == world["snapshot"]


@pytest.mark.parametrize(("endpoint", "rule", "args", "method"), RULES, ids=IDS)
def test_account_without_any_event_is_refused(client, world, endpoint, rule, args, method):
    login(client, world["nobody"])
    path, known = _url(rule, args, world["values"])
    response = _request(client, method, path)
    assert response.status_code in ({403} if known and "slug" not in args else {403, 404}), path
    assert _snapshot(world["theirs"]) == world["snapshot"]


GET_RULES = [r for r in RULES if r[3] == "GET"]


@pytest.mark.parametrize(("endpoint", "rule", "args", "method"), GET_RULES, ids=[f"GET {r[1]}" for r in GET_RULES])
def test_admin_opens_every_page(client, world, endpoint, rule, args, method):
    login(client, world["admin"])
    path, known = _url(rule, args, world["values"])
    response = client.get(path)
    assert response.status_code in ({200} if known else {200, 404}), path


def test_inactive_account_cannot_log_in(client):
    user = make_user(events=[make_event()], active=False)
    assert login(client, user).status_code == 422
    assert client.get("/admin/").status_code == 302


def test_the_matrix_covers_the_back_office():
    endpoints = {r[0] for r in RULES}
    assert {
        "backoffice.attendees",
        "backoffice.attendees_export",
        "backoffice.event_cancel",
        "backoffice.audit",
    } <= endpoints
