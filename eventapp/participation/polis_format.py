"""Polis's open-data CSV export format (compdemocracy/openData; math/src/polismath/darwin/export.clj), read and
written without the database: comments.csv, votes.csv, participants-votes.csv (with each participant's
group-id) and summary.csv.

Ids are Polis's integers (comment-id, author-id, voter-id), kept as they are so an imported conversation is
exported with the same ids. Timestamps are milliseconds since the epoch, as in the open data; the newer Polis
report export writes seconds, and the reader takes both (a value below 10^11 is read as seconds: 10^11 ms is
1973, 10^11 s is the year 5138). The `datetime` column is written in UTC in the form Java's Date.toString()
gives it and is ignored on reading (the timestamp is the source).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

COMMENTS_CSV, VOTES_CSV, PARTICIPANTS_VOTES_CSV, SUMMARY_CSV = (
    "comments.csv",
    "votes.csv",
    "participants-votes.csv",
    "summary.csv",
)
COMMENT_COLUMNS = (
    "timestamp",
    "datetime",
    "comment-id",
    "author-id",
    "agrees",
    "disagrees",
    "moderated",
    "comment-body",
)
VOTE_COLUMNS = ("timestamp", "datetime", "comment-id", "voter-id", "vote")
PARTICIPANT_COLUMNS = ("participant", "group-id", "n-comments", "n-votes", "n-agree", "n-disagree")
SUMMARY_KEYS = (
    "topic",
    "url",
    "views",
    "voters",
    "voters-in-conv",
    "commenters",
    "comments",
    "groups",
    "conversation-description",
)
MODERATED_IN, UNMODERATED, MODERATED_OUT = 1, 0, -1
SECONDS_BEFORE = 10**11


class PolisFormatError(ValueError):
    """A file does not follow Polis's export format; the message names the file and the line."""


@dataclass(frozen=True)
class PolisComment:
    comment_id: int
    author_id: int
    body: str
    moderated: int  # 1 accepted, 0 not moderated, -1 moderated out
    created_ms: int


@dataclass(frozen=True)
class PolisVote:
    created_ms: int
    comment_id: int
    voter_id: int
    vote: int  # 1 agree, -1 disagree, 0 pass


@dataclass(frozen=True)
class PolisConversation:
    comments: tuple[PolisComment, ...]
    votes: tuple[PolisVote, ...]  # as in votes.csv, possibly several per voter and comment
    summary: dict[str, str]  # summary.csv as read, key -> value; empty without the file
    groups: dict[int, int | None]  # participants-votes.csv's group-id; empty without the file

    def latest_votes(self) -> list[PolisVote]:
        return latest_votes(self.votes)


def latest_votes(votes: Iterable[PolisVote]) -> list[PolisVote]:
    """One vote per voter and comment, the latest (the one Polis counts), ordered by comment then voter."""
    latest: dict[tuple[int, int], PolisVote] = {}
    for vote in sorted(votes, key=lambda v: v.created_ms):  # a stable sort: on equal times the later row wins
        latest[vote.comment_id, vote.voter_id] = vote
    return [latest[key] for key in sorted(latest)]


def read_conversation(directory: Path | str) -> PolisConversation:
    """Reads a conversation directory: comments.csv and votes.csv are required, participants-votes.csv and
    summary.csv are read when present. Raises PolisFormatError (missing file or column, a value that is not
    what Polis writes, a vote on a comment the conversation does not have) and nothing else for bad files."""
    directory = Path(directory)
    comments = tuple(_parse_comments(_read(directory / COMMENTS_CSV)))
    votes = tuple(_parse_votes(_read(directory / VOTES_CSV)))
    known = {c.comment_id for c in comments}
    if len(known) != len(comments):
        raise PolisFormatError(f"{COMMENTS_CSV}: a comment-id appears twice")
    unknown = sorted({v.comment_id for v in votes} - known)
    if unknown:
        raise PolisFormatError(f"{VOTES_CSV}: votes on comments that {COMMENTS_CSV} lacks: {unknown[:10]}")
    groups_path, summary_path = directory / PARTICIPANTS_VOTES_CSV, directory / SUMMARY_CSV
    return PolisConversation(
        comments=comments,
        votes=votes,
        summary=_parse_summary(_read(summary_path)) if summary_path.exists() else {},
        groups=_parse_groups(_read(groups_path)) if groups_path.exists() else {},
    )


def render_conversation(
    comments: Iterable[PolisComment],
    votes: Iterable[PolisVote],
    *,
    groups: Mapping[int, int | None],
    topic: str = "",
    url: str = "",
    description: str = "",
    views: int | None = None,
) -> dict[str, str]:
    """The four files of a Polis export, file name -> text. ``votes`` are written as given (pass the current
    reactions, one per voter and comment, or a history); the counts and participants-votes.csv use the latest
    vote of each pair. ``groups`` maps voter-id to group-id (absent or None: not placed). Pure."""
    comments = sorted(comments, key=lambda c: c.comment_id)
    votes = sorted(votes, key=lambda v: (v.comment_id, v.voter_id, v.created_ms))  # Polis's own order
    latest = latest_votes(votes)
    voters = sorted({v.voter_id for v in votes})
    placed_groups = {g for p in voters if (g := groups.get(p)) is not None}
    summary = {
        "topic": topic,
        "url": url,
        "views": "" if views is None else str(views),
        "voters": str(len(voters)),
        # Polis's report export (server.ts) writes the number of people placed ("in-conv") here.
        "voters-in-conv": str(sum(1 for p in voters if groups.get(p) is not None)),
        "commenters": str(len({c.author_id for c in comments})),
        "comments": str(len(comments)),
        "groups": str(len(placed_groups)),
        "conversation-description": description,
    }
    return {
        COMMENTS_CSV: _render_comments(comments, votes),
        VOTES_CSV: _csv(
            [VOTE_COLUMNS], ([v.created_ms, _java_date(v.created_ms), v.comment_id, v.voter_id, v.vote] for v in votes)
        ),
        PARTICIPANTS_VOTES_CSV: _render_participants(comments, latest, voters, groups),
        SUMMARY_CSV: _csv([], ([key, summary[key]] for key in SUMMARY_KEYS)),
    }


