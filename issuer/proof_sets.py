"""Proof sets and proof chains (Data Integrity 1.0, sections 2.1.1-2.1.2 and 4.3-4.5).

A credential may carry several proofs: a *set* (``"proof": [a, b]``, each signing the document
alone, e.g. the issuer's proof in two suites, or the issuer's and a notary's) or a *chain*
(``b.previousProof = a.id``: b signs the document with ``proof`` set to the proofs it names,
so it covers them and they cannot be swapped or dropped). ``add_proof`` makes either;
``verify_proofs`` checks a document with one proof or many.

The rules a verification follows, cheapest first:

- at most ``MAX_PROOFS`` proofs; each of a known suite, purpose ``assertionMethod``, with a
  well-formed signature; proof ids unique; every ``previousProof`` names another proof of the set;
- at least one proof by the issuer (a DID URL of it); an untrusted issuer stops here, before any
  key is resolved or any JSON-LD work is done (``untrusted_issuer``);
- every proof verifies, the issuer's first: one proof that does not hold fails the document
  (a set is not "any one of"). Co-signers' keys are resolved like the issuer's (did:key, or
  did:web through the guarded fetcher); they need not be trusted, since they grant nothing.

Only ``DataIntegrityProof`` may carry ``id`` and ``previousProof``: the Ed25519Signature2020
context does not define them, and a term the signer's context drops would go unsigned.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from did import DIDError, Ed25519KeyPair, FetchBusy
from did._multiformats import multibase_b58_encode
from issuer._exceptions import InvalidCredential
from issuer.complexity import check_structure
from issuer.contexts import ContextLoader
from issuer.proofs import (
    DATA_INTEGRITY_SUITES,
    EDDSA_JCS_2022,
    EDDSA_RDFC_2022,
    SUITE_CONTEXT,
    KeyLookup,
    ParsedProof,
    ProofCheck,
    _contexts,
    _defines_suite,
    _hash_data,
    check_signature,
    parse_proof,
    proof_options,
)

__all__ = ["MAX_PROOFS", "add_proof", "proofs_of", "verify_proofs"]

# Each proof costs a key resolution and a canonicalisation.
MAX_PROOFS = 4
MAX_PROOF_ID_CHARS = 200


def proofs_of(document: dict[str, Any]) -> list[Any]:
    """The document's proofs as a list (empty when it has none)."""
    raw = document.get("proof")
    return [] if raw is None else list(raw) if isinstance(raw, list) else [raw]


def _previous_ids(proof: dict[str, Any]) -> list[Any]:
    raw = proof.get("previousProof")
    return [] if raw is None else list(raw) if isinstance(raw, list) else [raw]


def add_proof(
    document: dict[str, Any],
    key: Ed25519KeyPair,
    *,
    verification_method: str,
    created: str,
    loader: ContextLoader,
    proof_type: str = EDDSA_RDFC_2022,
    purpose: str = "assertionMethod",
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
) -> dict[str, Any]:
    """``document`` with one more proof: in a set, or chained to the proofs ``previous_proof`` names.

    The document must already carry the suite's context. Raises ``InvalidCredential`` when a
    named previous proof is not there, or ``id`` / ``previousProof`` are asked of a suite whose
    context does not define them.
    """
    if proof_type not in SUITE_CONTEXT:
        raise InvalidCredential(f"unsupported proof type {proof_type!r}")
    if not _defines_suite(_contexts(document), proof_type):
        raise InvalidCredential(f"the document's @context must include {SUITE_CONTEXT[proof_type]}")
    if (proof_id is not None or previous_proof is not None) and proof_type not in DATA_INTEGRITY_SUITES:
        raise InvalidCredential("only a DataIntegrityProof can have an id or a previousProof")
    existing = proofs_of(document)
    wanted = [previous_proof] if isinstance(previous_proof, str) else list(previous_proof or [])
    matching = []
    for wanted_id in wanted:
        found = [p for p in existing if isinstance(p, dict) and p.get("id") == wanted_id]
        if not found:
            raise InvalidCredential("previousProof names a proof the document does not have")
        matching.append(found[0])
    options = proof_options(proof_type, verification_method, created, purpose)
    if proof_id is not None:
        options["id"] = proof_id
    if previous_proof is not None:
        options["previousProof"] = previous_proof
    if proof_type == EDDSA_JCS_2022:
        options["@context"] = document["@context"]
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    signature = key.sign(_hash_data(unsecured, options, loader, signing=True, previous=matching or None))
    proof = {**options, "proofValue": multibase_b58_encode(signature)}
    return {**unsecured, "proof": [*existing, proof]}


