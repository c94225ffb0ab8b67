// The holder's side of zero-knowledge liveness presentations (docs/zk-presentations.md): the
// holder secret and its commitment, the circuit's input built from the credential, its private
// opening and a verifier's request, and proving it in a Web Worker (zk-prover.js).
//
// Where things live: the holder secret is kept in localStorage beside the wallet key, per DID, and
// forgotten with it: it is no more sensitive than that key, and keeping it is what lets a holder
// prove with a credential it received earlier and show verifiers the same per-scope pseudonym
// across credentials. The credential and its opening {score, salt} are kept in sessionStorage:
// the opening is given once, so losing it to a reload would make the credential useless for
// proofs, but it carries the face-match score, which should not outlive the tab.

import { poseidon, SCALAR_FIELD_ORDER } from "./poseidon.js";

const SECRET_PREFIX = "livecred.zk.holderSecret.";
const HELD_PREFIX = "livecred.zk.held.";
const MAX_SCORE = 10000n;
const MAX_TIME = 1n << 40n;

export class ZkError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "ZkError";
    this.code = code;
  }
}

// A uniformly random nonzero field element: 254 random bits, drawn again while >= r.
export function drawHolderSecret(random = (bytes) => crypto.getRandomValues(bytes)) {
  for (;;) {
    const bytes = random(new Uint8Array(32));
    bytes[0] &= 0x3f; // r is about 0.76 * 2^254: 1.3 draws on average
    let value = 0n;
    for (const byte of bytes) value = (value << 8n) | BigInt(byte);
    if (value > 0n && value < SCALAR_FIELD_ORDER) return value;
  }
}

export function holderCommitment(secret) {
  return poseidon([secret]);
}

// The secret for this DID, drawn and stored on first use.
export function holderSecretFor(did, storage = localStorage) {
  const key = SECRET_PREFIX + did;
  const stored = storage.getItem(key);
  if (stored !== null && /^[0-9]{1,78}$/.test(stored)) {
    const value = BigInt(stored);
    if (value > 0n && value < SCALAR_FIELD_ORDER) return value;
  }
  const secret = drawHolderSecret();
  storage.setItem(key, secret.toString());
  return secret;
}

export function forgetHolderSecret(did, storage = localStorage) {
  if (did) storage.removeItem(SECRET_PREFIX + did);
}

// The credential this tab holds for the DID, with its claim's opening: {credential, opening}.
export function keepHolding(did, held, storage = sessionStorage) {
  storage.setItem(HELD_PREFIX + did, JSON.stringify({ credential: held.credential, opening: held.opening || null }));
}

export function heldBy(did, storage = sessionStorage) {
  try {
    const held = JSON.parse(storage.getItem(HELD_PREFIX + did) || "null");
    return held && held.credential && typeof held.credential === "object" ? held : null;
  } catch {
    return null;
  }
}

export function forgetHolding(did, storage = sessionStorage) {
  if (did) storage.removeItem(HELD_PREFIX + did);
}

function field(value, what, bound = SCALAR_FIELD_ORDER) {
  const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== "string" || !/^[0-9]{1,78}$/.test(text)) {
    throw new ZkError("invalid_request", `${what} is not a decimal field element`);
  }
  const number = BigInt(text);
  if (number >= bound) throw new ZkError("invalid_request", `${what} is out of range`);
  return number;
}

// The credential's LivenessClaimSignature evidence entry, or an error saying it has none.
export function claimEvidence(credential) {
  const evidence = credential && credential.evidence;
  const entries = Array.isArray(evidence) ? evidence : evidence ? [evidence] : [];
  const entry = entries.find((e) => {
    const type = e && e.type;
    return type === "LivenessClaimSignature" || (Array.isArray(type) && type.includes("LivenessClaimSignature"));
  });
  if (!entry) throw new ZkError("no_claim", "this credential carries no signed liveness claim to prove from");
  return entry;
}

// The verifier's request (as POST zk/presentations/requests makes it): its id, the trusted issuer
// keys, and the statement's public inputs as field elements. Accepts the object or its JSON text.
export function parseRequest(input) {
  let request = input;
  if (typeof input === "string") {
    try {
      request = JSON.parse(input);
    } catch {
      throw new ZkError("invalid_request", "the verifier's request is not JSON");
    }
  }
  if (!request || typeof request !== "object" || Array.isArray(request)) {
    throw new ZkError("invalid_request", "the verifier's request must be a JSON object");
  }
  const inputs = request; // POST zk/presentations/requests: the public inputs as decimal strings
  if (typeof request.id !== "string" || !request.id) throw new ZkError("invalid_request", "the request has no id");
  return {
    id: request.id,
    issuerKeys: Array.isArray(request.issuerKeys) ? request.issuerKeys : null,
    threshold: field(inputs.threshold, "threshold", MAX_SCORE + 1n),
    requiredChecks: field(inputs.requiredChecks, "requiredChecks", 256n),
    notBefore: field(inputs.notBefore, "notBefore", MAX_TIME),
    atTime: field(inputs.atTime, "atTime", MAX_TIME),
    nonce: field(inputs.nonce, "nonce"),
    domain: field(inputs.domain ?? "0", "domain"),
    scope: field(inputs.scope ?? "0", "scope"),
  };
}

