"""The back-office in headless Chromium against gunicorn: axe-core finds no violations on the main
pages in FR, NL and EN, and the event dashboard's figures update without a reload."""

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.registration.models import Registration
from tests.accounts.factories import PASSWORD, make_admin, make_user
from tests.backoffice.factories import make_registration
from tests.browser.conftest import live_site
from tests.factories import make_event, make_session

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


def _axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))  # the context bypasses the CSP for this injection only
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in results["violations"]]


def axe_problems(page, base_url: str, paths) -> dict[str, list[str]]:
    """axe-core's violations on each page in French, Dutch and English, by language and path."""
    problems = {}
    for lang in ("fr", "nl", "en"):
        for path in paths:
            page.goto(f"{base_url}{path}{'&' if '?' in path else '?'}lang={lang}")
            if found := _axe_violations(page):
                problems[f"{lang} {path}"] = found
    return problems


def log_in(page, base_url: str, email: str) -> None:
    """Through the login form (in English), landing on the back-office home."""
    if "/admin/login" not in page.url:
        page.goto(f"{base_url}/admin/login?lang=en")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/admin/")


def test_back_office_is_accessible_and_the_dashboard_is_live(tmp_path, launch):
    with live_site(tmp_path) as (server, app):
        with app.app_context():
            email = make_admin().email
            event = make_event(starts_at=utcnow() - timedelta(hours=1), hours=5)
            session = make_session(event)
            registration = make_registration(event, name="Zoë Janssens", seats=2)
            organiser_id = make_user(events=[event]).id  # the accounts page then shows its actions
            slug, session_slug, registration_id = event.slug, session.slug, registration.id
            db.session.commit()

        context = launch(bypass_csp=True)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server.url}/admin/login?lang=en")
        assert _axe_violations(page) == []
        log_in(page, server.url, email)

        paths = [
            "/admin/",
            f"/admin/events/{slug}",
            f"/admin/events/{slug}/edit",
            f"/admin/events/{slug}/sessions/{session_slug}/edit",
            f"/admin/events/{slug}/attendees",
            f"/admin/events/{slug}/attendees/new",
            f"/admin/events/{slug}/messages/new",
            f"/admin/events/{slug}/dashboard",
            "/admin/dashboard",
            "/admin/venues/new",
            "/admin/themes",
            "/admin/audit",
            "/admin/account/two-factor",
            "/admin/users",
            "/admin/users/new",
            f"/admin/users/{organiser_id}/events",
        ]
        assert axe_problems(page, server.url, paths) == {}

        # The door opens: the dashboard shows the arrivals without a reload.
        page.goto(f"{server.url}/admin/events/{slug}/dashboard?lang=en")
        figure = page.locator('[data-stat="checked_in_people"]')
        assert figure.inner_text() == "0"
        page.evaluate("window.__notReloaded = true")
        with app.app_context():
            db.session.execute(
                sa.update(Registration).where(Registration.id == registration_id).values(checked_in_people=2)
            )
            db.session.commit()
        from playwright.sync_api import expect

        expect(figure).to_have_text("2", timeout=15000)
        expect(page.locator("[data-live-status]")).to_contain_text("every 5 seconds")
        assert page.evaluate("window.__notReloaded") is True
        assert errors == []
