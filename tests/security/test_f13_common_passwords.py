"""Finding 13: common and guessable passwords are refused, by an offline check.

The attack: `aaaaaaaaaaaa` (twelve characters, so long enough) was accepted as an organiser's new
password; so were the other passwords every guessing tool tries first.
"""

import re
import socket

import pytest
import sqlalchemy as sa

from eventapp.accounts.models import User
from eventapp.core.outbox import OutboxMessage
from eventapp.extensions import db
from tests.accounts.factories import make_user

GUESSABLE = [
    "aaaaaaaaaaaa",
    "password1234",
    "azertyuiop123",
    "123456789012",
    "qwertyqwerty",
    "Peeters2026!",
]  # the last: the name and a year


def reset_page(client, email: str) -> str:
    client.post("/admin/password/forgot", data={"email": email})
    message = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.recipient == email))
    return re.search(r"http://events\.test(/admin/password/reset/\S+)", message.body_text).group(1)


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the password check must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize("password", GUESSABLE)
def test_a_guessable_new_password_is_refused(client, password, no_network):
    email = make_user(email="jan.peeters@example.org", name="Jan Peeters").email
    db.session.commit()
    path = reset_page(client, email)
    response = client.post(path.replace("lang=fr", "lang=en"), data={"password": password, "confirm": password})
    assert response.status_code == 422
    assert "too easy to guess" in response.get_data(as_text=True)
    strong = "plum velvet harbour sixty"
    assert client.post(path, data={"password": strong, "confirm": strong}).status_code == 302


def test_the_command_line_refuses_them_too(runner):
    result = runner.invoke(args=["users", "create-admin", "chef@example.org", "--password", "aaaaaaaaaaaa"])
    assert result.exit_code == 1
    assert db.session.scalar(sa.select(User).where(User.email == "chef@example.org")) is None
