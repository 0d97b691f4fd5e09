"""The OpenAPI 3.1 description of /api/v1, assembled from each domain's `openapi.py` fragment.

A domain fragment is a module with PATHS (paths relative to /api/v1) and SCHEMAS (components).
"""

from importlib import import_module

from flask import jsonify

from eventapp.api import bp

FRAGMENTS = (
    "eventapp.events.openapi",
    "eventapp.tickets.openapi",
    "eventapp.participation.openapi",
    "eventapp.api.open_data_openapi",
)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
        }
    },
}


def build_document(server_url: str) -> dict:
    paths, schemas = {}, {"Error": ERROR_SCHEMA}
    for name in FRAGMENTS:
        fragment = import_module(name)
        paths.update({f"/api/v1{path}": item for path, item in fragment.PATHS.items()})
        schemas.update(fragment.SCHEMAS)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Smart City Events API",
            "version": "1",
            "description": (
                "Open data of the Brussels Smart City Events (events, UiTdatabank export, DCAT-AP catalogue, "
                "participation results), and the door check-in API."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"deviceToken": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
def openapi_document():
    from flask import current_app

    return jsonify(build_document(current_app.config["PUBLIC_BASE_URL"].rstrip("/")))
