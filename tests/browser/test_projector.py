"""The projector updates without reload when phones vote (headless Chromium against gunicorn)."""

import http.cookiejar
import re
import urllib.request
from uuid import UUID

import pytest

from tests.live_server import LiveServer, fresh_database
from tests.participation.factories import arrange_live_poll

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]


def _vote(base, session_uuid, poll_uuid, field, option_id):
    """A phone of its own (its own cookies) joins the session and answers the poll, without a script."""
    phone = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    for path, data in (
        (f"/participate/{session_uuid}/join", b""),
        (f"/participate/{session_uuid}/a/{poll_uuid}/vote", f"{field}={option_id}".encode()),
    ):
        request = urllib.request.Request(
            base + path, data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}, method="POST"
        )
        with phone.open(request, timeout=10) as response:  # follows the 303 to the page
            assert response.status == 200


def _show(base, session_uuid, cookie, screen, activity=""):
    _organiser_post(base, f"/participate/{session_uuid}/manage/screen?screen={screen}&activity={activity}", cookie)


def test_projector_updates_without_reload(tmp_path, browser):
    # `browser`: the session's one Chromium (a second sync_playwright() in the same run fails).
    from playwright.sync_api import expect

    url = fresh_database("sqlite", tmp_path)
    arranged = arrange_live_poll(url, [{"fr": "Écoles", "nl": "Scholen"}, {"fr": "Musées", "nl": "Musea"}])
    session_uuid, poll_uuid, field = arranged["session_uuid"], arranged["poll_uuid"], arranged["field"]
    option_id, cookie = arranged["options"][1], arranged["organiser_cookie"]
    with LiveServer(url, workers=2) as server:
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        try:
            context.add_cookies([{"name": "session", "value": cookie, "url": server.url}])
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{server.url}/participate/{session_uuid}/projector?lang=fr")
            assert page.locator("#room-code").inner_text().strip() == arranged["room"]  # the join screen first
            page.evaluate("window.__notReloaded = true")
            page.locator("body").press("p")
            title = page.locator(".screen-title")
            expect(title.locator('[lang="fr"]')).to_have_text("Quelle priorité ?")
            expect(title.locator('[lang="nl"]')).to_have_text("Welke prioriteit?")
            count = page.locator(".screen-count")
            expect(count.locator('[lang="fr"]')).to_have_text("0 réponse")  # French: 0 takes the singular
            expect(count.locator('[lang="nl"]')).to_have_text("0 antwoorden")

            _vote(server.url, session_uuid, poll_uuid, field, option_id)
            _vote(server.url, session_uuid, poll_uuid, field, option_id)

            expect(count.locator('[lang="fr"]')).to_have_text("2 réponses", timeout=10_000)
            expect(count.locator('[lang="nl"]')).to_have_text("2 antwoorden")
            second = page.locator(".bar-row").nth(1)
            expect(second).to_contain_text("Musea")
            expect(second.locator(".bar-value")).to_have_text("100\u00a0%")
            assert page.evaluate("window.__notReloaded") is True
            assert errors == []
        finally:
            context.close()


