"""Finding 15: the language cookie set by `?lang=` carries the same flags as the switcher's.

The attack: in production the cookie written by a page opened with `?lang=nl` lacked `Secure`, so it
also travelled over plain HTTP (where anyone on the network can read and rewrite it).
"""

import pytest

from eventapp import create_app

PRODUCTION = {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ENABLED": False}


def cookie_flags(response) -> set[str]:
    (header,) = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("lang=")]
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


@pytest.fixture
def production_client():
    return create_app("production", **PRODUCTION).test_client()


def test_the_lang_parameter_sets_the_same_cookie_as_the_switcher(production_client):
    switched = production_client.get("/lang/nl", base_url="https://localhost")
    opened = production_client.get("/privacy?lang=en", base_url="https://localhost")
    assert "secure" in cookie_flags(switched)
    assert cookie_flags(opened) == cookie_flags(switched)
    assert {"secure", "httponly", "samesite", "max-age", "expires", "path"} <= cookie_flags(opened)
