"""Two phones and the projector in one session (headless Chromium against gunicorn): what one phone
sends and the organiser does reaches the other phone and the room's screen without a reload, while
the other phone's half-typed idea, ticked answer and focus stay; axe finds nothing after the updates."""

import re
from datetime import UTC, datetime

import pytest

from tests.browser.site import assert_accessible
from tests.live_server import LiveServer, app_for, fresh_database

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]

# The live updates promise two seconds; a loaded CI machine gets some slack on top.
LIVE = 5_000


def arrange_room(url: str) -> dict:
    """A session with an open pre-moderated idea board and an open poll whose results are hidden,
    the organiser's login cookie, and a signer for it."""
    from flask.sessions import SecureCookieSessionInterface

    from eventapp.extensions import db
    from eventapp.participation import services
    from eventapp.participation.models import ActivityKind, Moderation, PollType
    from tests.factories import make_event
    from tests.participation.factories import make_organiser

    app = app_for(url)
    with app.test_request_context():
        now = datetime.now(UTC)
        event = make_event(sessions=1)
        session = event.sessions[0]
        organiser = make_organiser(event)
        ideas = services.create_activity(
            organiser,
            session,
            kind=ActivityKind.IDEAS,
            moderation=Moderation.PRE,
            prompts={"fr": "Vos idées pour le quartier", "nl": "Uw ideeën voor de wijk"},
            now=now,
        )
        poll = services.create_activity(
            organiser,
            session,
            kind=ActivityKind.POLL,
            poll_type=PollType.SINGLE,
            prompts={"fr": "Quelle priorité ?", "nl": "Welke prioriteit?"},
            options=[{"fr": "Écoles", "nl": "Scholen"}, {"fr": "Musées", "nl": "Musea"}],
            now=now,
        )
        for activity in (ideas, poll):
            services.open_activity(organiser, activity, now=now)
        db.session.commit()
        signer = SecureCookieSessionInterface().get_signing_serializer(app)
        arranged = {
            "session": str(session.uuid),
            "ideas": str(ideas.uuid),
            "poll": str(poll.uuid),
            "cookie": signer.dumps({"_user_id": str(organiser.id), "_fresh": True}),
        }
        db.engine.dispose()
    return arranged


def _join(page) -> None:
    """The phone takes part: the explicit step (it reloads the page once)."""
    page.get_by_role("button", name="Participer").click()
    page.wait_for_load_state()


