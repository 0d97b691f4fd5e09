"""Polis import and export of an opinions activity through the CLI: the Seattle conversation (CC BY 4.0, see
data/polis/README.md) goes in, comes out in Polis's format with its ids, and its groups agree with Polis's."""

from pathlib import Path

import sqlalchemy as sa

from eventapp.extensions import db
from eventapp.participation import opinions, services
from eventapp.participation.models import Activity, ActivityKind, Contribution, ContributionStatus, Participant
from eventapp.participation.opinion_models import Reaction
from eventapp.participation.polis_format import MODERATED_OUT, read_conversation
from tests.factories import NOW
from tests.participation.opinion_rooms import adjusted_rand_index

SEATTLE = Path(__file__).parent / "data" / "polis" / "15-per-hour-seattle"


def _import(runner, session) -> Activity:
    result = runner.invoke(args=["participation", "import-polis", str(SEATTLE), "--session", str(session.uuid)])
    assert result.exit_code == 0, result.output
    return db.session.get_one(Activity, int(result.output.strip()))


def _written(files, directory):
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return read_conversation(directory)


def test_seattle_imported_then_exported_keeps_polis_ids_and_groups(runner, setup, tmp_path):
    _event, session, _organiser = setup
    activity = _import(runner, session)
    assert activity.kind == ActivityKind.OPINIONS
    polis = read_conversation(SEATTLE)

    result = runner.invoke(args=["participation", "export-polis", str(activity.id), str(tmp_path)])
    assert result.exit_code == 0, result.output
    ours = read_conversation(tmp_path)

    assert sorted(c.comment_id for c in ours.comments) == sorted(c.comment_id for c in polis.comments)
    assert {c.comment_id: (c.author_id, c.body, c.moderated) for c in ours.comments} == {
        c.comment_id: (c.author_id, c.body, c.moderated) for c in polis.comments
    }
    assert {(v.voter_id, v.comment_id, v.vote) for v in ours.votes} == {
        (v.voter_id, v.comment_id, v.vote) for v in polis.latest_votes()
    }
    assert set(ours.groups) == set(polis.groups)  # every Polis participant, by Polis's id
    placed = sorted(p for p, g in polis.groups.items() if g is not None)
    assert {p for p, g in ours.groups.items() if g is not None} == set(placed)
    ari = adjusted_rand_index([polis.groups[p] for p in placed], [ours.groups[p] for p in placed])
    assert ari >= 0.7  # 0.884 measured, as compute_opinion_map on the files themselves
    assert ours.summary["groups"] == "2"


def test_new_reactions_after_an_import_get_ids_after_polis_ones(runner, setup, tmp_path):
    _event, session, organiser = setup
    activity = _import(runner, session)
    services.open_activity(organiser, activity, now=NOW)
    statement = opinions.seed_statement(organiser, activity, "A statement of ours", language="fr", now=NOW)
    guest = services.join_as_guest(session, now=NOW)
    opinions.react(guest, statement, "agree", now=NOW)

    exported = _written(opinions.export_polis(activity), tmp_path)
    polis = read_conversation(SEATTLE)
    new_comment = max(c.comment_id for c in polis.comments) + 1
    assert [c.body for c in exported.comments if c.comment_id == new_comment] == ["A statement of ours"]
    assert {v.voter_id for v in exported.votes if v.comment_id == new_comment} == {max(polis.groups) + 1}


def test_imported_people_are_erased_like_everyone_else(runner, setup):
    _event, session, _organiser = setup
    activity = _import(runner, session)
    hidden = db.session.scalar(
        sa.select(sa.func.count()).where(
            Contribution.activity_id == activity.id, Contribution.status == ContributionStatus.HIDDEN
        )
    )
    assert hidden == sum(1 for c in read_conversation(SEATTLE).comments if c.moderated == MODERATED_OUT)
    someone = db.session.scalar(sa.select(Reaction.participant_id).where(Reaction.activity_id == activity.id))
    participant = db.session.get_one(Participant, someone)
    assert participant.registration_id is None and participant.session_id == session.id  # a guest, no name
    opinions.erase_reactions(participant, activity)
    assert not db.session.scalar(sa.select(sa.exists().where(Reaction.participant_id == someone)))


def test_a_directory_that_is_not_a_polis_export_is_refused_cleanly(runner, setup, tmp_path):
    _event, session, _organiser = setup
    (tmp_path / "comments.csv").write_text("nothing,here\n", encoding="utf-8")
    result = runner.invoke(args=["participation", "import-polis", str(tmp_path), "--session", str(session.uuid)])
    assert result.exit_code != 0 and "comments.csv" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0
