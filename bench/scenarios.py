"""The benchmark scenarios. Each prepares what it needs and returns (WrkResult, checks)."""

import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from bench.harness import wrk

_TMP = tempfile.mkdtemp(prefix="eventapp-bench-")


def prepare_database(backend: str, url: str | None) -> tuple[str, dict]:
    """A migrated database with the demo events; returns its URL and facts the scenarios use."""
    from flask_migrate import upgrade

    from eventapp import create_app
    from eventapp.core.db import transaction
    from eventapp.core.time import brussels, utcnow
    from eventapp.events.demo import load_demo
    from eventapp.extensions import db

    database_url = url or f"sqlite:///{_TMP}/bench-{backend}.db"
    if url:
        from tests.conftest import reset_database

        reset_database(url)
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    context = {}
    with app.app_context():
        upgrade()
        now = utcnow()
        with transaction():
            events = load_demo(brussels(now).date(), now)
        context["event_slug"] = events[0].slug
        db.engine.dispose()
    return database_url, context


@dataclass
class Scenario:
    name: str
    target: str
    runner: Callable

    def run(self, base_url: str, context: dict, database_url: str):
        return self.runner(base_url, context, database_url)


def _get(path_of: Callable[[dict], str]):
    def run(base_url, context, database_url):
        return wrk(base_url + path_of(context)), ""

    return run


SCENARIOS = [
    Scenario("catalogue page", "≥ 0.10", _get(lambda c: "/")),
    Scenario("event page", "≥ 0.10", _get(lambda c: f"/events/{c['event_slug']}")),
]
