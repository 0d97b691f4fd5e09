"""Finding 12 (logins): successful and failed logins and wrong authenticator codes leave a trace in
the audit log and in the logs (which account, what, when, from which network, never what was typed),
and the audit page filters by kind of action.

The attack: a password guessed or sprayed against the login form, or an authenticator code guessed,
left nothing to notice or investigate afterwards.
"""

import logging

import pyotp
import sqlalchemy as sa

from eventapp.accounts.models import AuditEntry
from eventapp.extensions import db
from tests.accounts.factories import PASSWORD, login, make_admin

SECRET = pyotp.random_base32()
TYPED = "Sup3r-secret typed in the email field"


def entries(action: str) -> list[AuditEntry]:
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def test_logins_and_wrong_codes_are_recorded_without_secrets(client, caplog):
    email = make_admin().email
    with_code = make_admin(totp_secret=SECRET).email
    db.session.commit()
    with caplog.at_level(logging.INFO):
        client.post("/admin/login", data={"email": email, "password": "not the password"})
        client.post("/admin/login", data={"email": TYPED, "password": "hunter2 hunter2"})
        login(client, email)
        client.post("/admin/logout")
        login(client, with_code)
        client.post(
            "/admin/login/two-factor", data={"code": "000000" if pyotp.TOTP(SECRET).now() != "000000" else "111111"}
        )
        client.post("/admin/login/two-factor", data={"code": pyotp.TOTP(SECRET).now()})

    failed = entries("login.failed")
    assert {(e.actor_email, e.details["reason"]) for e in failed} == {(email, "password"), ("", "no_account")}
    assert [e.actor_email for e in entries("login.succeeded")] == [email, with_code]
    assert [e.actor_email for e in entries("login.code_failed")] == [with_code]
    for entry in db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action.startswith("login."))):
        assert entry.details["network"] == "127.0.0.0/24" and entry.created_at is not None
    # Nothing typed is kept: neither the passwords nor an address matching no account.
    recorded = " ".join(f"{e.target} {e.details}" for e in db.session.scalars(sa.select(AuditEntry))) + caplog.text
    for secret in (TYPED, "not the password", "hunter2", PASSWORD, SECRET):
        assert secret not in recorded
    logged = [r for r in caplog.records if getattr(r, "audit_action", "").startswith("login.")]
    assert [r.audit_action for r in logged].count("login.failed") == 2
    assert all(r.network == "127.0.0.0/24" for r in logged)


def test_the_audit_page_filters_by_kind(client):
    email = make_admin().email
    db.session.add(AuditEntry(action="event.published", target="the-published-event"))
    db.session.commit()
    client.post("/admin/login", data={"email": email, "password": "not the password"})
    login(client, email)
    logins = client.get("/admin/audit?kind=login&lang=en").get_data(as_text=True)
    assert "login.failed" in logins and "login.succeeded" in logins and "the-published-event" not in logins
    events = client.get("/admin/audit?kind=event").get_data(as_text=True)
    assert "the-published-event" in events and "login.failed" not in events
    assert client.get("/admin/audit?kind=nonsense").status_code == 400
