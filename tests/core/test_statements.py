"""The accessibility statement every Brussels regional site must publish, and the footer that leads to it."""

import re

import pytest

HEADINGS = {
    "fr": ("Déclaration d'accessibilité", "État de conformité", "Signaler un obstacle", "Procédure de recours"),
    "nl": ("Toegankelijkheidsverklaring", "Nalevingsstatus", "Een drempel melden", "Handhavingsprocedure"),
    "en": ("Accessibility statement", "Compliance status", "Report a barrier", "Enforcement procedure"),
}


@pytest.mark.parametrize("lang", HEADINGS)
def test_the_statement_gives_status_gaps_contact_enforcement_and_review_date_in_each_language(app, client, lang):
    app.config.update(CONTACT_EMAIL="barrier@example.org", ACCESSIBILITY_REVIEWED_ON="2026-11-30")
    page = client.get(f"/accessibility?lang={lang}").get_data(as_text=True)
    headings = re.findall(r"<h[12]>(.*?)</h[12]>", page)
    for heading in HEADINGS[lang]:
        assert heading in headings, heading
    assert "WCAG" in page and "EN 301 549" in page and "2016/2102" in page
    assert 'href="mailto:barrier@example.org"' in page
    assert "ombudsman.brussels" in page
    assert re.search(r"30 (novembre|november|November) 2026|November 30, 2026", page), "review date"
    assert page.count("<li>") >= 3, "what is not accessible, listed"


def test_every_page_footer_leads_to_privacy_accessibility_and_contact(client):
    for path in ("/", "/privacy", "/join", "/no-such-page"):
        footer = client.get(path).get_data(as_text=True).split('<footer class="site-footer">')[1]
        assert 'href="/privacy"' in footer and 'href="/accessibility"' in footer, path
        assert 'href="mailto:' in footer, path


def test_pages_carry_a_description_for_search_engines(client):
    page = client.get("/accessibility?lang=nl").get_data(as_text=True)
    assert re.search(r'<meta name="description" content="[^"]{40,}">', page)
    assert re.search(r'<meta name="description" content="[^"]{40,}">', client.get("/").get_data(as_text=True))
