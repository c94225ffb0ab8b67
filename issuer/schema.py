"""The published JSON Schema of ``LivenessCredential`` and validation against it.

``issuer/schemas/LivenessCredential.json`` is kept as the seed design published it (``$metadata`` form,
JSON Schema 2020-12); only ``$metadata.uris.jsonLdContext`` is pointed at the URL the service
publishes the context under, rewritten per deployment when served. Formats (``date-time``,
``uri``) are asserted, not just annotated, with the non-GPL format checkers.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import TYPE_CHECKING, Any

from issuer.contexts import SCHEMAS_DIR, liveness_context_url

SCHEMA_FILE = SCHEMAS_DIR / "LivenessCredential.json"
# The VC Data Model 2.0 variant: the same claims, dated by validFrom / validUntil.
SCHEMA_FILE_V2 = SCHEMAS_DIR / "LivenessCredential-v2.json"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator, FormatChecker


@cache
def _published_schema(v2: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMA_FILE_V2 if v2 else SCHEMA_FILE).read_text(encoding="utf-8"))
    return schema


def is_vc2(credential: object) -> bool:
    """Whether ``credential`` is a VC Data Model 2.0 document (its first context says so)."""
    ctx = credential.get("@context") if isinstance(credential, dict) else None
    first = ctx[0] if isinstance(ctx, list) and ctx else ctx
    return first == CREDENTIALS_V2


def liveness_schema(public_url: str | None = None, *, v2: bool = False) -> dict[str, Any]:
    """The schema as published by a service at ``public_url`` (its context URL filled in)."""
    schema = copy.deepcopy(_published_schema(v2))
    if public_url is not None:
        schema["$metadata"]["uris"]["jsonLdContext"] = liveness_context_url(public_url)
    return schema


def _whole(check: Any) -> Any:
    """``check`` refusing any white space or control character: the format validators match
    with ``$``, which also accepts a value that ends in a newline (``did:key:z6Mk...\n``)."""

    def strict(value: object) -> bool:
        if isinstance(value, str) and any(c.isspace() or not c.isprintable() for c in value):
            return False
        return bool(check(value))

    return strict


def _format_checker() -> FormatChecker:
    # jsonschema is imported here, not at import time: its format checkers build a URI grammar
    # that takes seconds (and `livecred --help` imports this module).
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker(formats=())
    checker.checkers = dict(Draft202012Validator.FORMAT_CHECKER.checkers)
    for name in ("uri", "date-time"):
        check, raises = checker.checkers[name]
        checker.checkers[name] = (_whole(check), raises)
    return checker


@cache
def _validator(v2: bool = False) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    schema = _published_schema(v2)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=_format_checker())


def schema_errors(credential: object) -> list[dict[str, str]]:
    """Every violation, as ``{"path", "message"}``; empty when the credential is valid.

    Messages name the path and the rule, never the offending value, so that nothing a client
    sent is echoed back at length.
    """
    errors: list[dict[str, str]] = []
    validator = _validator(is_vc2(credential))
    for error in sorted(validator.iter_errors(credential), key=lambda e: list(map(str, e.absolute_path))):
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        entry = {"path": path, "message": _describe(error.validator, error.validator_value, error.instance)}
        if entry not in errors:
            errors.append(entry)
    return errors


def _describe(rule: object, value: object, instance: object) -> str:
    if rule == "required" and isinstance(value, list):
        missing = [str(k) for k in value if not isinstance(instance, dict) or k not in instance]
        return f"missing required properties: {', '.join(missing)}"
    if rule == "format":
        return f"is not a valid {value}"
    if rule == "type":
        return f"must be of type {value}"
    return f"fails the {rule} rule"
