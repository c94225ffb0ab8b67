"""Verification results: one shape for credentials and presentations.

A result is a list of checks, each ``passed``, ``failed`` or ``unchecked`` with a message and,
when it did not pass, a stable machine ``code``. ``verified`` is true only when no check failed
(the policy has already decided which unchecked checks count as failures); ``reasons`` are the
codes of the failed checks, ``warnings`` the messages of the unchecked ones.

Reason codes: ``untrusted_issuer``, ``no_issuer``, ``invalid_proof``, ``invalid_credential``,
``schema_invalid``, ``not_yet_valid``, ``expired``, ``invalid_dates``, ``too_old``, ``revoked``,
``suspended``, ``status_unchecked``, ``status_missing``, ``status_invalid``,
``evidence_invalid``, ``evidence_unchecked``; for presentations also ``invalid_presentation``,
``challenge_mismatch``, ``domain_mismatch``, ``replayed``, ``holder_mismatch``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["passed", "failed", "unchecked"]

# What the Groth16 evidence means, stated with every result that checked it.
EVIDENCE_MEANING = (
    "the Groth16 face-match proof counts only because a trusted issuer signed the credential that "
    "carries it: the proving key is public, so anyone can prove any score on their own"
)


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    name: str
    status: Status
    message: str = ""
    code: str | None = None


@dataclass(frozen=True, slots=True)
class VerificationResult:
    outcomes: tuple[CheckOutcome, ...]
    credential_id: str | None = None
    issuer: str | None = None
    credential_status: str | None = field(default=None)
    trusted_issuer: bool = False
    # Results of the credentials inside a presentation, in order.
    credentials: tuple[VerificationResult, ...] = ()

    @property
    def verified(self) -> bool:
        return (
            bool(self.outcomes)
            and all(o.status != "failed" for o in self.outcomes)
            and all(c.verified for c in self.credentials)
        )

    @property
    def complete(self) -> bool:
        """Every check ran: nothing failed and nothing was left unchecked (the CLI's exit 0)."""
        return (
            self.verified
            and all(o.status == "passed" for o in self.outcomes)
            and all(c.complete for c in self.credentials)
        )

    @property
    def checks(self) -> list[str]:
        return [o.name for o in self.outcomes if o.status == "passed"]

    @property
    def warnings(self) -> list[str]:
        return [f"{o.name}: {o.message}" for o in self.outcomes if o.status == "unchecked"]

    @property
    def errors(self) -> list[str]:
        return [f"{o.name}: {o.message}" for o in self.outcomes if o.status == "failed"]

    @property
    def reasons(self) -> list[str]:
        found = [o.code or f"{o.name}_failed" for o in self.outcomes if o.status == "failed"]
        for nested in self.credentials:
            found.extend(nested.reasons)
        return list(dict.fromkeys(found))

    def to_json(self) -> dict[str, Any]:
        """The wire form the HTTP API and ``--json`` print (VC-API field names)."""
        body: dict[str, Any] = {
            "verified": self.verified,
            "issuer": self.issuer,
            "trustedIssuer": self.trusted_issuer,
            "reasons": self.reasons,
            "checks": self.checks,
            "warnings": self.warnings,
            "errors": self.errors,
            "details": [
                {"check": o.name, "status": o.status, "message": o.message, **({"code": o.code} if o.code else {})}
                for o in self.outcomes
            ],
            "credentialStatus": self.credential_status,
        }
        if self.credentials:
            body["credentialResults"] = [c.to_json() for c in self.credentials]
        return body


def issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def types_of(node: Mapping[str, Any]) -> list[str]:
    value = node.get("type")
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []
