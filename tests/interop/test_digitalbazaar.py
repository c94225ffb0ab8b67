"""livecred credentials verify in Digital Bazaar's libraries (@digitalbazaar/vc with the
eddsa-rdfc-2022 cryptosuite, @digitalbazaar/vc-bitstring-status-list), status check included.

An independent implementation: its own JSON-LD processor, RDFC-1.0, did:key driver and status
list code. Before the status entry took the W3C status list context, `statusTypeMatches` was
false for every LivenessCredential, and such verifiers silently skipped revocation.

Needs Node.js and `npm ci --prefix tests/interop` (.ci/run does both).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from issuer import Issuer, liveness_context
from issuer.contexts import _CONTEXTS_DIR
from issuer.liveness_claims import ClaimCommitments
from tests.issuer.conftest import HOLDER, PUBLIC_URL, Clock, make_issuer
from zk import holder_commitment, poseidon

HERE = Path(__file__).resolve().parent


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[Issuer]:
    # Now, not the fixed test clock: Digital Bazaar's verifier checks dates against its own clock.
    issuer = make_issuer(f"sqlite:///{tmp_path / 'issuer.db'}", Clock(datetime.now(UTC).replace(microsecond=0)))
    yield issuer
    issuer.close()


SCRIPT = HERE / "verify.mjs"


def digitalbazaar(issuer: Issuer, credentials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node, "Node.js is needed (see .ci/run)"
    assert (HERE / "node_modules" / "@digitalbazaar" / "vc").is_dir(), "run: npm ci --prefix tests/interop"
    lists = {}
    for vc in credentials:
        url = vc.get("credentialStatus", {}).get("statusListCredential")
        if url:
            lists[url] = issuer.status_list_credential(url.rsplit("/", 1)[1])
    request = {
        "credentials": credentials,
        "statusLists": lists,
        "contextsDir": str(_CONTEXTS_DIR),
        "livenessContexts": {f"{PUBLIC_URL}/contexts/liveness/v1": liveness_context()},
    }
    done = subprocess.run(
        [node, str(SCRIPT)], input=json.dumps(request), capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    results: list[dict[str, Any]] = json.loads(done.stdout)["results"]
    return results


def test_credentials_verify_in_digital_bazaars_libraries_with_their_status_check(issuer: Issuer) -> None:
    active = issuer.issue(issuer.liveness_credential(holder_did=HOLDER, device_type="mobile", checks=["antispoof"]))
    revoked = issuer.issue(issuer.liveness_credential(holder_did=HOLDER, device_type="desktop"))
    issuer.set_status(revoked["id"], "revoked")
    tampered = json.loads(json.dumps(active))
    tampered["credentialSubject"]["deviceType"] = "desktop"

    ok, bad, forged = digitalbazaar(issuer, [active, revoked, tampered])
    assert ok == {"verified": True, "statusTypeMatches": True, "status": False, "error": None}, ok
    # Digital Bazaar's verdict on a revoked credential: the status check ran ("verified") and
    # found the bit set (status true); the relying party reads `status`.
    assert bad["statusTypeMatches"] and bad["status"] is True and bad["error"] is None, bad
    assert not forged["verified"]
    # And livecred agrees.
    assert issuer.verify(active).verified and issuer.verify(revoked).reasons == ["revoked"]


def test_the_status_entry_uses_the_w3c_status_list_context(issuer: Issuer) -> None:
    vc = issuer.issue(issuer.liveness_credential(holder_did=HOLDER, device_type="mobile"))
    assert vc["@context"][:2] == [
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/ns/credentials/status/v1",
    ]
    without = issuer.issue(issuer.liveness_credential(holder_did=HOLDER, device_type="mobile"), status_purpose=None)
    assert "https://www.w3.org/ns/credentials/status/v1" not in without["@context"]


def test_vc2_credentials_verify_in_digital_bazaars_libraries(issuer: Issuer) -> None:
    unsigned = issuer.liveness_credential(holder_did=HOLDER, device_type="mobile")
    unsigned["@context"] = ["https://www.w3.org/ns/credentials/v2", f"{PUBLIC_URL}/contexts/liveness/v1"]
    unsigned["credentialSchema"]["id"] = f"{PUBLIC_URL}/schemas/LivenessCredential-v2.json"
    for key in ("issuanceDate", "expirationDate"):
        del unsigned[key]
    vc = issuer.issue(unsigned)
    (result,) = digitalbazaar(issuer, [vc])
    assert result == {"verified": True, "statusTypeMatches": True, "status": False, "error": None}, result
    assert issuer.verify(vc).verified


def test_a_credential_with_a_zero_knowledge_claim_verifies_in_digital_bazaars_libraries(issuer: Issuer) -> None:
    # The LivenessClaimSignature entry's claim, key and signature are @json literals: Digital
    # Bazaar's JSON-LD processor must canonicalise them as we do, or the signature would not hold.
    commitments = ClaimCommitments(poseidon([9100, 4242]), holder_commitment(77))
    unsigned = issuer.liveness_credential(
        holder_did=HOLDER, device_type="mobile", checks=["antispoof", "face_match"], zk_claim=commitments
    )
    vc = issuer.issue(unsigned)
    tampered = json.loads(json.dumps(vc))
    entry = next(e for e in tampered["evidence"] if e["type"] == "LivenessClaimSignature")
    entry["claim"]["checks"] = "31"
    ok, forged = digitalbazaar(issuer, [vc, tampered])
    assert ok == {"verified": True, "statusTypeMatches": True, "status": False, "error": None}, ok
    assert not forged["verified"]
    assert issuer.verify(vc).verified and not issuer.verify(tampered).verified
