# ruff: noqa: F811
"""Pages of issue 16 (items 4 to 6): short answers and their word cloud, one's own contributions, the
public results page."""

import csv
import io
import re

import sqlalchemy as sa

from eventapp.extensions import db
from eventapp.participation import services
from eventapp.participation.models import ActivityKind, Contribution, Moderation
from tests.factories import NOW
from tests.participation.factories import join, make_activity, make_registration

# The fixtures of the participation pages' tests, used here under their names (hence F811).
from tests.participation.test_views import english, login, world  # noqa: F401


def _arrange(app, w, kind, **values):
    with app.test_request_context():
        activity = make_activity(w.session, w.organiser, kind, **values)
        db.session.commit()
        return activity.uuid, activity.id


def _page(client, w) -> str:
    return client.get(f"/participate/{w.uuid}").get_data(as_text=True)


def test_a_guest_gives_short_answers_and_sees_the_cloud_grow(client, app, world):
    w = world
    uuid, activity_id = _arrange(app, w, ActivityKind.SHORT_ANSWERS, moderation=Moderation.POST)
    join(client, w.uuid)
    url = f"/participate/{w.uuid}/a/{uuid}/contribute"
    page = _page(client, w)
    assert page.count(f'name="a{activity_id}-answer_') == 3
    assert client.post(url, data={f"a{activity_id}-answer_1": ""}).status_code == 422
    response = client.post(url, data={f"a{activity_id}-answer_1": "Vélo", f"a{activity_id}-answer_2": "Parc"})
    assert response.status_code == 303
    page = _page(client, w)
    assert page.count(f'name="a{activity_id}-answer_') == 1  # one answer left
    assert re.search(r'<ul class="wordcloud"[^>]*>.*Parc.*Vélo.*</ul>', page, re.S)  # equal: alphabetical
    assert "What you sent" in page and page.count(">Withdraw<") == 2
    page = client.post(url, data={f"a{activity_id}-answer_1": "vélo !"}, follow_redirects=True).get_data(as_text=True)
    assert "You have already given this answer" in page
    client.post(url, data={f"a{activity_id}-answer_1": "Tram"})
    page = _page(client, w)
    assert "You have given your 3 answers" in page and f'name="a{activity_id}-answer_' not in page
    # The organisers' page offers the paper card for a cloud too.
    login(client, w.organiser_id)
    manage = client.get(f"/participate/{w.uuid}/manage").get_data(as_text=True)
    assert "Short answers (word cloud)" in manage and f'id="card-body-{activity_id}"' in manage
    assert re.search(r'<ul class="wordcloud"[^>]*>.*Tram.*</ul>', manage, re.S)


def test_no_support_button_for_ones_own_idea_and_the_service_refuses_it(client, app, world):
    w = world
    uuid, activity_id = _arrange(app, w, ActivityKind.IDEAS, moderation=Moderation.POST)
    join(client, w.uuid)
    client.post(f"/participate/{w.uuid}/a/{uuid}/contribute", data={f"a{activity_id}-body": "Plus de bancs"})
    page = _page(client, w)
    # The room's fragment carries the button for everyone: the author's page hides it and says why.
    assert '<span class="meta mine">Your contribution</span>' in page
    assert re.search(r'<form method="post" class="support" hidden action="[^"]*/upvote"', page)
    with app.test_request_context():
        idea = db.session.scalar(sa.select(Contribution))
        idea_uuid = idea.uuid
    response = client.post(f"/participate/{w.uuid}/c/{idea_uuid}/upvote", follow_redirects=True)
    assert "You cannot support your own contribution." in response.get_data(as_text=True)
    other = app.test_client()
    other.set_cookie("lang", "en")
    other_page = _page(other, w)
    assert '<span class="meta mine" hidden>' in other_page
    assert re.search(r'<form method="post" class="support" action="[^"]*/upvote"', other_page)
    join(other, w.uuid)
    other.post(f"/participate/{w.uuid}/c/{idea_uuid}/upvote")
    with app.test_request_context():
        assert db.session.scalar(sa.select(Contribution.upvotes)) == 1


