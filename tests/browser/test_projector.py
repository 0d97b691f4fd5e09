"""The projector updates without reload when phones vote (headless Chromium against gunicorn)."""

import re
import urllib.request
from uuid import UUID

import pytest

from tests.live_server import LiveServer, fresh_database
from tests.participation.factories import arrange_live_poll

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]


def _vote(base, session_uuid, poll_uuid, field, option_id):
    request = urllib.request.Request(
        f"{base}/participate/{session_uuid}/a/{poll_uuid}/vote",
        data=f"{field}={option_id}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # follows the 303 to the page
        assert response.status == 200


def test_projector_updates_without_reload(tmp_path, browser):
    # `browser`: the session's one Chromium (a second sync_playwright() in the same run fails).
    from playwright.sync_api import expect

    url = fresh_database("sqlite", tmp_path)
    arranged = arrange_live_poll(url, [{"fr": "Écoles", "nl": "Scholen"}, {"fr": "Musées", "nl": "Musea"}])
    session_uuid, poll_uuid, field = arranged["session_uuid"], arranged["poll_uuid"], arranged["field"]
    option_id, cookie = arranged["options"][1], arranged["organiser_cookie"]
    with LiveServer(url, workers=2) as server:
        context = browser.new_context()
        try:
            context.add_cookies([{"name": "session", "value": cookie, "url": server.url}])
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{server.url}/participate/{session_uuid}/projector?lang=fr")
            french = page.locator('.projector-column[data-lang="fr"]')
            dutch = page.locator('.projector-column[data-lang="nl"]')
            expect(french.locator(".poll-prompt")).to_have_text("Quelle priorité ?")
            expect(dutch.locator(".poll-prompt")).to_have_text("Welke prioriteit?")
            expect(french.locator(".poll-total")).to_have_text("0 réponse")  # French: 0 takes the singular
            expect(dutch.locator(".poll-total")).to_have_text("0 antwoorden")
            page.evaluate("window.__notReloaded = true")

            _vote(server.url, session_uuid, poll_uuid, field, option_id)
            _vote(server.url, session_uuid, poll_uuid, field, option_id)

            expect(french.locator(".poll-total")).to_have_text("2 réponses", timeout=10_000)
            expect(dutch.locator(".poll-total")).to_have_text("2 antwoorden")
            expect(dutch.locator(".poll-rows li").nth(1)).to_contain_text("Musea")
            expect(dutch.locator(".poll-rows li").nth(1)).to_contain_text("100 % (2)")
            assert page.evaluate("window.__notReloaded") is True
            assert page.locator("#room-code").inner_text().strip()
            assert errors == []
        finally:
            context.close()


def _organiser_post(base, path, cookie):
    request = urllib.request.Request(f"{base}{path}", data=b"", headers={"Cookie": f"session={cookie}"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # follows the 303 to the manage page
        assert response.status == 200


def test_a_ticked_answer_survives_a_change_in_the_room(tmp_path, browser):
    """The phone reloads when an activity changes, except while someone is in the middle of an answer."""
    from playwright.sync_api import expect

    url = fresh_database("sqlite", tmp_path)
    arranged = arrange_live_poll(url, [{"fr": "Écoles", "nl": "Scholen"}, {"fr": "Musées", "nl": "Musea"}])
    session_uuid, poll_uuid, cookie = arranged["session_uuid"], arranged["poll_uuid"], arranged["organiser_cookie"]
    manage = f"/participate/{session_uuid}/manage/a/{poll_uuid}"
    with LiveServer(url, workers=2) as server:
        context = browser.new_context()
        try:
            idle, busy = context.new_page(), context.new_page()
            for page in (idle, busy):
                # Wait for the script's first read of the state (it never reloads on that one).
                with page.expect_response(lambda response: "/state.json" in response.url):
                    page.goto(f"{server.url}/participate/{session_uuid}?lang=fr")
                page.evaluate("window.__notReloaded = true")
            busy.get_by_label("Musées").check()
            busy.locator("h1").click()  # the focus leaves the form: the ticked answer alone makes it busy

            _organiser_post(server.url, f"{manage}/conceal", cookie)

            idle.wait_for_function("() => window.__notReloaded === undefined", timeout=15_000)
            notice = busy.locator("#live-notice")
            expect(notice).to_be_visible(timeout=15_000)
            expect(notice).to_contain_text("Une activité a changé.")
            expect(notice.get_by_role("link", name="Actualiser")).to_be_visible()
            expect(busy.get_by_label("Musées")).to_be_checked()
            assert busy.evaluate("window.__notReloaded") is True
        finally:
            context.close()


def test_a_change_in_the_room_after_a_form_error_loads_the_page_without_sending_the_form_again(tmp_path, browser):
    url = fresh_database("sqlite", tmp_path)
    arranged = arrange_live_poll(url, [{"fr": "Écoles", "nl": "Scholen"}, {"fr": "Musées", "nl": "Musea"}])
    session_uuid, poll_uuid, cookie = arranged["session_uuid"], arranged["poll_uuid"], arranged["organiser_cookie"]
    with LiveServer(url, workers=2) as server:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"{server.url}/participate/{session_uuid}?lang=fr")
            posts = []
            page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
            with page.expect_response(lambda response: "/state.json" in response.url):
                page.get_by_role("button", name="Envoyer ma réponse").click()  # nothing chosen: an error
            assert page.url.endswith("/vote") and len(posts) == 1
            page.locator("h1").click()  # the focus leaves the form: nothing is being answered

            _organiser_post(server.url, f"/participate/{session_uuid}/manage/a/{poll_uuid}/conceal", cookie)

            page.wait_for_url(f"**/participate/{session_uuid}", timeout=15_000)
            assert len(posts) == 1  # the vote was not sent again by a reload of its address
        finally:
            context.close()


def _open_board(url: str, session_uuid: str, kind, bodies: list[str]) -> None:
    """An open, post-moderated board of ideas or questions in the session, holding one guest's post per body."""
    from eventapp.events.models import Session
    from eventapp.extensions import db
    from eventapp.participation import services
    from eventapp.participation.models import Moderation
    from tests.live_server import app_for
    from tests.participation.factories import make_organiser

    app = app_for(url)
    with app.test_request_context():
        session = db.session.scalar(db.select(Session).where(Session.uuid == UUID(session_uuid)))
        organiser = make_organiser(session.event)
        prompts = {"fr": "Vos contributions", "nl": "Uw bijdragen"}
        board = services.create_activity(organiser, session, kind=kind, moderation=Moderation.POST, prompts=prompts)
        services.open_activity(organiser, board)
        for body in bodies:
            services.submit_contribution(services.join_as_guest(session), board, body)
        db.session.commit()
        db.engine.dispose()


def test_the_projector_fits_its_screen_with_long_questions(tmp_path, browser):
    """Nobody scrolls a projector: five long questions still fit a 1280x720 screen."""
    from eventapp.participation.models import ActivityKind

    url = fresh_database("sqlite", tmp_path)
    arranged = arrange_live_poll(url, [{"fr": "Écoles", "nl": "Scholen"}, {"fr": "Musées", "nl": "Musea"}])
    session_uuid, cookie = arranged["session_uuid"], arranged["organiser_cookie"]
    bodies = [f"Question {n} : " + "une question vraiment très longue " * 8 for n in range(5)]
    _open_board(url, session_uuid, ActivityKind.QUESTIONS, bodies)
    with LiveServer(url, workers=2) as server:
        for width, height, shown in ((1280, 720, 3), (1920, 1080, 5)):
            context = browser.new_context(viewport={"width": width, "height": height})
            try:
                context.add_cookies([{"name": "session", "value": cookie, "url": server.url}])
                page = context.new_page()
                page.goto(f"{server.url}/participate/{session_uuid}/projector?lang=fr")
                questions = page.locator('.projector-column[data-lang="fr"] .questions li')
                questions.nth(4).wait_for(state="attached")
                boxes = [questions.nth(i).bounding_box() for i in range(5)]
                visible = [box for box in boxes if box is not None]
                assert len(visible) == shown, (width, height, visible)
                assert all(box["y"] + box["height"] <= height for box in visible), (width, height, visible)
            finally:
                context.close()


def test_the_answer_to_an_action_far_down_a_phones_page_is_in_view(tmp_path, browser):
    """A report from a phone that never took part is refused: the message must be on screen, not
    at the top of a page scrolled down to the activity."""
    from eventapp.participation.models import ActivityKind

    url = fresh_database("sqlite", tmp_path)
    arranged = arrange_live_poll(url, [{"fr": f"Option {n}", "nl": f"Optie {n}"} for n in range(8)])
    session_uuid = arranged["session_uuid"]
    _open_board(url, session_uuid, ActivityKind.IDEAS, [f"Idée {n} " + "assez longue " * 12 for n in range(6)])
    with LiveServer(url, workers=2) as server:
        context = browser.new_context(viewport={"width": 360, "height": 740})
        try:
            page = context.new_page()
            page.goto(f"{server.url}/participate/{session_uuid}?lang=fr")
            report = page.get_by_role("button", name=re.compile("Signaler")).last
            report.scroll_into_view_if_needed()
            with page.expect_navigation():
                report.click()
            message = page.locator(".flash-error")
            box = message.bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 740, box
        finally:
            context.close()
