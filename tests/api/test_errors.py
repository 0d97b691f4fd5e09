"""HTTP errors under /api/v1 answer JSON in the reader's language (?lang=, then Accept-Language)."""

import pytest


@pytest.mark.parametrize(
    ("query", "headers", "message"),
    [
        ("?lang=nl", {}, "Op dit adres van de API bestaat niets."),
        ("", {"Accept-Language": "fr-BE,fr;q=0.9"}, "Rien n\u2019existe à cette adresse de l\u2019API."),
        ("?lang=en", {"Accept-Language": "nl"}, "Nothing exists at this address in the API."),
    ],
)
def test_an_unknown_api_address_answers_in_the_readers_language(client, query, headers, message):
    response = client.get(f"/api/v1/nothing{query}", headers=headers)
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "not_found", "message": message}}


def test_a_wrong_method_answers_in_the_readers_language_and_says_what_is_allowed(client):
    response = client.delete("/api/v1/events?lang=nl")
    assert response.status_code == 405
    assert response.get_json() == {
        "error": {"code": "method_not_allowed", "message": "Deze methode is op dit adres niet toegestaan."}
    }
    assert "GET" in response.headers["Allow"]
    french = client.delete("/api/v1/events?lang=fr").get_json()["error"]["message"]
    assert french == "Cette méthode n\u2019est pas permise à cette adresse."