def test_the_author_withdraws_until_moderation_and_no_one_else_can(client, app, world):
    w = world
    uuid, activity_id = _arrange(app, w, ActivityKind.QUESTIONS)  # pre-moderation
    join(client, w.uuid)
    for body in ("Quand ?", "Où ?"):
        client.post(f"/participate/{w.uuid}/a/{uuid}/contribute", data={f"a{activity_id}-body": body})
    with app.test_request_context():
        first, second = db.session.scalars(sa.select(Contribution).order_by(Contribution.id)).all()
        services.approve(w.organiser, second, now=NOW)
        db.session.commit()
        first_uuid, second_uuid = first.uuid, second.uuid
    page = _page(client, w)
    assert "Awaiting moderation" in page and "Published" in page and page.count(">Withdraw<") == 1
    stranger = app.test_client()
    stranger.set_cookie("lang", "en")
    response = stranger.post(f"/participate/{w.uuid}/c/{first_uuid}/withdraw")
    assert response.status_code == 303
    response = client.post(f"/participate/{w.uuid}/c/{second_uuid}/withdraw", follow_redirects=True)
    assert "can no longer be withdrawn" in response.get_data(as_text=True)
    response = client.post(f"/participate/{w.uuid}/c/{first_uuid}/withdraw", follow_redirects=True)
    assert "Your contribution has been withdrawn." in response.get_data(as_text=True)
    with app.test_request_context():
        assert db.session.scalars(sa.select(Contribution.body)).all() == ["Où ?"]


def test_the_author_reads_why_a_contribution_was_refused(client, app, world):
    w = world
    uuid, activity_id = _arrange(app, w, ActivityKind.IDEAS)
    join(client, w.uuid)
    client.post(f"/participate/{w.uuid}/a/{uuid}/contribute", data={f"a{activity_id}-body": "Hors sujet ici"})
    with app.test_request_context():
        services.reject(w.organiser, db.session.scalar(sa.select(Contribution)), "Pas le bon atelier", now=NOW)
        db.session.commit()
    page = _page(client, w)
    assert "Not published: Pas le bon atelier" in page and ">Withdraw<" not in page
    # Taken down later, with a reason typed in the organisers' reject field and the "hide" button.
    with app.test_request_context():
        idea_uuid = db.session.scalar(sa.select(Contribution.uuid))
    login(client, w.organiser_id)
    hide = f"/participate/{w.uuid}/manage/c/{idea_uuid}/hide"
    assert client.post(hide, data={"reason": "Doublon"}).status_code == 303
    assert "Hidden by the organisers: Doublon" in _page(client, w)
    client.post(hide)  # the plain "hide" button: no reason
    page = _page(client, w)
    assert "Hidden by the organisers" in page and "Doublon" not in page


def test_results_page_for_residents_and_report_for_staff(client, app, world):
    w = world
    with app.test_request_context():
        poll = make_activity(w.session, w.organiser, prompts={"fr": "Priorité ?", "en": "Priority?"})
        cloud = make_activity(
            w.session, w.organiser, ActivityKind.SHORT_ANSWERS, moderation=Moderation.POST, prompts={"en": "A word?"}
        )
        ideas = make_activity(w.session, w.organiser, ActivityKind.IDEAS, moderation=Moderation.POST)
        services.reveal_results(w.organiser, poll)
        people = [services.join_with_ticket(w.session, make_registration(w.event)) for _ in range(3)]
        for person, option in zip(people, (1, 1, 0), strict=True):
            services.answer_poll(person, poll, option_ids=[poll.options[option].id])
        services.submit_short_answers(people[0], cloud, ["Vélo", "Parc"])
        services.submit_short_answers(people[1], cloud, ["vélo"])
        idea = services.submit_contribution(people[0], ideas, "Plus de bancs")
        services.upvote(people[1], idea)
        db.session.commit()
    page = client.get(f"/participate/{w.uuid}/results").get_data(as_text=True)
    sentences = [" ".join(p.split()) for p in re.findall(r'<p class="summary">(.*?)</p>', page, re.S)]
    assert sentences == [
        "3 people answered. The answer given most: “Museums”, 67 %.",
        "3 answers published. 2 people took part. Given most: “Vélo” (2).",
        "1 idea published. The most supported has 1 support.",
    ]
    assert '<ul class="wordcloud" aria-label="A word?">' in page
    assert '<th scope="row">Vélo</th><td>2</td>' in page
    # Who answered through which channel is for the organisers.
    assert "Registered" not in page and "Guest" not in page
    report = client.get(f"/participate/events/{w.slug}/report").get_data(as_text=True)
    assert "Registered" in report and '<ul class="wordcloud"' in report
    api = client.get(f"/api/v1/participation/sessions/{w.uuid}/results").get_json()
    assert api["short_answers"][0]["words"] == [{"text": "Vélo", "count": 2}, {"text": "Parc", "count": 1}]
    assert (api["short_answers"][0]["answers"], api["short_answers"][0]["people"]) == (3, 2)
    export = client.get(f"/participate/events/{w.slug}/export.csv").get_data(as_text=True)
    rows = [r for r in csv.DictReader(io.StringIO(export)) if r["kind"] == "short_answers"]
    assert sorted(r["text"] for r in rows) == ["Parc", "Vélo", "vélo"]
