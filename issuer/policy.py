"""What a relying party accepts: the verification policy, separate from the mechanics.

A signature only says who signed. Whether that is enough is the relying party's decision, made
here and nowhere else:

- ``trusted_issuers``: the DIDs whose credentials count. Any other issuer's credential fails
  with ``untrusted_issuer`` before its key is even resolved. Empty trusts nobody; there is no
  wildcard (a "trust any signature" verifier accepts forgeries made with a fresh did:key).
- ``status``: ``strict`` (the default) fails a credential whose status could not be checked
  (``status_unchecked``: list unreachable, unreadable, of an unknown type) or that carries no
  status entry when it is a ``LivenessCredential`` (``status_missing``: this issuer always gives
  one). ``lenient`` reports those as warnings and lets the credential verify.
- ``max_age``: how long ago the liveness check (``credentialSubject.timestamp``) may have been.
  Liveness is a fact of a moment; ``None`` leaves it to the credential's own expiry.
- ``min_face_match_threshold``: the lowest face-match threshold (scaled, 10000 = 1.0) that a
  credential's Groth16 evidence may prove.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Literal

StatusMode = Literal["strict", "lenient"]
STATUS_MODES: tuple[StatusMode, ...] = ("strict", "lenient")


@dataclass(frozen=True, slots=True)
class VerificationPolicy:
    trusted_issuers: frozenset[str]
    status: StatusMode = "strict"
    max_age: timedelta | None = None
    min_face_match_threshold: int = 0

    def __post_init__(self) -> None:
        if self.status not in STATUS_MODES:
            raise ValueError(f"status must be one of {', '.join(STATUS_MODES)}")
        if self.max_age is not None and self.max_age <= timedelta(0):
            raise ValueError("max_age must be positive")
        if not 0 <= self.min_face_match_threshold <= 10_000:
            raise ValueError("min_face_match_threshold is scaled by 10000 and lies in [0, 10000]")

    @classmethod
    def trusting(cls, issuers: Iterable[str], **options: object) -> VerificationPolicy:
        return cls(frozenset(issuers), **options)  # type: ignore[arg-type]

    def trusts(self, issuer: str | None) -> bool:
        return issuer is not None and issuer in self.trusted_issuers

    def with_options(self, **changes: object) -> VerificationPolicy:
        return replace(self, **changes)  # type: ignore[arg-type]
