"""Outbound fetches through the API (issue 13): did:web holders at ``POST /sessions`` and did:web
issuers at ``/credentials/verify``, against local servers only.

The service is told to trust a test CA and to allow a few ``localhost:<port>`` hosts
(``LIVECRED_OUTBOUND_CA_FILE``, ``LIVECRED_OUTBOUND_ALLOW_HOSTS``): one serves DID documents over
TLS, the others are closed, silent, TLS with an untrusted certificate, and slow-drip. Internal
hosts that are not allowlisted must be refused, and every failure must read the same.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from did import Ed25519KeyPair
from did.jws import sign_jws
from issuer import Issuer, IssuerConfig, IssuerStore
from livecred import Settings, create_app
from tests.conftest import MODELS_DIR
from tests.did.local_servers import (
    LocalServer,
    TestCA,
    answer,
    closed_port,
    did_web,
    document_for,
    documents,
    drip,
    outcome,
    silent,
)
from wallet import PROOF_JWT_TYPE

PUBLIC = "http://testserver"
HOLDER = "did:key:z6MkfQ7oYZC8rEzX8cGLWTTs6bqfMxx22mGmT7kGJ2Ayj9qd"
GENERIC = "the DID document could not be fetched"
UNRESOLVABLE = {"code": "invalid_holder_did", "message": f"holderDid cannot be resolved: {GENERIC}"}
NOT_USABLE = f"proof: verification method not usable: {GENERIC}"


@dataclass
class Hosts:
    ca: TestCA
    documents: LocalServer
    routes: dict[str, bytes]
    silent: LocalServer
    untrusted: LocalServer
    slow: LocalServer
    slow_issuer: LocalServer  # its own, so that no earlier failure is remembered for it
    closed: int

    @property
    def ports(self) -> list[int]:
        servers = (self.documents, self.silent, self.untrusted, self.slow, self.slow_issuer)
        return [server.port for server in servers] + [self.closed]


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hosts]:
    ca = TestCA(tmp_path_factory.mktemp("ca"))
    rogue = TestCA(tmp_path_factory.mktemp("rogue"), "rogue CA")
    routes: dict[str, bytes] = {}
    slow_body = drip(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{", b" ")
    servers = [
        LocalServer(documents(routes), tls=ca.issue("localhost").server_context()),
        LocalServer(silent),
        LocalServer(answer(200, b"{}"), tls=rogue.issue("localhost").server_context()),
        LocalServer(slow_body, tls=ca.issue("localhost").server_context()),
        LocalServer(slow_body, tls=ca.issue("localhost").server_context()),
    ]
    try:
        yield Hosts(ca, servers[0], routes, *servers[1:], closed=closed_port())
    finally:
        for server in servers:
            server.stop()


@pytest.fixture(scope="module")
def api(hosts: Hosts, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        models_dir=MODELS_DIR,
        state_dir=tmp_path_factory.mktemp("outbound-state"),
        public_url=PUBLIC,
        lockout_failures=1000,
        rate_limits_enabled=False,  # many sessions from one client address
        outbound_allow_hosts=[f"localhost:{port}" for port in hosts.ports],
        outbound_ca_file=hosts.ca.pem,
        outbound_deadline_seconds=2.0,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def open_session(api: TestClient, holder: str, proof: str = "not-checked: the DID fails first") -> Any:
    body = {"holderDid": holder, "deviceType": "mobile", "holderProof": proof}
    return outcome(lambda: api.post("/sessions", json=body))


def test_a_session_opens_for_a_did_web_holder_served_over_tls(api: TestClient, hosts: Hosts) -> None:
    did = did_web(hosts.documents.port, "holders", "alice")
    key = Ed25519KeyPair.generate()
    hosts.routes["/holders/alice/did.json"] = document_for(did, key)
    document = json.loads(document_for(did, key))
    kid = document["verificationMethod"][0]["id"]
    claims = {"aud": PUBLIC, "iat": int(time.time()), "nonce": api.post("/nonce").json()["c_nonce"]}
    answered = open_session(api, did, sign_jws(claims, key, kid=kid, typ=PROOF_JWT_TYPE))
    assert answered.status_code == 201, answered.text


def test_internal_and_unreachable_holder_dids_are_refused_alike(api: TestClient, hosts: Hosts) -> None:
    holders = [
        did_web(hosts.closed),
        did_web(hosts.silent.port),
        did_web(hosts.untrusted.port),
        did_web(hosts.slow.port),
        "did:web:127.0.0.1",
        "did:web:localhost",
        "did:web:169.254.169.254",
        "did:web:2130706433",
        "did:web:0x7f.0.0.1",
        "did:web:10.0.0.1",
        "did:web:metadata.example%3A8080",
    ]
    for holder in holders:
        answered = open_session(api, holder)
        assert (answered.status_code, answered.json()) == (422, UNRESOLVABLE), holder


def test_a_failing_holder_did_is_not_fetched_again_at_once(api: TestClient, hosts: Hosts) -> None:
    did = did_web(hosts.documents.port, "holders", "nobody")
    before = hosts.documents.requests
    for _ in range(3):
        assert open_session(api, did).status_code == 422
    assert hosts.documents.requests == before + 1


def _credential_from(tmp_path: Path, issuer_did: str) -> tuple[Issuer, dict[str, Any]]:
    store = IssuerStore.from_url(f"sqlite:///{tmp_path / 'other.db'}", list_size=131_072)
    issuer = Issuer(Ed25519KeyPair.generate(), store, IssuerConfig(public_url=PUBLIC), did=issuer_did)
    issuer.start()
    vc = issuer.issue(issuer.liveness_credential(holder_did=HOLDER, device_type="mobile"), status_purpose=None)
    return issuer, vc


def _verify(api: TestClient, vc: dict[str, Any]) -> dict[str, Any]:
    # These issuers are trusted (the fetch is under test, not the policy); they give no status.
    verifier = api.app.state.issuer.verifier  # type: ignore[attr-defined]
    saved = verifier.policy
    verifier.policy = saved.with_options(trusted_issuers=saved.trusted_issuers | {vc["issuer"]}, status="lenient")
    try:
        answered = outcome(lambda: api.post("/credentials/verify", json={"verifiableCredential": vc}))
    finally:
        verifier.policy = saved
    result: dict[str, Any] = answered.json()
    assert answered.status_code == (200 if result["verified"] else 400), answered.text
    return result


def test_a_credential_from_a_did_web_issuer_served_over_tls_verifies(
    api: TestClient, hosts: Hosts, tmp_path: Path
) -> None:
    issuer, vc = _credential_from(tmp_path, did_web(hosts.documents.port, "issuers", "other"))
    hosts.routes["/issuers/other/did.json"] = issuer.document.model_dump_json(by_alias=True).encode()
    try:
        result = _verify(api, vc)
    finally:
        issuer.close()
    assert result["verified"], result["errors"]


@pytest.mark.parametrize(
    "where", ["did:web:10.0.0.1", "did:web:127.0.0.1", "did:web:169.254.169.254", "slow", "closed"]
)
def test_a_credential_from_an_internal_or_unreachable_issuer_fails_with_a_generic_reason(
    api: TestClient, hosts: Hosts, tmp_path: Path, where: str
) -> None:
    issuer_did = {"slow": did_web(hosts.slow_issuer.port), "closed": did_web(hosts.closed)}.get(where, where)
    issuer, vc = _credential_from(tmp_path, issuer_did)
    issuer.close()
    result = _verify(api, vc)
    assert not result["verified"]
    assert result["errors"] == [NOT_USABLE]


def test_allowed_hosts_are_read_from_the_environment_as_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVECRED_OUTBOUND_ALLOW_HOSTS", "localhost:8443, Dev.Example ,[::1]:9443")
    assert Settings().outbound_allow_hosts == ["localhost:8443", "Dev.Example", "[::1]:9443"]
    monkeypatch.setenv("LIVECRED_OUTBOUND_ALLOW_HOSTS", "dev.example/path")
    with pytest.raises(ValueError, match="not a host or host:port"):
        Settings()
