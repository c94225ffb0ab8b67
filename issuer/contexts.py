"""The JSON-LD contexts livecred will process, and nothing else.

Every context comes from a vendored copy (``issuer/contexts/``, see its SOURCES.md) or is our
own (``issuer/schemas/LivenessCredential.jsonld``). pyld's ``FrozenDocumentLoader`` serves exactly this
allowlist and refuses any other URL, so a credential naming a remote context is refused instead
of fetched: no network at signing or verification time, and no context swapped under a signature.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from pyld.documentloader.frozen import FrozenDocumentLoader

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
ED25519_2020_V1 = "https://w3id.org/security/suites/ed25519-2020/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
# W3C Bitstring Status List v1.0: the terms of a status entry in a VC 1.1 credential (VC 2.0
# carries them in its own context). Standard verifiers look for this URL before checking status.
STATUS_LIST_V1 = "https://www.w3.org/ns/credentials/status/v1"

LIVENESS_CONTEXT_PATH = "/contexts/liveness/v1"
SCHEMA_PATH = "/schemas/LivenessCredential.json"
SCHEMA_PATH_V2 = "/schemas/LivenessCredential-v2.json"
# The URL in the committed schema's $metadata: the service's default public URL.
DEFAULT_PUBLIC_URL = "http://localhost:5003"

_VENDORED = {
    CREDENTIALS_V1: "credentials-v1.jsonld",
    CREDENTIALS_V2: "credentials-v2.jsonld",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    ED25519_2020_V1: "ed25519-signature-2020-v1.jsonld",
    DID_V1: "did-v1.jsonld",
    STATUS_LIST_V1: "vc-bitstring-status-list-v1.jsonld",
}
# Package data: found beside this module in a checkout, an editable install and a wheel alike.
_CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"


@cache
def vendored_context(url: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((_CONTEXTS_DIR / _VENDORED[url]).read_text(encoding="utf-8"))
    return doc


@cache
def liveness_context() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((SCHEMAS_DIR / "LivenessCredential.jsonld").read_text(encoding="utf-8"))
    return doc


def liveness_context_url(public_url: str) -> str:
    return public_url.rstrip("/") + LIVENESS_CONTEXT_PATH


def schema_url(public_url: str) -> str:
    return public_url.rstrip("/") + SCHEMA_PATH


class ContextLoader(FrozenDocumentLoader):  # type: ignore[misc]
    """The allowlist loader: vendored contexts, plus our context at each URL we publish it under.

    ``liveness_urls`` are the URLs our context is known by: this deployment's own, the default,
    and those of other livecred issuers an operator chooses to accept.
    """

    def __init__(self, liveness_urls: Iterable[str] = ()) -> None:
        documents: dict[str, Any] = {url: vendored_context(url) for url in _VENDORED}
        for url in {liveness_context_url(DEFAULT_PUBLIC_URL), *liveness_urls}:
            documents[url] = liveness_context()
        super().__init__(documents=documents)
        self.allowed = frozenset(documents)

    def accept_liveness_url(self, public_url: str) -> None:
        """Also serve our context at ``public_url``'s context URL (an issuer that moved there)."""
        url = liveness_context_url(public_url)
        self.documents[url] = liveness_context()
        self.allowed = self.allowed | {url}
