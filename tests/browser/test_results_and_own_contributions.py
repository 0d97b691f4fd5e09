"""Issue 16, items 5 and 6 in Chromium: the residents' results page reads on a 360 px phone and on a
projector-sized screen (labels whole, no sideways scroll, each chart with its table, axe clean), and a
participant follows what they sent and withdraws it."""

import pytest
import sqlalchemy as sa

from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.participation import services
from eventapp.participation.models import ActivityKind, Contribution, Moderation, PollType
from tests.browser.site import assert_accessible, new_context
from tests.factories import make_event
from tests.participation.factories import make_organiser

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]

# The labels that were cut on the old chart ("Amis ou famille · 2 (10"), and longer ones.
CHANNEL_LABELS = [
    {"fr": "Amis ou famille", "nl": "Vrienden of familie", "en": "Friends or family"},
    {
        "fr": "Réseaux sociaux (Facebook, Instagram, TikTok, LinkedIn)",
        "nl": "Sociale media (Facebook, Instagram, TikTok, LinkedIn)",
        "en": "Social media (Facebook, Instagram, TikTok, LinkedIn)",
    },
    {
        "fr": "Le site de ma commune ou celui de la Région de Bruxelles-Capitale",
        "nl": "De website van mijn gemeente of die van het Brussels Hoofdstedelijk Gewest",
        "en": "The website of my municipality or that of the Brussels-Capital Region",
    },
    {"fr": "Affiche", "nl": "Affiche", "en": "Poster"},
]

# Every text of a result: none may be cut, overflow its box or leave the screen.
TEXTS = (
    "main .summary, main .bar-label, main .bar-value, main .cloud-word, main .results-table th, main .results-table td"
)

_MEASURE = """(selector) => {
  const width = document.documentElement.clientWidth;
  const bad = [];
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 0.5 || box.left < -0.5 || el.scrollWidth > el.clientWidth + 1)
      bad.push(`${el.className || el.tagName}: ${el.textContent.trim().slice(0, 40)} (${box.left}-${box.right})`);
  }
  const scrollers = [...document.querySelectorAll('.table-scroll')].filter(b => b.scrollWidth > b.clientWidth + 1);
  return {
    page: document.documentElement.scrollWidth, width, bad, scrollers: scrollers.length,
    labelPx: Math.min(...[...document.querySelectorAll('.bar-label')].map(
      el => parseFloat(getComputedStyle(el).fontSize))),
  };
}"""


def _arrange_results(app) -> str:
    now = utcnow()
    with app.app_context():
        event = make_event(sessions=1)
        session = event.sessions[0]
        organiser = make_organiser(event)

        def activity(kind, prompts, **values):
            created = services.create_activity(organiser, session, kind=kind, prompts=prompts, now=now, **values)
            services.open_activity(organiser, created, now=now)
            return created

        heard = activity(
            ActivityKind.POLL,
            {"fr": "Comment avez-vous connu cet atelier ?", "nl": "Hoe hoorde u van deze workshop?"},
            poll_type=PollType.SINGLE,
            options=CHANNEL_LABELS,
        )
        scale = activity(ActivityKind.POLL, {"fr": "Satisfait ?", "nl": "Tevreden?"}, poll_type=PollType.SCALE)
        cloud = activity(
            ActivityKind.SHORT_ANSWERS, {"fr": "En un mot ?", "nl": "In één woord?"}, moderation=Moderation.POST
        )
        ideas = activity(ActivityKind.IDEAS, {"fr": "Vos idées", "nl": "Uw ideeën"}, moderation=Moderation.POST)
        for poll in (heard, scale):
            services.reveal_results(organiser, poll)
        words = (["Vélo", "Espaces verts"], ["vélo", "Propreté"], ["Une place de jeux pour les plus petits"])
        for n in range(20):
            guest = services.join_as_guest(session, now=now)
            services.answer_poll(guest, heard, option_ids=[heard.options[n % 4 if n % 3 else 1].id], now=now)
            services.answer_poll(guest, scale, value=1 + n % 5, now=now)
            if n < len(words):
                services.submit_short_answers(guest, cloud, words[n], now=now)
            if n < 2:
                services.submit_contribution(guest, ideas, f"Idée {n}: plus de bancs et d'arbres", now=now)
        db.session.commit()
        return str(session.uuid)


