"""Keyboard only: every page can be walked with Tab and Shift+Tab with a visible focus and no trap,
the skip link works, and the flows complete with Tab, Enter, Space and arrow keys (no mouse)."""

import re

import pytest

from tests.browser.keyboard import focus_is_visible, focused, shift_tab_back, tab_through, tab_to, tabbable_count
from tests.browser.site import PAGES, assert_accessible, new_context

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]

SKIP_TEXT = {"fr": "Aller au contenu", "nl": "Naar de inhoud", "en": "Skip to content"}


@pytest.mark.parametrize("spec", PAGES, ids=lambda s: s.name)
def test_every_page_can_be_walked_with_the_keyboard(site, shared_page, spec):
    server, values = site
    page = shared_page("en", "desktop", spec.who)
    page.goto(spec.url(server.url, values))
    if spec.ready:
        page.wait_for_selector(spec.ready, state="attached")
    stops = tab_through(page)
    # The first stop is the skip link, shown on screen while focused.
    assert not spec.skip_link or (
        stops
        and "skip-link"
        in page.evaluate("(i) => document.querySelectorAll('*')[i].className", int(stops[0]["key"].rsplit("@", 1)[1]))
    )
    invisible = [s for s in stops if not focus_is_visible(s)]
    assert invisible == [], f"focus not visible on {invisible}"
    assert len(stops) == tabbable_count(page), [s["text"] or s["key"] for s in stops]
    # Shift+Tab walks the same stops backwards.
    back = shift_tab_back(page, len(stops)) if stops else []
    assert [s["key"] for s in back] == [s["key"] for s in reversed(stops)]


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_skip_link_moves_focus_to_the_content(browser, site, lang):
    server, values = site
    context = new_context(browser, server.url, values, lang=lang, width="phone")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/events/{values['event']}")
        page.keyboard.press("Tab")
        info = focused(page)
        assert info["text"] == SKIP_TEXT[lang] and focus_is_visible(info)
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        # The next Tab continues inside the content, not back in the header.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('main') !== null")
    finally:
        context.close()


def test_filter_the_catalogue_and_open_an_event_with_the_keyboard(browser, site):
    server, values = site
    context = new_context(browser, server.url, values, lang="nl", width="phone")
    try:
        page = context.new_page()
        page.goto(server.url)
        tab_to(page, "#theme")
        # A closed <select> changes its value with the arrow keys.
        page.keyboard.press("ArrowDown")
        theme = page.eval_on_selector("#theme", "el => el.value")
        assert theme
        tab_to(page, ".filters button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"theme={theme}"))
        assert_accessible(page, "filtered catalogue")
        link = tab_to(page, ".event-card h3 a")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/events/"))
        assert page.locator("h1").inner_text() == link["text"]
    finally:
        context.close()


def test_filter_errors_are_announced_and_focused(browser, site):
    server, values = site
    context = new_context(browser, server.url, values, lang="fr", width="desktop")
    try:
        page = context.new_page()
        page.goto(server.url)
        # An end date before the start date, typed into the date fields (day and month alike, so the
        # order of the parts, which depends on the browser's locale, does not matter).
        tab_to(page, "#date_from")
        page.keyboard.type("05052030")
        tab_to(page, "#date_to")
        page.keyboard.type("01012030")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"date_to=2030-01-01"))
        summary = page.locator("#error-summary")
        assert summary.get_attribute("role") == "alert"
        # The summary takes the focus, so a screen reader reads it first.
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert focus_is_visible(focused(page))
        # The field is marked invalid and described by its error text.
        field = page.locator("#date_to")
        assert field.get_attribute("aria-invalid") == "true"
        described = field.get_attribute("aria-describedby").split()
        errors = [page.locator(f"#{i}").inner_text() for i in described]
        assert "La date de fin ne peut pas précéder la date de début." in errors
        # The summary's link leads to the field.
        tab_to(page, "#error-summary a")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "date_to"
        assert_accessible(page, "catalogue with filter errors")
    finally:
        context.close()


