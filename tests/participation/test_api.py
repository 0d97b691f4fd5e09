from eventapp.extensions import db
from eventapp.participation import services
from eventapp.participation.models import ActivityKind, Moderation
from tests.factories import NOW, make_event
from tests.participation.factories import make_activity, make_organiser


def test_results_api_gives_revealed_polls_and_public_contributions(app, client):
    with app.test_request_context():
        event = make_event(sessions=1)
        session = event.sessions[0]
        organiser = make_organiser(event)
        hidden_poll = make_activity(session, organiser)
        shown_poll = make_activity(session, organiser)
        services.reveal_results(organiser, shown_poll)
        guest = services.join_as_guest(session, now=NOW)
        services.answer_poll(guest, shown_poll, option_ids=[shown_poll.options[0].id], now=NOW)
        services.answer_poll(guest, hidden_poll, option_ids=[hidden_poll.options[0].id], now=NOW)
        board = make_activity(session, organiser, ActivityKind.QUESTIONS, moderation=Moderation.PRE)
        services.submit_contribution(guest, board, "<b>pending</b>", now=NOW)
        db.session.commit()
        uuid, shown = session.uuid, str(shown_poll.uuid)
    body = client.get(f"/api/v1/participation/sessions/{uuid}/results").json
    assert [p["id"] for p in body["polls"]] == [shown]
    assert body["polls"][0]["rows"][0]["by_channel"]["guest"] == 1
    assert body["questions"] == []
    assert client.get("/api/v1/participation/sessions/not-a-uuid/results").json["error"]["code"] == "not_found"
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "/api/v1/participation/sessions/{uuid}/results" in paths
