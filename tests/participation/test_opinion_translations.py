"""A statement's language and the organisers' translation of it (issue 21: "phones show the statement in the
language it was written in, and the organiser may add the other language")."""

import pytest
import sqlalchemy as sa

from eventapp.accounts.models import AuditEntry
from eventapp.core.errors import InvalidState, PermissionDenied
from eventapp.extensions import db
from eventapp.participation import opinions, services
from eventapp.participation.models import ActivityKind, Contribution
from eventapp.participation.opinion_models import StatementTranslation
from eventapp.participation.services import InvalidText
from tests.factories import NOW, make_event
from tests.participation.factories import join, make_activity, make_opinions_room, make_organiser


def _translations():
    return db.session.execute(
        sa.select(StatementTranslation.statement_id, StatementTranslation.language, StatementTranslation.body)
    ).all()


@pytest.fixture
def statement(setup):
    _event, session, organiser = setup
    activity = make_activity(session, organiser, ActivityKind.OPINIONS)
    return opinions.seed_statement(organiser, activity, "Plus d'arbres sur la place", language="fr", now=NOW)


def test_the_organiser_adds_then_edits_a_translation_and_the_audit_log_says_so(setup, statement):
    _event, _session, organiser = setup
    opinions.translate_statement(organiser, statement, "nl", "Meer bomen op het plein", now=NOW)
    opinions.translate_statement(organiser, statement, "nl", "  Meer  bomen op het plein!", now=NOW)
    assert _translations() == [(statement.id, "nl", "Meer bomen op het plein!")]
    entries = db.session.execute(sa.select(AuditEntry.action, AuditEntry.target, AuditEntry.details)).all()
    assert entries == [
        ("statement.translated", str(statement.uuid), {"language": "nl", "replaced": False}),
        ("statement.translated", str(statement.uuid), {"language": "nl", "replaced": True}),
    ]
    assert opinions.get_translations([statement]) == {statement.id: {"nl": "Meer bomen op het plein!"}}


