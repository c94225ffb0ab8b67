"""The OpenWallet Foundation's OpenID4VP library (@openid4vc/openid4vp, maintained, used by Credo)
as the wallet against livecred's OpenID4VP verifier: it must accept the request as OpenID4VP 1.0
(``redirect_uri:`` client identifier, ``direct_post``, DCQL) and its Authorization Response must
verify. The presentation itself is signed here (the library leaves that to the wallet).

Needs Node.js and `npm ci --prefix tests/interop` (.ci/run does both).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from issuer import (
    CREDENTIALS_V1,
    EDDSA_RDFC_2022,
    ContextLoader,
    create_proof,
    liveness_context_url,
    with_suite_context,
)
from tests.issuer.test_presentations import Holder
from tests.web.conftest import LiveServer
from tests.web.test_verifier_page import ADMIN_TOKEN, issue_for

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "oid4vp_wallet.mjs"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LIVECRED_ADMIN_TOKEN", ADMIN_TOKEN)
        live = LiveServer(tmp_path_factory.mktemp("oid4vp-interop-state"))
    live.start()
    try:
        yield live
    finally:
        live.stop()


def wallet(request_uri: str, presentation: dict[str, Any] | None = None) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "Node.js is needed (see .ci/run)"
    assert (HERE / "node_modules" / "@openid4vc" / "openid4vp").is_dir(), "run: npm ci --prefix tests/interop"
    done = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps({"requestUri": request_uri, "presentation": presentation}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def test_the_openid4vc_library_answers_a_request_as_the_wallet(server: LiveServer) -> None:
    created = httpx.post(f"{server.url}/oid4vp/requests", timeout=30).json()
    resolved = wallet(created["requestUri"])
    assert resolved["client"] == {"prefix": "redirect_uri", "identifier": f"{server.url}/oid4vp/response"}, resolved
    assert resolved["dcqlIds"] == ["liveness"]
    assert resolved["nonce"] == created["request"]["nonce"]
    assert resolved["clientId"] == f"redirect_uri:{server.url}/oid4vp/response"

    holder = Holder()
    vc = issue_for(server, holder.did)
    unsigned = {
        "@context": [CREDENTIALS_V1],
        "type": ["VerifiablePresentation"],
        "holder": holder.did,
        "verifiableCredential": [vc],
    }
    vp = create_proof(
        with_suite_context(unsigned, EDDSA_RDFC_2022),
        holder.key,
        verification_method=holder.vm,
        created="2026-11-21T10:00:00Z",
        loader=ContextLoader([liveness_context_url(server.url)]),
        purpose="authentication",
        challenge=resolved["nonce"],
        domain=resolved["clientId"],
    )
    answered = wallet(created["requestUri"], vp)
    assert answered["status"] == 200 and answered["body"] == {}, answered
    result = httpx.get(created["resultUri"], timeout=30).json()
    assert result["status"] == "verified" and result["result"]["holder"] == holder.did, result
