"""OpenID4VP 1.0 over HTTP (issue 15): the relying party creates a request, the wallet answers at
the Response Endpoint with ``direct_post``, the relying party fetches the verdict.

The wallet here is a Python holder built on the project's own did/issuer code (no maintained
OpenID4VP wallet library runs in-process in Python; tests/interop drives the OpenWallet
Foundation's @openid4vc/openid4vp as the wallet where npm is available)."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from issuer import EDDSA_JCS_2022, EDDSA_RDFC_2022, Issuer
from livecred import Settings, create_app
from tests.api.test_credentials_api import ADMIN, TOKEN, credential, issue
from tests.conftest import MODELS_DIR
from tests.issuer.test_presentations import Holder, present

PUBLIC = "http://testserver"
CLIENT_ID = f"redirect_uri:{PUBLIC}/oid4vp/response"
MARKER = "<script>echo-me-0xC0FFEE</script>"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        models_dir=MODELS_DIR,
        state_dir=tmp_path_factory.mktemp("oid4vp-state"),
        admin_token=TOKEN,
        public_url=PUBLIC,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def issuer_of(api: TestClient) -> Issuer:
    issuer: Issuer = api.app.state.issuer  # type: ignore[attr-defined]
    return issuer


def new_request(api: TestClient) -> dict[str, Any]:
    response = api.post("/oid4vp/requests")
    assert response.status_code == 201, response.json()
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


def answer(api: TestClient, request: dict[str, Any], vp: object, **form: str) -> Any:
    data = {"vp_token": json.dumps({"liveness": [vp]}), "state": request["state"], **form}
    return api.post("/oid4vp/response", content=urllib.parse.urlencode(data), headers=FORM)


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def result(api: TestClient, created: dict[str, Any]) -> dict[str, Any]:
    response = api.get(f"/oid4vp/requests/{created['transactionId']}")
    assert response.status_code == 200, response.json()
    body: dict[str, Any] = response.json()
    return body


def holder_with_credential(api: TestClient) -> tuple[Holder, dict[str, Any]]:
    holder = Holder()
    return holder, issue(api, {"credential": credential(id=holder.did)})


def presentation(api: TestClient, holder: Holder, vc: dict[str, Any], request: dict[str, Any], **kw: Any) -> Any:
    return present(issuer_of(api), holder, [vc], request["nonce"], domain=request["client_id"], **kw)


@pytest.mark.parametrize("proof_type", [EDDSA_RDFC_2022, EDDSA_JCS_2022])
def test_a_round_trip_verifies_once(api: TestClient, proof_type: str) -> None:
    created = new_request(api)
    request = created["request"]
    assert request["response_type"] == "vp_token" and request["response_mode"] == "direct_post"
    assert request["client_id"] == CLIENT_ID and request["response_uri"] == f"{PUBLIC}/oid4vp/response"
    query = request["dcql_query"]["credentials"][0]
    assert query["id"] == "liveness" and query["format"] == "ldp_vc"
    assert query["meta"] == {"type_values": [["urn:livecred:vocab#LivenessCredential"]]}
    assert "ldp_vc" in request["client_metadata"]["vp_formats_supported"]
    # The link carries the same request by value; the transaction id is not in it.
    link = urllib.parse.urlsplit(created["requestUri"])
    params = dict(urllib.parse.parse_qsl(link.query))
    assert link.scheme == "openid4vp" and params["nonce"] == request["nonce"] and params["state"] == request["state"]
    assert json.loads(params["dcql_query"]) == request["dcql_query"]
    assert created["transactionId"] not in created["requestUri"]
    assert result(api, created)["status"] == "pending"

    holder, vc = holder_with_credential(api)
    response = answer(api, request, presentation(api, holder, vc, request, proof_type=proof_type))
    assert response.status_code == 200 and response.json() == {}, response.json()
    done = result(api, created)
    assert done["status"] == "verified", done
    verdict = done["result"]
    assert verdict["verified"] and verdict["holder"] == holder.did and verdict["credentialId"] == vc["id"]
    assert verdict["issuer"] == issuer_of(api).did and verdict["claims"]["deviceType"] == "mobile"
    assert {"presentation", "challenge", "domain", "replay", "holder"} <= set(verdict["checks"])
    # Single use: the same answer again is refused, and the verdict stands.
    again = answer(api, request, presentation(api, holder, vc, request, proof_type=proof_type))
    assert again.status_code == 400 and again.json()["error"] == "invalid_request"
    assert result(api, created)["status"] == "verified"


def test_an_answer_that_does_not_hold_leaves_the_request_open(api: TestClient) -> None:
    created = new_request(api)
    request = created["request"]
    holder, vc = holder_with_credential(api)
    other = new_request(api)["request"]
    stranger = Holder()
    refused = {
        "another request's nonce": presentation(api, holder, vc, other),
        "another verifier": present(issuer_of(api), holder, [vc], request["nonce"], domain="redirect_uri:https://x"),
        "signed by a stranger": presentation(api, holder, vc, request, signer=stranger),
        "a stranger's own presentation": presentation(api, stranger, vc, request),
    }
    for case, vp in refused.items():
        response = answer(api, request, vp)
        assert response.status_code == 400, case
        assert response.json()["error"] == "invalid_request", case
    assert result(api, created)["status"] == "pending"
    assert answer(api, request, presentation(api, holder, vc, request)).status_code == 200
    assert result(api, created)["status"] == "verified"


def test_a_revoked_credential_is_a_final_failure(api: TestClient) -> None:
    created = new_request(api)
    holder, vc = holder_with_credential(api)
    status = {"credentialId": vc["id"], "credentialStatus": [{"type": "BitstringStatusListEntry", "status": "revoked"}]}
    assert api.post("/credentials/status", json=status, headers=ADMIN).status_code == 200
    assert answer(api, created["request"], presentation(api, holder, vc, created["request"])).status_code == 200
    done = result(api, created)
    assert done["status"] == "failed" and done["result"]["reasons"] == ["revoked"]
    assert "holder" not in done["result"] and "claims" not in done["result"]


def test_malformed_answers_and_wallet_errors(api: TestClient) -> None:
    created = new_request(api)
    state = created["request"]["state"]
    bad = [
        {"state": state},
        {"state": state, "vp_token": MARKER},
        {"state": state, "vp_token": json.dumps({MARKER: [{}]})},
        {"state": state, "vp_token": json.dumps({"liveness": {"type": "VerifiablePresentation"}})},
        {"state": state, "vp_token": json.dumps({"liveness": [{"type": "VerifiablePresentation"}]})},
        {"state": MARKER, "vp_token": "{}"},
        {"vp_token": "{}"},
    ]
    for form in bad:
        response = api.post("/oid4vp/response", content=urllib.parse.urlencode(form), headers=FORM)
        assert response.status_code == 400 and response.json()["error"] == "invalid_request", form
        assert "0xC0FFEE" not in response.text
    assert api.post("/oid4vp/response", json={"state": state}).status_code == 400  # not form-encoded
    assert result(api, created)["status"] == "pending"
    # The wallet declines: a final failure, with the error code only when it is one the spec names.
    declined = api.post("/oid4vp/response", content=f"error={MARKER}&state={state}", headers=FORM)
    assert declined.status_code == 200
    done = result(api, created)
    assert done["status"] == "failed" and done["result"]["walletError"] == "invalid_request"
    assert "0xC0FFEE" not in json.dumps(done)


def test_unknown_transactions_and_expiry(api: TestClient) -> None:
    missing = api.get("/oid4vp/requests/echo-me-0xC0FFEE")
    assert missing.status_code == 404 and missing.json()["code"] == "presentation_request_not_found"
    assert "0xC0FFEE" not in missing.text
    created = new_request(api)
    holder, vc = holder_with_credential(api)
    vp = presentation(api, holder, vc, created["request"])
    verifier = api.app.state.wallet.oid4vp  # type: ignore[attr-defined]
    real_clock = verifier.clock
    try:
        verifier.clock = lambda: real_clock() + timedelta(minutes=6)
        assert result(api, created)["status"] == "expired"
        assert answer(api, created["request"], vp).status_code == 400
        verifier.clock = lambda: real_clock() + timedelta(minutes=16)
        assert api.get(f"/oid4vp/requests/{created['transactionId']}").status_code == 404
    finally:
        verifier.clock = real_clock
