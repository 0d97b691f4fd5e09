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
        # A single cell is the total: nothing to protect it with.
        ([("a", 3)], [("a", "<5")]),
    ],
)
def test_protect(app_ctx, cells, expected):
    hidden = gettext("hidden")  # the mark in the context's language
    assert protect(cells) == [(label, hidden if mark == "hidden" else mark) for label, mark in expected]
