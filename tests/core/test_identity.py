"""The series' identity reaches every kind of page and every email: the wordmark in the site's band on
public pages, the ticket and the back-office, and the same band at the top of each HTML email."""

from pathlib import Path

import jinja2.meta
import pytest

from eventapp.extensions import db
from eventapp.registration.tokens import manage_token
from tests.accounts.factories import login, make_admin
from tests.factories import make_event
from tests.tickets.factories import KEY, make_registration

EMAILS = Path(__file__).resolve().parents[2] / "templates" / "emails"
BAND = "emails/_band.html"


def _reaches(env, name: str, target: str) -> bool:
    """Whether template `name` extends or includes `target`, directly or through its own layouts."""
    source = env.loader.get_source(env, name)[0]
    referenced = [ref for ref in jinja2.meta.find_referenced_templates(env.parse(source)) if ref]
    return target in referenced or any(_reaches(env, ref, target) for ref in referenced)


def test_the_check_follows_layouts(app):
    assert _reaches(app.jinja_env, "emails/registration/confirmed.html", BAND)  # through _layout.html
    assert not _reaches(app.jinja_env, "emails/registration/_confirm_macros.html", BAND)


@pytest.mark.parametrize(
    "name",
    sorted(str(p.relative_to(EMAILS.parent)) for p in EMAILS.rglob("*.html") if not p.name.startswith("_")),
)
def test_every_html_email_carries_the_series_band(app, name):
    assert _reaches(app.jinja_env, name, BAND)


def test_the_band_is_the_series_name_in_white_on_brussels_blue(app):
    with app.test_request_context("/?lang=nl"):
        band = app.jinja_env.get_template(BAND).render()
    assert "background:#00338d" in band and "color:#ffffff" in band and "Smart City Events" in band


def _wordmark(html: str) -> bool:
    header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
    return 'class="brand"' in header and 'class="brand-mark"' in header and "Smart City Events" in header


def test_public_pages_the_ticket_and_the_back_office_carry_the_wordmark(app, client):
    with app.app_context():
        event = make_event()
        registration, code = make_registration(event)
        admin = make_admin()
        slug, manage, email = event.slug, manage_token(KEY, registration.secret_seed), admin.email
        db.session.commit()
    public = ("/", f"/events/{slug}", f"/tickets/{code}", f"/manage/{manage}", "/accessibility", "/admin/login")
    for path in public:
        assert _wordmark(client.get(path).get_data(as_text=True)), path
    login(client, email)
    for path in ("/admin/", f"/admin/events/{slug}", f"/admin/events/{slug}/scanners"):
        page = client.get(path).get_data(as_text=True)
        assert _wordmark(page) and 'class="admin-nav"' in page, path
