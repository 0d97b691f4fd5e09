"""Finding 16 (first half): an organiser cannot tell which events exist that are not theirs.

The attack: a scoped organiser got 403 for an existing event of someone else and 404 for an unknown
slug, so trying slugs confirmed drafts (`/admin/events/budget-2027-draft`). Both answer 404, alike.
"""

import pytest

from eventapp import create_app
from eventapp.events.models import EventStatus
from eventapp.extensions import db
from tests.accounts.factories import login, make_user
from tests.factories import make_event, make_session


def _event_pages():
    """Every back-office address about one event (its slug in the path), from the app's URL map."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://")
    pages = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin/events/<slug>") and "GET" in (rule.methods or ()):
            pages.append(rule.rule)
    return sorted(pages)


@pytest.mark.parametrize("rule", _event_pages())
def test_an_event_of_someone_else_answers_like_an_unknown_slug(client, rule):
    draft = make_event(slug="budget-2027-draft", status=EventStatus.DRAFT)
    session = make_session(draft)
    organiser = make_user(events=[make_event()]).email
    values = {"session_slug": session.slug, "registration_uuid": "0" * 32, "scanner_id": "1"}
    db.session.commit()
    login(client, organiser)

    def answer(slug: str):
        path = rule.replace("<slug>", slug)
        for name, value in values.items():
            path = path.replace(f"<{name}>", value).replace(f"<int:{name}>", value)
        response = client.get(path + "?lang=en")
        # The page links to itself (the language switcher): the slug it was asked for aside, alike.
        return response.status_code, response.get_data(as_text=True).replace(slug, "<slug>")

    existing, unknown = answer("budget-2027-draft"), answer("no-such-event-anywhere")
    assert existing[0] == 404
    assert existing == unknown
