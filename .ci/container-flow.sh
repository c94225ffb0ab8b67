#!/usr/bin/env bash
# A full flow against the image that ../shared/ci/container-smoke.sh built (docs/deploy.md):
# configured by environment only, it must warm up and report /health "ok" (engine, database and
# prover), answer POST /verify on two real photos, issue a credential through the admin route, and
# verify it; after a restart, the issuer key and the status list kept in the state volume must
# still verify it.
#
# Use: WORK=<the smoke script's WORK> IMAGE=localhost/livecred:ci TESTDATA=../shared/testdata \
#        bash .ci/container-flow.sh
set -euo pipefail

IMAGE=${IMAGE:-localhost/livecred:ci}
TESTDATA=${TESTDATA:?the shared testdata directory}
WORK=${WORK:?the container-smoke WORK directory (its podman storage and configuration)}
export CONTAINERS_STORAGE_CONF=$WORK/conf/storage.conf CONTAINERS_CONF=$WORK/conf/containers.conf
HPORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
BASE=http://127.0.0.1:$HPORT
NAME=livecred-flow-$$
TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
FLOW=$(mktemp -d)

log() { printf '\n=== %s [%ss]\n' "$*" "$SECONDS"; }
cleanup() {
  podman rm -f -v -t 5 "$NAME" >/dev/null 2>&1 || true  # -v: its anonymous state volume too
  rm -rf "$FLOW"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; podman logs --tail 40 "$NAME" 2>&1 || true; exit 1; }
post() {  # post PATH FILE [curl args...] -> body in $FLOW/out.json, status on stdout
  local path=$1 file=$2; shift 2
  curl -sS --noproxy '*' -o "$FLOW/out.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "@$file" "$@" "$BASE$path"
}
field() { python3 -c "import json, sys; print(json.dumps(json.load(open('$FLOW/out.json'))$1))"; }

wait_ready() {
  local started=$SECONDS
  for _ in $(seq 1 120); do
    if curl -fsS --noproxy '*' -o "$FLOW/out.json" "$BASE/health" 2>/dev/null; then
      echo "ready after $((SECONDS - started)) s: $(cat "$FLOW/out.json")"
      [ "$(field '["status"]')" = '"ok"' ] || fail "/health is not ok (engine, database and prover)"
      return 0
    fi
    sleep 1
  done
  fail "/health never turned ready"
}

log "run $IMAGE configured by environment"
podman run -d --name "$NAME" -p "127.0.0.1:$HPORT:5003" \
  -e LIVECRED_ADMIN_TOKEN="$TOKEN" -e LIVECRED_PUBLIC_URL="$BASE" "$IMAGE" >/dev/null
wait_ready
podman logs "$NAME" 2>&1 | grep "warmed up" >/dev/null || fail "no warm-up in the start-up log"

log "POST /verify: ID photo and selfie of one person"
python3 - "$TESTDATA" > "$FLOW/verify.json" <<'PY'
import base64, json, pathlib, sys
d = pathlib.Path(sys.argv[1]) / "deepface_identities"
b64 = lambda name: base64.b64encode((d / name).read_bytes()).decode()
print(json.dumps({"idImage": b64("img4.jpg"), "selfieImage": b64("img2.jpg")}))
PY
code=$(post /verify "$FLOW/verify.json")
echo "$code $(python3 -c "import json; b=json.load(open('$FLOW/out.json')); print({k: b.get(k) for k in ('verified', 'is_live', 'faces_match', 'face_match_confidence', 'reasons')})")"
[ "$code" = 200 ] && [ "$(field '["verified"]')" = true ] || fail "/verify did not verify"

log "POST /credentials/issue (admin) and /credentials/verify"
python3 - "$BASE" > "$FLOW/issue.json" <<'PY'
import json, sys
base = sys.argv[1]
print(json.dumps({"credential": {
    "@context": ["https://www.w3.org/2018/credentials/v1", f"{base}/contexts/liveness/v1"],
    "type": ["VerifiableCredential", "LivenessCredential"],
    "credentialSubject": {"id": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
                          "deviceType": "mobile", "timestamp": "2026-01-01T10:00:00Z"},
    "credentialSchema": {"id": f"{base}/schemas/LivenessCredential.json", "type": "JsonSchema"},
    "evidence": [{"type": ["LivenessCheckEvidence"], "checks": ["antispoof", "blink"]}],
}}))
PY
code=$(post /credentials/issue "$FLOW/issue.json")
[ "$code" = 401 ] || [ "$code" = 403 ] || fail "the admin route answered $code without a token"
code=$(post /credentials/issue "$FLOW/issue.json" -H "Authorization: Bearer $TOKEN")
[ "$code" = 201 ] || { cat "$FLOW/out.json"; fail "issue answered $code"; }
python3 -c "import json; print(json.dumps({'verifiableCredential': json.load(open('$FLOW/out.json'))['verifiableCredential']}))" \
  > "$FLOW/vc.json"
echo "issued $(field '["verifiableCredential"]["id"]') by $(field '["verifiableCredential"]["issuer"]')"
verify_credential() {
  code=$(post /credentials/verify "$FLOW/vc.json")
  echo "$code verified=$(field '["verified"]')"
  [ "$code" = 200 ] && [ "$(field '["verified"]')" = true ] || { cat "$FLOW/out.json"; fail "credential not verified"; }
}
verify_credential

log "restart: the issuer key and status list live in the state volume"
podman restart -t 10 "$NAME" >/dev/null
wait_ready
verify_credential

log "PASS"
