"""The series' look reaches the ticket: on screen (the wordmark, the blue head over the yellow line) and
printed (the wordmark in blue ink, one page, the QR code still read by an independent decoder)."""

import io
import re

import pytest
import zxingcpp
from PIL import Image

from tests.browser.site import assert_accessible, new_context

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]

BRUSSELS_BLUE = "rgb(0, 51, 141)"
WHITE = "rgb(255, 255, 255)"


def _style(page, selector: str, prop: str) -> str:
    return page.locator(selector).first.evaluate(f"el => getComputedStyle(el)[{prop!r}]")


def _decoded(page) -> list[str]:
    """The QR code as the page shows it now, photographed and read by zxing-cpp."""
    shot = page.locator(".ticket-qr svg").screenshot()
    image = Image.open(io.BytesIO(shot)).convert("L")
    return [r.text for r in zxingcpp.read_barcodes(image)]


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_ticket_carries_the_series_look_on_screen_and_in_print(browser, site, width):
    server, values = site
    context = new_context(browser, server.url, values, lang="nl", width=width)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/tickets/{values['ticket']}")
        brand = page.locator(".site-header .brand")
        assert brand.is_visible() and "Smart City Events" in brand.inner_text()
        assert page.locator(".site-header .brand-mark").evaluate("img => img.complete && img.naturalWidth > 0")
        assert _style(page, ".ticket-head", "backgroundColor") == BRUSSELS_BLUE
        assert _style(page, ".ticket-head h1", "color") == WHITE
        assert _decoded(page) == [values["ticket"]]
        # On a desktop the stub with the code sits beside the facts; on a phone, above them.
        qr, facts = page.locator(".ticket-stub").bounding_box(), page.locator(".ticket-facts").bounding_box()
        beside = facts["x"] >= qr["x"] + qr["width"]
        assert beside == (width == "desktop"), (qr, facts)
        assert_accessible(page, f"ticket ({width})")

        page.emulate_media(media="print")
        # Backgrounds do not print by default: the band and the head turn to blue ink, nothing white on white.
        assert brand.is_visible() and _style(page, ".site-header .brand", "color") == BRUSSELS_BLUE
        assert _style(page, ".site-header", "backgroundColor") == "rgba(0, 0, 0, 0)"
        assert _style(page, ".ticket-head", "backgroundColor") == "rgba(0, 0, 0, 0)"
        assert _style(page, ".ticket-head h1", "color") != WHITE
        assert page.locator(".lang-switch").is_hidden() and page.locator(".site-footer").is_hidden()
        assert page.locator(".ticket-actions").is_hidden()
        assert _decoded(page) == [values["ticket"]]
        qr_width = page.locator(".ticket-qr svg").bounding_box()["width"]
        assert 113 <= qr_width <= 303, qr_width  # between 3 and 8 cm on paper (96 px to the inch)
        pdf = page.pdf(format="A4")
        assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 1, "the ticket prints on one A4 page"
    finally:
        context.close()


def test_catalogue_cards_form_a_grid_on_a_wide_screen_and_one_column_on_a_phone(site, shared_page):
    server, _ = site
    for width, columns in (("desktop", 3), ("phone", 1)):
        page = shared_page("fr", width)
        page.goto(server.url)
        lefts = {round(box["x"]) for box in (c.bounding_box() for c in page.locator(".event-card").all())}
        assert len(lefts) == columns, (width, lefts)
