"""Form bodies (``application/x-www-form-urlencoded``) as the OAuth-based routes read them: the
OpenID4VCI Token Endpoint and the OpenID4VP Response Endpoint. Strict: the content type, the
encoding, and no parameter twice; each refusal is the route's own ``invalid_request``."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable

from fastapi import Request


async def read_form(
    request: Request, refuse: Callable[[str], Exception], what: str, *, encoding: str = "utf-8"
) -> dict[str, str]:
    """The form's parameters; ``refuse(message)`` makes the error raised for a bad body, ``what``
    names the body in its messages ("the token request")."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise refuse(f"{what} must be application/x-www-form-urlencoded")
    raw = await request.body()
    try:
        pairs = urllib.parse.parse_qsl(raw.decode(encoding), keep_blank_values=True, strict_parsing=bool(raw))
    except (UnicodeDecodeError, ValueError) as exc:
        raise refuse(f"{what} is not valid form encoding") from exc
    form: dict[str, str] = {}
    for key, value in pairs:
        if key in form:
            raise refuse("a parameter is repeated")
        form[key] = value
    return form
