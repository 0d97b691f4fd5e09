import re

import pytest

from eventapp.accounts.models import User
from eventapp.events.models import Event, Session
from eventapp.extensions import db
from eventapp.participation import queries
from eventapp.participation.models import Access, ActivityKind, Contribution, Moderation, Vote
from tests.factories import make_event
from tests.pages import switch_language
from tests.participation.factories import join, make_activity, make_organiser, make_registration, ticket_code_of


class W:
    """Plain values of the arranged rows (objects do not outlive the app context that loaded them)."""

    def __init__(self, event, session, organiser):
        self.event_id, self.slug = event.id, event.slug
        self.session_id, self.uuid = session.id, session.uuid
        self.organiser_id = organiser.id

    @property
    def event(self):
        return db.session.get(Event, self.event_id)

    @property
    def session(self):
        return db.session.get(Session, self.session_id)

    @property
    def organiser(self):
        return db.session.get(User, self.organiser_id)


@pytest.fixture
def world(app):
    with app.test_request_context():
        event = make_event(sessions=1)
        w = W(event, event.sessions[0], make_organiser(event))
        db.session.commit()
    return w


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("lang", "en")


def login(client, user_id):
    with client.session_transaction() as s:
        s["_user_id"] = str(user_id)
        s["_fresh"] = True


def test_event_page_links_participatory_session(client, world):
    w = world
    html = client.get(f"/events/{w.slug}").get_data(as_text=True)
    assert f"/participate/{w.uuid}" in html


def test_ticket_link_sets_cookie_and_cleans_url(client, app, world):
    w = world
    with app.test_request_context():
        registration = make_registration(w.event)
        db.session.commit()
        code = ticket_code_of(registration)
    response = client.get(f"/participate/{w.uuid}?ticket={code}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/participate/{w.uuid}")
    assert code not in response.headers["Location"]
    assert response.headers["Referrer-Policy"] == "no-referrer"
    cookie = client.get_cookie("participant", path=f"/participate/{w.uuid}")
    assert cookie is not None and code not in cookie.value
    page = client.get(f"/participate/{w.uuid}").get_data(as_text=True)
    assert "Registered" in page or "Inscrit" in page


def test_bad_ticket_is_told(client, world):
    w = world
    response = client.get(f"/participate/{w.uuid}?ticket=EA1-NOPE", follow_redirects=True)
    assert "not valid" in response.get_data(as_text=True) or "pas valable" in response.get_data(as_text=True)
    assert client.get_cookie("participant", path=f"/participate/{w.uuid}") is None


def test_guest_votes_without_javascript_once(client, app, world):
    w = world
    with app.test_request_context():
        poll = make_activity(w.session, w.organiser)
        room = queries.get_room(w.session)
        db.session.commit()
        option_id, code, poll_uuid = poll.options[1].id, room.code, poll.uuid
    response = client.get(f"/join/{code.lower()}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/participate/{w.uuid}")
    page = client.get(f"/participate/{w.uuid}?lang=en").get_data(as_text=True)
    assert 'type="radio"' in page and '<script type="module"' in page
    url = f"/participate/{w.uuid}/a/{poll_uuid}/vote"
    # Not joined yet: told how, on the page again with the choice still ticked and the button to join.
    refused = client.post(url, data={f"a{poll.id}-choice": option_id})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 403 and "first join the session" in html
    assert f'value="{option_id}" checked' in html or f'checked id="a{poll.id}-choice-1"' in html
    assert f'action="/participate/{w.uuid}/join"' in html
    join(client, w.uuid)
    assert f'action="/participate/{w.uuid}/join"' not in client.get(f"/participate/{w.uuid}").get_data(as_text=True)
    nothing_chosen = client.post(url, data={}).get_data(as_text=True)
    # The error summary's link leads to the choices (it pointed at no element).
    target = re.search(r'class="error-summary".*?<a href="#([\w-]+)"', nothing_chosen, re.S).group(1)
    assert f'id="{target}" tabindex="-1"' in nothing_chosen
    response = client.post(url, data={f"a{poll.id}-choice": option_id})
    assert response.status_code == 303
    page = client.get(f"/participate/{w.uuid}?lang=en").get_data(as_text=True)
    assert "your answer has been counted" in page
    response = client.post(url, data={f"a{poll.id}-choice": option_id}, follow_redirects=True)
    assert "already answered" in response.get_data(as_text=True)
    with app.test_request_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Vote)) == 1


