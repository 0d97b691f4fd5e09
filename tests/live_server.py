"""Real server processes for concurrency, scale-out and browser tests.

`fresh_database(kind, tmp_path)` gives a migrated, empty database ("sqlite" in tmp_path, or
"postgresql" at TEST_POSTGRES_URL, wiped first). SQLite databases are copies of one file the migrations
built once per run: dozens of tests each start from an empty database, and running the whole chain for
each of them was seconds of CI apiece. `LiveServer` runs gunicorn with several worker
processes against it, with the testing config (no CSRF, no rate limits unless told otherwise).
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from functools import cache
from pathlib import Path

from flask_migrate import upgrade

from eventapp import create_app
from eventapp.extensions import db
from tests.conftest import require, reset_database

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _migrate(url: str) -> None:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@cache
def _sqlite_template() -> tempfile.TemporaryDirectory:
    """A directory holding template.db, migrated to head once per process; removed when the process exits."""
    directory = tempfile.TemporaryDirectory(prefix="eventapp-template-")
    _migrate(f"sqlite:///{directory.name}/template.db")
    return directory


def fresh_database(kind: str, tmp_path: Path) -> str:
    if kind == "sqlite":
        # Every connection to the template is closed (engine disposed), so its one file is the whole database.
        shutil.copyfile(Path(_sqlite_template().name) / "template.db", tmp_path / "live.db")
        return f"sqlite:///{tmp_path}/live.db"
    url = os.environ.get("TEST_POSTGRES_URL", "")
    require(bool(url), "set TEST_POSTGRES_URL to a throwaway PostgreSQL database (.ci/run does)")
    reset_database(url)
    _migrate(url)
    return url


def app_for(url: str, **overrides):
    """An app on the live database, for arranging data and checking results from the test."""
    return create_app("testing", SQLALCHEMY_DATABASE_URI=url, **overrides)


class LiveServer:
    def __init__(
        self,
        database_url: str,
        *,
        workers: int = 3,
        env: dict | None = None,
        config: str = "testing",
        start_timeout: float = 30,
    ):
        self.database_url = database_url
        self.start_timeout = start_timeout  # a bench on a busy shared machine boots slowly
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "FLASK_CONFIG": config,
            "TEST_DATABASE_URL": database_url,
            "DATABASE_URL": database_url,
            # Every request of these tests comes from 127.0.0.1, as if all residents shared one
            # connection: the limit of unconfirmed seats per network is for tests/security to try.
            "REGISTRATION_NETWORK_SEATS": "0",
            **(env or {}),
        }
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "LiveServer":
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(self.workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--graceful-timeout",
                "2",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=self.env,
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.__exit__(None, None, None)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
