"""Finding 6: our emails do not carry an attacker's text to any address.

The attack: a registration named "Customer. URGENT \u2013 your tax refund is blocked: confirm your IBAN
at www.evil-refund.example" with a victim's address produced an official confirmation email opening with
that text, about 60 an hour per network.
"""

import pytest
import sqlalchemy as sa

from eventapp.core.outbox import OutboxMessage, OutboxStatus, message_content
from eventapp.extensions import db
from tests.factories import make_event

PHISHING = "Customer. URGENT \u2013 your tax refund is blocked: confirm your IBAN at www.evil-refund.example"
VICTIM = "victim@example.org"


def _form(name: str, email: str = VICTIM) -> dict:
    return {"name": name, "email": email, "seats": "1", "language": "en", "consent": "y"}


@pytest.mark.parametrize(
    "name",
    [
        PHISHING,
        "Jan evil-refund.example",
        "Call http://evil.example now",
        "Ann\nURGENT: pay now",
        "Bob bob@evil.example",
        "x" * 81,
    ],
)
def test_a_name_is_checked_as_a_name(client, name):
    slug = make_event().slug
    response = client.post(f"/events/{slug}/register?lang=en", data=_form(name))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize("name", ["Amina El Idrissi", "Zoë D\u2019Hondt-Van de Velde", "J.R.R. Tolkien", "Louis 14"])
def test_real_names_pass(client, name):
    slug = make_event().slug
    assert client.post(f"/events/{slug}/register", data=_form(name, "person@example.org")).status_code == 303


def test_the_email_does_not_open_with_the_name(app, client):
    slug = make_event().slug
    client.post(f"/events/{slug}/register", data=_form("Amina El Idrissi"))
    with app.app_context():  # rendered when sent (issue 20)
        message = message_content(db.session.scalar(sa.select(OutboxMessage)))
    assert "Amina" not in message.text.split("\n\n")[0]
    assert "Amina" not in message.subject
    assert "Registered as: Amina El Idrissi" in message.text


def test_one_address_gets_a_bounded_number_of_emails_whatever_the_network(client):
    slugs = [make_event().slug for _ in range(8)]
    for n, slug in enumerate(slugs):  # eight events, eight networks, one victim
        response = client.post(
            f"/events/{slug}/register", data=_form("Amina El Idrissi"), environ_base={"REMOTE_ADDR": f"203.0.{n}.1"}
        )
        # The registration itself is answered with its ticket, held-back email or not.
        assert response.status_code == 303
        assert "/tickets/" in client.get(response.headers["Location"]).get_data(as_text=True)
    messages = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == VICTIM)).all()
    assert len(messages) == 8  # every one is recorded…
    pending = [m for m in messages if m.status == OutboxStatus.PENDING]
    assert len(pending) == 5  # …five are sent in the hour, the rest kept as held back, never sent
    assert all(m.status == OutboxStatus.FAILED and m.last_error.startswith("held back") for m in messages[5:])
