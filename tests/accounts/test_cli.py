import sqlalchemy as sa

from eventapp.accounts.models import EventOrganiser, Role, User
from eventapp.accounts.passwords import verify_password
from eventapp.extensions import db
from tests.factories import make_event


def test_create_admin_asks_for_the_password(runner):
    result = runner.invoke(
        args=["users", "create-admin", "Boss@Example.org"], input="a long enough password\na long enough password\n"
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "boss@example.org"))
    assert user.role == Role.ADMIN and verify_password(user.password_hash, "a long enough password")


def test_create_admin_refuses_a_short_password_and_a_duplicate(runner):
    assert runner.invoke(args=["users", "create-admin", "a@example.org", "--password", "short"]).exit_code == 1
    assert (
        runner.invoke(args=["users", "create-admin", "a@example.org", "--password", "long enough pass"]).exit_code == 0
    )
    again = runner.invoke(args=["users", "create-admin", "a@example.org", "--password", "long enough pass"])
    assert again.exit_code == 1 and "existe déjà" in again.output


def test_create_organiser_for_an_event(runner):
    event = make_event()
    slug, event_id = event.slug, event.id
    result = runner.invoke(
        args=["users", "create-organiser", "org@example.org", "--event", slug, "--password", "long enough pass"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "org@example.org"))
    assert user.role == Role.ORGANISER
    assert db.session.get(EventOrganiser, (user.id, event_id)) is not None


def test_create_organiser_with_unknown_event_creates_nothing(runner):
    result = runner.invoke(
        args=["users", "create-organiser", "org@example.org", "--event", "nope", "--password", "long enough pass"]
    )
    assert result.exit_code == 1 and "nope" in result.output
    assert db.session.scalar(sa.select(User).where(User.email == "org@example.org")) is None