def _organiser_post(base, path, cookie):
    request = urllib.request.Request(f"{base}{path}", data=b"", headers={"Cookie": f"session={cookie}"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # follows the 303 to the manage page
        assert response.status == 200


def test_a_ticked_answer_survives_a_change_in_the_room(tmp_path, browser):
    """The phone updates in place: the idle one loses the hidden results, the busy one keeps its choice."""
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
                page.goto(f"{server.url}/participate/{session_uuid}?lang=fr")
                page.evaluate("window.__notReloaded = true")
            busy.get_by_label("Musées").check()
            busy.locator("h1").click()  # the focus leaves the form: the ticked answer alone is left

            _organiser_post(server.url, f"{manage}/conceal", cookie)

            for page in (idle, busy):
                expect(page.locator(f"#r-{poll_uuid}")).to_have_count(0, timeout=15_000)
                assert page.evaluate("window.__notReloaded") is True
            expect(busy.get_by_label("Musées")).to_be_checked()
        finally:
            context.close()


def test_a_change_in_the_room_after_a_form_error_keeps_the_form_and_sends_nothing_again(tmp_path, browser):
    from playwright.sync_api import expect

    url = fresh_database("sqlite", tmp_path)
    arranged = arrange_live_poll(url, [{"fr": "Écoles", "nl": "Scholen"}, {"fr": "Musées", "nl": "Musea"}])
    session_uuid, poll_uuid, cookie = arranged["session_uuid"], arranged["poll_uuid"], arranged["organiser_cookie"]
    with LiveServer(url, workers=2) as server:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"{server.url}/participate/{session_uuid}?lang=fr")
            page.get_by_role("button", name="Participer").click()  # joining reloads the page
            page.wait_for_load_state()
            posts = []
            page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
            page.evaluate("window.__notReloaded = true")
            page.get_by_role("button", name="Envoyer ma réponse").click()  # nothing chosen: an error, in place
            error = page.locator(f"#f-{poll_uuid} .script-error[role=alert]")
            expect(error).to_be_visible()
            assert len(posts) == 1

            _organiser_post(server.url, f"/participate/{session_uuid}/manage/a/{poll_uuid}/conceal", cookie)

            expect(page.locator(f"#r-{poll_uuid}")).to_have_count(0, timeout=15_000)
            expect(error).to_be_visible()  # the form as the error left it
            assert page.evaluate("window.__notReloaded") is True and len(posts) == 1
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


SIZES = ((1280, 720), (1920, 1080), (3840, 2160))
# Every element of the screen inside the viewport, and the page itself not scrollable.
_OVERFLOW = """() => {
  const w = innerWidth, h = innerHeight, out = [];
  if (document.documentElement.scrollHeight > h || document.documentElement.scrollWidth > w) out.push("page scrolls");
  for (const el of document.querySelectorAll('#room-screen *')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || el.closest('svg')) continue;
    if (r.bottom > h + 0.5 || r.right > w + 0.5 || r.top < -0.5 || r.left < -0.5) out.push(el.className || el.tagName);
  }
  return out;
}"""


REGION = [["fr", "Région de Bruxelles-Capitale"], ["nl", "Brussels Hoofdstedelijk Gewest"]]


def test_the_projector_fits_every_screen_at_three_sizes(tmp_path, browser):
    """Nobody scrolls a projector: long ideas, questions and answers fit 720p, 1080p and 4K, text sized by the
    screen (and large: a 4K screen's text is three times a 720p one's), each screen in FR and NL."""
    from eventapp.participation.models import ActivityKind

    url = fresh_database("sqlite", tmp_path)
    long_options = [
        {"fr": f"Option {n} " + "très longue " * 12, "nl": f"Optie {n} " + "heel lang " * 12} for n in range(8)
    ]
    arranged = arrange_live_poll(url, long_options)
    session_uuid, cookie = arranged["session_uuid"], arranged["organiser_cookie"]
    _open_board(
        url,
        session_uuid,
        ActivityKind.IDEAS,
        [f"Idée {n} : " + "une idée vraiment très longue " * 10 for n in range(9)],
    )
    _open_board(
        url, session_uuid, ActivityKind.QUESTIONS, [f"Question {n} : " + "vraiment très longue " * 10 for n in range(7)]
    )
    with LiveServer(url, workers=2) as server:
        for width, height in SIZES:
            context = browser.new_context(viewport={"width": width, "height": height})
            try:
                context.add_cookies([{"name": "session", "value": cookie, "url": server.url}])
                page = context.new_page()
                page.goto(f"{server.url}/participate/{session_uuid}/projector?lang=fr")
                font = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
                assert font >= height / 30, (width, height, font)  # ~24 px at 720p, ~72 px at 4K
                for key, ready, shown in (
                    ("j", "#room-code", 1),
                    ("i", ".wall-ideas .wall-item", 6),
                    ("q", ".wall-questions .wall-item", 5),
                    ("p", ".bar-row", 8),
                ):
                    page.locator("body").press(key)
                    page.locator(ready).first.wait_for()
                    assert page.locator(ready).count() == shown, (key, width)
                    assert page.evaluate(_OVERFLOW) == [], (key, width, height)
                    if key == "j":  # the series' wordmark, in both languages, on the screen people arrive to
                        brand = page.locator(".screen-brand")
                        assert brand.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
                        assert brand.locator("strong").inner_text() == "Smart City Events"
                        region = brand.locator(".screen-brand-sub .bi")
                        assert region.evaluate_all("spans => spans.map(s => [s.lang, s.textContent])") == REGION
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
