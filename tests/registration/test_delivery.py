"""Addresses the form accepts are addresses the outbox can send to (real SMTP server on loopback)."""

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from eventapp.accounts.forms import ForgotPasswordForm, LoginForm
from eventapp.backoffice.forms import InviteForm
from eventapp.core.outbox import OutboxMessage, send_due
from eventapp.extensions import db
from eventapp.registration.forms import RegistrationForm
from tests.core.test_outbox import Recorder, SMTPServer
from tests.factories import make_event
from tests.live_server import app_for, free_port, fresh_database

FORM = {"name": "Amina", "language": "fr", "seats": "1", "consent": "y"}


@pytest.mark.slow
@pytest.mark.no_db_isolation
def test_a_registration_with_an_idn_domain_is_delivered_and_an_accented_one_never_stored(tmp_path):
    server = SMTPServer(Recorder(), free_port())
    server.start()
    try:
        app = app_for(
            fresh_database("sqlite", tmp_path), MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_SUPPRESS_SEND=False
        )
        app.config["RATELIMIT_ENABLED"] = False
        with app.app_context():
            slug = make_event(capacity=5).slug
        client = app.test_client()
        for address, status in [
            ("anne@example.be", 303),
            ("françois@example.be", 422),
            ("amina@bücher.example", 303),
            ("zoe@example.be", 303),
        ]:
            response = client.post(f"/events/{slug}/register", data={**FORM, "email": address})
            assert response.status_code == status, address
        with app.app_context():
            report = send_due()
        assert (report.sent, report.failed) == (3, 0)
        assert sorted(m["To"] for m in server.handler.messages) == [
            "amina@xn--bcher-kva.example",
            "anne@example.be",
            "zoe@example.be",
        ]
        # Rendered by the worker (issue 20), and what was sent is what the outbox row keeps.
        assert all(str(m["Subject"]).startswith("Votre ticket") for m in server.handler.messages)
        with app.app_context():
            rows = db.session.scalars(sa.select(OutboxMessage)).all()
            assert {(m.render_from, m.render_args) for m in rows} == {(None, None)}
            assert all(m.subject.startswith("Votre ticket") and "/manage/" in m.body_text and m.body_html for m in rows)
    finally:
        server.stop()


@pytest.mark.parametrize("form_class", [RegistrationForm, InviteForm, ForgotPasswordForm])
def test_every_form_that_takes_an_address_refuses_accents_before_the_at(app, form_class):
    def validated(address):
        form = form_class(MultiDict({"email": address}), meta={"csrf": False})
        if form_class is InviteForm:
            form.setup([], "en")
        form.validate()
        return form.email

    with app.test_request_context("/?lang=en", method="POST"):
        assert any("without accents" in str(e) for e in validated("françois@example.be").errors)
        email = validated("Jan@Exämple.BE")
        assert email.errors == [] and email.data == "Jan@xn--exmple-cua.be"


def test_the_login_form_looks_the_address_up_as_the_invitation_stored_it(app):
    with app.test_request_context("/", method="POST"):
        form = LoginForm(MultiDict({"email": "Jan@Exämple.BE", "password": "x"}), meta={"csrf": False})
        assert form.validate() and form.email.data == "Jan@xn--exmple-cua.be"
        form = LoginForm(MultiDict({"email": "françois@example.be", "password": "x"}), meta={"csrf": False})
        assert form.validate() and form.email.data == "françois@example.be"  # matches no account, says nothing
