"""OpenAPI fragment for the door: check-in, offline snapshot and batch upload (device token as Bearer)."""

_ERROR = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_SECURITY: list[dict[str, list[str]]] = [{"deviceToken": []}]
_STATUSES = ["ok", "already_checked_in", "wrong_event", "cancelled", "waitlisted", "invalid", "not_today"]
_COMMON_ERRORS = {
    "400": {"description": "Malformed request", **_ERROR},
    "403": {"description": "Missing, unknown or revoked device token", **_ERROR},
}


def _json(ref: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


SCHEMAS = {
    "Scan": {
        "type": "object",
        "required": ["code", "scan_id"],
        "properties": {
            "code": {"type": "string", "description": "The text of the QR code, e.g. EA1-…", "maxLength": 200},
            "scan_id": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_-]{8,64}$",
                "description": "Made by the client once per scan; a retry with the same id is never counted twice",
            },
            "people": {"type": ["integer", "null"], "minimum": 1, "description": "Default: all remaining"},
            "scanned_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "When an offline device scanned it (marks the scan as offline)",
            },
        },
    },
    "OfflineScan": {
        "allOf": [
            {"$ref": "#/components/schemas/Scan"},
            {
                "type": "object",
                "properties": {
                    "verdict": {
                        "type": "string",
                        "enum": _STATUSES,
                        "default": "ok",
                        "description": "The device's offline verdict; only 'ok' scans admit anyone",
                    }
                },
            },
        ]
    },
    "CheckInResult": {
        "type": "object",
        "required": ["status", "scan_id", "people", "people_remaining", "seats", "sessions"],
        "properties": {
            "status": {"type": "string", "enum": _STATUSES},
            "scan_id": {"type": "string"},
            "people": {"type": "integer", "description": "People admitted by this scan"},
            "people_remaining": {"type": "integer", "description": "People of the ticket still to come"},
            "seats": {"type": "integer"},
            "sessions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "title": {"type": "string"},
                        "start": {"type": "string", "format": "date-time"},
                        "end": {"type": "string", "format": "date-time"},
                        "room": {"type": "string"},
                    },
                },
            },
            "previous": {
                "type": ["object", "null"],
                "properties": {"at": {"type": "string", "format": "date-time"}, "gate": {"type": "string"}},
            },
            "other_event": {
                "type": ["object", "null"],
                "properties": {
                    "slug": {"type": "string"},
                    "title": {"type": "string"},
                    "start": {"type": "string", "format": "date-time"},
                },
            },
            "door_days": {
                "type": ["object", "null"],
                "description": "For not_today: the first and last door days of the event (Brussels dates)",
                "properties": {
                    "first": {"type": "string", "format": "date"},
                    "last": {"type": "string", "format": "date"},
                },
            },
            "name": {"type": "string", "description": "Only for scanners allowed to search by name"},
            "replayed": {"type": "boolean", "description": "A retried scan_id answered from the log"},
            "duplicate_discovered": {
                "type": "boolean",
                "description": "An offline admission found, on upload, to be a duplicate",
            },
        },
    },
    "CheckInCounts": {
        "type": "object",
        "properties": {
            "checked_in": {"type": "integer"},
            "expected": {"type": "integer"},
            "tickets_used": {"type": "integer"},
            "tickets": {"type": "integer"},
            "gates": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    },
    "LateDuplicate": {
        "type": "object",
        "properties": {
            "scan_id": {"type": "string"},
            "gate": {"type": "string"},
            "scanned_at": {"type": "string", "format": "date-time"},
            "discovered_at": {"type": "string", "format": "date-time"},
            "admitted": {"type": ["object", "null"], "description": "The admission that won (earliest scan)"},
        },
    },
    "ScannerSnapshot": {
        "type": "object",
        "properties": {
            "generated_at": {"type": "string", "format": "date-time"},
            "day": {
                "type": "string",
                "format": "date",
                "description": "the door day the tickets' counts (c) are for; a door day starts at day_starts "
                "o'clock in Brussels and runs until that hour the next day",
            },
            "day_starts": {"type": "integer", "minimum": 0, "maximum": 23},
            "scanner": {
                "type": "object",
                "description": "gate, profile, and key: an opaque name of the scanner, the same across "
                "re-pairings (a phone uploads the scans it queued only while paired as that scanner)",
            },
            "event": {"type": "object"},
            "sessions": {"type": "array", "items": {"type": "object"}},
            "tickets": {
                "type": "array",
                "description": "One per registration: d = SHA-256 hex of the ticket code, st = status, n = seats, "
                "c = people checked in on day, s = indexes into sessions, at/g = last admission, "
                "name (search profiles)",
                "items": {"type": "object"},
            },
            "counts": {"$ref": "#/components/schemas/CheckInCounts"},
            "duplicates": {"type": "array", "items": {"$ref": "#/components/schemas/LateDuplicate"}},
        },
    },
}