def write_conversation(directory: Path | str, files: Mapping[str, str]) -> None:
    """Writes render_conversation's files into ``directory`` (created if needed), UTF-8, "\\n" line ends."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8", newline="")


def _render_comments(comments: list[PolisComment], votes: list[PolisVote]) -> str:
    # Polis counts agrees and disagrees over the rows of votes.csv (enriched-comments-data), so the counts and
    # the votes file always agree.
    agrees = Counter(v.comment_id for v in votes if v.vote == 1)
    disagrees = Counter(v.comment_id for v in votes if v.vote == -1)
    rows = (
        [
            c.created_ms,
            _java_date(c.created_ms),
            c.comment_id,
            c.author_id,
            agrees[c.comment_id],
            disagrees[c.comment_id],
            c.moderated,
            c.body,
        ]
        for c in comments
    )
    return _csv([COMMENT_COLUMNS], rows)


def _render_participants(comments, latest: list[PolisVote], voters: list[int], groups) -> str:
    column_ids = [c.comment_id for c in comments]
    written = Counter(c.author_id for c in comments)
    by_voter: dict[int, dict[int, int]] = {p: {} for p in voters}
    for vote in latest:
        by_voter[vote.voter_id][vote.comment_id] = vote.vote
    rows = []
    for p in voters:
        cast = by_voter[p]
        group = groups.get(p)
        rows.append(
            [
                p,
                "" if group is None else group,
                written[p],
                len(cast),
                sum(1 for v in cast.values() if v == 1),
                sum(1 for v in cast.values() if v == -1),
                *("" if (v := cast.get(cid)) is None else v for cid in column_ids),
            ]
        )
    return _csv([(*PARTICIPANT_COLUMNS, *column_ids)], rows)


def _csv(header: list, rows: Iterable[Iterable]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(header)
    writer.writerows(rows)
    return out.getvalue()


def _java_date(ms: int) -> str:
    """Java's Date.toString() ("Wed Jun 18 08:16:54 UTC 2014"), in UTC."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def _read(path: Path) -> tuple[str, str]:
    try:
        return path.name, path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PolisFormatError(f"{path.name}: missing") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PolisFormatError(f"{path.name}: cannot be read as UTF-8 text ({error})") from None


def _records(source: tuple[str, str], columns: Iterable[str]) -> Iterable[tuple[int, dict[str, str]]]:
    name, text = source
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in columns if c not in (reader.fieldnames or ())]
    if missing:
        raise PolisFormatError(f"{name}: missing column(s) {', '.join(missing)}")
    for record in reader:
        yield reader.line_num, record


def _integer(source_name: str, line: int, record: dict, column: str, allowed: Iterable[int] | None = None) -> int:
    value = (record.get(column) or "").strip()
    try:
        number = int(value)
    except ValueError:
        raise PolisFormatError(f"{source_name}, line {line}: {column} must be an integer, not {value!r}") from None
    if allowed is not None and number not in allowed:
        raise PolisFormatError(f"{source_name}, line {line}: {column} must be one of {sorted(allowed)}, not {number}")
    return number


def _milliseconds(source_name: str, line: int, record: dict) -> int:
    value = _integer(source_name, line, record, "timestamp")
    return value * 1000 if value < SECONDS_BEFORE else value


def _parse_comments(source) -> Iterable[PolisComment]:
    name = source[0]
    for line, r in _records(source, ("timestamp", "comment-id", "author-id", "moderated", "comment-body")):
        yield PolisComment(
            comment_id=_integer(name, line, r, "comment-id"),
            author_id=_integer(name, line, r, "author-id"),
            body=r["comment-body"] or "",
            moderated=_integer(name, line, r, "moderated", (MODERATED_IN, UNMODERATED, MODERATED_OUT)),
            created_ms=_milliseconds(name, line, r),
        )


def _parse_votes(source) -> Iterable[PolisVote]:
    name = source[0]
    for line, r in _records(source, ("timestamp", "comment-id", "voter-id", "vote")):
        yield PolisVote(
            created_ms=_milliseconds(name, line, r),
            comment_id=_integer(name, line, r, "comment-id"),
            voter_id=_integer(name, line, r, "voter-id"),
            vote=_integer(name, line, r, "vote", (1, 0, -1)),
        )


def _parse_groups(source) -> dict[int, int | None]:
    name = source[0]
    groups = {}
    for line, r in _records(source, ("participant", "group-id")):
        group = (r["group-id"] or "").strip()
        groups[_integer(name, line, r, "participant")] = _integer(name, line, r, "group-id") if group else None
    return groups


def _parse_summary(source) -> dict[str, str]:
    # key,value lines without a header; an unquoted value may itself hold commas.
    return {row[0]: ",".join(row[1:]) for row in csv.reader(io.StringIO(source[1], newline="")) if row}