def test_two_phones_and_the_projector_follow_the_room(tmp_path, browser):
    from playwright.sync_api import expect

    url = fresh_database("sqlite", tmp_path)
    room = arrange_room(url)
    page_path = f"/participate/{room['session']}?lang=fr"
    with LiveServer(url, workers=2) as server:
        phones = [browser.new_context(viewport={"width": 360, "height": 740}) for _ in range(2)]
        staff = browser.new_context(viewport={"width": 1920, "height": 1080})
        try:
            staff.add_cookies([{"name": "session", "value": room["cookie"], "url": server.url}])
            errors = []
            a, b = (context.new_page() for context in phones)
            projector, manage = staff.new_page(), staff.new_page()
            for page in (a, b, projector, manage):
                page.on("pageerror", lambda error: errors.append(str(error)))
            for phone in (a, b):
                phone.goto(server.url + page_path)
                _join(phone)
            projector.goto(f"{server.url}/participate/{room['session']}/projector?lang=fr")
            manage.goto(f"{server.url}/participate/{room['session']}/manage?lang=fr")
            for page in (b, projector, manage):
                page.evaluate("window.__notReloaded = true")

            # The organiser puts the idea board on the room's screen with a key on the projector.
            projector.locator("body").press("i")
            expect(projector.locator(".screen-kind")).to_contain_text("Boîte à idées", timeout=LIVE)
            expect(projector.locator(".screen-kind")).to_contain_text("Ideeënbord")

            # Phone B is halfway through its own idea, the focus in the text; it ticked an answer.
            b.get_by_label("Musées").check()
            b_idea = b.locator(f"#f-{room['ideas']} textarea")
            b_idea.fill("Des bancs le long du can")
            b_idea.focus()

            # Phone A sends an idea, in place (its page stays): it waits for moderation, and appears in the
            # moderator's queue by itself.
            a.evaluate("window.__notReloaded = true")
            a_idea = a.locator(f"#f-{room['ideas']} textarea")
            a_idea.fill("Un potager collectif au parc")
            a.get_by_role("button", name="Envoyer mon idée").click()
            a_status = a.locator(".own-item", has_text="Un potager collectif au parc").locator(".own-status")
            expect(a_status).to_have_text("En attente de modération")
            expect(a.locator("#live-notice")).to_have_text(
                "Merci ! Votre contribution apparaîtra dès qu'un modérateur l'aura approuvée."
            )
            assert a_idea.input_value() == "" and a.evaluate("window.__notReloaded") is True
            assert a.evaluate("document.activeElement.textContent") == "Envoyer mon idée"  # the focus stays
            assert_accessible(a, "phone A after sending its idea")
            queued = manage.locator("#moderation + .board .card", has_text="Un potager collectif au parc")
            expect(queued).to_contain_text("En attente de modération", timeout=LIVE)
            expect(manage.locator("#live-notice")).to_contain_text("Nouvelle contribution : Un potager collectif")
            assert manage.evaluate("window.__notReloaded") is True
            assert_accessible(manage, "the manage page after a new contribution")
            queued.get_by_role("button", name=re.compile("^Approuver")).click()
            manage.wait_for_load_state()

            card = b.locator(".board .card").filter(has_text="Un potager collectif au parc")
            expect(card).to_be_visible(timeout=LIVE)
            expect(projector.locator(".wall-item").filter(has_text="Un potager collectif au parc")).to_be_visible(
                timeout=LIVE
            )
            # A's own status follows the decision, in place; its card says it is A's, with no Support button.
            expect(a_status).to_have_text("Publié", timeout=LIVE)
            a_card = a.locator(".board .card").filter(has_text="Un potager collectif au parc")
            expect(a_card.locator(".mine")).to_be_visible()
            expect(a_card.get_by_role("button", name=re.compile("^Soutenir"))).to_be_hidden()
            expect(a.locator("#live-notice")).to_contain_text("Ce que vous avez envoyé a changé")
            assert a.evaluate("window.__notReloaded") is True
            # B's half-typed idea, its ticked answer and its focus are where they were; it announced the idea.
            assert b_idea.input_value() == "Des bancs le long du can"
            assert b.evaluate("document.activeElement && document.activeElement.tagName") == "TEXTAREA"
            expect(b.get_by_label("Musées")).to_be_checked()
            expect(b.locator("#live-notice")).to_contain_text("Nouvelle idée : Un potager collectif au parc")
            own_token = "() => [...document.querySelectorAll('#live input[name=csrf_token]')].map(i => i.value)"
            tokens = b.evaluate(own_token)
            assert len(tokens) > 2 and set(tokens) == {b.locator("#live").get_attribute("data-csrf")}
            assert_accessible(b, "phone B after a new idea")
            assert_accessible(a, "phone A after its idea was published")

            # B supports A's idea in place: the count, the button's state, the focus and the scroll stay put.
            support = card.get_by_role("button", name=re.compile("^Soutenir"))
            support.scroll_into_view_if_needed()
            scrolled = b.evaluate("window.scrollY")
            support.click()
            expect(card.locator(".count")).to_have_text("1 soutien")
            expect(card.locator(".supported")).to_be_visible()
            expect(card.get_by_role("button", name=re.compile("^Soutenir"))).to_be_hidden()
            assert b.evaluate("document.activeElement.classList.contains('supported')")
            assert b.evaluate("window.scrollY") == scrolled
            expect(b.locator("#live-notice")).to_have_text("Votre soutien a été compté.")
            expect(a_card.locator(".count")).to_have_text("1 soutien", timeout=LIVE)  # and A sees it

            # The poll on the room's screen: hidden until the organiser reveals it. B answers in place.
            projector.locator("body").press("p")
            expect(projector.locator(".hidden-note")).to_be_visible(timeout=LIVE)
            b.get_by_role("button", name="Envoyer ma réponse").click()
            expect(b.locator(f"#thanks-{room['poll']}")).to_be_visible()
            assert b.evaluate("document.activeElement.id") == f"thanks-{room['poll']}"
            assert_accessible(b, "phone B after voting in place")
            manage.get_by_role("button", name="Afficher les résultats").click()
            manage.wait_for_load_state()
            for phone in (a, b):
                expect(phone.locator(f"#r-{room['poll']}")).to_be_visible(timeout=LIVE)
                expect(phone.locator(f"#r-{room['poll']} table")).to_contain_text("Musées")
            expect(projector.locator(".bar-value").nth(1)).to_have_text("100\u00a0%", timeout=LIVE)
            expect(b.locator(f"#thanks-{room['poll']}")).to_be_visible()  # B's own state, applied after the update
            expect(a.locator(f"#f-{room['poll']}")).to_be_visible()  # A has not answered: its form stays

            assert b.evaluate("window.__notReloaded") is True
            assert projector.evaluate("window.__notReloaded") is True
            assert_accessible(a, "phone A after the reveal")
            assert_accessible(projector, "the projector after the reveal")
            assert errors == []
        finally:
            for context in (*phones, staff):
                context.close()


