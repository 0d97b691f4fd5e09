"""axe-core (WCAG 2.1 A and AA) on every page, in French, Dutch and English, on a phone and a desktop.

Each page also declares its language in <html lang>, offers the language switcher, and marks event
content that falls back to another language with that language's `lang`.
"""

import pytest

from tests.browser.site import LANGS, PAGES, assert_accessible, axe_violations, new_context

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]

CASES = [
    pytest.param(spec, lang, width, id=f"{spec.name}-{lang}-{width}")
    for spec in PAGES
    for lang in spec.langs
    for width in spec.widths
]


@pytest.mark.parametrize(("spec", "lang", "width"), CASES)
def test_page_is_accessible(site, shared_page, spec, lang, width):
    server, values = site
    page = shared_page(lang, width, spec.who)
    response = page.goto(spec.url(server.url, values))
    assert response.status == spec.status
    if spec.ready:
        page.wait_for_selector(spec.ready, state="attached")
    assert page.get_attribute("html", "lang") == lang
    # The switcher offers the two other languages, each link named in its own language.
    for other in set(LANGS) - {lang}:
        link = page.locator(f'nav.lang-switch a[hreflang="{other}"]')
        assert link.count() == 1 and link.get_attribute("lang") == other
    # Forms check on the server and answer in the page's language, not in the browser's own bubbles.
    assert page.locator("form:not([novalidate]):has([required])").count() == 0
    assert_accessible(page, f"{spec.name} ({lang}, {width})")


@pytest.mark.parametrize("lang", LANGS)
def test_untranslated_content_is_marked_with_its_language(browser, site, lang):
    """The title exists only in French and the summary only in Dutch: shown anyway, tagged with `lang`."""
    server, values = site
    context = new_context(browser, server.url, values, lang=lang)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/events/{values['fallback_event']}")
        title = page.locator("h1")
        assert title.inner_text() == "Atelier sans traduction"
        marked_fr = title.locator('span[lang="fr"]')
        assert marked_fr.count() == (0 if lang == "fr" else 1)
        summary = page.locator("p.lead")
        assert summary.inner_text() == "Alleen in het Nederlands beschreven."
        assert summary.locator('span[lang="nl"]').count() == (0 if lang == "nl" else 1)
        session_title = page.locator(".session h3").first
        assert session_title.inner_text() == "Séance en français"
        assert session_title.locator('span[lang="fr"]').count() == (0 if lang == "fr" else 1)
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_switcher_changes_language_and_stays_on_the_page(browser, site, lang):
    server, values = site
    context = new_context(browser, server.url, values, lang="fr" if lang != "fr" else "nl")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/events/{values['event']}")
        page.locator(f'nav.lang-switch a[hreflang="{lang}"]').press("Enter")
        page.wait_for_url(f"**/events/{values['event']}")
        assert page.get_attribute("html", "lang") == lang
        assert page.locator(f'nav.lang-switch [aria-current="true"][lang="{lang}"]').count() == 1
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_not_found_page_speaks_the_chosen_language(browser, site, lang):
    server, values = site
    expected = {"fr": "Page introuvable", "nl": "Pagina niet gevonden", "en": "Page not found"}[lang]
    context = new_context(browser, server.url, values, lang=lang)
    try:
        page = context.new_page()
        assert page.goto(f"{server.url}/events/no-such-event").status == 404
        assert page.locator("h1").inner_text() == expected
        assert page.title().startswith(expected)
    finally:
        context.close()


def test_the_axe_check_catches_a_violation(browser, site):
    server, values = site
    context = new_context(browser, server.url, values, lang="fr")
    try:
        page = context.new_page()
        page.goto(server.url)
        page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"x.png\">')")
        page.evaluate("document.querySelector('.lead').style.color = '#cccccc'")
        ids = {v["id"] for v in axe_violations(page)}
        assert {"image-alt", "color-contrast"} <= ids
    finally:
        context.close()
