import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from eventapp import create_app
from eventapp.accounts import services
from eventapp.accounts.models import Role, User
from eventapp.core.outbox import OutboxMessage
from eventapp.extensions import db, limiter
from tests.accounts.factories import PASSWORD, login, make_admin, make_user
from tests.factories import NOW, make_event


def test_login_page_renders_in_three_languages(client):
    for lang, text in (("fr", "Mot de passe"), ("nl", "Wachtwoord"), ("en", "Password")):
        html = client.get(f"/admin/login?lang={lang}").get_data(as_text=True)
        assert text in html and 'autocomplete="current-password"' in html


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")


def test_login_then_logout_by_post_only(client):
    admin = make_admin()
    response = login(client, admin)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/logout").status_code == 405
    assert client.post("/admin/logout").status_code == 302
    assert client.get("/admin/").status_code == 302


def test_wrong_password_shows_one_message_for_both_cases(client):
    user = make_user(events=[make_event()])
    wrong = client.post("/admin/login?lang=en", data={"email": user.email, "password": "nope"})
    unknown = client.post("/admin/login?lang=en", data={"email": "x@example.org", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 422
    assert "The email address or the password is not right." in wrong.get_data(as_text=True)
    assert "The email address or the password is not right." in unknown.get_data(as_text=True)


def test_login_next_is_not_an_open_redirect(client):
    admin = make_admin()
    response = client.post(
        "/admin/login?next=https://evil.example/admin", data={"email": admin.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/admin/"


def test_a_locked_account_answers_as_an_unknown_address_does(client):
    # "Locked" for a real account only would tell anyone which addresses have one.
    email = make_user(events=[make_event()]).email
    for _ in range(6):
        locked = client.post("/admin/login?lang=en", data={"email": email, "password": "nope"})
        unknown = client.post("/admin/login?lang=en", data={"email": "nobody@example.org", "password": "nope"})
    assert db.session.scalar(sa.select(User.locked_until).where(User.email == email)) is not None

    def message(response):
        return re.search(r'<div class="error-summary".*?</div>', response.get_data(as_text=True), re.S).group(0)

    assert locked.status_code == unknown.status_code == 422 and message(locked) == message(unknown)
    assert "an account is locked for 15 minutes" in message(locked)
    assert login(client, email).status_code == 422  # even the right password


def test_password_change_ends_other_sessions(client, app):
    user = make_user(events=[make_event()])
    email = user.email
    login(client, user)
    assert client.get("/admin/").status_code == 200
    db.session.execute(sa.update(User).where(User.email == email).values(password_hash="$argon2id$changed"))
    assert client.get("/admin/").status_code == 302


def test_forgot_and_reset_password_through_the_pages(client):
    email = make_user(events=[make_event()]).email
    response = client.post("/admin/password/forgot", data={"email": email})
    assert response.status_code == 302
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == email))
    path = re.search(r"http://events\.test(/admin/password/reset/\S+)", message.body_text).group(1)
    assert client.get(path).status_code == 200
    mismatch = client.post(path, data={"password": "a fresh new password", "confirm": "something else"})
    assert mismatch.status_code == 422
    assert (
        client.post(path, data={"password": "a fresh new password", "confirm": "a fresh new password"}).status_code
        == 302
    )
    assert client.get(path).status_code == 404  # single use
    assert login(client, email, "a fresh new password").status_code == 302


def test_forgot_password_for_unknown_email_looks_the_same(client):
    response = client.post("/admin/password/forgot", data={"email": "nobody@example.org"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_two_factor_enrolment_and_login(client):
    admin = make_admin()
    admin_id, email = admin.id, admin.email
    login(client, admin)
    html = client.get("/admin/account/two-factor?lang=en").get_data(as_text=True)
    assert "<svg" in html
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', html).group(1)
    assert client.post("/admin/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert db.session.get(User, admin_id).totp_secret == secret
    client.post("/admin/logout")
    response = login(client, email)
    assert response.headers["Location"].startswith("/admin/login/two-factor")
    assert client.get("/admin/").status_code == 302  # not logged in yet
    # The enrolment code was used up: the next one (accepted for clock drift) logs in.
    next_code = pyotp.TOTP(secret).at(datetime.now(UTC) + timedelta(seconds=30))
    assert client.post("/admin/login/two-factor", data={"code": next_code}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_two_factor_page_is_for_admins_only(client):
    organiser = make_user(events=[make_event()])
    login(client, organiser)
    assert client.get("/admin/account/two-factor").status_code == 403


def test_turning_two_step_login_off_asks_for_a_current_code(client):
    secret = pyotp.random_base32()
    admin = make_admin(totp_secret=secret)
    admin_id = admin.id
    login(client, admin)
    assert client.post("/admin/login/two-factor", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    page = client.get("/admin/account/two-factor?lang=en").get_data(as_text=True)
    assert 'name="off-code"' in page and 'autocomplete="one-time-code"' in page
    no_code = client.post("/admin/account/two-factor?lang=en", data={"off-submit": "1"})
    assert no_code.status_code == 422
    totp = pyotp.TOTP(secret)
    now = datetime.now(UTC)
    valid = {totp.at(now + timedelta(seconds=s)) for s in (-60, -30, 0, 30, 60)}
    wrong = next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)
    refused = client.post("/admin/account/two-factor?lang=en", data={"off-code": wrong})
    assert refused.status_code == 422
    assert "This code is not right." in refused.get_data(as_text=True)
    assert db.session.get(User, admin_id).totp_secret == secret  # still on
    # The login code was used up: the next one (accepted for clock drift) turns it off.
    next_code = totp.at(now + timedelta(seconds=30))
    assert client.post("/admin/account/two-factor", data={"off-code": next_code}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin_id).totp_secret is None


@pytest.fixture
def limited_client(app, monkeypatch):
    """An app with rate limits on (the test config turns them off). Flask-Limiter keeps its on/off
    switch on the shared extension object, so it is put back afterwards for the other tests."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], RATELIMIT_ENABLED=True
    )
    return limited.test_client()


def test_login_is_rate_limited(limited_client):
    statuses = [
        limited_client.post("/admin/login", data={"email": "x@example.org", "password": "nope"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429


def test_a_reactivated_account_must_log_in_again(client):
    """Deactivation ends sessions for good: reactivating the account does not bring the old cookie back."""
    admin_id, organiser_id = make_admin().id, make_user(events=[make_event()]).id
    email = db.session.get(User, organiser_id).email
    login(client, email)
    assert client.get("/admin/").status_code == 200

    def set_active(active):
        services.set_active(db.session.get(User, admin_id), db.session.get(User, organiser_id), active, now=NOW)
        db.session.commit()  # as the admin's request would (the test's transaction is still rolled back)

    set_active(False)
    assert client.get("/admin/").status_code == 302
    set_active(True)
    assert client.get("/admin/").status_code == 302  # the old cookie stays dead
    assert login(client, email).status_code == 302
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(("language", "text"), [("nl", "Nieuw wachtwoord"), ("en", "New password")])
def test_invitation_and_reset_links_open_in_the_account_language(client, language, text):
    admin = make_admin()
    with client.application.test_request_context():
        user = services.invite_user(
            admin,
            f"{language}@example.org",
            role=Role.ORGANISER,
            event_ids=[],
            language=language,
            now=NOW,
            base_url="http://events.test",
        )
        services.request_password_reset(user.email, now=NOW, base_url="http://events.test")
        db.session.commit()
    messages = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == user.email)).all()
    assert sorted(message.kind for message in messages) == ["accounts.invitation", "accounts.password_reset"]
    for message in messages:
        path = re.search(r"http://events\.test(/admin/password/reset/\S+)", message.body_text).group(1)
        assert path.endswith(f"?lang={language}")
        assert f"?lang={language}" in message.body_html
        # A phone set to French still opens the page in the account's language.
        html = client.get(path, headers={"Accept-Language": "fr"}).get_data(as_text=True)
        assert text in html
