"""The OpenAPI document lists every status an operation can answer, not just the happy path.

Some answers come from below the routes (the request guard, the rate limiter, the pools) and
some from the one exception table (``livecred/errors.py``), so FastAPI cannot know them. They are
added here, to every operation they apply to, with the error body's shape; what a route already
documents (with its own wording) is kept. ``tests/api/test_openapi_statuses.py`` sends hostile
requests to every operation and checks each answer's status is listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI

from livecred.ratelimit import FACE_ROUTES, ROUTE_FAMILIES

_ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "Stable machine-readable code."},
        "message": {"type": "string", "description": "Human-readable; never echoes the request."},
        "field": {"type": "string", "description": "The request field at fault, when there is one."},
    },
}

# Statuses every operation that takes a body can answer, from the request guard and validation.
BODY_STATUSES: Mapping[str, str] = {
    "400": "Invalid JSON, an empty body, or JSON nested too deep / too large (json_too_deep, json_too_complex)",
    "408": "The request body arrived too slowly (request_timeout)",
    "413": "The request body is over this route's limit (request_too_large)",
    "422": "Invalid request fields",
    "503": "The service is busy (server_busy) or a part it needs is unavailable; see Retry-After",
}
API_KEY = "An API key is required and missing or not valid (api_key_required, invalid_api_key; LIVECRED_API_KEYS)"
RATE_LIMITED = "Too many requests from this client address or for this holder DID (rate_limited); see Retry-After"

# Operations whose answers depend on state or configuration: (method, path) -> status -> why.
ROUTE_STATUSES: Mapping[tuple[str, str], Mapping[str, str]] = {
    ("post", "/credentials/issue"): {
        "400": "Unsupported proof type or an invalid credential",
        "401": "A valid admin bearer token is required",
        "403": "Admin endpoints are disabled (no LIVECRED_ADMIN_TOKEN)",
        "409": "A credential with this id was already issued, or the Idempotency-Key is in use",
    },
    ("post", "/credentials/status"): {
        "401": "A valid admin bearer token is required",
        "403": "Admin endpoints are disabled (no LIVECRED_ADMIN_TOKEN)",
        "404": "No credential with this id was issued here",
        "409": "The status change is not allowed",
    },
    ("get", "/.well-known/did.json"): {"404": "This issuer's DID is not a did:web of this host"},
    ("get", "/status/{list_id}"): {"404": "No such status list", "503": "The issuer database is unavailable"},
    ("get", "/sessions/{session_id}"): {
        "404": "No such session",
        "410": "The session expired",
        "503": "The issuer database is unavailable or busy",
    },
    ("post", "/sessions"): {
        "400": "The holder DID is malformed or uses an unsupported method",
        "401": "The holder proof (proof of possession) does not verify",
        "429": "This device is locked out after repeated failures (locked_out), or rate_limited; see Retry-After",
    },
    ("post", "/credential"): {
        "401": "A valid access token from /token is required",
        "403": "The access token does not allow this credential",
    },
    ("get", "/oid4vp/requests/{transaction_id}"): {
        "404": "No such presentation request, or its result is no longer kept",
        "503": "The issuer database is unavailable or busy",
    },
    ("post", "/oid4vp/response"): {"400": "The answer is malformed or not accepted (OAuth error shape)"},
    ("get", "/zk/verification-key"): {"503": "The zk artifacts are unavailable"},
    ("get", "/zk/verifier.sol"): {"503": "The zk artifacts are unavailable"},
    ("get", "/zk/ceremony"): {"503": "The zk artifacts are unavailable"},
}


def _response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def complete_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with the statuses that come from below the routes added to every operation."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    limited = {(method.lower(), path) for method, path in ROUTE_FAMILIES}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            added: dict[str, str] = {}
            if method in ("post", "put", "patch"):
                added.update(BODY_STATUSES)
            if (method, path) in limited:
                added["429"] = RATE_LIMITED
            if method == "post" and path in FACE_ROUTES:
                added["401"] = API_KEY
            added.update(ROUTE_STATUSES.get((method, path), {}))
            for status, description in added.items():
                responses.setdefault(status, _response(description))
    return schema


def install_openapi(app: FastAPI) -> None:
    """Complete FastAPI's own document (built and cached by FastAPI) with those statuses."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        return complete_responses(generate())  # idempotent: adds only what is missing

    setattr(app, "openapi", openapi)  # noqa: B010 - FastAPI's documented way to extend the document


__all__ = ["BODY_STATUSES", "ROUTE_STATUSES", "complete_responses", "install_openapi"]
