"""The event dashboard's live figures in headless Chromium: screen readers hear only what changed (and an
error, once), the update time is shown but not announced, and a button pauses the polling. The page's
clock is Playwright's fake one, so each poll happens when the test says so."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.registration.models import Registration
from tests.accounts.factories import make_admin
from tests.backoffice.factories import make_registration
from tests.browser.conftest import live_site
from tests.browser.test_backoffice import axe_problems, log_in
from tests.factories import make_event

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]

# Counts the polls (fetch calls) and the writes to the live region, from inside the page.
INSTRUMENT = """() => {
  window.__fetches = 0;
  const realFetch = window.fetch.bind(window);
  window.fetch = (...args) => { window.__fetches += 1; return realFetch(...args); };
  window.__announced = [];
  const region = document.querySelector("[data-live-announce]");
  new MutationObserver(() => window.__announced.push(region.textContent)).observe(
    region, { childList: true, characterData: true, subtree: true });
}"""


def _set_checked_in(app, registration_id, people):
    with app.app_context():
        db.session.execute(
            sa.update(Registration).where(Registration.id == registration_id).values(checked_in_people=people)
        )
        db.session.commit()


def test_live_dashboard_announces_changes_only_and_can_be_paused(tmp_path, launch):
    with live_site(tmp_path) as (server, app):
        with app.app_context():
            email = make_admin().email
            event = make_event(starts_at=utcnow() - timedelta(hours=1), hours=5)
            registration = make_registration(event, name="Zoë Janssens", seats=3)
            slug, registration_id = event.slug, registration.id
            db.session.commit()

        context = launch(bypass_csp=True)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        log_in(page, server.url, email)

        # Accessible in the three languages, and so are the refused export and list (invalid filters).
        pages = (
            f"/admin/events/{slug}/dashboard",
            f"/admin/events/{slug}/attendees/export?q={'x' * 101}",
            f"/admin/events/{slug}/attendees?status=bogus",
        )
        assert axe_problems(page, server.url, pages) == {}

        page.clock.install()
        page.goto(f"{server.url}/admin/events/{slug}/dashboard?lang=en")
        page.evaluate(INSTRUMENT)
        status = page.locator("[data-live-status]")
        figure = page.locator('[data-stat="checked_in_people"]')
        # The visible time is not a live region; the announcer is a separate, empty status region.
        assert status.get_attribute("aria-live") is None and status.get_attribute("role") is None
        announcer = page.locator("[data-live-announce]")
        assert announcer.get_attribute("role") == "status" and announcer.inner_text() == ""

        def poll():
            before = page.evaluate("window.__fetches")
            with page.expect_response(lambda r: "dashboard.json" in r.url):
                page.clock.run_for(5000)
            assert page.evaluate("window.__fetches") == before + 1

        # Nothing changed: the time updates on screen, nothing is announced.
        poll()
        expect(status).to_contain_text("every 5 seconds")
        poll()
        page.evaluate("() => new Promise(requestAnimationFrame)")
        assert page.evaluate("window.__announced") == []

        # Two people arrive: the figure changes and is announced, once.
        checked_in_bar = page.locator('[data-live-charts] tr:has(th:text-is("Checked in")) td')
        expect(checked_in_bar).to_have_text("0")
        page.locator("[data-live-charts] details summary").first.click()  # the reader opened the table
        _set_checked_in(app, registration_id, 2)
        poll()
        expect(figure).to_have_text("2")
        expect(checked_in_bar).to_have_text("2")  # the chart follows its figure, in the same poll
        assert page.locator("[data-live-charts] details").first.get_attribute("open") is not None
        expect(announcer).to_contain_text("New figures:")
        expect(announcer).to_contain_text("2 people checked in, out of 3 expected")
        poll()
        page.evaluate("() => new Promise(requestAnimationFrame)")
        assert len(page.evaluate("window.__announced")) == 1

        # A failing poll is announced once, not every 5 seconds.
        page.route("**/dashboard.json", lambda route: route.fulfill(status=503, body="{}"))
        poll()
        poll()
        expect(status).to_contain_text("Could not update the figures")
        page.evaluate("() => new Promise(requestAnimationFrame)")
        announced = page.evaluate("window.__announced")
        assert len(announced) == 2 and "Could not update the figures" in announced[1]
        page.unroute("**/dashboard.json")

        # Pause: no more polling however long one waits; resume: at once.
        button = page.get_by_role("button", name="Pause automatic updates")
        button.click()
        expect(page.get_by_role("button", name="Resume automatic updates")).to_be_visible()
        expect(status).to_have_text("Automatic updates are paused.")
        _set_checked_in(app, registration_id, 3)
        before = page.evaluate("window.__fetches")
        page.clock.run_for(60_000)
        assert page.evaluate("window.__fetches") == before
        assert figure.inner_text() == "2"
        with page.expect_response(lambda r: "dashboard.json" in r.url):
            page.get_by_role("button", name="Resume automatic updates").click()
        expect(figure).to_have_text("3")
        expect(page.get_by_role("button", name="Pause automatic updates")).to_be_visible()
        poll()
        assert errors == []