// The circuit's input (decimal strings, in the circuit's declaration order), after checking that
// the credential can satisfy the request: a statement that is false has no proof, and saying
// which part fails is kinder than a failed proof.
export function buildInputs({ credential, opening, secret, request }) {
  const entry = claimEvidence(credential);
  const claim = entry.claim || {};
  const signature = entry.signature || {};
  const key = entry.publicKey || {};
  const score = field(opening && opening.score, "the opening's score", MAX_SCORE + 1n);
  const salt = field(opening && opening.salt, "the opening's salt");
  const checks = field(claim.checks, "claim.checks", 256n);
  const timestamp = field(claim.timestamp, "claim.timestamp", MAX_TIME);
  const validUntil = field(claim.validUntil, "claim.validUntil", MAX_TIME);
  if (poseidon([score, salt]) !== field(claim.scoreCommitment, "claim.scoreCommitment")) {
    throw new ZkError("opening_mismatch", "the opening does not match the credential's score commitment");
  }
  if (holderCommitment(secret) !== field(claim.holderCommitment, "claim.holderCommitment")) {
    throw new ZkError("secret_mismatch", "this credential was issued to another holder secret");
  }
  const unmet = [];
  const sameKey = (k) => k && k.publicKey && String(k.publicKey.x) === String(key.x) && String(k.publicKey.y) === String(key.y);
  if (request.issuerKeys && !request.issuerKeys.some(sameKey)) unmet.push("issuer");
  if (score < request.threshold) unmet.push("threshold");
  if ((checks & request.requiredChecks) !== request.requiredChecks) unmet.push("requiredChecks");
  if (timestamp < request.notBefore) unmet.push("notBefore");
  if (validUntil < request.atTime) unmet.push("atTime");
  if (unmet.length) {
    const error = new ZkError("cannot_satisfy", `your credential does not satisfy this request (${unmet.join(", ")})`);
    error.unmet = unmet;
    throw error;
  }
  const s = (value) => value.toString();
  return {
    score: s(score),
    salt: s(salt),
    checks: s(checks),
    timestamp: s(timestamp),
    validUntil: s(validUntil),
    credentialIdHash: s(field(claim.credentialIdHash, "claim.credentialIdHash")),
    holderSecret: s(secret),
    R8x: s(field(signature.R8x, "signature.R8x")),
    R8y: s(field(signature.R8y, "signature.R8y")),
    S: s(field(signature.S, "signature.S")),
    issuerAx: s(field(key.x, "publicKey.x")),
    issuerAy: s(field(key.y, "publicKey.y")),
    threshold: s(request.threshold),
    requiredChecks: s(request.requiredChecks),
    notBefore: s(request.notBefore),
    atTime: s(request.atTime),
    nonce: s(request.nonce),
    domain: s(request.domain),
    scope: s(request.scope),
  };
}

// One worker for the page's lifetime: the downloads it verified are reused by the next proof.
let worker = null;
let nextId = 1;

async function manifest() {
  const response = await fetch(new URL("zk/browser/manifest.json", document.baseURI), { cache: "no-cache" });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ZkError(body.code || `http_${response.status}`, body.message || "no browser prover");
  const absolute = (file) => ({ ...file, url: new URL(file.url, document.baseURI).toString() });
  return { snarkjs: absolute(body.snarkjs), wasm: absolute(body.wasm), zkey: absolute(body.zkey), about: body.snarkjs };
}

// Proves in the worker; onProgress(step, detail) while it works. Resolves {proof, publicSignals,
// timings}; rejects with a ZkError carrying the worker's code.
export async function prove(input, onProgress = () => {}) {
  const files = await manifest();
  if (!worker) worker = new Worker(new URL("zk-prover.js", import.meta.url));
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const listen = (event) => {
      const message = event.data || {};
      if (message.id !== id) return;
      if (message.type === "progress") {
        onProgress(message.step, message.detail);
        return;
      }
      worker.removeEventListener("message", listen);
      if (message.type === "proof") resolve(message);
      else reject(new ZkError(message.code || "prover_error", message.message || "the proof failed"));
    };
    worker.addEventListener("message", listen);
    worker.onerror = (event) => {
      worker.removeEventListener("message", listen);
      worker = null; // a broken worker is not reused
      reject(new ZkError("prover_error", event.message || "the prover stopped"));
    };
    worker.postMessage({ type: "prove", id, files: { snarkjs: files.snarkjs, wasm: files.wasm, zkey: files.zkey }, input });
  });
}
