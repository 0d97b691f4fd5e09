"""The event page stays short on a phone: one calendar disclosure, no empty programme; its form is tidy."""

import re

import pytest

from tests.factories import make_event, make_session


def test_calendar_choices_sit_behind_one_disclosure(client, app_ctx):
    event = make_event()
    make_session(event)
    page = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert '<details class="calendar-panel">' in page
    assert "<summary>Add to my calendar</summary>" in page
    assert page.index("<summary>Add to my calendar</summary>") < page.index("Download .ics")
    assert "<h2>Programme</h2>" in page


def test_an_event_without_sessions_shows_no_empty_programme(client, app_ctx):
    event = make_event()
    page = client.get(f"/events/{event.slug}?lang=en").get_data(as_text=True)
    assert "Programme</h2>" not in page


def test_required_markers_sit_inside_their_labels(client, app_ctx):
    page = client.get(f"/events/{make_event().slug}?lang=en").get_data(as_text=True)
    assert re.search(r'<label for="name">[^<]+ <span class="required" aria-hidden="true">\*</span></label>', page)
    assert page.count('class="required"') == len(re.findall(r'<label[^>]*>[^<]*<span class="required"', page))


@pytest.mark.parametrize(
    ("seats", "lang", "hint"),
    [
        (1, "en", "One seat per registration: yours."),
        (2, "en", "You and the people coming with you: at most 2 seats."),
        (2, "fr", "Vous et les personnes qui vous accompagnent : 2 places au plus."),
        (30, "nl", "U en wie met u meekomt: hoogstens 30 plaatsen."),
    ],
)
def test_the_seat_hint_says_plainly_how_many_seats_one_registration_takes(client, app_ctx, seats, lang, hint):
    page = client.get(f"/events/{make_event(max_seats_per_registration=seats).slug}?lang={lang}")
    assert f'<p class="hint" id="seats-hint">{hint}</p>' in page.get_data(as_text=True)
