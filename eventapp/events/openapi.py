"""OpenAPI fragment for the open-data catalogue."""

_TEXTS = {
    "type": "object",
    "properties": {lang: {"type": ["string", "null"]} for lang in ("fr", "nl", "en")},
}
_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

SCHEMAS = {
    "Session": {
        "type": "object",
        "required": ["slug", "uuid", "kind", "title", "start", "end", "languages", "capacity", "seats_left"],
        "properties": {
            "slug": {"type": "string"},
            "uuid": {"type": "string", "format": "uuid"},
            "kind": {"type": "string", "enum": ["plenary", "workshop", "participatory"]},
            "title": _TEXTS,
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "room": {"type": "string"},
            "languages": {"type": "array", "items": {"type": "string", "enum": ["fr", "nl", "en"]}},
            "capacity": {"type": ["integer", "null"], "description": "null: shares the event's seats"},
            "seats_left": {"type": ["integer", "null"]},
        },
    },
    "Event": {
        "type": "object",
        "required": [
            "slug",
            "uuid",
            "url",
            "title",
            "start",
            "end",
            "status",
            "theme",
            "venue",
            "capacity",
            "seats_left",
            "waiting_list",
            "sessions",
            "ics",
            "feeds",
        ],
        "properties": {
            "slug": {"type": "string"},
            "uuid": {"type": "string", "format": "uuid"},
            "url": {"type": "string", "format": "uri"},
            "title": _TEXTS,
            "summary": _TEXTS,
            "description": _TEXTS,
            "start": {"type": "string", "format": "date-time", "description": "ISO 8601 with offset"},
            "end": {"type": "string", "format": "date-time"},
            "status": {"type": "string", "enum": ["published", "cancelled"]},
            "theme": {"type": "object"},
            "venue": {"type": "object"},
            "capacity": {"type": "integer"},
            "seats_left": {"type": "integer"},
            "waiting_list": {"type": "integer", "description": "number of people waiting"},
            "sessions": {"type": "array", "items": {"$ref": "#/components/schemas/Session"}},
            "facilities": {
                "type": "array",
                "description": "Accessibility facilities offered, with their UiTdatabank facility term id.",
                "items": {
                    "type": "object",
                    "required": ["uitdatabank_id", "label"],
                    "properties": {"uitdatabank_id": {"type": "string"}, "label": _TEXTS},
                },
            },
            "ics": {
                "type": "string",
                "format": "uri",
                "description": "This event as an iCalendar file (text/calendar; add ?lang=fr|nl|en).",
            },
            "feeds": {"$ref": "#/components/schemas/EventFeeds"},
        },
    },
    "EventFeeds": {
        "type": "object",
        "description": (
            "iCalendar subscription feeds (RFC 5545; text/calendar) holding this event: published events "
            "from 30 days ago to a year ahead, cancelled ones kept 30 days with STATUS:CANCELLED. Add "
            "?lang=fr|nl|en. Answers carry a strong ETag and Last-Modified; send If-None-Match to get 304."
        ),
        "required": ["theme", "all"],
        "properties": {
            "theme": {"type": "string", "format": "uri", "description": "The feed of the event's theme"},
            "all": {"type": "string", "format": "uri", "description": "The feed of all events"},
        },
    },
}

SCHEMAS["UiTdatabankEvent"] = {
    "type": "object",
    "description": (
        "The body publiq's UiTdatabank Entry API takes to create an event (POST /events): it validates against "
        "the event-post JSON schema of github.com/cultuurnet/udb3-json-schemas. Terms: event type 0.3.2.0.0 "
        "(Lezing of congres), theme 1.37.2.0.0 (Samenleving), and the accessibility facilities (domain facility)."
    ),
    "required": ["mainLanguage", "name", "terms", "location", "calendarType", "subEvent"],
    "properties": {
        "mainLanguage": {"type": "string", "enum": ["nl", "fr", "en"]},
        "name": {"type": "object", "additionalProperties": {"type": "string"}},
        "description": {"type": "object", "additionalProperties": {"type": "string"}},
        "terms": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "label", "domain"],
                "properties": {
                    "id": {"type": "string"},
                    "label": {"type": "string"},
                    "domain": {"type": "string", "enum": ["eventtype", "theme", "facility"]},
                },
            },
        },
        "location": {
            "type": "object",
            "description": "The venue as a UiTdatabank place (an organiser sets its id on the venue).",
            "properties": {"@id": {"type": "string", "format": "uri"}},
        },
        "calendarType": {"type": "string", "enum": ["single", "multiple"]},
        "subEvent": {"type": "array", "items": {"type": "object"}},
        "status": {"type": "object"},
        "bookingAvailability": {"type": "object"},
        "attendanceMode": {"type": "string", "enum": ["offline"]},
        "audience": {"type": "object"},
        "bookingInfo": {"type": "object"},
        "priceInfo": {"type": "array", "items": {"type": "object"}},
    },
}

PATHS = {
    "/events": {
        "get": {
            "summary": "Published events, soonest first",
            "operationId": "listEvents",
            "parameters": [
                {"name": "theme", "in": "query", "schema": {"type": "string"}},
                {"name": "date_from", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "date_to", "in": "query", "schema": {"type": "string", "format": "date"}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
            ],
            "responses": {
                "200": {
                    "description": "A page of events",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
                                    "page": {"type": "integer"},
                                    "per_page": {"type": "integer"},
                                    "total": {"type": "integer"},
                                },
                            }
                        }
                    },
                },
                "400": {"description": "Invalid filter", **_ERROR},
            },
        }
    },
    "/events/{slug}": {
        "get": {
            "summary": "One published or cancelled event",
            "operationId": "getEvent",
            "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": {
                    "description": "The event",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}},
                },
                "404": {"description": "No such public event", **_ERROR},
            },
        }
    },
    "/events/{slug}/uitdatabank": {
        "get": {
            "summary": "One published or cancelled event as a UiTdatabank (publiq) Entry API document",
            "operationId": "getEventUitdatabank",
            "parameters": [{"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {
                "200": {
                    "description": "The event, ready to POST to UiTdatabank's Entry API",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/UiTdatabankEvent"}}},
                },
                "404": {"description": "No such public event", **_ERROR},
                "422": {"description": "The venue has no UiTdatabank place id yet", **_ERROR},
            },
        }
    },
}
