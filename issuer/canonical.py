"""RDF Dataset Canonicalization (RDFC-1.0) of JSON-LD documents, refusing silent data loss.

pyld's URDNA2015 implementation is RDFC-1.0 (the W3C Recommendation standardised URDNA2015
without changing its output for well-formed input). Before canonicalising, the document is
expanded once with a handler that records every property the contexts do not define, and the
expanded form is walked for relative ``@type`` / ``@id`` values: either would vanish from the
RDF and so from what the signature covers, which acapy and jsonld.js "safe mode" also refuse.
Every document is held to ``issuer.complexity``'s bounds: its JSON structure is capped before
expansion, and URDNA2015 runs with a work budget.
"""

from __future__ import annotations

from typing import Any

from pyld import jsonld

from issuer._exceptions import ContextNotAllowed, InvalidCredential, UndefinedTerms
from issuer.complexity import DEFAULT_LIMITS, BoundedURDNA2015, ComplexityLimits, check_structure
from issuer.contexts import ContextLoader


def _is_absolute(iri: str) -> bool:
    # pyld resolves relative IRIs against a made-up base; treat those as relative too.
    if iri.startswith(jsonld.DEFAULT_BASE_IRI):
        return False
    scheme, sep, _ = iri.partition(":")
    return bool(sep) and scheme.isascii() and scheme[:1].isalpha() and "/" not in scheme


def _relative_refs(node: Any, found: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _relative_refs(item, found)
        return
    if not isinstance(node, dict):
        return
    for t in node.get("@type", []) if isinstance(node.get("@type"), list) else [node.get("@type")]:
        if isinstance(t, str) and t not in ("@json", "@id") and not _is_absolute(t) and "@value" not in node:
            found.append(f"@type {t}")
    node_id = node.get("@id")
    if isinstance(node_id, str) and not _is_absolute(node_id) and not node_id.startswith("_:"):
        found.append(f"@id {node_id}")
    for key, value in node.items():
        if key not in ("@value", "@context"):
            _relative_refs(value, found)


def _translate(exc: jsonld.JsonLdError) -> InvalidCredential:
    cause: BaseException | None = exc
    while cause is not None:
        if getattr(cause, "code", None) == "loading document failed" or "LoadDocumentError" in str(
            getattr(cause, "type", "")
        ):
            return ContextNotAllowed("a JSON-LD context is not in the allowlist of vendored contexts")
        cause = cause.__cause__
    if "protected term" in str(exc):
        # Two contexts define one term differently (e.g. a context written for VC 1.1 after the
        # VC 2.0 context): say so, or the caller cannot tell what to change.
        term = (getattr(exc, "details", None) or {}).get("term")
        named = f" ({str(term)[:100]})" if isinstance(term, str) else ""
        return InvalidCredential(
            f"the @context entries clash: a later context redefines a protected term{named} "
            "of an earlier one; use contexts written for the same data model version"
        )
    return InvalidCredential("the document is not valid JSON-LD")


def expand_strict(document: dict[str, Any], loader: ContextLoader) -> list[Any]:
    """Expand ``document``; raise ``UndefinedTerms`` if any property or type would be dropped."""
    dropped: list[str] = []
    processor = jsonld.JsonLdProcessor(on_property_dropped=lambda p: dropped.append(str(p)))
    try:
        expanded: list[Any] = processor.expand(document, {"documentLoader": loader, "base": None})
    except jsonld.JsonLdError as exc:
        raise _translate(exc) from exc
    _relative_refs(expanded, dropped)
    if dropped:
        terms = sorted(set(dropped))
        raise UndefinedTerms(f"terms not defined by the document's contexts: {', '.join(terms)[:500]}", terms)
    return expanded


def canonicalize(
    document: dict[str, Any], loader: ContextLoader, *, strict: bool = True, limits: ComplexityLimits = DEFAULT_LIMITS
) -> str:
    """RDFC-1.0 N-Quads of ``document``. ``strict`` refuses documents that would lose terms.

    Raises ``CredentialTooComplex`` / ``CanonicalizationTooComplex`` past ``limits``.
    """
    check_structure(document, limits)
    source: Any = expand_strict(document, loader) if strict else document
    try:
        # What jsonld.normalize does, with the bounded URDNA2015 in place of pyld's own.
        dataset = jsonld.JsonLdProcessor().to_rdf(source, {"documentLoader": loader})
    except jsonld.JsonLdError as exc:
        raise _translate(exc) from exc
    nquads: str = BoundedURDNA2015(limits).main(dataset, {"format": "application/n-quads"})
    return nquads
