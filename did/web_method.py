"""``did:web``: a DID whose document is published over HTTPS at a URL derived from the DID.

``did:web:example.com`` -> ``https://example.com/.well-known/did.json``;
``did:web:example.com:issuers:live`` -> ``https://example.com/issuers/live/did.json``;
a port is percent-encoded (``did:web:localhost%3A8443``). Resolution is a bounded GET (timeout,
size cap, no redirects to other hosts) and the document must name the DID it was fetched for.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, unquote, urlsplit

import httpx

from did._exceptions import DIDNotFound, DIDResolutionError, InvalidDID
from did.document import DIDDocument

PREFIX = "did:web:"
_HOST = re.compile(r"^[A-Za-z0-9.-]+(:[0-9]{1,5})?\Z")
_SEGMENT = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=@%-]+\Z")


def did_web_from_domain(domain: str) -> str:
    """``example.com[:port][/path...]`` (or an https URL) -> ``did:web:...``."""
    value = domain.strip()
    if "://" in value:
        parts = urlsplit(value)
        if parts.scheme != "https":
            raise InvalidDID("did:web documents are served over https")
        value = parts.netloc + parts.path
    host, _, path = value.strip("/").partition("/")
    if not host or not _HOST.match(host):
        raise InvalidDID("not a host name for did:web")
    segments = [s for s in path.split("/") if s]
    if segments and segments[-1] == "did.json":
        segments.pop()
    if segments == [".well-known"]:
        segments = []
    if any(not _SEGMENT.match(s) for s in segments):
        raise InvalidDID("did:web path segments may not contain ':' or other reserved characters")
    return PREFIX + ":".join([quote(host, safe=""), *segments])


def did_web_to_url(did: str) -> str:
    if not did.startswith(PREFIX):
        raise InvalidDID("not a did:web")
    identifier = did[len(PREFIX) :].split("#", 1)[0].split("?", 1)[0]
    parts = identifier.split(":")
    host = unquote(parts[0])
    if not host or not _HOST.match(host) or any(not _SEGMENT.match(s) for s in parts[1:]):
        raise InvalidDID("malformed did:web")
    path = "/".join(parts[1:]) + "/did.json" if len(parts) > 1 else ".well-known/did.json"
    return f"https://{host}/{path}"


class WebDIDResolver:
    """Resolves ``did:web`` with an ``httpx.Client`` (pass one with a ``MockTransport`` in tests)."""

    method = "web"

    def __init__(
        self, client: httpx.Client | None = None, *, timeout: float = 5.0, max_bytes: int = 256 * 1024
    ) -> None:
        self._client = client or httpx.Client(timeout=timeout, follow_redirects=False)
        self._timeout = timeout
        self._max_bytes = max_bytes

    def resolve(self, did: str) -> DIDDocument:
        did = did.split("#", 1)[0]
        url = did_web_to_url(did)
        try:
            with self._client.stream("GET", url, timeout=self._timeout, headers={"Accept": "application/json"}) as r:
                if r.status_code in (404, 410):
                    raise DIDNotFound(f"{did}: {url} answered {r.status_code}")
                if r.status_code != 200:
                    raise DIDResolutionError(f"{did}: {url} answered {r.status_code}")
                body = bytearray()
                for chunk in r.iter_bytes():
                    body += chunk
                    if len(body) > self._max_bytes:
                        raise DIDResolutionError(f"{did}: the document is larger than {self._max_bytes} bytes")
        except httpx.HTTPError as exc:
            raise DIDResolutionError(f"{did}: could not fetch {url} ({type(exc).__name__})") from exc
        try:
            data = json.loads(bytes(body))
        except ValueError as exc:
            raise DIDResolutionError(f"{did}: the document at {url} is not JSON") from exc
        document = DIDDocument.parse(data)
        if document.id != did:
            raise DIDResolutionError(f"{did}: the document at {url} is for {document.id[:80]!r}")
        return document

    def close(self) -> None:
        self._client.close()