def test_join_form(client, app, world):
    w = world
    with app.test_request_context():
        make_activity(w.session, w.organiser)
        code = queries.get_room(w.session).code
        db.session.commit()
    assert client.post("/join", data={"code": "ZZZZZZ"}).status_code == 422
    response = client.post("/join", data={"code": f" {code[:3]} {code[3:]} "})
    assert response.headers["Location"].endswith(f"/participate/{w.uuid}")


def test_hostile_text_shown_escaped_or_refused(client, app, world):
    w = world
    with app.test_request_context():
        board = make_activity(w.session, w.organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
        db.session.commit()
        board_id, board_uuid = board.id, board.uuid
    join(client, w.uuid)
    url = f"/participate/{w.uuid}/a/{board_uuid}/contribute?lang=en"
    field = f"a{board_id}-body"
    response = client.post(url, data={field: "bad\x07bell"})
    assert response.status_code == 422
    assert "control characters" in response.get_data(as_text=True)
    response = client.post(url, data={field: "x" * 501})
    assert response.status_code == 422 and "under 500 characters" in response.get_data(as_text=True)
    switched = switch_language(client, response.get_data(as_text=True), "nl")  # back to the room, not a 405
    assert switched.status_code == 200 and switched.request.path == f"/participate/{w.uuid}"
    client.post(url, data={field: '<script>alert("x")</script><b>bold</b>'})
    page = client.get(f"/participate/{w.uuid}").get_data(as_text=True)
    assert "<script>alert" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page


def test_registered_only_activity_refuses_guests(client, app, world):
    w = world
    with app.test_request_context():
        board = make_activity(w.session, w.organiser, ActivityKind.QUESTIONS, access=Access.REGISTERED)
        db.session.commit()
        board_id, board_uuid = board.id, board.uuid
    response = client.post(
        f"/participate/{w.uuid}/a/{board_uuid}/contribute?lang=en",
        data={f"a{board_id}-body": "Question"},
        follow_redirects=True,
    )
    assert "link on your ticket" in response.get_data(as_text=True)
    with app.test_request_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Contribution)) == 0
    page = client.get(f"/participate/{w.uuid}").get_data(as_text=True)
    assert "link on your ticket" in page and f"/a/{board_uuid}/contribute" not in page


def test_organiser_pages_need_access(client, app, world):
    w = world
    anonymous = client.get(f"/participate/{w.uuid}/manage")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/admin/login")
    with app.test_request_context():
        stranger = make_organiser(make_event()).id
        db.session.commit()
    login(client, stranger)
    # 404, as for an unknown session or event: a 403 would confirm that it exists.
    assert client.get(f"/participate/{w.uuid}/manage").status_code == 404
    assert client.get(f"/participate/{w.uuid}/projector/live").status_code == 404
    assert client.post(f"/participate/{w.uuid}/manage/screen", data={"screen": "ideas"}).status_code == 404
    assert client.get(f"/participate/events/{w.slug}/export.csv?level=restricted").status_code == 404


def test_the_moderation_page_keeps_the_back_office_menu_and_a_breadcrumb_link(client, world):
    login(client, world.organiser_id)
    page = client.get(f"/participate/{world.uuid}/manage?lang=en").get_data(as_text=True)
    assert '<nav class="admin-nav" aria-label="Back-office">' in page
    assert f'<p class="breadcrumb"><a href="/admin/events/{world.slug}">' in page


