"""The residents' flows end to end, keyboard only, on a phone, with axe at every step: register (with
errors first), open the ticket, manage and cancel; join the waiting list; take part in a session."""

import re
from itertools import count

import pytest

from tests.browser.keyboard import focus_is_visible, focused, tab_to
from tests.browser.site import assert_accessible, new_context

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]

_people = count(1)


def submit(page, key: str = "Enter") -> None:
    """Press a key that submits a form or follows a link, and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)


def _fill_registration(page, *, name: str, email: str | None) -> None:
    """From the event page: the top Register link, then the form, errors first when `email` is None."""
    tab_to(page, 'main a.button[href="#register"]')
    page.keyboard.press("Enter")
    tab_to(page, "#name")
    page.keyboard.type(name)
    if email is not None:
        tab_to(page, "#email")
        page.keyboard.type(email)
        tab_to(page, "#consent")
        page.keyboard.press("Space")
    tab_to(page, ".registration-form button[type=submit]")
    submit(page)


@pytest.mark.parametrize("lang", ["fr", "nl", "en"])
def test_register_open_ticket_manage_and_cancel_with_the_keyboard(browser, site, lang):
    server, values = site
    n = next(_people)
    context = new_context(browser, server.url, values, lang=lang, width="phone")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/events/{values['event']}")
        # 1. Forgot the email and the consent: errors announced, focused, tied to the fields.
        _fill_registration(page, name=f"Marie Peeters {n}", email=None)
        page.wait_for_selector("#error-summary")
        assert page.get_attribute("#error-summary", "role") == "alert"
        assert page.evaluate("document.activeElement.id") == "error-summary"
        for field_id in ("email", "consent"):
            field = page.locator(f"#{field_id}")
            assert field.get_attribute("aria-invalid") == "true"
            assert f"{field_id}-error" in field.get_attribute("aria-describedby").split()
            assert page.locator(f"#{field_id}-error").inner_text().strip()
        assert page.input_value("#name") == f"Marie Peeters {n}"  # nothing typed is lost
        assert_accessible(page, f"registration form with errors ({lang})")
        # 2. From the summary to the email field, then complete and send.
        tab_to(page, '#error-summary a[href="#email"]')
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "email"
        page.keyboard.type(f"marie{n}.{lang}@example.org")
        tab_to(page, "#consent")
        page.keyboard.press("Space")
        tab_to(page, ".registration-form button[type=submit]")
        submit(page)
        page.wait_for_url(re.compile(r"/registered/"))
        assert page.get_attribute("html", "lang") == lang
        assert_accessible(page, f"confirmation ({lang})")
        # 3. The ticket, then back.
        tab_to(page, 'main a[href^="/tickets/"]')
        submit(page)
        page.wait_for_url(re.compile(r"/tickets/"))
        assert page.locator(".ticket-qr svg").count() == 1
        assert_accessible(page, f"ticket ({lang})")
        page.go_back()
        # 4. Manage, then cancel (confirm box with Space, button with Enter).
        tab_to(page, 'main a[href^="/manage/"]')
        submit(page)
        page.wait_for_url(re.compile(r"/manage/[^/]+$"))
        assert_accessible(page, f"manage page ({lang})")
        tab_to(page, "#cancel-confirm")
        page.keyboard.press("Space")
        tab_to(page, 'form[action$="/cancel"] button[type=submit]')
        submit(page)
        assert page.locator("[role=status], [role=alert]").count() >= 1
        assert page.locator("#cancel-confirm").count() == 0  # nothing left to cancel
        assert_accessible(page, f"manage page after cancelling ({lang})")
    finally:
        context.close()


def test_cancel_without_confirming_is_explained(browser, site):
    server, values = site
    context = new_context(browser, server.url, values, lang="nl", width="phone")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/manage/{values['manage']}")
        tab_to(page, 'form[action$="/cancel"] button[type=submit]')
        submit(page)
        page.wait_for_load_state()
        print(page.url, page.inner_text("main")[:1500])
        page.wait_for_selector("#error-summary")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        box = page.locator("#cancel-confirm")
        assert box.get_attribute("aria-invalid") == "true"
        assert "cancel-confirm-error" in box.get_attribute("aria-describedby").split()
        assert_accessible(page, "manage page with a cancel error")
    finally:
        context.close()


def test_join_the_waiting_list_with_the_keyboard(browser, site):
    server, values = site
    n = next(_people)
    context = new_context(browser, server.url, values, lang="fr", width="phone")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/events/{values['full_event']}")
        _fill_registration(page, name=f"Karim {n}", email=f"karim{n}@example.org")
        page.wait_for_url(re.compile(r"/registered/"))
        assert "liste d" in page.locator("h1").inner_text()  # « Vous êtes sur la liste d'attente »
        assert page.locator('main a[href^="/tickets/"]').count() == 0  # no ticket yet
        assert_accessible(page, "waiting-list confirmation")
    finally:
        context.close()


def test_take_part_from_a_phone_with_the_keyboard(browser, site):
    """Join by room code, take part, answer the poll (arrow keys pick the option), send an idea."""
    from playwright.sync_api import expect

    server, values = site
    context = new_context(browser, server.url, values, lang="nl", width="phone")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/join")
        assert_accessible(page, "join page")
        # A wrong code first: the error is announced and focused.
        tab_to(page, "#code")
        page.keyboard.type("ZZZZZZ")
        submit(page)
        page.wait_for_selector("#error-summary")
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert page.get_attribute("#code", "aria-invalid") == "true"
        assert_accessible(page, "join page with an error")
        tab_to(page, "#code")
        page.keyboard.press("Control+A")
        page.keyboard.type(values["room"])
        submit(page)
        page.wait_for_url(re.compile(r"/participate/"))
        assert_accessible(page, "session page")
        # Taking part is a step of its own ("Deelnemen").
        tab_to(page, "#join button[type=submit]")
        submit(page)
        assert page.locator("#join").count() == 0
        # The poll: the first option by Tab, the second by arrow key, sent with Enter; counted in place,
        # the focus on the thanks.
        tab_to(page, "input[type=radio]")
        page.keyboard.press("ArrowDown")
        assert page.evaluate("document.activeElement.checked")
        tab_to(page, "form:has(input[type=radio]) button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_selector(".thanks:not([hidden])")
        assert page.evaluate("document.activeElement.classList.contains('thanks')")
        assert_accessible(page, "session page after voting")
        # An idea, sent in place like the answer: announced, shown under "What you sent", the focus kept.
        tab_to(page, "textarea")
        page.keyboard.type("Meer bankjes in de parken.")
        page.keyboard.press("Tab")
        info = focused(page)
        assert info["tag"] == "button" and focus_is_visible(info)
        page.keyboard.press("Enter")
        page.wait_for_selector(".own-item:has-text('Meer bankjes in de parken.')")
        thanks = page.locator(".script-done").inner_text().strip()
        assert thanks
        expect(page.locator("#live-notice")).to_have_text(thanks)  # read out too, politely
        assert page.locator("textarea").first.input_value() == ""
        info = focused(page)
        assert info["tag"] == "button" and focus_is_visible(info)
        assert_accessible(page, "session page after sending an idea")
    finally:
        context.close()
