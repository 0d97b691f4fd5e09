"""Two organisers edit the same event in Chromium: the stale save is refused with a notice the error
summary leads to, and the pages involved (stale edit, session cancel, refused or not) pass axe-core."""

from datetime import timedelta

import pytest

from eventapp.core.time import utcnow
from eventapp.extensions import db
from tests.accounts.factories import PASSWORD, make_admin, make_user
from tests.browser.conftest import live_site
from tests.browser.test_backoffice import _axe_violations, axe_problems
from tests.factories import make_event, make_session

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]


def _logged_in(launch, server, email):
    page = launch(bypass_csp=True).new_page()
    page.goto(f"{server.url}/admin/login?lang=en")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.url}/admin/")
    return page


def test_a_stale_edit_is_refused_visibly_and_accessibly(tmp_path, launch):
    with live_site(tmp_path) as (server, app):
        with app.app_context():
            event = make_event(starts_at=utcnow() + timedelta(days=20))
            session = make_session(event)
            past = make_event(starts_at=utcnow() - timedelta(hours=1))
            past_session = make_session(past)
            admin, organiser = make_admin().email, make_user(events=[event]).email
            slug, session_slug = event.slug, session.slug
            past_slug, past_session_slug = past.slug, past_session.slug
            db.session.commit()

        from playwright.sync_api import expect

        theirs = _logged_in(launch, server, organiser)
        mine = _logged_in(launch, server, admin)
        edit = f"{server.url}/admin/events/{slug}/edit?lang=en"
        theirs.goto(edit)  # opened first, saved last
        mine.goto(edit)
        mine.locator("#title_en").fill("Smart schools 2027")
        mine.get_by_role("button", name="Save").click()
        expect(mine.locator("h1")).to_contain_text("Smart schools 2027")

        theirs.locator("#summary_en").fill("Fixed a typo")
        theirs.get_by_role("button", name="Save").click()
        notice = theirs.locator("#edit_token")
        expect(notice).to_contain_text("Someone else changed this in the meantime.")
        theirs.locator("#error-summary a").first.click()
        expect(notice).to_be_focused()
        assert theirs.locator("#summary_en").input_value() == "Fixed a typo"  # still there to copy
        assert _axe_violations(theirs) == []
        theirs.get_by_role("link", name="Open the current version").click()
        expect(theirs.locator("#title_en")).to_have_value("Smart schools 2027")

        cancel_pages = (
            f"/admin/events/{slug}/sessions/{session_slug}/cancel",
            f"/admin/events/{past_slug}/sessions/{past_session_slug}/cancel",
        )
        assert axe_problems(mine, server.url, cancel_pages) == {}
        mine.goto(f"{server.url}/admin/events/{past_slug}/sessions/{past_session_slug}/cancel?lang=en")
        expect(mine.locator("#cancel-refused")).to_contain_text("has started or is over")
        assert mine.locator('input[name="confirm"]').count() == 0