def test_organiser_creates_opens_moderates(client, app, world):
    w = world
    login(client, w.organiser_id)
    base = f"/participate/{w.uuid}/manage"
    assert client.get(base + "?lang=en").status_code == 200
    response = client.post(
        base + "/activities",
        data={
            "kind": "poll",
            "poll_type": "single",
            "access": "link",
            "moderation": "pre",
            "prompt_fr": "Priorité ?",
            "options_fr": "A\nB",
            "options_nl": "A\nB",
        },
    )
    assert response.status_code == 303
    response = client.post(
        base + "/activities",
        data={
            "kind": "poll",
            "poll_type": "single",
            "access": "link",
            "moderation": "pre",
            "prompt_fr": "Une seule ?",
            "options_fr": "A",
        },
    )
    assert response.status_code == 422 and "between 2 and 10" in response.get_data(as_text=True)
    client.post(
        base + "/activities",
        data={
            "kind": "questions",
            "poll_type": "single",
            "access": "link",
            "moderation": "pre",
            "prompt_fr": "Vos questions",
        },
    )
    with app.test_request_context():
        activities = queries.list_activities(w.session)
        poll, questions = activities[0], activities[1]
        assert [a.status for a in activities] == ["draft", "draft"]
    for a in (poll, questions):
        assert client.post(f"{base}/a/{a.uuid}/open").status_code == 303
    client.post(f"{base}/a/{questions.uuid}/card", data={"body": "Carte papier"})
    join(client, w.uuid)
    client.post(f"/participate/{w.uuid}/a/{questions.uuid}/contribute", data={f"a{questions.id}-body": "En ligne ?"})
    page = client.get(base + "?lang=en").get_data(as_text=True)
    assert "Awaiting moderation" in page and "Carte papier" in page
    with app.test_request_context():
        pending = db.session.scalar(db.select(Contribution).filter_by(body="En ligne ?"))
        uuid = pending.uuid
    client.post(f"{base}/c/{uuid}/reject", data={"reason": "Doublon"})
    with app.test_request_context():
        assert db.session.scalar(db.select(Contribution).filter_by(uuid=uuid)).rejection_reason == "Doublon"
    client.post(f"{base}/a/{poll.uuid}/count", data={"count": 7, "choice": str(poll.options[0].id)})
    live = f"/participate/{w.uuid}/projector/live"
    assert client.post(f"/participate/{w.uuid}/manage/screen", data={"screen": "questions"}).status_code == 303
    screen = client.get(live)
    assert "Carte papier" in screen.get_data(as_text=True)
    assert client.get(live, headers={"If-None-Match": screen.headers["ETag"]}).status_code == 304
    client.post(f"/participate/{w.uuid}/manage/screen", data={"screen": "poll", "activity": str(poll.uuid)})
    html = client.get(live).get_data(as_text=True)
    assert "hidden-note" in html and "bar-fill" not in html  # 7 answers, not shown before the reveal
    client.post(f"{base}/a/{poll.uuid}/reveal")
    html = client.get(live).get_data(as_text=True)
    assert '<rect class="bar-fill" width="100"' in html  # the 7 answers, all for the first option
    html = client.get(f"/participate/{w.uuid}/projector").get_data(as_text=True)
    assert 'lang="fr"' in html and 'lang="nl"' in html and "<svg" in html
    assert "Code de la salle" in html and "Zaalcode" in html
    assert html.count("Carte papier") == 0  # the poll is on the screen now


def test_facilitator_entries_and_their_errors(client, app, world):
    w = world
    with app.test_request_context():
        poll = make_activity(w.session, w.organiser, poll_type="scale")
        db.session.commit()
        poll_uuid = poll.uuid
    login(client, w.organiser_id)
    base = f"/participate/{w.uuid}/manage/a/{poll_uuid}"
    page = client.post(f"{base}/count", data={"count": 0, "choice": "3"}, follow_redirects=True)
    assert "from 1 to 10000" in page.get_data(as_text=True)
    client.post(f"{base}/count", data={"count": 4, "choice": "3"})
    client.post(f"{base}/card", data={"body": "Carte"})  # paper cards are for ideas and questions
    with app.test_request_context():
        result = queries.poll_results(db.session.get(type(poll), poll.id))
        assert result.total == 4 and result.rows[2].by_channel["facilitator"] == 4
        assert db.session.scalar(db.select(db.func.count()).select_from(Contribution)) == 0


def test_back_office_hook_links_the_participation_pages(app, world):
    from flask import render_template

    w = world
    with app.test_request_context("/?lang=en"):
        html = render_template("participation/_event_admin_links.html", event=w.event)
    assert f"/participate/{w.uuid}/manage" in html and f"/participate/events/{w.slug}/report" in html
    assert "level=restricted" in html


