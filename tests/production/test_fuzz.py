"""Hostile input to every public form and to the JSON API: never a 500, never stored or echoed markup."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import NOW, make_event

HOSTILE_TEXT = st.one_of(
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "javascript:alert(1)",
            "\x00",
            "\x1b[31m",
            "\u202e\u200b\ufeff",
            "\U0001d518\U0001d52b\U0001d526 \U0001f389 \ufdfd",  # fraktur, emoji, a wide ligature
            "' OR 1=1 --",
            "%00%0d%0a",
            "9" * 400,
            "2027-02-30",
            "-1",
            "[]",
            "{}",
        ]
    ),
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=2000, max_size=5000),
)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def assert_clean(response) -> None:
    assert response.status_code < 500, response.status_code
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body  # echoed only escaped


@pytest.fixture
def published(app_ctx):
    event = make_event(starts_at=NOW + timedelta(days=5))
    from eventapp.extensions import db

    db.session.commit()
    return event.slug


@FUZZ
@given(theme=HOSTILE_TEXT, date_from=HOSTILE_TEXT, date_to=HOSTILE_TEXT, page=HOSTILE_TEXT)
def test_catalogue_filters_survive_hostile_input(client, published, theme, date_from, date_to, page):
    response = client.get("/", query_string={"theme": theme, "date_from": date_from, "date_to": date_to, "page": page})
    assert_clean(response)
    api = client.get(
        "/api/v1/events", query_string={"theme": theme, "from": date_from, "to": date_to, "page": page, "lang": theme}
    )
    assert_clean(api)
    assert api.is_json


@FUZZ
@given(slug=HOSTILE_TEXT)
def test_event_paths_survive_hostile_slugs(client, published, slug):
    for path in (f"/events/{slug}", f"/api/v1/events/{slug}", f"/events/{slug}.ics", f"/tickets/{slug}"):
        assert_clean(client.get(path.replace("?", "%3F").replace("#", "%23")))


@FUZZ
@given(body=st.one_of(st.binary(max_size=500), HOSTILE_TEXT.map(str.encode)), auth=HOSTILE_TEXT)
def test_checkin_api_survives_garbage(client, body, auth):
    for path in ("/api/v1/checkin", "/api/v1/checkin/batch", "/api/v1/checkin/undo"):
        # What an HTTP client can send at all: one line of latin-1.
        sendable = auth.isprintable() and all(ord(c) < 256 for c in auth)
        headers = {"Authorization": f"Bearer {auth}"} if sendable else {}
        response = client.post(path, data=body, content_type="application/json", headers=headers)
        assert_clean(response)
        assert response.is_json and 400 <= response.status_code < 500


def test_openapi_operations_never_answer_500(app, app_ctx):
    """schemathesis generates requests from our OpenAPI document; no case may crash the app.

    Scanner endpoints are called with a valid device token, so the generated bodies reach the service.
    """
    import schemathesis

    from eventapp.extensions import db
    from tests.tickets.factories import make_registration, make_scanner

    event = make_event(starts_at=NOW + timedelta(days=5))
    make_registration(event)
    token = make_scanner(event)[1]
    db.session.commit()

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures = []
    operations = 0
    for result in schema.get_all_operations():
        operations += 1
        run_operation(result.ok(), failures, {"Authorization": f"Bearer {token}"})
    assert operations >= 5
    assert failures == []


def run_operation(operation, failures: list, headers: dict) -> None:
    from hypothesis import Phase
    from schemathesis import checks

    @settings(
        max_examples=25,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(case=operation.as_strategy())
    def check(case):
        # The server may be stricter than the document (people ≤ 1000, …): positive-data acceptance is
        # not checked; crashes, undocumented statuses and responses off their schema are.
        response = case.call_and_validate(
            headers=headers,
            checks=[
                checks.not_a_server_error,
                checks.status_code_conformance,
                checks.content_type_conformance,
                checks.response_schema_conformance,
            ],
        )
        if response.status_code >= 500:
            failures.append(f"{operation.label}: {response.status_code} {case.path_parameters} {case.query}")
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith(("application/json", "application/ld+json", "text/calendar", "text/csv")), (
            content_type
        )
        assert "<script>alert" not in response.text

    check()


REGISTRATION_FIELDS = st.fixed_dictionaries(
    {
        "name": HOSTILE_TEXT,
        "email": st.one_of(HOSTILE_TEXT, st.emails().map(str)),
        "language": st.one_of(st.sampled_from(["fr", "nl", "en"]), HOSTILE_TEXT),
        "seats": st.one_of(st.integers(-(10**20), 10**20).map(str), HOSTILE_TEXT),
        "audience": HOSTILE_TEXT,
        "commune": HOSTILE_TEXT,
        "accessibility_needs": HOSTILE_TEXT,
        "sessions": st.one_of(st.integers(-(10**20), 10**20).map(str), HOSTILE_TEXT),
        "consent": st.sampled_from(["y", "", "0", "\x00"]),
    },
    optional={"website": HOSTILE_TEXT},
)


@pytest.fixture
def registration_event(app_ctx):
    from eventapp.extensions import db

    event = make_event(starts_at=NOW + timedelta(days=5), sessions=2, capacity=3)
    db.session.commit()
    return event.slug, event.id


@FUZZ
@given(form=REGISTRATION_FIELDS)
def test_registration_form_survives_hostile_input(client, registration_event, form):
    """Refused with errors next to the fields (422) or registered (303); what is stored is clean."""
    import sqlalchemy as sa

    from eventapp.extensions import db
    from eventapp.registration.models import Registration

    slug, event_id = registration_event
    response = client.post(f"/events/{slug}/register", data=form)
    assert_clean(response)
    assert response.status_code in (303, 422), response.status_code
    for name, email, needs in db.session.execute(
        sa.select(Registration.name, Registration.email, Registration.accessibility_needs).where(
            Registration.event_id == event_id
        )
    ):
        for text in (name, email):
            assert text == text.strip() and all(ord(c) >= 32 for c in text), repr(text)
        assert len(name) <= 120 and len(needs) <= 500
        assert all(ord(c) >= 32 or c in "\r\n\t" for c in needs), repr(needs)
    db.session.rollback()


@pytest.fixture
def idea_board(app_ctx):
    from eventapp.extensions import db
    from eventapp.participation import queries
    from eventapp.participation.models import ActivityKind, Moderation
    from tests.participation.factories import make_activity, make_organiser

    event = make_event(sessions=1)
    session = event.sessions[0]
    board = make_activity(session, make_organiser(event), ActivityKind.IDEAS, moderation=Moderation.POST)
    db.session.commit()
    return session.uuid, board.uuid, board.id, queries.get_room(session).code


@FUZZ
@given(code=HOSTILE_TEXT, body=HOSTILE_TEXT)
def test_participation_forms_survive_hostile_input(client, idea_board, code, body):
    session_uuid, board_uuid, board_id, room_code = idea_board
    joined = client.post("/join", data={"code": code})
    assert_clean(joined)
    assert joined.status_code in (302, 303, 422), joined.status_code
    client.post("/join", data={"code": room_code})
    client.post(f"/participate/{session_uuid}/join")  # "Take part": the phone's participant cookie
    response = client.post(f"/participate/{session_uuid}/a/{board_uuid}/contribute", data={f"a{board_id}-body": body})
    assert_clean(response)
    assert response.status_code in (302, 303, 422), response.status_code
    assert_clean(client.get(f"/participate/{session_uuid}"))
