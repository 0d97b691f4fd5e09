"""The public participation report: no small count of people can be worked out from the exact total
and the other counts of a breakdown (complementary suppression)."""

import re

import pytest
from flask_babel import gettext

from eventapp.core.communes import get_commune
from eventapp.extensions import db
from eventapp.participation.reports import protect
from eventapp.registration.models import Audience
from tests.backoffice.factories import make_registration
from tests.factories import make_event

IXELLES, SCHAERBEEK, UCCLE = "21009", "21015", "21016"


def _rows(html: str, caption: str) -> dict[str, str]:
    table = html[html.index(caption) :]
    table = table[: table.index("</table>")]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', table))


def test_one_small_commune_takes_the_next_smallest_with_it(client):
    event = make_event(capacity=100)
    for commune, people in ((IXELLES, 20), (SCHAERBEEK, 7), (UCCLE, 2)):
        make_registration(event, seats=people, checked_in_people=people, commune=commune, audience=Audience.RESIDENT)
    slug = event.slug
    db.session.commit()

    html = client.get(f"/participate/events/{slug}/report?lang=en").get_data(as_text=True)
    names = {code: get_commune(code).name("en") for code in (IXELLES, SCHAERBEEK, UCCLE)}
    communes = _rows(html, "Reach by commune")
    assert communes == {names[IXELLES]: "20", names[SCHAERBEEK]: "hidden", names[UCCLE]: "hidden"}
    # The total is exact, so 29 - 20 gives only the two hidden communes together, not Uccle's 2.
    assert "<dd>29</dd>" in html
    # One audience only: its count is the total anyway, nothing to hide behind.
    assert _rows(html, "Reach by audience") == {"Residents": "29"}
    french = client.get(f"/participate/events/{slug}/report?lang=fr").get_data(as_text=True)
    assert "les plus petits nombres suivants sont masqués" in french
    assert _rows(french, "par commune")[get_commune(UCCLE).name("fr")] == "masqué"


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # Nothing small: everything shown, largest first.
        ([("a", 12), ("b", 40)], [("b", "40"), ("a", "12")]),
        # Two small cells holding 5 together: both "<5", nothing else hidden.
        ([("a", 40), ("b", 3), ("c", 2)], [("a", "40"), ("b", "<5"), ("c", "<5")]),
        # One small cell: the next smallest goes too, and both read the same.
        ([("a", 40), ("b", 7), ("c", 3), ("d", 12)], [("a", "40"), ("d", "12"), ("b", "hidden"), ("c", "hidden")]),
        # Two small cells holding fewer than 5: a third is needed.
        ([("a", 40), ("b", 2), ("c", 1), ("d", 12)], [("a", "40"), ("b", "hidden"), ("c", "hidden"), ("d", "hidden")]),
        # Small cells of one person each: hidden until they hold more than one each.
        ([("a", 1), ("b", 1), ("c", 1), ("d", 1), ("e", 1), ("f", 9)], [(x, "hidden") for x in "abcdef"]),
        # A single small cell is the total: nothing to protect it with, so no breakdown at all.
        ([("a", 3)], None),
        # Small cells that hold no more people than there are cells: each is 1, whatever the marks.
        ([(x, 1) for x in "abcde"], None),
        ([("a", 2), ("b", 1)], None),
        # Enough people among them: the rows can be shown hidden.
        ([("a", 3), ("b", 3)], [("a", "<5"), ("b", "<5")]),
    ],
)
def test_protect(app_ctx, cells, expected):
    hidden = gettext("hidden")  # the mark in the context's language
    if expected is None:
        assert protect(cells) is None
    else:
        assert protect(cells) == [(label, hidden if mark == "hidden" else mark) for label, mark in expected]


def test_a_small_crowd_from_one_commune_is_not_given_away_by_the_total(client):
    event = make_event(capacity=100)
    make_registration(event, seats=3, checked_in_people=3, commune=IXELLES, audience=Audience.RESIDENT)
    slug = event.slug
    db.session.commit()

    html = client.get(f"/participate/events/{slug}/report?lang=en").get_data(as_text=True)
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))
    assert facts["People checked in at the door"] == facts["People registered"] == "&lt;5"
    assert _rows(html, "Reach by commune") == {} and _rows(html, "Reach by audience") == {}
    assert html.count("Too few people came to show this breakdown without giving anyone away.") == 2
    assert get_commune(IXELLES).name("en") not in html
    dutch = client.get(f"/participate/events/{slug}/report?lang=nl").get_data(as_text=True)
    assert "Er kwamen te weinig mensen om deze verdeling te tonen" in dutch


def test_five_people_from_five_communes_are_not_each_given_away(client):
    event = make_event(capacity=100)
    for commune in ("21001", "21002", "21003", "21004", "21005"):
        make_registration(event, seats=1, checked_in_people=1, commune=commune, audience=Audience.RESIDENT)
    slug = event.slug
    db.session.commit()

    html = client.get(f"/participate/events/{slug}/report?lang=en").get_data(as_text=True)
    assert "<dd>5</dd>" in html  # the total is no small count
    assert _rows(html, "Reach by commune") == {}  # five rows of "<5" would each be 1
    assert _rows(html, "Reach by audience") == {"Residents": "5"}
