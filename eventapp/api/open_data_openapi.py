"""OpenAPI fragment for the open-data catalogue (DCAT-AP) and the participation results it lists."""

from eventapp.api.open_results import COLUMNS

_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_RESULTS = (
    "The anonymised participation results of a past event: attendance, reach by commune and audience, poll "
    'answers, numbers of ideas and questions. Counts are text: under 5 people they read "<5", and where a '
    'small count could be worked out from a total, more are hidden ("hidden"); a breakdown that cannot be '
    'protected reads "withheld". 404 until the event has ended.'
)

SCHEMAS = {
    "ResultRecord": {
        "type": "object",
        "required": COLUMNS,
        "properties": {column: {"type": "string"} for column in COLUMNS}
        | {
            "record": {
                "type": "string",
                "enum": [
                    "registered",
                    "checked_in",
                    "reach_by_commune",
                    "reach_by_audience",
                    "contributions",
                    "answers",
                    "poll_result",
                ],
            }
        },
    },
    "Results": {
        "type": "object",
        "required": ["event", "records"],
        "properties": {
            "event": {"type": "string", "description": "The event's slug"},
            "records": {"type": "array", "items": {"$ref": "#/components/schemas/ResultRecord"}},
        },
    },
}

PATHS = {
    "/catalog": {
        "get": {
            "summary": "The open-data catalogue in DCAT-AP 3 (JSON-LD)",
            "description": (
                "A dcat:Catalog of the events dataset (JSON API, iCalendar feeds, schema.org data) and of one "
                "results dataset per past event (CSV and JSON), for open-data portals to harvest."
            ),
            "operationId": "getCatalog",
            "responses": {
                "200": {
                    "description": "The catalogue",
                    "content": {"application/ld+json": {"schema": {"type": "object", "required": ["@context"]}}},
                }
            },
        }
    },
    "/events/{slug}/results.csv": {
        "get": {
            "summary": "A past event's anonymised participation results (CSV)",
            "description": _RESULTS + " Columns: " + ", ".join(COLUMNS) + ".",
            "operationId": "getEventResultsCsv",
            "parameters": [_SLUG],
            "responses": {
                "200": {"description": "The results", "content": {"text/csv": {"schema": {"type": "string"}}}},
                "404": {"description": "No such past event", **_ERROR},
            },
        }
    },
    "/events/{slug}/results.json": {
        "get": {
            "summary": "A past event's anonymised participation results (JSON)",
            "description": _RESULTS,
            "operationId": "getEventResultsJson",
            "parameters": [_SLUG],
            "responses": {
                "200": {
                    "description": "The results",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Results"}}},
                },
                "404": {"description": "No such past event", **_ERROR},
            },
        }
    },
}
