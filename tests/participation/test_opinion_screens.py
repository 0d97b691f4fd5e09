"""The opinion map for organisers and the room: seed statements and the Polis zip on the organisers' page, the
map on the room's screen in FR and NL with no group smaller than 5 on its own."""

import io
import zipfile

import pytest
import sqlalchemy as sa

from eventapp.extensions import db
from eventapp.participation import opinions, services
from eventapp.participation.models import Activity, ExportLog
from eventapp.participation.opinion_models import OpinionMapRecord
from tests.factories import NOW, make_event
from tests.participation.factories import make_opinions_room, make_organiser, make_registration


@pytest.fixture
def room(app):
    with app.test_request_context():
        session, organiser, activity, statements = make_opinions_room([f"Statement {i}" for i in range(4)])
        # Two camps, 11 and 8, agreeing on the last statement (the trio that passes on the others goes with the 8).
        for i in range(19):
            guest = services.join_as_guest(session, now=NOW)
            camp = 0 if i < 8 else 1 if i < 16 else 2
            for j, s in enumerate(statements):
                vote = "agree" if j == 3 else ("agree" if (j + camp) % 2 else "disagree") if camp < 2 else "pass"
                opinions.react(guest, s, vote, now=NOW)
        opinions.recompute_stale_maps(now=NOW)
        db.session.commit()
        return {
            "base": f"/participate/{session.uuid}",
            "activity": activity.uuid,
            "activity_id": activity.id,
            "organiser": organiser.id,
        }


def _login(client, user_id):
    with client.session_transaction() as s:
        s["_user_id"] = str(user_id)
        s["_fresh"] = True


def test_the_organiser_seeds_a_statement_and_downloads_the_polis_zip(client, room):
    _login(client, room["organiser"])
    manage = client.get(f"{room['base']}/manage?lang=en").get_data(as_text=True)
    assert "Opinion map" in manage and "4 published statements" in manage
    sent = client.post(
        f"{room['base']}/manage/a/{room['activity']}/opinions/statement",
        data={"body": "Een vijfde stelling", "language": "nl"},
    )
    assert sent.status_code == 303
    assert ("Een vijfde stelling", "nl") in [
        (s.body, s.language) for s in opinions.list_statements(db.session.get(Activity, room["activity_id"]))
    ]

    response = client.get(f"{room['base']}/manage/a/{room['activity']}/polis.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert sorted(names) == ["comments.csv", "participants-votes.csv", "summary.csv", "votes.csv"]
    log = db.session.scalars(sa.select(ExportLog)).one()
    assert log.format == "polis" and log.rows == 19 * 4


def test_strangers_get_neither_the_zip_nor_the_seed_form(client, room, app):
    anonymous = client.get(f"{room['base']}/manage/a/{room['activity']}/polis.zip")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/admin/login")
    with app.test_request_context():
        stranger = make_organiser(make_event()).id
        db.session.commit()
    _login(client, stranger)
    # 404, as the rest of the organisers' pages: a 403 would confirm that it exists.
    assert client.get(f"{room['base']}/manage/a/{room['activity']}/polis.zip").status_code == 404
    sent = client.post(f"{room['base']}/manage/a/{room['activity']}/opinions/statement", data={"body": "Intruder"})
    assert sent.status_code == 404
    assert db.session.scalar(sa.select(ExportLog)) is None


def test_the_room_screen_shows_the_map_and_what_unites_the_room_without_small_groups(client, room):
    _login(client, room["organiser"])
    response = client.post(
        f"{room['base']}/manage/screen",
        data={"screen": "opinions", "activity": room["activity"]},
        headers={"X-Requested-With": "live"},
    )
    assert response.status_code == 204
    html = client.get(f"{room['base']}/projector/live").get_data(as_text=True)
    assert html.count("<circle") >= 19
    assert 'lang="fr">Carte des opinions' in html and 'lang="nl">Opiniekaart' in html
    assert "Statement 3" in html  # everyone agrees
    assert "A: <strong>11</strong>" in html and "B: <strong>8</strong>" in html


def test_a_group_under_five_is_not_shown_on_its_own(client, room, app):
    with app.test_request_context():
        record = db.session.get(OpinionMapRecord, room["activity_id"])
        data = dict(record.data)
        groups = [dict(g) for g in data["groups"]]
        # Three people of the first group made a group of their own.
        groups.append({**groups[0], "id": 2, "size": 3, "shown": False})
        groups[0]["size"] -= 3
        moved = [i for i, point in enumerate(data["points"]) if point[2] == 0][:3]
        data["points"] = [[x, y, 2] if i in moved else [x, y, g] for i, (x, y, g) in enumerate(data["points"])]
        record.data = {**data, "groups": groups}
        db.session.commit()
        view = opinions.get_map_view(db.session.get(Activity, room["activity_id"]))
    assert [(g.name, g.size) for g in view.groups] == [("A", 8), ("B", 8)] and view.others == 3
    assert sum(1 for d in view.dots if d.group is None) == 3
    _login(client, room["organiser"])
    client.post(
        f"{room['base']}/manage/screen",
        data={"screen": "opinions", "activity": room["activity"]},
        headers={"X-Requested-With": "live"},
    )
    html = client.get(f"{room['base']}/projector/live").get_data(as_text=True)
    assert "C:" not in html and "<strong>3</strong>" in html and "Kleinere groepen" in html
    page = client.get(f"{room['base']}/a/{room['activity']}/opinion-map?lang=en").get_data(as_text=True)
    assert "Group C" not in page and "Smaller groups (under 5 people)</th><td>3</td>" in page


def test_the_report_and_the_results_page_have_the_opinions_with_the_room_and_remote_apart(client, room, app):
    with app.test_request_context():
        activity = db.session.get(Activity, room["activity_id"])
        event = activity.session.event
        first = opinions.list_statements(activity)[0]
        for _ in range(5):  # five people checked in at the door disagree with the first statement
            attendee = services.join_with_ticket(activity.session, make_registration(event, checked_in=1), now=NOW)
            opinions.react(attendee, first, "disagree", now=NOW)
        report = opinions.opinions_report(activity)
        figures = next(f for f in report.statements if f.statement.id == first.id)
        assert figures.room == (0, 5) and figures.remote[1] == 19 and figures.total == 24
        assert report.people == 24
        slug, results = event.slug, f"{room['base']}/results"
        db.session.commit()
    html = client.get(f"/participate/events/{slug}/report?lang=en").get_data(as_text=True)
    assert "Opinions: Which priority?" in html and "Reactions to each statement" in html
    # 8 agree, 13 disagree, 3 pass (shown "<5"); none of the 5 in the room agrees, 8 of the 19 remote do.
    row = "<td>8</td><td>13</td><td>&lt;5</td><td>0&nbsp;%</td><td>42&nbsp;%</td>"
    assert f'<th scope="row" lang="fr">Statement 0</th>{row}' in html
    page = client.get(results + "?lang=en").get_data(as_text=True)
    assert "What unites the room" in page and page.count("<circle") >= 19
