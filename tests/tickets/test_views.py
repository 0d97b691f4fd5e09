from flask import render_template

from eventapp.events.models import EventStatus
from eventapp.extensions import db
from eventapp.registration.models import RegistrationStatus
from tests.factories import make_event, make_session
from tests.tickets.factories import make_registration
from tests.tickets.qrdecode import decode_png, decode_svg


def test_ticket_page_shows_the_qr_and_the_event(client, app_ctx):
    event = make_event(slug="data-night")
    session = make_session(event, title_fr="Atelier données")
    _, code = make_registration(event, seats=3, sessions=[session])
    response = client.get(f"/tickets/{code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<svg class="qr" aria-hidden="true"' in html and code in html
    assert event.title_fr in html and "Atelier données" in html and event.venue.name in html
    assert "3 personnes" in html
    assert "/events/data-night.ics" in html
    assert response.headers["X-Robots-Tag"].startswith("noindex")
    assert "<script>" not in html and "style=" not in html
    # The inline SVG is the same code, readable by an independent decoder.
    start, end = html.index("<svg"), html.index("</svg>") + 6
    assert decode_svg(html[start:end].replace(' class="qr" aria-hidden="true" focusable="false"', "")) == [
        (code, "QRCode")
    ]


def test_ticket_images_decode(client, app_ctx):
    _, code = make_registration(make_event())
    png = client.get(f"/tickets/{code}.png")
    assert png.mimetype == "image/png" and decode_png(png.data) == [(code, "QRCode")]
    svg = client.get(f"/tickets/{code}.svg")
    assert svg.mimetype == "image/svg+xml" and decode_svg(svg.get_data(as_text=True)) == [(code, "QRCode")]


def test_cancelled_and_waitlisted_tickets_show_no_qr(client, app_ctx):
    event = make_event()
    for status, text in ((RegistrationStatus.CANCELLED, "annulée"), (RegistrationStatus.WAITLISTED, "liste d'attente")):
        _, code = make_registration(event, status=status)
        html = client.get(f"/tickets/{code}").get_data(as_text=True)
        assert "<svg" not in html and text in html
        assert client.get(f"/tickets/{code}.png").status_code == 404


def test_unknown_code_is_a_translated_404(client):
    response = client.get("/tickets/EA1-AAAAAAAAAAAAAAAAAAAAAAAAAA", headers={"Accept-Language": "nl"})
    assert response.status_code == 404 and "Pagina niet gevonden" in response.get_data(as_text=True)
    assert client.get("/tickets/nonsense.png").status_code == 404


def test_service_worker_is_scoped_to_tickets(client):
    response = client.get("/tickets/sw.js")
    assert response.status_code == 200 and response.headers["Service-Worker-Allowed"] == "/tickets/"
    assert "caches" in response.get_data(as_text=True)


def test_manage_page_partial_links_to_the_ticket(app_ctx):
    registration, code = make_registration(make_event())
    assert f"/tickets/{code}" in render_template("tickets/_manage_ticket.html", registration=registration)


def test_a_cancelled_event_serves_no_qr_image(client, app_ctx):
    event = make_event()
    _, code = make_registration(event)
    event.status = EventStatus.CANCELLED
    db.session.commit()
    assert "<svg" not in client.get(f"/tickets/{code}").get_data(as_text=True)
    assert client.get(f"/tickets/{code}.png").status_code == 404
    assert client.get(f"/tickets/{code}.svg").status_code == 404