def _fail(reason: str, vm: str | None = None, code: str | None = None) -> ProofCheck:
    return ProofCheck(False, vm, reason, code)


def _shape(
    document: dict[str, Any], proofs: list[Any], issuer: str | None
) -> list[tuple[ParsedProof, list[dict[str, Any]]]] | ProofCheck:
    """Every proof parsed, each with the proofs it covers; issuer's proofs first."""
    ids = [p.get("id") for p in proofs if isinstance(p, dict) and p.get("id") is not None]
    if len(ids) != len(set(map(str, ids))) or not all(isinstance(i, str) and len(i) <= MAX_PROOF_ID_CHARS for i in ids):
        return _fail("proof ids must be unique strings")
    parsed: list[tuple[ParsedProof, list[dict[str, Any]]]] = []
    for n, proof in enumerate(proofs):
        one = parse_proof({**document, "proof": proof})
        if isinstance(one, ProofCheck):
            where = f"proof {n}: " if len(proofs) > 1 else ""  # one proof: the message as it always was
            return _fail(f"{where}{one.reason}", one.verification_method)
        covered: list[dict[str, Any]] = []
        for wanted in _previous_ids(one.proof):
            found = [p for p in proofs if isinstance(p, dict) and p is not proof and p.get("id") == wanted]
            if not isinstance(wanted, str) or not found:
                return _fail(f"proof {n}: previousProof names a proof that is not in the set", one.verification_method)
            covered.append(found[0])
        if covered and one.proof.get("type") != "DataIntegrityProof":
            return _fail(f"proof {n}: only a DataIntegrityProof can be chained", one.verification_method)
        parsed.append((one, covered))
    parsed.sort(key=lambda item: item[0].verification_method.partition("#")[0] != issuer)
    return parsed


def verify_proofs(
    document: dict[str, Any],
    lookup_key: KeyLookup,
    loader: ContextLoader,
    *,
    expected_controller: str,
    trusted_controllers: Container[str] | None = None,
) -> ProofCheck:
    """Check every proof on ``document`` (one, a set, or a chain): see the module docstring.

    Raises ``CredentialTooComplex`` for a document past the complexity bounds, and ``FetchBusy``
    when a key cannot be fetched now.
    """
    proofs = proofs_of(document)
    if not proofs:
        return _fail("the credential has no proof")
    if len(proofs) > MAX_PROOFS:
        return _fail(f"more than {MAX_PROOFS} proofs")
    parsed = _shape(document, proofs, expected_controller)
    if isinstance(parsed, ProofCheck):
        return parsed
    first = parsed[0][0]
    controller, _, fragment = first.verification_method.partition("#")
    if controller != expected_controller:
        why = (
            "the verification method does not belong to the issuer" if len(parsed) == 1 else "no proof is by the issuer"
        )
        return _fail(why, first.verification_method)
    if not controller.startswith("did:") or not fragment:
        return _fail("the verification method is not a DID URL of the issuer", first.verification_method)
    if trusted_controllers is not None and controller not in trusted_controllers:
        return _fail("the signer is not a trusted issuer", first.verification_method, "untrusted_issuer")
    keys = []
    for one, _ in parsed:
        try:
            keys.append(lookup_key(one.verification_method, "assertionMethod"))
        except FetchBusy:
            raise
        except DIDError as exc:
            return _fail(f"verification method not usable: {exc.message}", one.verification_method)
    # The structural caps after the keys (a bad key is a cheap verdict), before any JSON-LD work.
    check_structure(document)
    for (one, covered), key in zip(parsed, keys, strict=True):
        check = check_signature(document, one, key, loader, previous=covered or None)
        if not check.verified:
            where = "" if len(parsed) == 1 else f"a proof by {one.verification_method}: "
            return _fail(f"{where}{check.reason}", one.verification_method)
    return ProofCheck(True, first.verification_method)