def test_the_authors_phone_follows_a_hidden_with_reason_and_an_answered_question(tmp_path, browser):
    """What the author sent: hidden with the organiser's reason, then (another one) answered in the room."""
    from playwright.sync_api import expect

    url = fresh_database("sqlite", tmp_path)
    room = arrange_room(url)
    with LiveServer(url, workers=2) as server:
        context = browser.new_context(viewport={"width": 360, "height": 740})
        staff = browser.new_context()
        try:
            staff.add_cookies([{"name": "session", "value": room["cookie"], "url": server.url}])
            phone, manage = context.new_page(), staff.new_page()
            phone.goto(f"{server.url}/participate/{room['session']}?lang=fr")
            _join(phone)
            phone.evaluate("window.__notReloaded = true")
            for body in ("Hors sujet ici", "Un banc"):  # each sent in place, then the next one
                phone.locator(f"#f-{room['ideas']} textarea").fill(body)
                phone.get_by_role("button", name="Envoyer mon idée").click()
                expect(phone.locator(".own-item", has_text=body)).to_be_visible()
            manage.goto(f"{server.url}/participate/{room['session']}/manage?lang=fr")

            def queued(body):  # the card itself (the other card's merge list names it too)
                return manage.locator("#moderation + .board > .card").filter(
                    has=manage.locator("> .body", has_text=body)
                )

            off_topic = queued("Hors sujet ici")
            off_topic.locator("summary", has_text="Refuser avec une raison").click()
            off_topic.get_by_label("Raison donnée à l'auteur").fill("Pas le bon atelier")
            off_topic.get_by_role("button", name="Masquer avec cette raison").click()
            manage.wait_for_load_state()
            status = phone.locator(".own-item", has_text="Hors sujet ici").locator(".own-status")
            expect(status).to_have_text("Masqué par les organisateurs : Pas le bon atelier", timeout=LIVE)
            queued("Un banc").get_by_role("button", name=re.compile("^Approuver")).click()
            manage.wait_for_load_state()
            queued("Un banc").get_by_role("button", name=re.compile("^Marquer comme répondu")).click()
            manage.wait_for_load_state()
            answered = phone.locator(".own-item", has_text="Un banc").locator(".own-status")
            expect(answered).to_have_text("Publié · Répondu", timeout=LIVE)
            assert phone.evaluate("window.__notReloaded") is True
            assert_accessible(phone, "the author's phone after the decisions")
        finally:
            context.close()
            staff.close()


def test_a_phone_that_slept_catches_up_when_it_wakes(tmp_path, browser):
    """Hidden, the page stops polling; back on screen it asks at once."""
    from playwright.sync_api import expect

    from eventapp.extensions import db
    from eventapp.participation import queries, services
    from tests.participation.factories import make_organiser

    url = fresh_database("sqlite", tmp_path)
    room = arrange_room(url)
    with LiveServer(url, workers=2) as server:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"{server.url}/participate/{room['session']}?lang=fr")
            page.evaluate(
                "Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});"
                "document.dispatchEvent(new Event('visibilitychange'))"
            )
            page.wait_for_timeout(300)  # a poll already on its way lands
            polls = []
            page.on("request", lambda request: "/live" in request.url and polls.append(request.url))
            app = app_for(url)
            with app.test_request_context():
                session = queries.get_session(room["session"])
                board = queries.get_activity(session, room["ideas"])
                services.enter_paper_card(make_organiser(session.event), board, "Une carte papier de la table 4")
                db.session.commit()
                db.engine.dispose()
            page.wait_for_timeout(3_000)
            assert polls == []  # asleep: no polling
            expect(page.locator(".board")).to_have_count(0)
            page.evaluate(
                "Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});"
                "document.dispatchEvent(new Event('visibilitychange'))"
            )
            expect(page.locator(".board .card")).to_contain_text("Une carte papier de la table 4", timeout=LIVE)
        finally:
            context.close()
