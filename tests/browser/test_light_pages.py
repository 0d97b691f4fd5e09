"""Light pages for cheap phones: public pages work without JavaScript, weigh under 150 kB with their
CSS and JS, and their images have a text alternative."""

import re

import pytest

from tests.browser.site import PAGES, new_context

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]

BUDGET = 150 * 1024
PUBLIC = [spec for spec in PAGES if spec.public and spec.who == "anonymous"]


# The participation pages follow the room by polling (participation/live.js): a poll is not part of the
# visit's weight but of the session's, one small answer every 1.5 s (a 304 while nothing changes), and
# it would make the sum depend on what happened in the room meanwhile (other tests' contributions).
# Polls are left out by name, so that anything else the page loads, at any time, still counts.
LIVE_POLLS = re.compile(r"/participate/[^/]+/(live|mine)(\?|$)")


@pytest.mark.parametrize("spec", PUBLIC, ids=lambda s: s.name)
def test_public_page_weighs_under_150_kb_and_images_have_alt(browser, site, spec):
    """Every byte a first visit downloads (HTML, CSS, JS, images, service worker), as sent on the wire."""
    server, values = site
    context = new_context(browser, server.url, values, lang="fr", width="phone")
    try:
        page = context.new_page()
        responses = []
        page.on("requestfinished", lambda request: responses.append(request))
        page.goto(spec.url(server.url, values))
        page.wait_for_load_state("networkidle")
        visit = [r for r in responses if not LIVE_POLLS.search(r.url)]
        sizes = {r.url: r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in visit}
        total = sum(sizes.values())
        assert total < BUDGET, f"{spec.name}: {total} bytes: {sorted(sizes.items(), key=lambda kv: -kv[1])[:5]}"
        assert page.locator("img:not([alt])").count() == 0
        assert page.locator("svg:not([aria-hidden=true]):not([role=img])").count() == 0
    finally:
        context.close()


def _no_js(browser, site, lang="fr"):
    server, values = site
    return new_context(browser, server.url, values, lang=lang, width="phone", java_script_enabled=False)


def test_catalogue_filter_and_event_page_work_without_javascript(browser, site):
    server, values = site
    context = _no_js(browser, site)
    try:
        page = context.new_page()
        page.goto(server.url)
        page.select_option("#theme", values["theme"])
        with page.expect_navigation():
            page.click(".filters button[type=submit]")
        assert f"theme={values['theme']}" in page.url
        assert page.locator(".event-card").count() >= 1
        with page.expect_navigation():
            page.click(f'.event-card h3 a[href="/events/{values["event"]}"]')
        assert page.locator("h1").inner_text()
        assert page.locator("#register form, .registration-form").count() == 1
    finally:
        context.close()


def test_registration_works_without_javascript(browser, site):
    server, values = site
    context = _no_js(browser, site, lang="nl")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/events/{values['event']}")
        page.fill("#name", "Zonder Script")
        page.fill("#email", "zonder.script@example.org")
        page.check("#consent")
        with page.expect_navigation():
            page.click(".registration-form button[type=submit]")
        assert re.search(r"/registered/", page.url)
        with page.expect_navigation():
            page.click('main a[href^="/tickets/"]')
        assert page.locator(".ticket-qr svg").count() == 1  # the QR is server-rendered SVG
    finally:
        context.close()


def test_taking_part_works_without_javascript(browser, site):
    """Join, answer the poll, send an idea and support one: each a form post and a reload."""
    server, values = site
    context = _no_js(browser, site, lang="en")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/join/{values['room']}")
        assert "/participate/" in page.url
        # Not joined yet: the answer is refused with the way to join, the choice still ticked.
        page.locator("form:has(input[type=radio]) input[type=radio]").first.check()
        with page.expect_navigation():
            page.click("form:has(input[type=radio]) button[type=submit]")
        assert "first join the session" in page.locator(".flashes").inner_text()
        assert page.locator("form:has(input[type=radio]) input[type=radio]").first.is_checked()
        with page.expect_navigation():
            page.get_by_role("button", name="Take part").click()
        assert page.get_by_role("button", name="Take part").count() == 0
        page.locator("form:has(input[type=radio]) input[type=radio]").first.check()
        with page.expect_navigation():
            page.click("form:has(input[type=radio]) button[type=submit]")
        assert page.locator(".flashes[role=status]").count() == 1
        board = page.locator("section.activity", has=page.locator("textarea")).first
        board.locator("textarea").fill("Without a script, an idea all the same.")
        with page.expect_navigation():
            board.locator("button[type=submit]").first.click()
        assert page.locator(".flashes[role=status]").count() == 1
        support = page.locator(".board .card form.support:not([hidden]) button").first
        with page.expect_navigation():
            support.click()
        assert page.locator(".flashes[role=status]").inner_text().strip()
    finally:
        context.close()


def test_moderating_works_without_javascript(browser, site):
    """The manage page follows the room with its script; without it, each decision reloads it."""
    server, values = site
    context = new_context(browser, server.url, values, lang="en", who="organiser", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/participate/{values['session']}/manage")
        # Pin and unpin the first card: a decision each time, the shared site left as it was.
        for _ in range(2):
            card = page.locator("#moderation + .board > .card").first
            with page.expect_navigation():
                card.get_by_role("button", name=re.compile("^(Pin|Unpin)")).click()
            assert page.locator(".flashes[role=status]").count() == 1
        guests = re.compile("^(Pause new guests|Let new guests join again)$")
        for _ in range(2):
            with page.expect_navigation():
                page.get_by_role("button", name=guests).click()
            assert page.locator(".flashes[role=status]").count() == 1
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_public_page_scrolls_sideways_on_a_phone(browser, site, lang):
    """360 px wide: a wide table scrolls in its own box, a long web address wraps."""
    server, values = site
    context = new_context(browser, server.url, values, lang=lang, width="phone")
    try:
        page = context.new_page()
        wide = {}
        for spec in PUBLIC:
            page.goto(spec.url(server.url, values))
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                wide[spec.name] = width
        assert wide == {}
    finally:
        context.close()