def test_volunteer_scans_with_a_keyboard_scanner_and_hears_the_verdict(browser, site):
    """A hardware scanner types the code and Enter into the focused field; the verdict is announced."""
    server, values = site
    context = new_context(browser, server.url, values, lang="fr", width="phone", who="scanner")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/scan")
        page.wait_for_selector("#scanner-ui:not([hidden])")
        tab_to(page, "#manual-code")
        page.keyboard.type(values["scan_ticket"])
        page.keyboard.press("Enter")
        page.wait_for_selector("#verdict:not([hidden])")
        assert page.get_attribute("#verdict", "data-status") == "ok"
        assert page.get_attribute("#announce", "aria-live") == "assertive"
        assert page.inner_text("#announce").startswith("Entrée autorisée")
        assert page.evaluate("document.activeElement.id") == "verdict-next"
        assert_accessible(page, "scanner verdict")
        page.keyboard.press("Enter")
        page.wait_for_selector("#verdict", state="hidden")
        # Ready for the next ticket: the focus is back in the code field.
        assert page.evaluate("document.activeElement.id") == "manual-code"

        # The same ticket again: refused, and said so.
        page.keyboard.type(values["scan_ticket"])
        page.keyboard.press("Enter")
        page.wait_for_selector('#verdict[data-status="already_checked_in"]:not([hidden])')
        assert page.inner_text("#announce").startswith("Déjà entré")
        page.keyboard.press("Escape")
        page.wait_for_selector("#verdict", state="hidden")
        assert page.evaluate("document.activeElement.id") == "manual-code"

        # A group ticket: how many are here? Escape cancels without scanning anything.
        page.keyboard.type(values["scan_group_ticket"])
        page.keyboard.press("Enter")
        page.wait_for_selector("#group[open]")
        page.keyboard.press("Escape")
        page.wait_for_selector("#group:not([open])", state="attached")
        assert page.evaluate("document.activeElement.id") == "manual-code"
        assert page.is_hidden("#verdict")
        # Asked again, as a modal: what is behind it cannot take the focus, even from a script.
        page.keyboard.type(values["scan_group_ticket"])
        page.keyboard.press("Enter")
        page.wait_for_selector("#group[open]")
        assert focus_is_visible(focused(page))
        assert_accessible(page, "scanner group dialog")
        focus_behind = "document.getElementById('manual-code').focus(), document.activeElement.id"
        assert page.evaluate(focus_behind) != "manual-code"
        assert page.evaluate("document.activeElement.textContent") == "Les 3"
        page.keyboard.press("Tab")
        page.keyboard.press("Space")  # the second button: 2 of the 3 people
        page.wait_for_selector('#verdict[data-status="ok"]:not([hidden])')
        assert "2" in page.inner_text("#announce")
    finally:
        context.close()


def test_organiser_adds_a_scanner_with_the_keyboard(browser, site):
    server, values = site
    context = new_context(browser, server.url, values, lang="nl", width="desktop", who="organiser")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/admin/events/{values['today_event']}/scanners")
        # Submitting without a gate name: the error summary is announced and focused.
        tab_to(page, "main button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_selector("#error-summary")
        assert page.get_attribute("#error-summary", "role") == "alert"
        assert page.evaluate("document.activeElement.id") == "error-summary"
        name = page.locator("#name")
        assert name.get_attribute("aria-invalid") == "true"
        assert f"{name.get_attribute('id')}-error" in name.get_attribute("aria-describedby").split()
        assert_accessible(page, "scanner form with errors")
        tab_to(page, "#error-summary a")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "name"
        page.keyboard.type("Zij-ingang")
        page.keyboard.press("Enter")
        page.wait_for_selector(".pairing")
        assert "Zij-ingang" in page.inner_text(".pairing h2")
        assert_accessible(page, "scanner pairing code")
    finally:
        context.close()
