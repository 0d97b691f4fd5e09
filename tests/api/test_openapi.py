"""The OpenAPI document describes the open-data endpoints."""


def test_the_openapi_document_describes_the_open_data_endpoints(client):
    document = client.get("/api/v1/openapi.json").get_json()
    paths = document["paths"]
    for path in (
        "/api/v1/events/{slug}/uitdatabank",
        "/api/v1/catalog",
        "/api/v1/events/{slug}/results.csv",
        "/api/v1/events/{slug}/results.json",
    ):
        assert "get" in paths[path], path
    assert "application/ld+json" in paths["/api/v1/catalog"]["get"]["responses"]["200"]["content"]
    assert "422" in paths["/api/v1/events/{slug}/uitdatabank"]["get"]["responses"]
    schemas = document["components"]["schemas"]
    assert {"UiTdatabankEvent", "Results", "ResultRecord"} <= set(schemas)
