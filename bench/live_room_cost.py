"""CPU time of the live room's requests, measured in-process (Flask's test client, no network), so the
figures hold on a shared, busy machine where wall-clock benchmarks do not (bench/live_room.py).

    .venv/bin/python bench/live_room_cost.py        # prints a Markdown table; appends it to results/live_room.md

A session with a poll (results shown), and boards of 50 ideas and 50 questions with supports, on a
migrated SQLite file; the production version cache (0.25 s). CPU seconds of this process per request.
"""

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "live_room.md"


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
            ideas, questions = (queries.get_activity(session, uuid) for uuid, _ in ctx["boards"])
            poll = queries.get_activity(session, ctx["poll"])
            organiser = db.session.scalar(db.select(db.Model.registry._class_registry["User"]))
            services.open_activity(organiser, poll)
            voters = [services.join_as_guest(session) for _ in range(60)]
            for n, voter in enumerate(voters):
                services.answer_poll(voter, poll, option_ids=[ctx["options"][n % 4]])
                for board in (ideas, questions):
                    c = services.submit_contribution(voter, board, f"Une proposition assez longue numéro {n} " * 3)
                    services.upvote(voters[n - 1], c)
            db.session.commit()
        client = app.test_client()
        organiser_client = app.test_client()
        name, value = ctx["cookie"].split("=", 1)
        organiser_client.set_cookie(name, value)
        page = f"/participate/{ctx['session']}"
        live_url = f"{page}/live?lang=fr&channel=guest"
        organiser_client.post(f"{page}/manage/screen", data={"screen": "ideas"})
        etag = client.get(live_url).headers["ETag"]

        def not_modified(i=0):
            assert client.get(live_url, headers={"If-None-Match": etag}).status_code == 304

        def cached_fragment(i=0):
            assert client.get(live_url, headers={"If-None-Match": '"stale"'}).status_code == 200

        def rendered_fragment(i=0):
            live.forget()
            assert client.get(live_url).status_code == 200

        def vote(i=0):
            fresh = app.test_client()  # a new phone: it takes part, then votes (both measured)
            assert fresh.post(f"{page}/join").status_code == 303
            data = {ctx["field"]: ctx["options"][i % 4]}
            assert fresh.post(f"{page}/a/{ctx['poll']}/vote", data=data).status_code == 303

        def full_page(i=0):
            assert client.get(f"{page}?lang=fr").status_code == 200

        def projector(i=0):
            live.forget()
            assert organiser_client.get(f"{page}/projector/live").status_code == 200

        rows = [
            per_request("phone poll, nothing changed (304)", 3000, not_modified),
            per_request("phone poll, changed (fragment from the worker's memory)", 2000, cached_fragment),
            per_request("phone poll, changed, fragment rendered (first phone of a version)", 200, rendered_fragment),
            per_request("vote (new guest, POST, 303)", 300, vote),
            per_request("full phone page (GET)", 200, full_page),
            per_request("projector poll, idea board rendered", 200, projector),
        ]
    lines = [
        f"### CPU per request, in-process — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"`bench/live_room_cost.py` (SQLite, 60 votes, 120 contributions with supports; load average "
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


if __name__ == "__main__":
    raise SystemExit(main())
