import re
from datetime import timedelta

from eventapp.core.time import utcnow
from eventapp.extensions import db
from eventapp.tickets.models import Scanner
from eventapp.tickets.scanners import create_scanner, pair_scanner
from tests.factories import make_event
from tests.tickets.factories import login, make_user


def test_pairing_link_gives_a_device_token_once(client, app_ctx):
    event = make_event()
    scanner, pairing = create_scanner(None, event, name="Door A", now=utcnow())
    page = client.get(f"/scan/pair/{pairing}")
    assert page.status_code == 200 and scanner.token_digest is None  # GET does not use the link up
    paired = client.post(f"/scan/pair/{pairing}")
    html = paired.get_data(as_text=True)
    token = re.search(r'data-device-token="([^"]+)"', html).group(1)
    assert paired.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/scanner/status", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    again = client.post(f"/scan/pair/{pairing}")
    assert again.status_code == 404


def test_expired_pairing_link(client, app_ctx):
    _, pairing = create_scanner(None, make_event(), name="Door A", now=utcnow() - timedelta(minutes=11))
    assert client.post(f"/scan/pair/{pairing}").status_code == 404


def test_scanner_page_manifest_and_worker(client):
    html = client.get("/scan").get_data(as_text=True)
    assert 'id="scan-texts"' in html and "/static/tickets/scan.js" in html and 'aria-live="assertive"' in html
    manifest = client.get("/scan/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json" and manifest.get_json()["start_url"] == "/scan"
    worker = client.get("/scan/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/scan" and "zxing_reader.wasm" in worker.get_data(as_text=True)


def test_organiser_creates_and_revokes_scanners(client, app_ctx):
    event = make_event(slug="door-night")
    login(client, make_user(events=[event]))
    page = client.get("/admin/events/door-night/scanners").get_data(as_text=True)
    # The back-office's layout: its menu, and a breadcrumb that leads back to the events.
    assert 'class="admin-nav"' in page and '<p class="breadcrumb"><a href="/admin/' in page
    created = client.post("/admin/events/door-night/scanners", data={"name": "Door A", "profile": "scan_only"})
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and "/scan/pair/" in html and '<svg class="qr"' in html
    scanner = db.session.scalar(db.select(Scanner).where(Scanner.event_id == event.id))
    assert scanner.pairing_expires_at is not None
    bad = client.post("/admin/events/door-night/scanners", data={"name": "", "profile": "root"})
    assert bad.status_code == 422 and 'id="error-summary"' in bad.get_data(as_text=True)
    twice = client.post("/admin/events/door-night/scanners", data={"name": "Door A", "profile": "scan_only"})
    assert twice.status_code == 422 and "existe déjà pour cet événement" in twice.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Scanner.id)).where(Scanner.event_id == event.id)) == 1
    revoked = client.post(f"/admin/events/door-night/scanners/{scanner.id}/revoke")
    assert revoked.status_code == 302
    db.session.refresh(scanner)
    assert scanner.revoked_at is not None
    door = client.get("/admin/events/door-night/door.json").get_json()
    assert door["counts"]["checked_in"] == 0 and door["duplicates"] == []


def test_organiser_of_another_event_is_refused(client, app_ctx):
    event = make_event(slug="their-night")
    login(client, make_user(events=[make_event()]))
    # 404, as for an unknown slug: a 403 would confirm that the event exists.
    assert client.get("/admin/events/their-night/scanners").status_code == 404
    assert client.post("/admin/events/their-night/scanners", data={"name": "X"}).status_code == 404
    assert client.get("/admin/events/their-night/door.json").status_code == 404
    assert db.session.scalar(db.select(db.func.count(Scanner.id)).where(Scanner.event_id == event.id)) == 0


def test_anonymous_is_sent_away(client, app_ctx):
    make_event(slug="anon-night")
    assert client.get("/admin/events/anon-night/scanners").status_code in (302, 401)


def test_a_gate_gets_a_new_phone_and_the_old_one_stops_working(client, app_ctx):
    event = make_event(slug="door-swap")
    other_event = make_event()
    scanner, pairing = create_scanner(None, event, name="Door A", now=utcnow())
    stranger, _ = create_scanner(None, other_event, name="Door Z", now=utcnow())
    old_token = pair_scanner(pairing, now=utcnow())[1]
    login(client, make_user(events=[event]))
    page = client.get("/admin/events/door-swap/scanners?lang=en").get_data(as_text=True)
    assert f"/admin/events/door-swap/scanners/{scanner.id}/pair" in page and "Pair a new phone" in page

    answer = client.post(f"/admin/events/door-swap/scanners/{scanner.id}/pair?lang=en")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Pair the phone for Door A" in html and '<svg class="qr"' in html
    new_pairing = re.search(r"/scan/pair/([\w-]+)", html).group(1)
    assert client.get("/api/v1/scanner/status", headers={"Authorization": f"Bearer {old_token}"}).status_code == 403
    new_token = pair_scanner(new_pairing, now=utcnow())[1]
    status = client.get("/api/v1/scanner/status", headers={"Authorization": f"Bearer {new_token}"})
    assert status.status_code == 200 and status.get_json()["scanner"]["gate"] == "Door A"
    # A scanner of another event is not this organiser's to re-pair.
    assert client.post(f"/admin/events/door-swap/scanners/{stranger.id}/pair").status_code == 404
