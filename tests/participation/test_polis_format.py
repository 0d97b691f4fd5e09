"""Polis's open-data CSV format: the shipped conversation reads, writes back in the same form, and bad files are
refused with a message naming the file."""

import csv
import io
import shutil
from pathlib import Path

import pytest

from eventapp.participation.polis_format import (
    PolisComment,
    PolisFormatError,
    PolisVote,
    read_conversation,
    render_conversation,
    write_conversation,
)

SEATTLE = Path(__file__).parent / "data" / "polis" / "15-per-hour-seattle"


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _shipped(name: str) -> list[list[str]]:
    return _rows((SEATTLE / name).read_text(encoding="utf-8"))


def test_the_shipped_conversation_reads():
    conversation = read_conversation(SEATTLE)
    assert len(conversation.comments) == 54
    assert len(conversation.votes) == 2995  # the history, some people changed their vote
    assert len(conversation.latest_votes()) == 2872
    assert conversation.summary["topic"] == "$15/hour"
    assert conversation.summary["groups"] == "2"
    assert len(conversation.groups) == 339
    assert sum(1 for g in conversation.groups.values() if g is not None) == 138
    changed = [v for v in conversation.votes if (v.comment_id, v.voter_id) == (1, 6031)]
    assert [v.vote for v in changed] == [-1, 1]
    assert next(v for v in conversation.latest_votes() if (v.comment_id, v.voter_id) == (1, 6031)).vote == 1


def test_written_files_have_polis_columns_and_figures():
    """Written from the same comments, votes and groups, every file carries what Polis's own export has; only
    the `datetime` column differs (written in UTC, Polis's in the exporting server's time zone)."""
    conversation = read_conversation(SEATTLE)
    files = render_conversation(
        conversation.comments,
        conversation.votes,
        groups=conversation.groups,
        topic="$15/hour",
        url="https://pol.is/2demo",
        description=conversation.summary["conversation-description"],
        views=6184,
    )

    def without_datetime(rows):
        header = rows[0]
        drop = header.index("datetime")
        return [header, *sorted(r[:drop] + r[drop + 1 :] for r in rows[1:])]

    for name in ("comments.csv", "votes.csv"):
        assert _rows(files[name])[0] == _shipped(name)[0]
        assert without_datetime(_rows(files[name])) == without_datetime(_shipped(name))
    assert _rows(files["votes.csv"])[1][1] == "Wed Jun 18 01:16:54 UTC 2014"  # WIB is UTC+7

    ours, theirs = _rows(files["participants-votes.csv"]), _shipped("participants-votes.csv")
    assert ours[0] == theirs[0]
    assert sorted(ours[1:]) == sorted(theirs[1:])

    summary = dict(_rows(files["summary.csv"]))
    assert list(summary) == [r[0] for r in _shipped("summary.csv")]
    shipped_summary = dict(_shipped("summary.csv"))
    for key in ("topic", "url", "views", "voters", "commenters", "comments", "groups", "conversation-description"):
        assert summary[key] == shipped_summary[key], key
    assert summary["voters-in-conv"] == "138"  # Polis's report export: the people placed


def test_a_conversation_round_trips(tmp_path):
    comments = [
        PolisComment(0, 7, 'Le tram, "oui", mais\nla nuit aussi; één lijn, 24/7 — ça coûte?', 1, 1_700_000_000_123),
        PolisComment(1, 8, "Plus de bancs", -1, 1_700_000_100_000),
        PolisComment(5, 7, "Fietsstraten", 0, 1_700_000_200_000),
    ]
    votes = [
        PolisVote(1_700_000_300_000, 0, 7, 1),
        PolisVote(1_700_000_300_001, 0, 9, -1),
        PolisVote(1_700_000_300_002, 5, 9, 0),
        PolisVote(1_700_000_300_003, 1, 10, 1),
    ]
    groups = {7: 0, 9: 1}
    write_conversation(tmp_path, render_conversation(comments, votes, groups=groups, topic="Mobilité, mobiliteit"))
    again = read_conversation(tmp_path)
    assert list(again.comments) == comments
    assert again.latest_votes() == sorted(votes, key=lambda v: (v.comment_id, v.voter_id))
    assert again.groups == {7: 0, 9: 1, 10: None}
    assert again.summary["topic"] == "Mobilité, mobiliteit"
    assert again.summary["commenters"] == "2" and again.summary["voters"] == "3"
    assert (tmp_path / "votes.csv").read_bytes().count(b"\r") == 0


def test_timestamps_in_seconds_are_read_as_milliseconds(tmp_path):
    """Polis's newer report export writes seconds; the open data milliseconds."""
    (tmp_path / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        "1403054214,x,0,0,1,0,1,A statement\n"
    )
    (tmp_path / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n1403054215,x,0,3,1\n")
    conversation = read_conversation(tmp_path)
    assert conversation.comments[0].created_ms == 1_403_054_214_000
    assert conversation.votes[0].created_ms == 1_403_054_215_000
    assert conversation.groups == {} and conversation.summary == {}


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("votes.csv", None, "votes.csv: missing"),
        ("votes.csv", ("voter-id", "voter"), "votes.csv: missing column"),
        ("votes.csv", (",0,0,0\n", ",0,0,2\n"), "votes.csv, line 2: vote must be one of"),
        ("votes.csv", ("1403054214196,", "soon,"), "votes.csv, line 2: timestamp must be an integer"),
        ("votes.csv", (",0,0,0\n", ",999,0,0\n"), "votes on comments that comments.csv lacks: [999]"),
        ("comments.csv", (",53,6172,1,0,0,", ",53,6172,1,0,7,"), "comments.csv, line 2: moderated must be"),
        ("comments.csv", (",53,6172,", ",48,6172,"), "a comment-id appears twice"),
        ("comments.csv", ("comment-body", "body"), "comments.csv: missing column(s) comment-body"),
    ],
)
def test_bad_files_are_refused_with_the_file_and_line(tmp_path, name, change, message):
    shutil.copytree(SEATTLE, tmp_path, dirs_exist_ok=True)
    path = tmp_path / name
    if change is None:
        path.unlink()
    else:
        text = path.read_text(encoding="utf-8")
        assert change[0] in text
        path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(PolisFormatError) as refused:
        read_conversation(tmp_path)
    assert message in str(refused.value)


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    shutil.copytree(SEATTLE, tmp_path, dirs_exist_ok=True)
    (tmp_path / "comments.csv").write_bytes(b"timestamp,comment-id\n\xff\xfe\n")
    with pytest.raises(PolisFormatError, match=r"comments\.csv: cannot be read as UTF-8"):
        read_conversation(tmp_path)
