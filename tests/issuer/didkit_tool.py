"""Run didkit (spruceid's independent VC implementation) in a separate process.

didkit's async bindings can abort the interpreter at exit after an error, so tests never import
it in the pytest process: they pipe a JSON command to this script and read a JSON answer.

    {"op": "did", "jwk": {...}}                       -> {"did": "did:key:..."}
    {"op": "issue", "credential": {...}, "jwk": {...}} -> {"vc": {...}}    (Ed25519Signature2020)
    {"op": "verify", "vc": {...}}                      -> {"result": {"checks", "warnings", "errors"}}
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import didkit


async def run(command: dict[str, Any]) -> dict[str, Any]:
    op = command["op"]
    if op == "did":
        return {"did": didkit.key_to_did("key", json.dumps(command["jwk"]))}
    if op == "issue":
        jwk = json.dumps(command["jwk"])
        vm = await didkit.key_to_verification_method("key", jwk)
        options = {"proofPurpose": "assertionMethod", "verificationMethod": vm, "type": "Ed25519Signature2020"}
        vc = await didkit.issue_credential(json.dumps(command["credential"]), json.dumps(options), jwk)
        return {"vc": json.loads(vc)}
    if op == "verify":
        result = await didkit.verify_credential(
            json.dumps(command["vc"]), json.dumps({"proofPurpose": "assertionMethod"})
        )
        return {"result": json.loads(result)}
    raise ValueError(f"unknown op {op}")


if __name__ == "__main__":
    try:
        answer = asyncio.run(run(json.load(sys.stdin)))
    except Exception as exc:  # noqa: BLE001 - reported to the test as data
        answer = {"exception": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
