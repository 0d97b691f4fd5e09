"""The back-office UiTdatabank export page in Chromium: the copy button puts the whole document on the
clipboard and says so; without JavaScript the document is there to select by hand."""

import json

import pytest

from tests.browser.site import new_context

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]


def test_the_copy_button_copies_the_document(browser, site):
    server, values = site
    context = new_context(browser, server.url, values, lang="en", who="organiser")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    page.goto(f"{server.url}/admin/events/{values['event']}/uitdatabank")
    page.get_by_role("button", name="Copy the document").click()
    page.wait_for_function("document.querySelector('[data-copy-status]').textContent === 'Copied.'")
    copied = json.loads(page.evaluate("navigator.clipboard.readText()"))
    assert copied["calendarType"] in ("single", "multiple") and copied["attendanceMode"] == "offline"
    assert copied == json.loads(page.locator("[data-copy-source]").text_content())
    context.close()


def test_without_javascript_the_button_is_hidden_and_the_document_shown(browser, site):
    server, values = site
    context = new_context(browser, server.url, values, lang="en", who="organiser", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server.url}/admin/events/{values['event']}/uitdatabank")
    assert not page.get_by_role("button", name="Copy the document").is_visible()
    assert json.loads(page.locator("[data-copy-source]").text_content())["mainLanguage"] == "nl"
    context.close()
