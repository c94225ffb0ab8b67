"""Bounds on the work a JSON-LD document may cost us before we answer.

Canonicalising a document (RDFC-1.0) can cost far more than its size suggests: JSON-LD expansion
grows with nesting depth and node count (each nested node re-applies scoped contexts), and the
Hash N-Degree Quads step is exponential in the number of blank nodes that look alike (a 2 KB
credential with 8 blank nodes all pointing at each other took minutes). RDFC-1.0 (§4.4, §4.9)
asks implementations to bound that work. Two layers do it here, for every document we
canonicalise (credentials to verify or sign, proof options, status list credentials):

- ``check_structure``: caps on the JSON itself, checked before any JSON-LD work. Refused with
  ``CredentialTooComplex`` (``credential_too_complex``).
- ``BoundedURDNA2015``: pyld's URDNA2015 with a work budget on Hash N-Degree Quads (calls, quads
  visited, permutations) and on its recursion depth. Refused with ``CanonicalizationTooComplex``
  (``canonicalization_too_complex``). Within budget its output is pyld's, byte for byte.

The defaults leave a wide margin over what real credentials need (a LivenessCredential with its
Groth16 evidence: nesting 6, 8 objects, 4 blank-node candidates, arrays of 5, 79 values, 3
contexts, no Hash N-Degree Quads work at all) and keep any input within the 256 KB body limit
well under a second of CPU (``bench/verify_bombs.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pyld.canon import URDNA2015

from issuer._exceptions import CanonicalizationTooComplex, CredentialTooComplex


@dataclass(frozen=True, slots=True)
class ComplexityLimits:
    # JSON structure, checked before expansion.
    max_depth: int = 16  # nested objects and arrays, the document itself being 1
    max_objects: int = 256  # JSON objects anywhere, inline contexts included
    max_blank_nodes: int = 64  # objects that may become blank nodes (see check_structure)
    max_array_length: int = 128
    max_values: int = 2048  # every JSON value: objects, arrays, strings, numbers, booleans, nulls
    max_contexts: int = 16  # @context entries (URLs or objects) in the whole document
    # RDFC-1.0 Hash N-Degree Quads.
    max_hash_work: int = 50_000  # units of ~2 µs: see BoundedURDNA2015
    max_hash_depth: int = 16


DEFAULT_LIMITS = ComplexityLimits()


def _too_complex(what: str, limit: int) -> CredentialTooComplex:
    return CredentialTooComplex(f"the document is too complex to process: {what} exceeds {limit}")


def _is_blank_candidate(node: dict[str, Any]) -> bool:
    """An object that may become a blank node: no IRI of its own and not a literal value.

    Objects under ``@json`` terms cannot be told apart without the contexts, so they count
    too: the cap is on candidates, an upper bound.
    """
    if "@value" in node:
        return False
    node_id = node.get("id", node.get("@id"))
    return not isinstance(node_id, str) or node_id.startswith("_:")


def check_structure(document: Any, limits: ComplexityLimits = DEFAULT_LIMITS) -> None:
    """Raise ``CredentialTooComplex`` if ``document`` exceeds ``limits``; cheap, iterative, JSON only.

    Blank-node candidates are objects without an ``id`` (or with a ``_:`` one), ``_:`` strings
    (references to blank nodes) and the items of ``@list`` arrays (each an RDF list node);
    nothing under ``@context`` counts as one.
    """
    objects = blank = values = contexts = 0
    # (value, depth of the container holding it, inside an @context)
    stack: list[tuple[Any, int, bool]] = [(document, 0, False)]
    while stack:
        value, depth, in_context = stack.pop()
        values += 1
        if values > limits.max_values:
            raise _too_complex("the number of JSON values", limits.max_values)
        if isinstance(value, str):
            if not in_context and value.startswith("_:"):
                blank += 1
        elif isinstance(value, (dict, list)):
            depth += 1
            if depth > limits.max_depth:
                raise _too_complex("the nesting depth", limits.max_depth)
            if isinstance(value, list):
                if len(value) > limits.max_array_length:
                    raise _too_complex("the length of an array", limits.max_array_length)
                stack.extend((item, depth, in_context) for item in value)
            else:
                objects += 1
                if objects > limits.max_objects:
                    raise _too_complex("the number of JSON objects", limits.max_objects)
                if not in_context and _is_blank_candidate(value):
                    blank += 1
                for key, item in value.items():
                    if key in ("id", "@id") and isinstance(item, str):
                        values += 1  # the node's own name, counted with the node above
                        continue
                    if key == "@context":
                        contexts += len(item) if isinstance(item, list) else 1
                        if contexts > limits.max_contexts:
                            raise _too_complex("the number of @context entries", limits.max_contexts)
                    elif key == "@list" and isinstance(item, list) and not in_context:
                        blank += len(item)
                    stack.append((item, depth, in_context or key == "@context"))
        if blank > limits.max_blank_nodes:
            raise _too_complex("the number of possible blank nodes", limits.max_blank_nodes)


class BoundedURDNA2015(URDNA2015):  # type: ignore[misc]
    """pyld's URDNA2015 (= RDFC-1.0) that gives up on poison graphs instead of running for hours.

    One unit of work is a quad visited, or a blank node placed in or copied with a permutation's
    path. Each Hash N-Degree Quads call is charged for the quads of its blank node and, up
    front, for every permutation of each group of related blank nodes it will try (``n!`` paths
    of ``n`` nodes, each with a copy of the path's issuer; the algorithm may prune some, the
    charge is the bound). Recursion is charged call by call
    and limited in depth. Graphs whose blank nodes all have distinct first-degree hashes, as
    credentials do, never reach Hash N-Degree Quads and cost nothing here.
    """

    def __init__(self, limits: ComplexityLimits = DEFAULT_LIMITS) -> None:
        super().__init__()
        self._limits = limits
        self._work = 0
        self._depth = 0

    def _spend(self, work: int) -> None:
        self._work += work
        if self._work > self._limits.max_hash_work:
            raise CanonicalizationTooComplex(
                "the document is too complex to canonicalise: its blank nodes need more than "
                f"{self._limits.max_hash_work} units of RDFC-1.0 Hash N-Degree Quads work"
            )

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> dict[str, Any]:
        self._depth += 1
        try:
            if self._depth > self._limits.max_hash_depth:
                raise CanonicalizationTooComplex(
                    "the document is too complex to canonicalise: RDFC-1.0 Hash N-Degree Quads "
                    f"recursion exceeds depth {self._limits.max_hash_depth}"
                )
            result: dict[str, Any] = super().hash_n_degree_quads(id_, issuer)
            return result
        finally:
            self._depth -= 1

    def create_hash_to_related(self, id_: str, issuer: Any) -> dict[str, list[str]]:
        related: dict[str, list[str]] = super().create_hash_to_related(id_, issuer)
        work = len(self.blank_node_info[id_]["quads"])
        for nodes in related.values():
            if len(nodes) > 12:  # 13! alone is past any budget: no factorials of attacker-sized groups
                work = self._limits.max_hash_work + 1
                break
            # Each permutation copies the path issuer and extends the path by every node.
            work += math.factorial(len(nodes)) * (len(nodes) + len(issuer.existing))
        self._spend(work)
        return related
