#!/usr/bin/env bash
# The wheel works on its own: build it, install it with its dependencies into a fresh venv in a
# temp dir outside the checkout, and from there serve, issue and verify. Everything the service
# reads at run time (schemas, JSON-LD contexts, the web page, the zk artifacts and worker, the
# API docs' assets) must come from site-packages, not from the checkout.
#
# Needs LIVECRED_MODELS_DIR (default: ../shared/models beside the checkout). pip uses its usual
# configuration (index, find-links, cache), as `pip install .` would.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
export LIVECRED_MODELS_DIR="${LIVECRED_MODELS_DIR:-$(cd "$repo/.." && pwd)/shared/models}"
work="$(mktemp -d "${TMPDIR:-/tmp}/livecred-wheel.XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" && wait "$server_pid" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== wheel smoke: %s\n' "$*"; }

step "build the wheel and install it into a fresh venv in $work"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --upgrade pip >/dev/null 2>&1 || true
"$work/venv/bin/pip" wheel -q --no-deps -w "$work/dist" "$repo"
wheel="$(ls "$work"/dist/livecred-*.whl)"
echo "built $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"
"$work/venv/bin/pip" install -q "$wheel"

cd "$work"  # not the checkout: nothing may be found relative to it
step "the installed packages are the wheel's, not the checkout's"
"$work/venv/bin/python" - "$repo" <<'PY'
import importlib, sys
from pathlib import Path
repo = Path(sys.argv[1]).resolve()
for name in ("livecred", "liveness", "issuer", "did", "wallet", "fhe", "zk"):
    path = Path(importlib.import_module(name).__file__).resolve()
    assert repo not in path.parents, f"{name} imported from the checkout: {path}"
    print(f"ok  {name:9} {path.parent}")
try:
    importlib.import_module("api")
except ImportError:
    print("ok  no top-level api package")
else:
    raise SystemExit("a top-level api package is installed")
PY

step "livecred --help"
"$work/venv/bin/livecred" --help >/dev/null && echo "ok  livecred --help"

port="$("$work/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
token="$("$work/venv/bin/python" -c 'import secrets; print(secrets.token_hex(24))')"
step "livecred serve --port $port (LIVECRED_MODELS_DIR=$LIVECRED_MODELS_DIR)"
env -u PORT -u LIVECRED_PORT -u LIVECRED_PUBLIC_URL -u LIVECRED_ISSUER_DOMAIN \
  LIVECRED_STATE_DIR="$work/state" LIVECRED_ADMIN_TOKEN="$token" \
  "$work/venv/bin/livecred" serve --port "$port" >"$work/server.log" 2>&1 &
server_pid=$!

if ! "$work/venv/bin/python" - "$port" "$token" <<'PY'; then
import sys, time
from datetime import UTC, datetime
import httpx

port, token = sys.argv[1], sys.argv[2]
base, public = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
client = httpx.Client(base_url=base, timeout=30)

def ok(what: str) -> None:
    print(f"ok  {what}")

deadline = time.monotonic() + 120
while True:
    try:
        health = client.get("/health")
        if health.status_code == 200:
            break
    except httpx.HTTPError:
        pass
    if time.monotonic() > deadline:
        raise SystemExit("the server did not become ready within 120 s")
    time.sleep(0.5)
ok(f"/health ready: {health.json()['status']}")

page = client.get("/")
assert page.status_code == 200 and "<html" in page.text.lower(), page.status_code
ok("/ serves the wallet page")
assert client.get("/web/app.js").status_code == 200
ok("/web/app.js")
schema = client.get("/schemas/LivenessCredential.json")
assert schema.status_code == 200, schema.status_code
assert schema.json()["$metadata"]["uris"]["jsonLdContext"] == f"{public}/contexts/liveness/v1"
ok("/schemas/LivenessCredential.json names this server's context URL")
assert client.get("/schemas/LivenessCredential-v2.json").status_code == 200
ok("/schemas/LivenessCredential-v2.json")
context = client.get("/contexts/liveness/v1")
assert context.status_code == 200 and "@context" in context.json()
ok("/contexts/liveness/v1")
vk = client.get("/zk/verification-key")
assert vk.status_code == 200 and vk.json()["protocol"] == "groth16", vk.status_code
ok("/zk/verification-key from the packaged zk artifacts")
docs = client.get("/docs")
assert docs.status_code == 200, docs.status_code
for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
    assert client.get(f"/docs/assets/{asset}").status_code == 200, asset
ok("/docs and its Swagger UI assets, served locally")

holder = "did:key:z6MkfQ7oYZC8rEzX8cGLWTTs6bqfMxx22mGmT7kGJ2Ayj9qd"
credential = {
    "@context": ["https://www.w3.org/2018/credentials/v1", f"{public}/contexts/liveness/v1"],
    "type": ["VerifiableCredential", "LivenessCredential"],
    "credentialSubject": {"id": holder, "deviceType": "desktop", "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
    "credentialSchema": {"id": f"{public}/schemas/LivenessCredential.json", "type": "JsonSchema"},
    "evidence": [{"type": ["LivenessCheckEvidence"], "checks": ["antispoof"]}],
}
issued = client.post("/credentials/issue", json={"credential": credential}, headers={"Authorization": f"Bearer {token}"})
assert issued.status_code == 201, issued.text
vc = issued.json()["verifiableCredential"]
assert vc["credentialStatus"]["statusListCredential"].startswith(f"{public}/status/"), vc["credentialStatus"]
ok(f"/credentials/issue (admin): {vc['proof']['cryptosuite']} credential, status list under {public}")
verified = client.post("/credentials/verify", json={"verifiableCredential": vc})
assert verified.status_code == 200 and verified.json()["verified"] is True, verified.text
ok("/credentials/verify: verified")
PY
  echo "--- server log" >&2
  tail -n 40 "$work/server.log" >&2
  exit 1
fi

step "stop the server (PID $server_pid)"
kill "$server_pid"
wait "$server_pid" || true
server_pid=""
echo "ok  wheel smoke passed"
