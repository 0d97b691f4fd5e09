"""OpenAPI fragment for the open data of participation."""

_TEXTS = {"type": "object", "properties": {lang: {"type": ["string", "null"]} for lang in ("fr", "nl", "en")}}
_CHANNELS = {
    "type": "object",
    "description": "counts by channel: checked_in, registered, guest, facilitator",
    "additionalProperties": {"type": "integer"},
}
_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

SCHEMAS = {
    "PollResult": {
        "type": "object",
        "required": ["id", "kind", "prompt", "total", "by_channel", "rows"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "kind": {"type": "string", "enum": ["poll", "feedback"]},
            "type": {"type": ["string", "null"], "enum": ["single", "multiple", "scale", "open", None]},
            "prompt": _TEXTS,
            "total": {"type": "integer"},
            "by_channel": _CHANNELS,
            "rows": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"label": _TEXTS, "count": {"type": "integer"}, "by_channel": _CHANNELS},
                },
            },
        },
    },
    "Contribution": {
        "type": "object",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "text": {"type": "string", "description": "plain text, never HTML"},
            "channel": {"type": "string", "enum": ["checked_in", "registered", "guest", "facilitator"]},
            "upvotes": {"type": "integer"},
            "answered": {"type": "boolean"},
            "outcome": {"type": ["string", "null"], "enum": ["accepted", "studied", "not_retained", None]},
            "outcome_reason": {"oneOf": [_TEXTS, {"type": "null"}]},
        },
    },
    "ShortAnswers": {
        "type": "object",
        "description": "a word cloud: published short answers grouped as one word each, the most given first",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "prompt": _TEXTS,
            "answers": {"type": "integer", "description": "short answers published"},
            "people": {"type": "integer", "description": "people who gave them (a paper card counts one)"},
            "words": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"text": {"type": "string"}, "count": {"type": "integer"}},
                },
            },
        },
    },
}

PATHS = {
    "/participation/sessions/{uuid}/results": {
        "get": {
            "summary": "Public results: polls revealed or closed, approved ideas, questions and short answers",
            "operationId": "getParticipationResults",
            "parameters": [
                {"name": "uuid", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
            ],
            "responses": {
                "200": {
                    "description": "The results",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "session": {"type": "string", "format": "uuid"},
                                    "polls": {"type": "array", "items": {"$ref": "#/components/schemas/PollResult"}},
                                    "ideas": {"type": "array", "items": {"$ref": "#/components/schemas/Contribution"}},
                                    "questions": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Contribution"},
                                    },
                                    "short_answers": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/ShortAnswers"},
                                    },
                                },
                            }
                        }
                    },
                },
                "404": {"description": "No such public session", **_ERROR},
            },
        }
    }
}
