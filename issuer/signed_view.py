"""The credential as its signature covers it: policy is read from the graph, not the JSON.

A Data Integrity signature covers the RDF dataset, not the JSON text. Many JSON documents have
the same dataset: ``"type": "urn:livecred:vocab#LivenessCredential"`` instead of the term, a
``credentialStatus`` wrapped in a one-element array, terms renamed through another allowlisted
context. A verifier that reads its policy (type, schema, status, dates, evidence) off the JSON it
was handed can be steered by such a rewrite while the signature still holds: a revoked
credential whose status entry is hidden in an array verified as "status: unsupported".

``signed_view`` expands the document (strictly: nothing dropped) and compacts the result under
contexts this verifier chooses, not the ones the document names. Whatever JSON carried the
signed graph, the checks then see one form: the terms livecred defines, single values unwrapped.
A graph that does not fit those contexts comes out with full IRIs, and the checks that look for
the terms fail; they never skip.
"""

from __future__ import annotations

from typing import Any

from pyld import jsonld

from issuer._exceptions import InvalidCredential
from issuer.canonical import expand_strict
from issuer.contexts import CREDENTIALS_V1, CREDENTIALS_V2, DEFAULT_PUBLIC_URL, STATUS_LIST_V1, ContextLoader
from issuer.contexts import liveness_context_url as _liveness_url

# The liveness context is the same document at every URL it is published under.
_LIVENESS = _liveness_url(DEFAULT_PUBLIC_URL)
VIEW_CONTEXT_V1 = (CREDENTIALS_V1, STATUS_LIST_V1, _LIVENESS)
VIEW_CONTEXT_V2 = (CREDENTIALS_V2, _LIVENESS)


def view_context(document: dict[str, Any]) -> tuple[str, ...]:
    """The data model's context: VC 2.0 when the document says so, else VC 1.1.

    Choosing wrongly cannot un-revoke anything: the other model's terms have other IRIs, so they
    stay full IRIs in the view and the checks that need them fail.
    """
    ctx = document.get("@context")
    first = ctx[0] if isinstance(ctx, list) and ctx else ctx
    return VIEW_CONTEXT_V2 if first == CREDENTIALS_V2 else VIEW_CONTEXT_V1


def signed_view(document: dict[str, Any], loader: ContextLoader) -> dict[str, Any]:
    """``document`` without its proof, as the signed graph reads under livecred's contexts.

    Raises ``InvalidCredential`` (or its subclasses) for a document that is not JSON-LD the
    allowlist can process; callers run it only after the signature, which already canonicalised
    the same document under the same bounds.
    """
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    expanded = expand_strict(unsecured, loader)
    try:
        compacted: dict[str, Any] = jsonld.compact(
            expanded, {"@context": list(view_context(document))}, {"documentLoader": loader}
        )
    except jsonld.JsonLdError as exc:
        raise InvalidCredential("the signed graph cannot be read under the credential contexts") from exc
    return compacted
