"""The event page stays short on a phone: one calendar disclosure, no empty programme."""

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
