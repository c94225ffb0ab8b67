"""The ``status`` check: Bitstring Status List entries, read from the signed view.

Every entry is checked; the check passes only when each is readable and its bit is clear. What
could not be checked (the list unavailable, an entry of a type this verifier does not know) is
``unchecked`` with reason ``status_unchecked``, which the strict policy turns into a failure. An
entry that is present but malformed fails outright (``status_invalid``): a holder must not be
able to turn "revoked" into "unknown" by rewriting the entry.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from issuer._exceptions import CredentialTooComplex
from issuer.bitstring import bit_at, decode_list
from issuer.contexts import ContextLoader
from issuer.outcomes import CheckOutcome, issuer_id, types_of
from issuer.proofs import KeyLookup, verify_proof

ENTRY_TYPE = "BitstringStatusListEntry"
WORDS = {"revocation": "revoked", "suspension": "suspended"}


class StatusListSource(Protocol):
    """Gives the status list credential at ``url``; ``None`` when it cannot be had (offline)."""

    def __call__(self, url: str) -> Mapping[str, Any] | None: ...


ValidityCheck = Callable[[Mapping[str, Any]], CheckOutcome]


class StatusChecker:
    def __init__(
        self, source: StatusListSource | None, lookup: KeyLookup, loader: ContextLoader, validity: ValidityCheck
    ) -> None:
        self.source = source
        self.lookup = lookup
        self.loader = loader
        self.validity = validity
        # Digests of status list credentials whose proof already verified: the same bytes need
        # no second signature check (a list is re-signed whenever it changes).
        self._verified_lists: OrderedDict[str, None] = OrderedDict()

    def check(self, view: Mapping[str, Any], issuer: str | None) -> tuple[CheckOutcome | None, str | None]:
        """The status outcome (``None``: no entry) and the status word (active/revoked/suspended)."""
        raw = view.get("credentialStatus")
        if raw is None:
            return None, None
        entries = raw if isinstance(raw, list) else [raw]
        if not entries:
            return CheckOutcome("status", "failed", "credentialStatus is empty", "status_invalid"), None
        results = [self._entry(entry, issuer) for entry in entries]
        for wanted in ("failed", "unchecked"):
            for outcome, word in results:
                if outcome.status == wanted:
                    return outcome, word
        words = [word for _, word in results]
        return CheckOutcome("status", "passed", "; ".join(o.message for o, _ in results)), words[0]

    def _entry(self, entry: object, issuer: str | None) -> tuple[CheckOutcome, str | None]:
        if not isinstance(entry, dict):
            return CheckOutcome("status", "failed", "a credentialStatus entry is not an object", "status_invalid"), None
        if ENTRY_TYPE not in types_of(entry):
            return CheckOutcome("status", "unchecked", "unsupported credentialStatus type", "status_unchecked"), None
        url = entry.get("statusListCredential")
        purpose = entry.get("statusPurpose")
        raw_index = entry.get("statusListIndex")
        if isinstance(raw_index, int) and not isinstance(raw_index, bool) and raw_index >= 0:
            raw_index = str(raw_index)
        if not isinstance(raw_index, str) or not raw_index.isascii() or not raw_index.isdigit() or len(raw_index) > 12:
            return CheckOutcome("status", "failed", "statusListIndex is not an integer", "status_invalid"), None
        index = int(raw_index)
        if not isinstance(url, str) or purpose not in WORDS:
            return CheckOutcome("status", "failed", "malformed BitstringStatusListEntry", "status_invalid"), None
        try:
            listing = self.source(url) if self.source is not None else None
            if listing is None:
                message = "the status list is not available (offline or unreachable)"
                return CheckOutcome("status", "unchecked", message, "status_unchecked"), None
            problem = self._check_list(listing, url, issuer, str(purpose))
        except CredentialTooComplex as exc:
            return CheckOutcome("status", "failed", f"status list refused: {exc.message}", "status_invalid"), None
        if problem:
            return CheckOutcome("status", "failed", problem, "status_invalid"), None
        try:
            bits = decode_list(str(listing["credentialSubject"]["encodedList"]))
            is_set = bit_at(bits, index)
        except (ValueError, IndexError, KeyError, TypeError) as exc:
            return CheckOutcome("status", "failed", f"status list unreadable: {exc}", "status_invalid"), None
        word = WORDS[str(purpose)]
        if is_set:
            return CheckOutcome("status", "failed", f"the credential is {word}", word), word
        return CheckOutcome("status", "passed", f"not {word}"), "active"

    def _check_list(self, listing: Mapping[str, Any], url: str, issuer: str | None, purpose: str) -> str | None:
        if listing.get("id") != url:
            return "the status list credential does not have the URL it was fetched from"
        if issuer_id(listing) != issuer:
            return "the status list is not signed by the credential's issuer"
        subject = listing.get("credentialSubject")
        if not isinstance(subject, dict) or subject.get("statusPurpose") != purpose:
            return "the status list's purpose does not match the entry"
        digest = hashlib.sha256(json.dumps(listing, sort_keys=True).encode()).hexdigest()
        if digest not in self._verified_lists:
            check = verify_proof(dict(listing), self.lookup, self.loader, expected_controller=issuer)
            if not check.verified:
                return f"the status list's proof does not verify: {check.reason}"
            self._verified_lists[digest] = None
            while len(self._verified_lists) > 256:
                self._verified_lists.popitem(last=False)
        validity = self.validity(listing)
        if validity.status == "failed":
            return f"the status list is not valid: {validity.message}"
        return None
