"""Finding 10: every number field of the back-office has bounds and refuses NaN, infinity and
numbers too large to compare with a form error, never a 500; property-based tests post random values
into every back-office form.

The attack: a capacity or a seats-per-registration of 400 nines raised OverflowError, a latitude of
`sNaN` raised ValueError: a 500 (and a traceback in the logs) from any organiser's browser.
"""

from html.parser import HTMLParser

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventapp import create_app
from eventapp.extensions import db
from tests.accounts.factories import make_admin
from tests.backoffice.factories import make_registration
from tests.factories import make_event, make_theme, make_venue
from tests.tickets.factories import make_scanner

NASTY_NUMBERS = [
    "9" * 400,
    "-" + "9" * 400,
    "sNaN",
    "NaN",
    "-NaN",
    "inf",
    "-Infinity",
    "1e400",
    "1e-400",
    "0x10",
    "1_000",
]
VALUE = st.one_of(
    st.sampled_from([*NASTY_NUMBERS, "", "0", "-1", "2027-02-30T25:61", "y", "on", "\x00", "<b>x</b>"]),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(str),
    st.text(max_size=40),
)
FUZZ = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
# Forms not fuzzed here, and why: the login steps hash a password per request (a second each, on
# purpose) and are covered by tests/accounts; logging out ends the session the fuzzing needs.
NOT_FUZZED = {"accounts.login", "accounts.login_totp", "accounts.logout", "accounts.reset_password"}


class FieldNames(HTMLParser):
    def __init__(self):
        super().__init__()
        self.names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        name = dict(attrs).get("name")
        if tag in ("input", "select", "textarea") and name and name != "csrf_token":
            self.names.add(name)


@pytest.fixture
def back_office(client):
    admin = make_admin()
    event = make_event(sessions=1)
    registration = make_registration(event)
    scanner, _ = make_scanner(event)
    values = {
        "slug": event.slug,
        "session_slug": event.sessions[0].slug,
        "registration_uuid": str(registration.uuid),
        "scanner_id": scanner.id,
        "theme_slug": make_theme().slug,
        "venue_slug": make_venue().slug,
        "user_id": make_admin().id,
    }
    admin_id = admin.id
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = str(admin_id)
    return values


def back_office_forms(app) -> list[str]:
    return sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin/") and "POST" in rule.methods and rule.endpoint not in NOT_FUZZED
    )


def test_the_fuzzing_covers_the_forms_that_had_500s(app):
    forms = back_office_forms(app)
    assert {"backoffice.event_new", "backoffice.event_edit", "backoffice.venue_new", "backoffice.session_new"} <= set(
        forms
    )
    assert len(forms) >= 25


@pytest.mark.parametrize("value", ["9" * 400, "sNaN", "NaN", "inf", "-Infinity", "1e400"])
def test_nasty_numbers_are_form_errors(client, back_office, value):
    slug = back_office["slug"]
    for path, name in (
        ("/admin/events/new", "capacity"),
        ("/admin/events/new", "max_seats_per_registration"),
        (f"/admin/events/{slug}/edit", "capacity"),
        (f"/admin/events/{slug}/sessions/new", "capacity"),
        ("/admin/venues/new", "latitude"),
        ("/admin/venues/new", "longitude"),
    ):
        response = client.post(path, data={name: value})
        assert response.status_code == 422, (path, name, response.status_code)


@pytest.mark.parametrize("endpoint", back_office_forms(create_app("testing")))
def test_random_values_in_every_back_office_form_never_make_a_5xx(app, client, back_office, endpoint):
    (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    with app.test_request_context():
        path = url_for(endpoint, **{name: back_office[name] for name in rule.arguments})
    names = {"confirm", "back", "name", "profile", "q"}
    if "GET" in rule.methods:
        page = client.get(path)
        assert page.status_code < 500
        parser = FieldNames()
        parser.feed(page.get_data(as_text=True))
        names |= parser.names

    @FUZZ
    @given(data=st.fixed_dictionaries({name: VALUE for name in sorted(names)}))
    def post_random_values(data):
        response = client.post(path, data=data)
        assert response.status_code < 500, (endpoint, data, response.status_code)

    post_random_values()