@pytest.mark.parametrize(
    ("language", "body", "error", "code"),
    [
        ("nl", "", InvalidText, "empty"),
        ("nl", "   ", InvalidText, "empty"),
        ("nl", "x" * 141, InvalidText, "too_long"),
        ("fr", "Plus d'arbres", InvalidState, "invalid_language"),  # its own language
        ("en", "More trees", InvalidState, "invalid_language"),  # a French and Dutch session
        ("de", "Mehr Bäume", InvalidState, "invalid_language"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error_and_nothing_changes(setup, statement, language, body, error, code):
    _event, _session, organiser = setup
    opinions.translate_statement(organiser, statement, "nl", "Meer bomen op het plein", now=NOW)
    with pytest.raises(error) as refused:
        opinions.translate_statement(organiser, statement, language, body, now=NOW)
    assert refused.value.code == code and str(refused.value.message)
    assert _translations() == [(statement.id, "nl", "Meer bomen op het plein")]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1


def test_english_only_when_the_session_is_in_english(setup, statement):
    _event, session, organiser = setup
    session.languages = "fr nl en"
    opinions.translate_statement(organiser, statement, "en", "More trees on the square", now=NOW)
    assert _translations() == [(statement.id, "en", "More trees on the square")]
    assert opinions.statement_languages(session) == ("fr", "nl", "en")


def test_another_events_organiser_may_not_translate(statement):
    stranger = make_organiser(make_event())
    with pytest.raises(PermissionDenied):
        opinions.translate_statement(stranger, statement, "nl", "Meer bomen", now=NOW)
    assert _translations() == []


def test_a_phone_statement_records_the_phones_language_when_it_is_one_of_the_sessions(setup):
    _event, session, organiser = setup
    activity = make_activity(session, organiser, ActivityKind.OPINIONS)
    guest = services.join_as_guest(session, now=NOW)
    dutch = opinions.submit_statement(guest, activity, "Meer fietspaden", language="nl", now=NOW)
    english = opinions.submit_statement(guest, activity, "More cycle lanes", language="en", now=NOW)
    assert (dutch.language, english.language) == ("nl", None)  # English: not one of this session's languages
    with pytest.raises(InvalidState):
        opinions.seed_statement(organiser, activity, "More cycle lanes", language="en", now=NOW)


def test_the_text_a_phone_shows(setup, statement):
    _event, _session, organiser = setup
    assert opinions.get_statement_text(statement, "nl") == opinions.StatementText(
        "Plus d'arbres sur la place", "fr", translated=False
    )
    opinions.translate_statement(organiser, statement, "nl", "Meer bomen op het plein", now=NOW)
    assert opinions.get_statement_text(statement, "nl") == opinions.StatementText(
        "Meer bomen op het plein", "nl", translated=True
    )
    assert opinions.get_statement_text(statement, "en").text == "Plus d'arbres sur la place"
    # What people reacted to, and what the exports write, stays the original.
    assert "Plus d'arbres sur la place" in opinions.export_polis(statement.activity)["comments.csv"]
    assert "Meer bomen" not in opinions.export_polis(statement.activity)["comments.csv"]


# ---------------------------------------------------------------------------- pages


@pytest.fixture
def room(app):
    with app.test_request_context():
        session, organiser, activity, (statement,) = make_opinions_room(["Plus d'arbres sur la place"])
        db.session.commit()
        return {
            "session_uuid": session.uuid,
            "base": f"/participate/{session.uuid}",
            "activity": activity.uuid,
            "statement": statement.uuid,
            "statement_id": statement.id,
            "organiser": organiser.id,
        }


def _login(client, user_id):
    client.set_cookie("lang", "en")
    with client.session_transaction() as s:
        s["_user_id"] = str(user_id)
        s["_fresh"] = True


def _translate(client, room, **data):
    return client.post(f"{room['base']}/manage/c/{room['statement']}/translation", data=data)


def test_the_organisers_page_shows_the_language_and_saves_a_translation(client, room):
    _login(client, room["organiser"])
    manage = client.get(f"{room['base']}/manage?lang=en").get_data(as_text=True)
    assert '<span lang="fr">Plus d&#39;arbres sur la place</span>' in manage
    assert f'id="tr-{room["statement_id"]}-nl" lang="nl"' in manage  # the field, marked as Dutch
    assert f'id="tr-{room["statement_id"]}-fr"' not in manage  # not into its own language
    saved = _translate(client, room, language="nl", body="Meer bomen op het plein")
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"#s-{room['statement']}")
    assert _translations() == [(room["statement_id"], "nl", "Meer bomen op het plein")]
    manage = client.get(f"{room['base']}/manage?lang=en").get_data(as_text=True)
    assert "The translation has been saved." in manage and '<span lang="nl">Meer bomen op het plein</span>' in manage


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"language": "nl", "body": ""}, "Please write something first."),
        ({"language": "nl", "body": "x" * 141}, "Please keep it under 140 characters."),
        ({"language": "fr", "body": "Plus d'arbres"}, "Choose one of the session&#39;s languages."),
        ({"language": "xx", "body": "Meer bomen"}, "Choose one of the session&#39;s languages."),
    ],
)
def test_bad_input_on_the_page_is_an_error_message_and_changes_nothing(client, room, data, message):
    _login(client, room["organiser"])
    refused = _translate(client, room, **data)
    assert refused.status_code == 303
    page = client.get(f"{room['base']}/manage?lang=en").get_data(as_text=True)
    assert message in page
    assert _translations() == []


def test_another_events_organiser_gets_a_404_and_nothing_changes(client, room, app):
    with app.test_request_context():
        stranger = make_organiser(make_event()).id
        db.session.commit()
    _login(client, stranger)
    assert _translate(client, room, language="nl", body="Meer bomen").status_code == 404
    assert _translations() == []


def test_anonymous_is_sent_to_log_in(client, room):
    refused = _translate(client, room, language="nl", body="Meer bomen")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/admin/login")
    assert _translations() == []


def test_a_phone_in_dutch_shows_the_translation_marked_nl_and_offers_the_original_marked_fr(client, room):
    _login(client, room["organiser"])
    _translate(client, room, language="nl", body="Meer bomen op het plein")
    client.get("/admin/logout")
    join(client, room["session_uuid"])
    page = f"{room['base']}/a/{room['activity']}/opinions"
    client.set_cookie("lang", "nl")
    dutch = client.get(page).get_data(as_text=True)
    assert '<p lang="nl">Meer bomen op het plein</p>' in dutch
    assert '<p lang="fr">Plus d&#39;arbres sur la place</p>' in dutch  # the original, one click away
    client.set_cookie("lang", "fr")
    french = client.get(page).get_data(as_text=True)
    assert '<p lang="fr">Plus d&#39;arbres sur la place</p>' in french and "Meer bomen" not in french


def test_a_phone_statement_is_recorded_in_the_phones_language(client, room):
    join(client, room["session_uuid"])
    client.set_cookie("lang", "nl")
    sent = client.post(f"{room['base']}/a/{room['activity']}/opinions/statement", data={"body": "Meer fietspaden"})
    assert sent.status_code == 303
    assert db.session.scalar(sa.select(Contribution.language).where(Contribution.body == "Meer fietspaden")) == "nl"
