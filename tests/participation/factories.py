"""Factories for participation tests: organisers, registrations with tickets, activities."""

from itertools import count

from eventapp.accounts.models import EventOrganiser, Role, User
from eventapp.extensions import db
from eventapp.participation import opinions, services
from eventapp.participation.models import Access, ActivityKind, Moderation, PollType
from eventapp.registration.models import Audience, Registration, RegistrationStatus
from eventapp.registration.tokens import assign_secrets
from eventapp.tickets.codes import ticket_code
from tests.factories import NOW, make_event

SECRET_KEY = "testing-secret"  # TestingConfig.SECRET_KEY
_seq = count(1)


def make_organiser(event=None, *, admin: bool = False) -> User:
    n = next(_seq)
    user = User(
        email=f"organiser{n}@example.org",
        name=f"Organiser {n}",
        password_hash="x",
        role=Role.ADMIN if admin else Role.ORGANISER,
        created_at=NOW,
    )
    db.session.add(user)
    db.session.flush()
    if event is not None:
        db.session.add(EventOrganiser(user_id=user.id, event_id=event.id))
        db.session.flush()
    return user


def make_registration(event, *, checked_in: int = 0, status=RegistrationStatus.CONFIRMED, **values) -> Registration:
    """A confirmed registration whose address is confirmed too (a registered voice: pass
    `email_confirmed_at=None` for one that is not); its ticket code is `ticket_code_of(registration)`."""
    n = next(_seq)
    registration = Registration(
        event_id=event.id,
        status=status,
        name=f"Person {n}",
        email=f"person{n}@example.org",
        language="fr",
        audience=values.pop("audience", Audience.RESIDENT),
        commune=values.pop("commune", "21004"),
        consent_at=NOW,
        consent_version="2026-11",
        seats=values.pop("seats", 1),
        checked_in_people=checked_in,
        created_at=NOW,
        confirmed_at=NOW,
        email_confirmed_at=NOW,
        updated_at=NOW,
    )
    for key, value in values.items():
        setattr(registration, key, value)
    assign_secrets(registration, SECRET_KEY)
    db.session.add(registration)
    db.session.flush()
    return registration


def ticket_code_of(registration: Registration) -> str:
    return ticket_code(SECRET_KEY, registration.secret_seed)


def make_activity(session, organiser, kind=ActivityKind.POLL, *, open_: bool = True, **values):
    prompts = values.pop("prompts", {"fr": "Quelle priorité ?", "nl": "Welke prioriteit?", "en": "Which priority?"})
    if kind == ActivityKind.POLL:
        values.setdefault("poll_type", PollType.SINGLE)
        if values["poll_type"] in (PollType.SINGLE, PollType.MULTIPLE):
            values.setdefault(
                "options",
                [
                    {"fr": "Écoles", "nl": "Scholen", "en": "Schools"},
                    {"fr": "Musées", "nl": "Musea", "en": "Museums"},
                    {"fr": "Bibliothèques", "nl": "Bibliotheken", "en": "Libraries"},
                ],
            )
    values.setdefault("access", Access.LINK)
    values.setdefault("moderation", Moderation.PRE)
    activity = services.create_activity(organiser, session, kind=kind, prompts=prompts, now=NOW, **values)
    if open_:
        services.open_activity(organiser, activity, now=NOW)
    return activity


def make_opinions_room(bodies, *, language: str = "fr"):
    """An event of one session, its organiser and an open opinions activity seeded with `bodies`:
    (session, organiser, activity, statements)."""
    event = make_event(sessions=1)
    session, organiser = event.sessions[0], make_organiser(event)
    activity = make_activity(session, organiser, ActivityKind.OPINIONS)
    statements = [opinions.seed_statement(organiser, activity, b, language=language, now=NOW) for b in bodies]
    return session, organiser, activity, statements


def arrange_live_poll(database_url: str, options: list[dict[str, str]]) -> dict:
    """For real-server runs (browser test, benchmark): an open poll with revealed results on a live database,
    and a signed Flask session cookie that logs its organiser in."""
    from datetime import UTC, datetime

    from flask.sessions import SecureCookieSessionInterface

    from eventapp.participation import queries
    from tests.factories import make_event
    from tests.live_server import app_for

    app = app_for(database_url)
    with app.test_request_context():
        now = datetime.now(UTC)
        event = make_event(sessions=1)
        session = event.sessions[0]
        organiser = make_organiser(event)
        poll = services.create_activity(
            organiser,
            session,
            kind=ActivityKind.POLL,
            poll_type=PollType.SINGLE,
            prompts={"fr": "Quelle priorité ?", "nl": "Welke prioriteit?"},
            options=options,
            now=now,
        )
        services.open_activity(organiser, poll, now=now)
        services.reveal_results(organiser, poll)
        db.session.commit()
        signer = SecureCookieSessionInterface().get_signing_serializer(app)
        arranged = {
            "session_uuid": str(session.uuid),
            "poll_uuid": str(poll.uuid),
            "field": f"a{poll.id}-choice",
            "options": [o.id for o in poll.options],
            "room": queries.get_room(session).code,
            "organiser_cookie": signer.dumps({"_user_id": str(organiser.id), "_fresh": True}),
        }
        # The reads above (after the commit) checked a connection out again: give it back before the pool
        # goes, or it is left open until the garbage collector closes it, in whatever test runs then.
        db.session.remove()
        db.engine.dispose()
    return arranged


def join(client, session_uuid) -> None:
    """The phone takes part as a guest: the explicit step that gives it its participant cookie."""
    response = client.post(f"/participate/{session_uuid}/join")
    assert response.status_code == 303, response.status_code
