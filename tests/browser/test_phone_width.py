"""At 390 px (a common phone) no page scrolls sideways: public pages, the door, every organiser page and
the development mailbox.

A table wider than the screen scrolls inside its own box; nothing else may widen the page (hidden button
labels escaping a scroll box once widened the attendee list to 880 px).
"""

import pytest

from eventapp.core.db import transaction
from eventapp.core.outbox import enqueue
from eventapp.extensions import db
from tests.browser.site import PAGES, new_context
from tests.live_server import LiveServer, app_for, fresh_database

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]

PHONE = {"width": 390, "height": 844}
# The organiser's pages that read (forms that change state are covered by their page, not posted here).
BACK_OFFICE = [
    "/admin/",
    "/admin/dashboard",
    "/admin/audit",
    "/admin/users",
    "/admin/users/new",
    "/admin/themes",
    "/admin/venues",
    "/admin/venues/new",
    "/admin/events/new",
    "/admin/account/two-factor",
    "/admin/events/{today_event}",
    "/admin/events/{today_event}/edit",
    "/admin/events/{today_event}/attendees",
    "/admin/events/{today_event}/attendees/new",
    "/admin/events/{today_event}/dashboard",
    "/admin/events/{event}/uitdatabank",
    "/admin/events/{today_event}/messages",
    "/admin/events/{today_event}/messages/new",
    "/admin/events/{today_event}/sessions/new",
    "/participate/{session}/manage",
]
# The room's screen is a projector's, never a phone's.
CASES = [(spec.path, spec.who) for spec in PAGES if spec.name != "projector"] + [(p, "organiser") for p in BACK_OFFICE]

_OVERFLOW = """() => {
  const limit = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const box = el.getBoundingClientRect();
    return box.right > limit + 1 && !el.closest('.table-scroll, [data-scrolls]');
  }).slice(0, 5).map(el => el.outerHTML.slice(0, 120));
  return {scrollWidth: document.documentElement.scrollWidth, limit, wide};
}"""


@pytest.fixture(scope="module")
def phone_pages(browser, site):
    server, values = site
    pages = {}

    def get(who):
        if who not in pages:
            context = new_context(browser, server.url, values, lang="fr", who=who)
            page = context.new_page()
            page.set_viewport_size(PHONE)
            pages[who] = page
        return pages[who]

    yield get
    for page in pages.values():
        page.context.close()


@pytest.mark.parametrize(("path", "who"), CASES, ids=[path for path, _ in CASES])
def test_no_page_scrolls_sideways_at_390_px(site, phone_pages, path, who):
    server, values = site
    page = phone_pages(who)
    page.goto(server.url + path.format(**values))
    measured = page.evaluate(_OVERFLOW)
    assert measured["scrollWidth"] <= measured["limit"], measured


def test_the_event_page_calls_to_register_within_the_first_screen_and_keeps_the_calendar_folded(site, phone_pages):
    server, values = site
    page = phone_pages("anonymous")
    page.goto(f"{server.url}/events/{values['event']}")
    call = page.locator('main a.button[href="#register"]')
    box = call.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    # The calendar choices are one line until opened; the form then comes after the programme.
    assert page.locator("details.calendar-panel:not([open]) .calendar-links").first.is_hidden()
    call.click()
    assert page.locator("#register").bounding_box()["y"] < PHONE["height"]


def test_the_development_mailbox_does_not_scroll_sideways_at_390_px(tmp_path, browser):
    """The mailbox exists only in development (the shared test server runs the testing config)."""
    url = fresh_database("sqlite", tmp_path)
    app = app_for(url)
    link = "https://events.example.org/manage/" + "x" * 120
    with app.app_context(), transaction():
        enqueue(
            recipient="a.very.long.address.of.a.resident@school-with-a-long-name.example.org",
            subject="Votre inscription : L'école numérique de demain, un atelier pour toutes les écoles de la Région",
            body_text=f"Bonjour,\n\nGérez votre inscription : {link}\n",
            body_html=f'<p>Bonjour,</p><p><a href="{link}">{link}</a></p>',
            kind="registration.confirmed",
            language="fr",
        )
    with LiveServer(url, workers=1, config="development", env={"SECRET_KEY": "dev-mailbox-test"}) as server:
        context = browser.new_context(viewport=PHONE)
        try:
            page = context.new_page()
            assert page.goto(f"{server.url}/dev/mailbox/").status == 200
            measured = page.evaluate(_OVERFLOW)
            assert measured["scrollWidth"] <= measured["limit"], measured
            page.locator("main table a").first.click()
            page.wait_for_selector("pre.mailbox-body")
            measured = page.evaluate(_OVERFLOW)
            assert measured["scrollWidth"] <= measured["limit"], measured
        finally:
            context.close()
    with app.app_context():
        db.engine.dispose()
