"""Lighthouse on every public page in French, Dutch and English, in mobile emulation: `make lighthouse`.

Serves the app as production does (gunicorn, demo data on SQLite in a temporary directory), registers one
resident through the real form to reach a ticket and a manage page, joins a session, then runs Lighthouse
12.2.3 (npm, pinned by the Makefile) with Debian's Chromium on each page and writes the table of scores to
bench/results/lighthouse.md. Static files are gzipped as the documented nginx does (docs/deploy.md); the
HTML is not compressed, as in production (pages carry CSRF tokens: BREACH).

Performance depends on the machine's load: run it on a quiet machine.
"""

import gzip
import html
import http.cookiejar
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / ".lighthouse" / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
PORT = int(os.environ.get("LIGHTHOUSE_PORT", "5099"))
BASE = f"http://127.0.0.1:{PORT}"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
LANGS = ("fr", "nl", "en")
DEMO_EVENT = "creative-tech"  # eventapp/demo_cli.py: the demo event whose door is open today


class GzipStatic:
    """Gzip /static/ responses, standing in for nginx's `gzip` on the static location."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith("/static/") or "gzip" not in environ.get(
            "HTTP_ACCEPT_ENCODING", ""
        ):
            return self.app(environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.app(environ, capture))
        if not captured["status"].startswith("200"):  # a 304 has no body to pack
            start_response(captured["status"], captured["headers"])
            return [body]
        packed = gzip.compress(body)
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(packed))), ("Vary", "Accept-Encoding")]
        start_response(captured["status"], headers)
        return [packed]


def wsgi_app():
    """gunicorn 'scripts.lighthouse:wsgi_app()'."""
    from eventapp import create_app

    app = create_app()
    app.wsgi_app = GzipStatic(app.wsgi_app)
    return app


def _flask(env: dict, *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def _register_a_resident(opener) -> tuple[str, str]:
    """The real form, as a resident fills it: returns the ticket and manage paths."""
    page = opener.open(f"{BASE}/events/{DEMO_EVENT}?lang=en").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    form = {"csrf_token": token.group(1), "name": "Lighthouse Check", "email": "lighthouse@example.org"}
    form |= {"seats": "1", "consent": "y", "language": "en"}
    answer = opener.open(f"{BASE}/events/{DEMO_EVENT}/register", urllib.parse.urlencode(form).encode())
    confirmation = answer.read().decode()
    manage = re.search(r'href="(/manage/[^"?#]+)"', confirmation)
    ticket = re.search(r'href="(/tickets/[^"?#]+)"', confirmation)
    if not (manage and ticket):
        raise RuntimeError(f"registration did not reach its confirmation page: {answer.url}")
    return html.unescape(ticket.group(1)), html.unescape(manage.group(1))


def _session_path(opener) -> str:
    page = opener.open(f"{BASE}/events/{DEMO_EVENT}?lang=en").read().decode()
    return re.search(r'href="(/participate/[0-9a-f-]{36})"', page).group(1)


def pages(opener) -> list[tuple[str, str]]:
    ticket, manage = _register_a_resident(opener)
    session = _session_path(opener)
    return [
        ("catalogue", "/"),
        ("event", f"/events/{DEMO_EVENT}"),
        ("feeds", "/feeds"),
        ("join", "/join"),
        ("session", session),
        ("results", f"{session}/results"),
        ("privacy", "/privacy"),
        ("accessibility statement", "/accessibility"),
        ("ticket", ticket),
        ("manage", manage),
    ]


def lighthouse(url: str, out: Path) -> dict[str, int]:
    subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless --no-sandbox",
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        check=True,
    )
    report = json.loads(out.read_text())
    return {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}


def main() -> int:
    if not LIGHTHOUSE.exists():
        print("Lighthouse is missing: `make lighthouse` installs it (npm i -E lighthouse@12.2.3)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/lighthouse.db", "FLASK_CONFIG": "development"}
        env |= {"FLASK_RUN_PORT": str(PORT), "MAIL_DEV_MAILBOX": "1", "RATELIMIT_ENABLED": "0"}
        _flask(env, "db", "upgrade")
        _flask(env, "demo", "load")
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{PORT}", "scripts.lighthouse:wsgi_app()"],
            env=env,
            cwd=ROOT,
        )
        try:
            _wait_until_up(f"{BASE}/healthz")
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            rows = []
            for name, path in pages(opener):
                for lang in LANGS:
                    sep = "&" if "?" in path else "?"
                    scores = lighthouse(f"{BASE}{path}{sep}lang={lang}", Path(tmp) / "report.json")
                    rows.append((name, lang, scores))
                    print(name, lang, scores, flush=True)
        finally:
            server.terminate()
            server.wait()
    write_results(rows)
    return 0 if all(_meets(scores) for _, _, scores in rows) else 1


def _meets(scores: dict[str, int]) -> bool:
    return scores["performance"] >= 95 and all(scores[c] == 100 for c in CATEGORIES[1:])


def write_results(rows) -> None:
    lines = [
        "# Lighthouse 12.2.3, mobile emulation (`make lighthouse`)",
        "",
        f"Recorded {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores, "
        f"{platform.platform()}), load average {os.getloadavg()[0]:.1f} at the end. Chromium: {CHROMIUM}. The app "
        "under gunicorn (2 workers) on demo data; static files gzipped as nginx does (docs/deploy.md).",
        "",
        "| page | lang | performance | accessibility | best practices | SEO |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, lang, s in rows:
        lines.append(
            f"| {name} | {lang} | {s['performance']} | {s['accessibility']} | {s['best-practices']} | {s['seo']} |"
        )
    (ROOT / "bench" / "results" / "lighthouse.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
