import json
import urllib.request

import pytest

from tests.live_server import LiveServer, fresh_database


def test_healthz_and_readyz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json()["database"] == "up"


def test_security_headers_on_pages(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_security_headers_on_every_kind_of_answer_once_and_a_views_own_csp_is_kept(client):
    from eventapp.core.web import SECURITY_HEADERS

    for url, status in (("/healthz", 200), ("/feeds/all.ics", 200), ("/no-such-page", 404), ("/api/v1/nothing", 404)):
        response = client.get(url)
        assert response.status_code == status, url
        for name, value in SECURITY_HEADERS:
            assert response.headers.getlist(name) == [value], (url, name)
        assert "Strict-Transport-Security" not in response.headers  # plain http here
    with client.application.test_request_context():
        from flask import Response

        own = client.application.process_response(Response(headers={"content-security-policy": "sandbox"}))
    assert own.headers.getlist("Content-Security-Policy") == ["sandbox"]


@pytest.mark.parametrize(
    ("query", "status"),
    [("q=%00", 400), ("lang=en%00", 400), ("a%00=1", 400), ("q=a\x00b", 400), ("q=%2500", 200), ("lang=en", 200)],
)
def test_nul_bytes_in_the_query_string_are_refused(client, query, status):
    assert client.get(f"/healthz?{query}").status_code == status


@pytest.mark.slow
@pytest.mark.no_db_isolation
def test_live_server_serves_the_catalogue(tmp_path):
    url = fresh_database("sqlite", tmp_path)
    with LiveServer(url, workers=2) as server, urllib.request.urlopen(f"{server.url}/api/v1/events") as response:
        assert json.load(response)["total"] == 0


def test_request_id_is_echoed_or_made(client):
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc12345-proxy"}).headers["X-Request-ID"] == "abc12345-proxy"
    )
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers["X-Request-ID"]
    assert made != "bad id with spaces" and len(made) == 16


def test_json_logs_carry_request_id_and_no_query_string(app, capsys):
    import json
    import logging

    from eventapp import create_app

    # Every app shares the "eventapp" logger: put it back as it was afterwards.
    shared = logging.getLogger(app.logger.name)
    saved = (list(shared.handlers), shared.propagate, shared.level)
    json_app = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], LOG_FORMAT="json")

    @json_app.get("/log-me/<token>")
    def log_me(token):
        json_app.logger.warning("hello")
        return "ok"

    json_app.test_client().get("/log-me/SECRET?token=SECRET", headers={"X-Request-ID": "req-00000001"})
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["message"] == "hello" and record["level"] == "WARNING"
    assert record["request_id"] == "req-00000001" and record["path"] == "/log-me/<token>"
    assert "SECRET" not in line
    shared.handlers, shared.propagate = saved[0], saved[1]
    shared.setLevel(saved[2])


def test_production_refuses_default_secret_key():
    from config import ProductionConfig

    with pytest.raises(RuntimeError):
        ProductionConfig.validate({"SECRET_KEY": "dev-only-not-secret"})
    ProductionConfig.validate({"SECRET_KEY": "x" * 40})


def test_proxy_headers_are_trusted_only_when_configured(app):
    from eventapp import create_app

    proxied = create_app("testing", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"], PROXY_COUNT=1)

    @proxied.get("/scheme")
    def scheme():
        from flask import request

        return request.scheme

    headers = {"X-Forwarded-Proto": "https"}
    assert proxied.test_client().get("/scheme", headers=headers).get_data(as_text=True) == "https"


def test_pages_name_their_icon_so_browsers_do_not_ask_for_a_missing_favicon(client):
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/icon.svg" type="image/svg+xml">' in page
    with client.get("/static/icon.svg") as icon:
        assert icon.status_code == 200
        assert icon.mimetype == "image/svg+xml"


def test_labels_take_a_colon_the_way_each_language_writes_it(app):
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context():
        for locale, expected in (("fr_BE", "Où\u00a0: ici"), ("nl_BE", "Waar: ici"), ("en_GB", "Where: ici")):
            with force_locale(locale):
                assert render_template_string('{{ _("Where")|colon }} ici') == expected
        with force_locale("fr_BE"):  # HTML escapes a label once
            assert render_template_string("{{ label|colon }}", label="l'accueil") == "l&#39;accueil\u00a0:"


def test_pages_whose_path_holds_a_secret_are_never_indexed(client):
    """A forwarded confirmation email must not put someone's registration in a search engine."""
    for path in ("/manage/not-a-real-token", "/registered/not-a-real-token", "/tickets/EA1-NOTREAL"):
        response = client.get(path)
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow", path
        assert response.headers["Referrer-Policy"] == "no-referrer", path
    assert "X-Robots-Tag" not in client.get("/").headers
