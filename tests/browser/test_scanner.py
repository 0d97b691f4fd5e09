"""The scanner page in headless Chromium: its fake camera shows a ticket's QR, online then offline."""

import re
from datetime import timedelta

import pytest

from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.registration.models import Registration
from eventapp.tickets.qr import qr_png
from eventapp.tickets.services import create_scanner
from tests.browser.conftest import write_y4m
from tests.factories import make_event
from tests.tickets.factories import make_registration

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.no_db_isolation]


def _png_image(code: str):
    import io

    from PIL import Image

    return Image.open(io.BytesIO(qr_png(code, box_size=8)))


def checked_in(app, registration_id: int) -> int:
    with app.app_context():
        value = db.session.get(Registration, registration_id).checked_in_people
        db.session.remove()
        return value


def test_scan_online_then_offline_then_reconcile(tmp_path, launch, live):
    server, app = live
    with app.app_context():
        event = make_event(starts_at=utcnow() - timedelta(hours=1))
        first, first_code = make_registration(event)
        second, second_code = make_registration(event, seats=1)
        _, pairing = create_scanner(event, name="Door A", now=utcnow())
        ids = (first.id, second.id)
        db.session.commit()
        db.session.remove()

    profile = tmp_path / "phone"
    # 1. Online: pair the phone, then the camera sees the first ticket.
    video = write_y4m(_png_image(first_code), tmp_path / "first.y4m")
    context = launch(video=video, user_data_dir=profile)
    page = context.new_page()
    page.goto(f"{server.url}/scan/pair/{pairing}")
    page.get_by_role("button").click()
    page.wait_for_url(re.compile(r"/scan$"))
    page.wait_for_selector("#verdict:not([hidden])", timeout=30000)
    assert page.get_attribute("#verdict", "data-status") == "ok"
    assert page.is_hidden("#verdict-offline")
    assert "1" in page.text_content("#announce")
    assert checked_in(app, ids[0]) == 1
    # The app shell is cached by the service worker and the snapshot is stored.
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_selector('#scanner[data-ready="true"]', state="attached")
    context.close()

    # 2. Offline: the same phone, network cut, the camera sees the second ticket.
    video = write_y4m(_png_image(second_code), tmp_path / "second.y4m")
    context = launch(video=video, user_data_dir=profile)
    context.set_offline(True)
    page = context.new_page()
    page.goto(f"{server.url}/scan")
    page.wait_for_selector("#verdict:not([hidden])", timeout=30000)
    assert page.get_attribute("#verdict", "data-status") == "ok"
    assert page.is_visible("#verdict-offline")
    assert checked_in(app, ids[1]) == 0
    page.wait_for_selector('#scanner[data-pending="1"]', state="attached")

    # 3. Back online: the queued scan is uploaded and reconciled by the server.
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector('#scanner[data-pending="0"]', state="attached", timeout=30000)
    assert checked_in(app, ids[1]) == 1
    assert page.get_attribute("#scanner", "data-online") == "true"
