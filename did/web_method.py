"""``did:web``: a DID whose document is published over HTTPS at a URL derived from the DID.

``did:web:example.com`` -> ``https://example.com/.well-known/did.json``;
``did:web:example.com:issuers:live`` -> ``https://example.com/issuers/live/did.json``;
a port is percent-encoded (``did:web:localhost%3A8443``). Resolution is one ``did.fetch`` GET
(public addresses and port 443 only, a total deadline, a size cap, no redirects) and the document
must name the DID it was fetched for. Every fetch failure is the same ``DIDResolutionError``
(``did_resolution_failed``, one message): the reason is in the debug log, never in the error.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote, unquote, urlsplit

from did._exceptions import DIDNotFound, DIDResolutionError, FetchError, InvalidDID
from did.document import DIDDocument
from did.fetch import Fetcher

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
    """Resolves ``did:web`` through a ``Fetcher`` (shared with the status-list fetches)."""

    method = "web"
    FETCH_FAILED = "the DID document could not be fetched"
    NOT_FOUND = "no DID document is published for this DID"

    def __init__(self, fetcher: Fetcher | None = None, *, max_bytes: int = 256 * 1024) -> None:
        self._fetcher = fetcher or Fetcher()
        self._max_bytes = max_bytes

    def resolve(self, did: str) -> DIDDocument:
        did = did.split("#", 1)[0]
        url = did_web_to_url(did)
        try:
            body = self._fetcher.get(url, accept="application/did+json, application/json", max_bytes=self._max_bytes)
        except FetchError as exc:
            if exc.status in (404, 410):
                raise DIDNotFound(self.NOT_FOUND) from exc
            raise DIDResolutionError(self.FETCH_FAILED) from exc
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise DIDResolutionError("the DID document is not JSON") from exc
        document = DIDDocument.parse(data)
        if document.id != did:
            raise DIDResolutionError("the DID document is for another DID")
        return document

    def close(self) -> None:
        self._fetcher.close()
