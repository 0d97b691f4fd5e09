"""Many simultaneous sign-ups against a real gunicorn with several worker processes never overbook."""

import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
import sqlalchemy as sa

from eventapp.core.outbox import OutboxMessage
from eventapp.events.models import Event, Session
from eventapp.extensions import db
from eventapp.registration.models import Registration, RegistrationSession, RegistrationStatus
from eventapp.registration.queries import waitlist_position
from tests.factories import make_event, make_session
from tests.live_server import LiveServer, app_for, fresh_database
from tests.registration.factories import sign_up

THREADS = 40
REQUESTS_PER_THREAD = 3
CAPACITY = 30
PREFILLED = 24  # nearly full: 6 seats left for 120 requests
WORKSHOP_CAPACITY = 4


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.slow
@pytest.mark.no_db_isolation
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_simultaneous_registrations_never_overbook(tmp_path, database):
    url = fresh_database(database, tmp_path)
    app = app_for(url)
    with app.test_request_context():
        event = make_event(capacity=CAPACITY, max_seats_per_registration=3)
        workshop = make_session(event, capacity=WORKSHOP_CAPACITY)
        for _ in range(PREFILLED // 3):
            sign_up(event, seats=3)
        db.session.commit()
        slug, event_id, workshop_id = event.slug, event.id, workshop.id

    statuses: list[int] = []
    plain_statuses: list[int] = []  # requests without a workshop: never refused
    lock = threading.Lock()
    opener = urllib.request.build_opener(_NoRedirect)

    def hammer(server_url: str, thread_no: int):
        for i in range(REQUESTS_PER_THREAD):
            form = {
                "name": f"Racer {thread_no}-{i}",
                "email": f"racer{thread_no}-{i}@example.org",
                "language": ("fr", "nl", "en")[i],
                "seats": str(1 + (thread_no + i) % 3),
                "consent": "y",
            }
            if thread_no % 4 == 0:
                form["sessions"] = str(workshop_id)
            request = urllib.request.Request(
                f"{server_url}/events/{slug}/register", data=urllib.parse.urlencode(form).encode()
            )
            try:
                with opener.open(request, timeout=60) as response:
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            with lock:
                statuses.append(status)
                if "sessions" not in form:
                    plain_statuses.append(status)

    with LiveServer(url, workers=3) as server:
        threads = [threading.Thread(target=hammer, args=(server.url, n)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # 303: registered (confirmed or waiting); 422: only "the workshop is full", shown on the form.
    assert len(statuses) == THREADS * REQUESTS_PER_THREAD
    assert set(statuses) <= {303, 422}, statuses
    assert set(plain_statuses) == {303}, plain_statuses

    with app.app_context():
        event = db.session.get(Event, event_id)
        workshop = db.session.get(Session, workshop_id)
        registrations = list(db.session.scalars(sa.select(Registration).where(Registration.event_id == event_id)))
        confirmed = [r for r in registrations if r.status == RegistrationStatus.CONFIRMED]
        waiting = [r for r in registrations if r.status == RegistrationStatus.WAITLISTED]
        held = db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(Registration.seats), 0))
            .join(RegistrationSession)
            .where(RegistrationSession.session_id == workshop_id, RegistrationSession.holds_seat.is_(True))
        )

        assert event.seats_taken == sum(r.seats for r in confirmed) <= CAPACITY
        assert event.seats_waiting == sum(r.seats for r in waiting)
        assert workshop.seats_taken == held <= WORKSHOP_CAPACITY
        assert len(registrations) == PREFILLED // 3 + statuses.count(303)
        # Nobody waits who would have fitted in the seats left: the event filled up first.
        assert all(r.seats > event.seats_left for r in waiting)
        assert waiting and event.seats_left < 3
        assert sorted(waitlist_position(r) for r in waiting) == list(range(1, len(waiting) + 1))
        # One email per registration, written in the same transaction.
        emails = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        assert emails == len(registrations)
        db.session.remove()
        db.engine.dispose()
