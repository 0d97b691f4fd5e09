"""An organiser adds an image to an event in the back-office (Chromium against gunicorn): the French and
Dutch text alternatives are asked for first, then the public page shows the image in responsive sizes,
with its box reserved and the alternative text in the page's language, and passes axe-core."""

import io
import re

import pytest
from PIL import Image

from eventapp.extensions import db
from tests.accounts.factories import make_admin
from tests.browser.conftest import live_site
from tests.browser.site import assert_accessible
from tests.browser.test_backoffice import log_in
from tests.events.test_images import _png_with_gps
from tests.factories import make_event

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]

ALTS = {"fr": "Des élèves devant un écran", "nl": "Leerlingen voor een scherm"}


def test_an_organiser_uploads_an_image_that_the_event_page_shows_responsively(tmp_path, launch):
    images = tmp_path / "event-images"
    with live_site(tmp_path, env={"EVENT_IMAGES_DIR": str(images)}) as (server, app):
        with app.app_context():
            slug, admin = make_event().slug, make_admin().email
            db.session.commit()
        upload = tmp_path / "photo.png"
        upload.write_bytes(_png_with_gps(2000, 1000))

        organiser = launch().new_page()
        log_in(organiser, server.url, admin)
        organiser.goto(f"{server.url}/admin/events/{slug}/edit?lang=en")
        organiser.set_input_files("#image", str(upload))
        organiser.get_by_role("button", name="Save").click()
        # No text alternative yet: refused, and the error summary leads to the French one.
        organiser.locator("#error-summary").wait_for()
        assert organiser.locator("#image_alt_fr-error").is_visible()
        assert organiser.locator("#image_alt_nl-error").is_visible()
        assert not images.exists() or not any(images.iterdir())
        assert_accessible(organiser, "event form refusing an image without its text alternatives")

        organiser.set_input_files("#image", str(upload))  # a refused form does not keep the file
        organiser.fill("#image_alt_fr", ALTS["fr"])
        organiser.fill("#image_alt_nl", ALTS["nl"])
        organiser.get_by_role("button", name="Save").click()
        organiser.wait_for_url(re.compile(rf"/admin/events/{slug}(\?|$)"))
        assert sorted(p.name.rsplit("-", 1)[1] for p in images.iterdir()) == ["1600.webp", "480.webp", "960.webp"]

        for lang, width in (("fr", 360), ("nl", 1280)):
            context = launch(viewport={"width": width, "height": 800}, locale=f"{lang}-BE")
            context.add_cookies([{"name": "lang", "value": lang, "url": server.url}])
            page = context.new_page()
            page.goto(f"{server.url}/events/{slug}")
            img = page.locator("main img.event-image")
            img.wait_for()
            assert img.get_attribute("alt") == ALTS[lang]
            assert img.get_attribute("lang") is None  # written in the page's own language
            assert (img.get_attribute("width"), img.get_attribute("height")) == ("1600", "800")
            assert img.get_attribute("sizes")
            assert sorted(re.findall(r"(\d+)w", img.get_attribute("srcset"))) == ["1600", "480", "960"]
            page.wait_for_function("document.querySelector('main img.event-image').complete")
            shown = img.evaluate("i => ({src: i.currentSrc, box: i.getBoundingClientRect().width})")
            # The browser picks the file that fits its slot: 480 px on a phone, 960 for the 60rem column.
            assert shown["src"].endswith(f"-{480 if width == 360 else 960}.webp"), shown
            assert shown["box"] <= width
            assert abs(img.evaluate("i => i.getBoundingClientRect().height") - shown["box"] / 2) <= 1
            served = page.request.get(shown["src"])
            with Image.open(io.BytesIO(served.body())) as stored:
                assert stored.format == "WEBP" and not stored.getexif()
            assert_accessible(page, f"event page with an image ({lang}, {width} px)")
            context.close()