@pytest.mark.parametrize(
    "lang, told",
    [("en", "first join the session"), ("fr", "rejoignez d&#39;abord la session"), ("nl", "sluit u eerst aan")],
)
def test_a_phone_that_never_took_part_cannot_report(client, app, world, lang, told):
    from eventapp.participation import services
    from eventapp.participation.models import Participant

    w = world
    with app.test_request_context():
        board = make_activity(w.session, w.organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
        author = services.join_as_guest(w.session)
        idea = services.submit_contribution(author, board, "Un parc à vélos couvert")
        db.session.commit()
        idea_uuid = idea.uuid
    client.set_cookie("lang", lang)
    url = f"/participate/{w.uuid}/c/{idea_uuid}/report"
    for _ in range(3):  # the same phone, no cookie kept: no new guest, no report
        page = client.post(url, follow_redirects=True)
        client.delete_cookie("participant", path=f"/participate/{w.uuid}")
    assert page.status_code == 200 and told in page.get_data(as_text=True)
    with app.test_request_context():
        idea = db.session.scalar(db.select(Contribution).filter_by(uuid=idea_uuid))
        assert idea.status == "published" and idea.reports == 0
        assert db.session.scalar(db.select(db.func.count()).select_from(Participant)) == 1

    # Once it joined, the phone may report, once.
    join(client, w.uuid)
    client.post(url)
    client.post(url)
    with app.test_request_context():
        assert db.session.scalar(db.select(Contribution).filter_by(uuid=idea_uuid)).reports == 1


def test_an_organisers_approval_holds_after_the_reports(client, app, world):
    from eventapp.participation import services

    w = world
    with app.test_request_context():
        board = make_activity(w.session, w.organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
        author = services.join_as_guest(w.session)
        readers = [services.join_with_ticket(w.session, make_registration(w.event)) for _ in range(4)]
        idea = services.submit_contribution(author, board, "Des bancs")
        for reader in readers[:3]:
            services.report_contribution(reader, idea)
        db.session.commit()
        idea_uuid, last = idea.uuid, readers[3]
        assert idea.status == "pending"
    login(client, w.organiser_id)
    assert client.post(f"/participate/{w.uuid}/manage/c/{idea_uuid}/approve").status_code == 303
    with app.test_request_context():
        services.report_contribution(db.session.merge(last), queries.get_contribution(w.session, str(idea_uuid)))
        db.session.commit()
        assert db.session.scalar(db.select(Contribution).filter_by(uuid=idea_uuid)).status == "published"


def test_a_guest_who_opens_their_ticket_keeps_one_vote(client, app, world):
    w = world
    with app.test_request_context():
        poll = make_activity(w.session, w.organiser)
        registration = make_registration(w.event, checked_in=1)
        db.session.commit()
        code, poll_uuid, option = ticket_code_of(registration), poll.uuid, poll.options[0].id
        field = f"a{poll.id}-choice"
    url = f"/participate/{w.uuid}/a/{poll_uuid}/vote"
    join(client, w.uuid)  # from the room's QR code, as a guest
    assert client.post(url, data={field: option}).status_code == 303
    asked = client.get(f"/participate/{w.uuid}?ticket={code}")  # later, the link on the ticket
    assert asked.headers["Location"].endswith(f"/participate/{w.uuid}/ticket") and code not in asked.headers["Location"]
    assert client.post(f"/participate/{w.uuid}/ticket").status_code == 303  # "continue with this ticket"
    page = client.get(f"/participate/{w.uuid}").get_data(as_text=True)
    assert "Checked in at the door" in page and "your answer has been counted" in page
    again = client.post(url, data={field: option}, follow_redirects=True).get_data(as_text=True)
    assert "already answered" in again
    with app.test_request_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Vote)) == 1


