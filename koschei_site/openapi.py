"""The OpenAPI description of the JSON API, served at ``/api/v1/openapi.json``.

Written by hand next to the views it describes (packages/api, builds/api); the API tests
check every response against it, and a schemathesis run explores it for server errors.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

# upstream's times: ISO 8601 in UTC without a zone, so not RFC 3339's date-time format
TIME = {
    "type": "string",
    "nullable": True,
    "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$",
    "description": "ISO 8601, UTC, without a zone",
}
STATE = {
    "type": "string",
    "enum": ["ok", "failing", "unresolved", "blocked", "untracked", "unknown"],
}
NOT_FOUND = {"description": "Unknown collection, package or build"}
BAD_REQUEST = {"description": "A malformed request (a NUL character in the path or a query)"}

LAST_BUILD = {
    "type": "object",
    "nullable": True,
    "required": ["task_id", "time_started", "time_finished", "epoch", "version", "release"],
    "properties": {
        "task_id": {"type": "integer"},
        "time_started": TIME,
        "time_finished": TIME,
        "epoch": {"type": "integer", "nullable": True},
        "version": {"type": "string"},
        "release": {"type": "string"},
    },
}

PACKAGE = {
    "type": "object",
    "required": ["name", "collection", "state", "last_complete_build"],
    "properties": {
        "name": {"type": "string"},
        "collection": {"type": "string"},
        "state": STATE,
        "last_complete_build": {"$ref": "#/components/schemas/LastBuild"},
    },
}

PACKAGE_DETAIL = {
    "allOf": [
        {"$ref": "#/components/schemas/Package"},
        {
            "type": "object",
            "required": ["tracked", "blocked", "current_priority", "running"],
            "properties": {
                "tracked": {"type": "boolean"},
                "blocked": {"type": "boolean"},
                "resolved": {"type": "boolean", "nullable": True},
                "skip_resolution": {"type": "boolean"},
                "arch_override": {"type": "array", "items": {"type": "string"}},
                "manual_priority": {"type": "integer"},
                "static_priority": {"type": "integer"},
                "current_priority": {"type": "number", "nullable": True},
                "running": {"type": "boolean"},
            },
        },
    ]
}

BUILD = {
    "type": "object",
    "required": ["id", "package", "collection", "state", "task_id", "tasks"],
    "properties": {
        "id": {"type": "integer"},
        "package": {"type": "string"},
        "collection": {"type": "string"},
        "state": {"type": "string", "enum": ["running", "complete", "failed"]},
        "task_id": {"type": "integer"},
        "real": {"type": "boolean"},
        "time_started": TIME,
        "time_finished": TIME,
        "epoch": {"type": "integer", "nullable": True},
        "version": {"type": "string", "nullable": True},
        "release": {"type": "string", "nullable": True},
        "repo_id": {"type": "integer", "nullable": True},
        "deps_resolved": {"type": "boolean", "nullable": True},
        "cancel_requested": {"type": "boolean"},
        "tasks": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["task_id", "arch", "state"],
                "properties": {
                    "task_id": {"type": "integer"},
                    "arch": {"type": "string"},
                    "state": {"type": "string"},
                    "time_started": TIME,
                    "time_finished": TIME,
                },
            },
        },
    },
}


WHY = {
    "type": "object",
    "required": ["package", "collection", "priority", "threshold", "position", "gates", "verdict"],
    "properties": {
        "package": {"type": "string"},
        "collection": {"type": "string"},
        "priority": {
            "type": "object",
            "nullable": True,
            "properties": {
                k: {"type": "number"}
                for k in (
                    "dependency",
                    "time",
                    "failed",
                    "manual",
                    "static",
                    "coefficient",
                    "total",
                )
            },
        },
        "threshold": {"type": "number"},
        "position": {"type": "integer", "nullable": True},
        "koji_checked": {"type": "boolean"},
        "verdict": {"type": "string"},
        "gates": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "holding", "detail"],
                "properties": {
                    "name": {"type": "string"},
                    "holding": {"type": "boolean"},
                    "detail": {"type": "string"},
                    "until": {"type": "string", "nullable": True},
                },
            },
        },
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _list_of(ref: str) -> dict[str, Any]:
    return {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}}


# request strings: anything but NUL, which every route refuses with 400 (PostgreSQL text
# cannot hold it)
TEXT = {"type": "string", "pattern": "^[^\\u0000]*$"}
REPEATED = {"type": "array", "items": TEXT}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Koschei API",
        "version": "1",
        "description": "Package states, collection differences and builds, read-only.",
        "license": {"name": "GPL-2.0-or-later"},
    },
    "paths": {
        "/api/v1/packages": {
            "get": {
                "summary": "Every package in every collection, by name",
                "parameters": [
                    {"name": "name", "in": "query", "schema": REPEATED, "explode": True},
                    {"name": "collection", "in": "query", "schema": REPEATED, "explode": True},
                ],
                "responses": {
                    "200": _json(_list_of("Package"), "Packages"),
                    "400": BAD_REQUEST,
                    "404": NOT_FOUND,
                },
            }
        },
        "/api/v1/packages/{name}": {
            "get": {
                "summary": "A package in each collection, with its scheduling inputs",
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": TEXT},
                    {"name": "collection", "in": "query", "schema": REPEATED, "explode": True},
                ],
                "responses": {
                    "200": _json(_list_of("PackageDetail"), "The package per collection"),
                    "400": BAD_REQUEST,
                    "404": NOT_FOUND,
                },
            }
        },
        "/api/v1/packages/{name}/why": {
            "get": {
                "summary": "Why and when will this package build: priority terms, queue "
                "place and every gate holding it back (koji=1 also asks Koji for its arches "
                "and load, as the scheduler does)",
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": TEXT},
                    {"name": "collection", "in": "query", "schema": TEXT},
                ],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Why"}, "The explanation"),
                    "400": BAD_REQUEST,
                    "404": NOT_FOUND,
                },
            }
        },
        "/api/v1/collections/diff/{first}/{second}": {
            "get": {
                "summary": "Packages whose state differs between two collections",
                "parameters": [
                    {"name": n, "in": "path", "required": True, "schema": TEXT}
                    for n in ("first", "second")
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["name", "state"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "state": {"type": "object", "additionalProperties": STATE},
                                },
                            },
                        },
                        "Differences, by package name",
                    ),
                    "400": BAD_REQUEST,
                    "404": NOT_FOUND,
                },
            }
        },
        "/api/v1/builds/{id}": {
            "get": {
                "summary": "A build and its Koji tasks",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": _json({"$ref": "#/components/schemas/Build"}, "The build"),
                    "400": BAD_REQUEST,
                    "404": NOT_FOUND,
                },
            }
        },
    },
    "components": {
        "schemas": {
            "LastBuild": LAST_BUILD,
            "Package": PACKAGE,
            "PackageDetail": PACKAGE_DETAIL,
            "Build": BUILD,
            "Why": WHY,
        }
    },
}


@csrf_exempt  # read-only: any other method is a 405, never a CSRF 403
@require_GET
def openapi_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse(DOCUMENT)
