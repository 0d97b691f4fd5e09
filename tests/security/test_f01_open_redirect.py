"""Finding 1: every `next`-style parameter sends the visitor to a path of this site, never elsewhere.

The attack: `GET /lang/fr?next=////evil.example/phish` answered `Location: ////evil.example/phish`,
which a browser reads as the host evil.example (a link in an email that lands on a phishing page
after a hop through the real site).
"""

from urllib.parse import urljoin, urlsplit

import pytest

from eventapp.extensions import db
from eventapp.registration.tokens import manage_token
from tests.accounts.factories import PASSWORD, make_admin
from tests.factories import make_event
from tests.feeds.factories import SECRET_KEY, make_registration

# What browsers resolve to another host, from a page of http://localhost/.
HOSTILE = [
    "////evil.example/phish",
    "//evil.example/phish",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "evil.example",
]


def lands_on_this_site(location: str) -> bool:
    """Where a browser goes from http://localhost/ (it drops tabs and newlines and reads \\ as /)."""
    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    resolved = urlsplit(urljoin("http://localhost/admin/login", cleaned))
    return resolved.scheme == "http" and resolved.netloc == "localhost"


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switcher_stays_on_the_site(client, target):
    response = client.get("/lang/fr", query_string={"next": target})
    assert response.status_code == 302
    assert lands_on_this_site(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("target", HOSTILE)
def test_the_login_form_stays_on_the_site(client, target):
    email = make_admin().email
    db.session.commit()
    response = client.post("/admin/login", query_string={"next": target}, data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    assert lands_on_this_site(response.headers["Location"]), response.headers["Location"]
    # Already logged in: the login page sends on to `next` at once.
    again = client.get("/admin/login", query_string={"next": target})
    assert lands_on_this_site(again.headers["Location"]), again.headers["Location"]


@pytest.mark.parametrize("target", HOSTILE)
def test_the_calendar_buttons_of_a_manage_page_stay_on_the_site(client, target):
    registration = make_registration(make_event())
    token = manage_token(SECRET_KEY, registration.secret_seed)
    db.session.commit()
    response = client.post(f"/manage/{token}/feed", data={"next": target})
    assert response.status_code == 303
    assert lands_on_this_site(response.headers["Location"]), response.headers["Location"]


def test_paths_of_the_site_are_kept():
    from eventapp.core.web import local_path  # here, so the attacks above also run against the code before it

    assert local_path("/events/a?lang=nl#x", "/") == "/events/a?lang=nl#x"
    assert local_path("/admin/events/a", "/admin/", under="/admin") == "/admin/events/a"
    assert local_path("/events/a", "/admin/", under="/admin") == "/admin/"
    for target in HOSTILE:
        assert local_path(target, "/") == "/"