PATHS = {
    "/checkin": {
        "post": {
            "summary": "Judge a scanned ticket and admit it, exactly once",
            "operationId": "checkIn",
            "security": _SECURITY,
            "requestBody": {"required": True, "content": _json("Scan")},
            "responses": {
                "200": {
                    "description": "The verdict (every status, admitted or not)",
                    "content": _json("CheckInResult"),
                },
                **_COMMON_ERRORS,
                "409": {"description": "The scan_id belongs to another scanner", **_ERROR},
                "422": {"description": "Impossible number of people", **_ERROR},
            },
        }
    },
    "/checkin/batch": {
        "post": {
            "summary": "Upload scans made offline; the earliest scan of a ticket keeps the admission",
            "operationId": "checkInBatch",
            "security": _SECURITY,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["scans"],
                            "properties": {
                                "scans": {
                                    "type": "array",
                                    "maxItems": 500,
                                    "items": {"$ref": "#/components/schemas/OfflineScan"},
                                }
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "One result (or error object) per scan",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "results": {
                                        "type": "array",
                                        # A scan refused on its own shape carries an error object instead.
                                        "items": {
                                            "anyOf": [
                                                {"$ref": "#/components/schemas/CheckInResult"},
                                                {
                                                    "allOf": [{"$ref": "#/components/schemas/Error"}],
                                                    "required": ["scan_id"],
                                                    "properties": {"scan_id": {}},
                                                },
                                            ]
                                        },
                                    }
                                },
                            }
                        }
                    },
                },
                **_COMMON_ERRORS,
            },
        }
    },
    "/checkin/undo": {
        "post": {
            "summary": "Take back an admission (supervisor scanners)",
            "operationId": "undoCheckIn",
            "security": _SECURITY,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["scan_id"],
                            "properties": {"scan_id": {"type": "string"}},
                        }
                    }
                },
            },
            "responses": {
                "200": {"description": "Undone"},
                **_COMMON_ERRORS,
                "404": {"description": "No admission by this scan", **_ERROR},
                "422": {"description": "Already undone", **_ERROR},
            },
        }
    },
    "/scanner/snapshot": {
        "get": {
            "summary": "What the scanner keeps to judge tickets offline (digests, never codes or emails)",
            "operationId": "scannerSnapshot",
            "security": _SECURITY,
            "responses": {"200": {"description": "Snapshot", "content": _json("ScannerSnapshot")}, **_COMMON_ERRORS},
        }
    },
    "/scanner/status": {
        "get": {
            "summary": "Live counts per gate and duplicates discovered after the fact",
            "operationId": "scannerStatus",
            "security": _SECURITY,
            "responses": {"200": {"description": "Counts and duplicates"}, **_COMMON_ERRORS},
        }
    },
    "/scanner/search": {
        "get": {
            "summary": "Attendees by name (scan_and_search and supervisor scanners)",
            "operationId": "scannerSearch",
            "security": _SECURITY,
            "parameters": [
                {"name": "q", "in": "query", "required": True, "schema": {"type": "string", "minLength": 2}}
            ],
            "responses": {"200": {"description": "Matches"}, **_COMMON_ERRORS},
        }
    },
}