@pytest.mark.parametrize(
    ("lang", "viewport"),
    [
        ("fr", {"width": 360, "height": 740}),
        ("nl", {"width": 360, "height": 740}),
        ("fr", {"width": 1920, "height": 1080}),
    ],
    ids=["fr-phone", "nl-phone", "fr-projector"],
)
def test_the_results_page_reads_on_a_phone_and_a_big_screen(browser, live, lang, viewport):
    server, app = live
    session_uuid = _arrange_results(app)
    context = new_context(browser, server.url, {}, lang=lang)
    try:
        page = context.new_page()
        page.set_viewport_size(viewport)
        page.goto(f"{server.url}/participate/{session_uuid}/results")
        sections = page.locator("main section.result")
        assert sections.count() == 4
        for i in range(4):  # a sentence for each activity; each chart with its table
            section = sections.nth(i)
            assert section.locator(".summary").inner_text().strip()
            if section.locator(".bar-chart").count():
                assert section.locator(".bar-chart + .table-scroll table.results-table").count() == 1
        assert page.locator(".bar-label", has_text=CHANNEL_LABELS[2][lang]).count() == 1  # whole, not cut
        assert page.locator("main .wordcloud .cloud-word").count() == 4
        measured = page.evaluate(_MEASURE, TEXTS)
        assert measured["page"] <= measured["width"], "the page scrolls sideways"
        assert measured["bad"] == []
        assert measured["scrollers"] == 0  # no table needs its own scroll: the channel columns are gone
        assert measured["labelPx"] >= 16  # the old SVG chart's text was about 9 px on a phone
        assert_accessible(page, f"results ({lang}, {viewport['width']} px)")
    finally:
        context.close()


def test_a_participant_follows_what_they_sent_and_withdraws_it(browser, live):
    from playwright.sync_api import expect

    server, app = live
    now = utcnow()
    with app.app_context():
        event = make_event(sessions=1)
        session = event.sessions[0]
        organiser = make_organiser(event)
        ideas = services.create_activity(
            organiser, session, kind=ActivityKind.IDEAS, prompts={"fr": "Vos idées", "nl": "Uw ideeën"}, now=now
        )
        services.open_activity(organiser, ideas, now=now)
        db.session.commit()
        session_uuid, organiser_id = str(session.uuid), organiser.id
    context = new_context(browser, server.url, {}, lang="fr", width="phone")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/participate/{session_uuid}")
        page.get_by_role("button", name="Participer").click()
        for body in ("Un banc devant l'école", "Des arbres rue Haute"):
            page.get_by_label("Votre idée").fill(body)
            page.get_by_role("button", name="Envoyer mon idée").click()  # sent in place by the page's script
            expect(page.locator(".own-item", has_text=body)).to_be_visible()
            expect(page.locator(".script-done")).to_contain_text("apparaîtra dès qu'un modérateur")
        waiting = page.locator(".own-item", has_text="Un banc devant l'école")
        expect(waiting.locator(".own-status")).to_have_text("En attente de modération")
        assert_accessible(page, "session page with what one sent")

        with app.app_context():
            approved = db.session.scalar(sa.select(Contribution).where(Contribution.body == "Des arbres rue Haute"))
            services.approve(db.session.get(type(organiser), organiser_id), approved, now=utcnow())
            db.session.commit()
        page.reload()
        published = page.locator(".own-item", has_text="Des arbres rue Haute")
        expect(published.locator(".own-status")).to_have_text("Publié")
        expect(published.get_by_role("button", name="Retirer")).to_have_count(0)  # dealt with: stays
        card = page.locator(".board .card", has_text="Des arbres rue Haute")
        expect(card).to_contain_text("Votre contribution")
        expect(card.get_by_role("button", name="Soutenir")).to_have_count(0)  # no support for one's own

        waiting.get_by_role("button", name="Retirer").click()
        expect(page.locator(".flashes")).to_contain_text("Votre contribution a été retirée.")
        expect(page.locator(".own-item", has_text="Un banc devant l'école")).to_have_count(0)
        assert_accessible(page, "session page after a withdrawal")
        with app.app_context():
            assert db.session.scalars(sa.select(Contribution.body)).all() == ["Des arbres rue Haute"]
    finally:
        context.close()
