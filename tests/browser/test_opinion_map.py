"""Twenty phones react to statements with the no-JavaScript buttons (headless Chromium against gunicorn), the
worker's pass computes the map, and the room's screen shows it: two groups of ten, the statement everyone
agrees with, no group under five on its own. axe finds nothing on the phone, the map page and the screen.
The last phone, left open, follows the room without a reload: the groups so far, then a new statement."""

from datetime import UTC, datetime

import pytest

from tests.browser.site import assert_accessible
from tests.live_server import LiveServer, app_for, fresh_database

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]

LIVE = 5_000
STATEMENTS = ("Plus d'arbres sur la place", "Moins de voitures au centre", "Un marché de nuit", "Des bancs à l'ombre")


def arrange_room(url: str) -> dict:
    """An open opinions activity with four statements, and the organiser's login cookie."""
    from flask.sessions import SecureCookieSessionInterface

    from eventapp.extensions import db
    from eventapp.participation import opinions, services
    from eventapp.participation.models import ActivityKind
    from tests.factories import make_event
    from tests.participation.factories import make_organiser

    app = app_for(url)
    with app.test_request_context():
        now = datetime.now(UTC)
        event = make_event(sessions=1)
        session = event.sessions[0]
        organiser = make_organiser(event)
        activity = services.create_activity(
            organiser,
            session,
            kind=ActivityKind.OPINIONS,
            prompts={"fr": "Notre quartier demain", "nl": "Onze wijk morgen"},
            now=now,
        )
        for body in STATEMENTS:
            opinions.seed_statement(organiser, activity, body, language="fr", now=now)
        services.open_activity(organiser, activity, now=now)
        db.session.commit()
        signer = SecureCookieSessionInterface().get_signing_serializer(app)
        arranged = {
            "session": str(session.uuid),
            "activity": str(activity.uuid),
            "cookie": signer.dumps({"_user_id": str(organiser.id), "_fresh": True}),
            "organiser": organiser.id,
        }
        db.engine.dispose()
    return arranged


def _worker_pass(url: str) -> list[int]:
    """What `flask participation opinions-worker` does on each pass."""
    from eventapp.core.db import transaction
    from eventapp.extensions import db
    from eventapp.participation import opinions

    app = app_for(url)
    with app.app_context():
        with transaction():
            recomputed = opinions.recompute_stale_maps()
        db.engine.dispose()
    return recomputed


def _seed(url: str, room: dict, body: str) -> None:
    """The organiser adds a statement (as the organisers' page does), on the live database."""
    from eventapp.accounts.models import User
    from eventapp.core.db import transaction
    from eventapp.extensions import db
    from eventapp.participation import opinions, queries

    app = app_for(url)
    with app.test_request_context():
        with transaction():
            session = queries.get_session(room["session"])
            activity = queries.get_activity(session, room["activity"])
            organiser = db.session.get_one(User, room["organiser"])
            opinions.seed_statement(organiser, activity, body, language="fr", now=datetime.now(UTC))
        db.engine.dispose()


def _opinion(phone: int, statement: str) -> str:
    """Two camps of ten, split on the first two statements; everyone wants the night market; the benches split
    no one (each passes)."""
    camp = phone % 2
    if statement == STATEMENTS[0]:
        return "D'accord" if camp else "Pas d'accord"
    if statement == STATEMENTS[1]:
        return "Pas d'accord" if camp else "D'accord"
    if statement == STATEMENTS[2]:
        return "D'accord"
    return "Passer / je ne sais pas"


def test_twenty_phones_react_and_the_room_screen_shows_the_map(tmp_path, browser):
    from playwright.sync_api import expect

    url = fresh_database("sqlite", tmp_path)
    room = arrange_room(url)
    phone_path = f"/participate/{room['session']}/a/{room['activity']}/opinions?lang=fr"
    with LiveServer(url, workers=2) as server:
        errors = []
        last = None  # the last phone stays open: it follows the room
        for n in range(20):
            context = browser.new_context(viewport={"width": 360, "height": 740})
            try:
                phone = context.new_page()
                phone.on("pageerror", lambda error: errors.append(str(error)))
                phone.goto(server.url + phone_path)
                phone.get_by_role("button", name="Participer", exact=True).click()  # joining leads to the session
                phone.wait_for_load_state()
                phone.goto(server.url + phone_path)
                if n == 0:
                    # One statement at a time, then a skip: another statement comes.
                    first = phone.locator("blockquote.statement").inner_text()
                    phone.get_by_role("link", name="Passer cette affirmation pour l'instant").click()
                    expect(phone.locator("blockquote.statement")).not_to_have_text(first)
                    assert_accessible(phone, "the phone page")
                for _ in STATEMENTS:
                    statement = phone.locator("blockquote.statement").inner_text().strip()
                    phone.get_by_role("button", name=_opinion(n, statement), exact=True).click()
                    phone.wait_for_load_state()
                expect(phone.locator(".notice-ok")).to_contain_text("Vous avez réagi à toutes les affirmations")
                if n == 19:
                    last, context = phone, None
            finally:
                if context is not None:
                    context.close()

        last.evaluate("window.stayed = true")  # gone with a reload
        expect(last.locator("#opinion-summary")).not_to_contain_text("personnes placées")
        assert len(_worker_pass(url)) == 1
        expect(last.locator("#opinion-summary")).to_contain_text("20 personnes placées sur la carte", timeout=LIVE)
        expect(last.locator("#opinion-summary")).to_contain_text("Un marché de nuit")
        _seed(url, room, "Une piste cyclable rue Haute")
        expect(last.locator("blockquote.statement")).to_have_text("Une piste cyclable rue Haute", timeout=LIVE)
        assert last.evaluate("window.stayed") is True
        assert_accessible(last, "the phone page after following the room")
        last.context.close()

        staff = browser.new_context(viewport={"width": 1920, "height": 1080})
        try:
            staff.add_cookies([{"name": "session", "value": room["cookie"], "url": server.url}])
            projector = staff.new_page()
            projector.on("pageerror", lambda error: errors.append(str(error)))
            projector.goto(f"{server.url}/participate/{room['session']}/projector?lang=fr")
            projector.locator("body").press("o")
            expect(projector.locator(".screen-kind")).to_contain_text("Carte des opinions", timeout=LIVE)
            expect(projector.locator(".screen-kind")).to_contain_text("Opiniekaart")
            expect(projector.locator(".opinion-dots circle")).to_have_count(20)
            legend = projector.locator(".opinion-legend li")
            expect(legend).to_have_count(2)  # two groups, none under five
            expect(legend.nth(0)).to_contain_text("A: 10")
            expect(legend.nth(1)).to_contain_text("B: 10")
            expect(projector.locator(".opinion-consensus")).to_contain_text("Un marché de nuit")
            assert_accessible(projector, "the room's screen with the opinion map")

            map_page = staff.new_page()
            map_page.goto(f"{server.url}/participate/{room['session']}/a/{room['activity']}/opinion-map?lang=fr")
            expect(map_page.locator("table.opinion-groups tbody tr")).to_have_count(2)
            assert_accessible(map_page, "the opinion map page")
            assert errors == []
        finally:
            staff.close()
