"""`make run`: the port it serves, the links that follow it, and a taken port said at once."""

import contextlib
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

ENQUEUE = """
from eventapp import create_app
from eventapp.core.db import transaction
from eventapp.core.outbox import enqueue

with create_app().app_context(), transaction():
    enqueue(recipient="resident@example.org", subject="Delivered by make run", body_text="Hello", kind="test",
            language="en")
"""
SENT = "SELECT 1 FROM outbox_messages WHERE subject = 'Delivered by make run' AND status = 'sent'"


@pytest.fixture
def taken_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_the_port_check_says_at_once_that_a_port_is_taken(taken_port):
    script = ROOT / "scripts" / "port_free.py"
    taken = subprocess.run([sys.executable, script, str(taken_port)], capture_output=True, text=True, timeout=30)
    assert taken.returncode == 1
    assert f"Port {taken_port} on 127.0.0.1 is already in use" in taken.stderr
    assert f"make run PORT={taken_port + 1}" in taken.stderr
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free_port = sock.getsockname()[1]
    assert subprocess.run([sys.executable, script, str(free_port)], timeout=30).returncode == 0


needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@needs_make
def test_make_run_on_a_taken_port_stops_before_any_set_up(taken_port, tmp_path):
    # A copy, so that a regression installs nothing into the checkout's .venv.
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "Makefile", tmp_path)
    shutil.copy(ROOT / "scripts" / "port_free.py", tmp_path / "scripts")
    started = time.monotonic()
    result = subprocess.run(
        ["make", "--no-print-directory", "run", f"PORT={taken_port}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert f"Port {taken_port} on 127.0.0.1 is already in use" in result.stderr
    assert time.monotonic() - started < 20
    assert not (tmp_path / ".venv").exists()


def test_development_links_follow_the_port_served():
    env = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_BASE_URL", "FLASK_RUN_PORT")}
    probe = [sys.executable, "-c", "import config; print(config.DevelopmentConfig.PUBLIC_BASE_URL)"]

    def base_url(**extra):
        return subprocess.run(
            probe, cwd=ROOT, env={**env, **extra}, capture_output=True, text=True, check=True
        ).stdout.strip()

    assert base_url() == "http://127.0.0.1:5000"
    assert base_url(FLASK_RUN_PORT="5099") == "http://127.0.0.1:5099"
    assert base_url(FLASK_RUN_PORT="5099", PUBLIC_BASE_URL="https://events.brussels") == "https://events.brussels"


@needs_make
def test_make_run_serves_and_links_on_the_chosen_port():
    """The recipe hands PORT to flask run and to every command before it, through FLASK_RUN_PORT."""
    result = subprocess.run(["make", "-pn", "run", "PORT=5099"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "FLASK_RUN_PORT = 5099" in result.stdout


def test_demo_load_prints_join_links_on_the_public_base_url(runner):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "join at http://events.test/join" in result.output


@pytest.mark.slow
@needs_make
def test_make_run_delivers_the_outbox_to_the_mailbox_and_stops_its_worker_with_the_server(tmp_path):
    import signal
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    database_url = f"sqlite:///{tmp_path / 'dev.db'}"
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_CONFIG", "PUBLIC_BASE_URL", "MAIL_DEV_MAILBOX")}
    env["DATABASE_URL"] = database_url
    make = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                    break
            except OSError:
                assert make.poll() is None, make.stdout.read()
                assert time.monotonic() < deadline, "make run did not serve"
                time.sleep(1)

        # Another process, as a request of the served app would: this one's session belongs to the test database.
        subprocess.run([sys.executable, "-c", ENQUEUE], cwd=ROOT, env=env, check=True, timeout=120)
        deadline = time.monotonic() + 60
        with contextlib.closing(sqlite3.connect(tmp_path / "dev.db")) as connection:
            while connection.execute(SENT).fetchone() is None:
                assert time.monotonic() < deadline, "the outbox was not delivered"
                time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/dev/mailbox/", timeout=10) as response:
            assert "Delivered by make run" in response.read().decode()
    finally:
        os.killpg(make.pid, signal.SIGINT)  # Ctrl-C in the terminal
        output = make.communicate(timeout=60)[0]
    deadline = time.monotonic() + 20
    while True:  # nothing left of the group: the server and the worker both ended
        try:
            os.killpg(make.pid, 0)
        except ProcessLookupError:
            break
        if time.monotonic() > deadline:
            os.killpg(make.pid, signal.SIGKILL)
            pytest.fail(f"a process of make run outlived it:\n{output}")
        time.sleep(0.5)


def test_the_readme_leads_to_documents_inside_the_repository():
    """Issue 18: the README once sent newcomers to a style guide outside the repository."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#]+)[^)]*\)", readme)
    local = [link for link in links if not link.startswith(("http://", "https://", "mailto:"))]
    assert "docs/architecture.md" in local
    for link in local:
        assert not link.startswith(("../", "/")) and (ROOT / link).exists(), link
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for topic in ("services.py", "transaction()", "outbox"):
        assert topic in architecture, topic