def test_a_link_alone_does_not_hand_a_guests_doings_to_someone_elses_ticket(client, app, world):
    # Anyone can send a link with their own ticket code: opened on a phone that already took part as a
    # guest, it asks before the phone (and what it did) becomes that ticket's participant.
    from eventapp.participation import services

    w = world
    with app.test_request_context():
        board = make_activity(w.session, w.organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
        stranger = make_registration(w.event)
        db.session.commit()
        board_id, board_uuid, code = board.id, board.uuid, ticket_code_of(stranger)
        stranger_name = stranger.name
    join(client, w.uuid)
    client.post(f"/participate/{w.uuid}/a/{board_uuid}/contribute", data={f"a{board_id}-body": "Mon idée à moi"})
    asked = client.get(f"/participate/{w.uuid}?ticket={code}")
    assert asked.status_code == 303 and asked.headers["Location"].endswith(f"/participate/{w.uuid}/ticket")
    page = client.get(f"/participate/{w.uuid}/ticket?lang=en").get_data(as_text=True)
    assert "Continue with this ticket?" in page and stranger_name in page and "Stay as I am" in page
    with app.test_request_context():
        idea = db.session.scalar(db.select(Contribution).filter_by(activity_id=board_id))
        assert idea.participant.registration_id is None  # still the guest's, nothing moved
    # Confirmed, the phone and its idea take part with that ticket; the held code is then forgotten.
    assert client.post(f"/participate/{w.uuid}/ticket").status_code == 303
    assert client.get_cookie("pending_ticket", path=f"/participate/{w.uuid}") is None
    with app.test_request_context():
        idea = db.session.scalar(db.select(Contribution).filter_by(activity_id=board_id))
        assert services.channel_of(idea.participant) == "registered"


def test_the_public_export_shows_only_results_made_public(client, app, world):
    import csv
    import io

    from eventapp.participation import services

    w = world
    with app.test_request_context():
        hidden = make_activity(w.session, w.organiser, prompts={"fr": "Secret ?"})
        words = make_activity(w.session, w.organiser, poll_type="open", prompts={"fr": "Un mot ?"})
        shown = make_activity(w.session, w.organiser, prompts={"fr": "Révélé ?"})
        feedback = make_activity(w.session, w.organiser, ActivityKind.FEEDBACK, prompts={"fr": "Avis ?"})
        services.reveal_results(w.organiser, shown)
        guest = services.join_with_ticket(w.session, make_registration(w.event, checked_in=1))
        services.answer_poll(guest, hidden, option_ids=[hidden.options[0].id])
        services.answer_poll(guest, words, text="vélo")
        services.answer_poll(guest, shown, option_ids=[shown.options[1].id])
        services.answer_poll(guest, feedback, value=2, text="trop long")
        db.session.commit()
        feedback_uuid = feedback.uuid

    def public_rows():
        body = client.get(f"/participate/events/{w.slug}/export.csv").get_data(as_text=True)
        return {(r["activity"], r["answer"]) for r in csv.DictReader(io.StringIO(body)) if r["record"] == "poll_result"}

    assert public_rows() == {("Révélé ?", "Musées")}
    login(client, w.organiser_id)
    client.post(f"/participate/{w.uuid}/manage/a/{feedback_uuid}/close")
    assert public_rows() == {("Révélé ?", "Musées"), ("Avis ?", "2")}  # a survey once closed, as on the results page
    page = client.get(f"/participate/{w.uuid}/results").get_data(as_text=True)
    assert "Secret ?" not in page and "vélo" not in page


@pytest.mark.parametrize(
    "lang, words, raw",
    [
        ("fr", ["Sondage en direct", "Choix unique", "Boîte à idées", "(Retenue)"], ["(single)", "accepted"]),
        ("nl", ["Live peiling", "Eén keuze", "Ideeënbord", "(Aanvaard)"], ["(single)", "accepted"]),
        ("en", ["Live poll", "Single choice", "Idea board", "(Accepted)"], ["(single)", "(accepted)"]),
    ],
)
def test_the_organisers_page_names_settings_in_their_language(client, app, world, lang, words, raw):
    from eventapp.participation import services
    from eventapp.participation.models import Outcome

    w = world
    with app.test_request_context():
        make_activity(w.session, w.organiser)
        board = make_activity(w.session, w.organiser, ActivityKind.IDEAS, access=Access.CHECKED_IN)
        idea = services.enter_paper_card(w.organiser, board, "Des arbres")
        services.set_outcome(w.organiser, idea, Outcome.ACCEPTED, {"fr": "Oui"})
        db.session.commit()
    login(client, w.organiser_id)
    client.set_cookie("lang", lang)
    html = client.get(f"/participate/{w.uuid}/manage").get_data(as_text=True)
    meta = " ".join(re.findall(r'<p class="meta">(.*?)</p>', html, re.S))
    for word in words:
        assert word in html
    for code in [*raw, "checked_in", ": link", "pre<", "> pre", "(accepted)"]:
        assert code not in meta and f"({code})" not in html


def test_the_projector_counts_answers_with_each_languages_plural(client, app, world):
    from eventapp.participation import services

    w = world
    with app.test_request_context():
        poll = make_activity(w.session, w.organiser)
        services.answer_poll(services.join_as_guest(w.session), poll, option_ids=[poll.options[0].id])
        db.session.commit()
    login(client, w.organiser_id)
    client.post(f"/participate/{w.uuid}/manage/screen", data={"screen": "poll"})
    html = client.get(f"/participate/{w.uuid}/projector").get_data(as_text=True)
    total = re.search(r'<p class="screen-count">(.*?)</p>', html).group(1)
    assert total == '<span class="bi" lang="fr">1 réponse</span><span class="bi" lang="nl">1 antwoord</span>'
