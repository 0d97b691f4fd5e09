"""CPU time of the live room's requests, measured in-process (Flask's test client, no network), so the
figures hold on a shared, busy machine where wall-clock benchmarks do not (bench/live_room.py).

    .venv/bin/python bench/live_room_cost.py        # prints a Markdown table; appends it to results/live_room.md
    PROFILE=1 .venv/bin/python bench/live_room_cost.py   # and where the fragment's rendering spends its time

A session with a poll (results shown), and the boards of bench/live_room.py's idea phase: 300 ideas and
questions (150 a board, each shows its top 50) with two supports each, on a migrated SQLite file; the
production version cache (0.25 s). CPU seconds of this process per request.
"""

import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "live_room.md"
CARDS = 300  # ideas and questions sent in bench/live_room.py's room of 1,000 phones
VOTERS = 60
# What participation/live.js sends with a vote, a support or a contribution: the answer is JSON, the page stays.
SCRIPT = {"X-Requested-With": "live", "Accept": "application/json"}


def per_request(label, count, send):
    send()  # warm (templates compiled, caches filled)
    start = time.process_time()
    for i in range(count):
        send(i)
    return label, (time.process_time() - start) / count * 1000


def main() -> int:
    from eventapp.extensions import db
    from eventapp.participation import live, services
    from tests.live_server import app_for, fresh_database

    sys.path.insert(0, str(ROOT / "bench"))
    from live_room import arrange

    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database("sqlite", Path(tmp))
        ctx = arrange(url)
        app = app_for(url, LIVE_VERSION_TTL=0.25)
        with app.test_request_context():
            from eventapp.participation import queries

            session = queries.get_session(ctx["session"])
            boards = [queries.get_activity(session, uuid) for uuid, _ in ctx["boards"]]
            poll = queries.get_activity(session, ctx["poll"])
            organiser = db.session.scalar(db.select(db.Model.registry._class_registry["User"]))
            services.open_activity(organiser, poll)
            voters = [services.join_as_guest(session) for _ in range(VOTERS)]
            for n, voter in enumerate(voters):
                services.answer_poll(voter, poll, option_ids=[ctx["options"][n % 4]])
            sent = [
                services.submit_contribution(
                    voters[n % VOTERS], boards[n % 2], f"Une proposition assez longue numéro {n} " * 3
                )
                for n in range(CARDS)
            ]
            for n, contribution in enumerate(sent):
                for k in (1, 2):  # two supports each, never the author's own
                    services.upvote(voters[(n + k) % VOTERS], contribution)
            db.session.commit()
        client = app.test_client()
        organiser_client = app.test_client()
        name, value = ctx["cookie"].split("=", 1)
        organiser_client.set_cookie(name, value)
        page = f"/participate/{ctx['session']}"
        live_url = f"{page}/live?lang=fr&channel=guest"
        organiser_client.post(f"{page}/manage/screen", data={"screen": "ideas"})
        fragment_bytes = len(client.get(live_url).data)
        gzipped_bytes = len(client.get(live_url, headers={"Accept-Encoding": "gzip"}).data)
        senders = [app.test_client() for _ in range(120)]  # participants who send a few ideas each
        for sender in senders:
            assert sender.post(f"{page}/join").status_code == 303
        board, field = ctx["boards"][0]
        reader = app.test_client()  # a participant who sent one idea, as in the room: its page
        assert reader.post(f"{page}/join").status_code == 303
        assert reader.post(f"{page}/a/{board}/contribute", data={field: "Une idée"}).status_code == 303
        live.forget()  # the version the worker kept for 0.25 s is now an old one
        etag = client.get(live_url).headers["ETag"]
        others = [str(c) for c in _uuids(app, ctx)]

        def not_modified(i=0):
            assert client.get(live_url, headers={"If-None-Match": etag}).status_code == 304

        def cached_fragment(i=0):
            assert client.get(live_url, headers={"If-None-Match": '"stale"'}).status_code == 200

        def rendered_fragment(i=0):
            live.forget()
            assert client.get(live_url).status_code == 200

        def rendered_cards_kept(i=0):
            # A new version where the cards are as they were: the worker keeps them (live.card).
            live._fragments.clear()
            assert client.get(live_url).status_code == 200

        def vote(i=0):
            fresh = app.test_client()  # a new phone: it takes part, then votes (both measured)
            assert fresh.post(f"{page}/join").status_code == 303
            data = {ctx["field"]: ctx["options"][i % 4]}
            assert fresh.post(f"{page}/a/{ctx['poll']}/vote", data=data).status_code == 303

        def contribution_form(i=0):
            data = {field: f"Une idée de plus, la {i}e"}
            assert senders[i % len(senders)].post(f"{page}/a/{board}/contribute", data=data).status_code == 303

        def contribution_script(i=0):
            data = {field: f"Une idée par le script, la {i}e"}
            sent = senders[i % len(senders)].post(f"{page}/a/{board}/contribute", data=data, headers=SCRIPT)
            assert sent.status_code == 200

        def upvote(i=0):
            fresh = app.test_client()  # each support from a new phone (one support per phone and card)
            assert fresh.post(f"{page}/join").status_code == 303
            assert fresh.post(f"{page}/c/{others[i % len(others)]}/upvote", headers=SCRIPT).status_code == 200

        def full_page(i=0):
            assert reader.get(f"{page}?lang=fr").status_code == 200

        def projector(i=0):
            live.forget()
            assert organiser_client.get(f"{page}/projector/live").status_code == 200

        if os.environ.get("PROFILE") == "1":
            profile(rendered_fragment)
            profile(rendered_cards_kept)
        rows = [
            per_request("phone poll, nothing changed (304)", 3000, not_modified),
            per_request("phone poll, changed (fragment from the worker's memory)", 2000, cached_fragment),
            per_request("phone poll, changed, fragment rendered (first phone of a version)", 200, rendered_fragment),
            per_request("phone poll, changed, fragment rendered, cards unchanged kept", 200, rendered_cards_kept),
            per_request("vote (new guest, POST, 303)", 300, vote),
            per_request("idea, form (POST, 303; the page then reloads)", 200, contribution_form),
            per_request("idea, script (POST, JSON)", 200, contribution_script),
            per_request("support, script (new guest joins, POST, JSON)", 300, upvote),
            per_request("full phone page (GET; the reload after a form)", 200, full_page),
            per_request("projector poll, idea board rendered", 200, projector),
        ]
    lines = [
        f"### CPU per request, in-process — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"`bench/live_room_cost.py` (SQLite, {VOTERS} votes, {CARDS} ideas and questions with 2 supports each, "
        f"boards showing their top 50; the phones' fragment {fragment_bytes / 1024:.0f} KiB, "
        f"{gzipped_bytes / 1024:.0f} KiB sent to a browser; load average "
        f"{os.getloadavg()[0]:.1f}: CPU time, not wall time, so the load matters little).",
        "",
        "| request | CPU ms | per core, per second |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {label} | {ms:.2f} | {1000 / ms:.0f} |" for label, ms in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if os.environ.get("WRITE", "1") == "1":
        with RESULTS.open("a", encoding="utf-8") as out:
            out.write(text + "\n")
    return 0


def _uuids(app, ctx):
    """The published contributions' uuids (the cards a phone may support)."""
    from eventapp.extensions import db
    from eventapp.participation.models import Contribution

    with app.app_context():
        uuids = list(db.session.scalars(db.select(Contribution.uuid).order_by(Contribution.id)))
        db.session.remove()
    return uuids


def profile(render, count=50):
    """Where rendering the phones' fragment spends its time: the top of cProfile's cumulative list."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        render()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
    print(out.getvalue())


if __name__ == "__main__":
    raise SystemExit(main())
