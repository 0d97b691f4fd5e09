"""A web worker does not load the heavy libraries that only rare paths or other processes need.

Each one is resident memory in every gunicorn worker (target < 120 MB each, bench/README.md): zxcvbn's
word lists take 13 MB and only setting a password uses them; numpy (20 MB) only the opinion-map worker.
"""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

HEAVY = ("numpy", "zxcvbn")


def test_the_web_app_imports_none_of_the_heavy_libraries(tmp_path):
    env = {
        **os.environ,
        "FLASK_CONFIG": "production",
        "SECRET_KEY": "x" * 40,
        "DATABASE_URL": f"sqlite:///{tmp_path}/worker.db",
    }
    report = f"import json, sys, wsgi; print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    loaded = subprocess.run(
        [sys.executable, "-c", report],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(loaded) == []


def test_the_password_check_still_loads_zxcvbn_when_it_runs():
    from eventapp.accounts.passwords import is_guessable

    assert is_guessable("brussels2026!", email="ana@example.org")
    assert not is_guessable("violet-kettle-harbour-drums-41", email="ana@example.org")
