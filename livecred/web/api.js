// The service's HTTP API as the page uses it: livecred routes (errors {code, message}) and the
// OpenID4VCI pre-authorized code flow (errors {error, error_description}). Every failure becomes
// an ApiError carrying the server's code and message, so the page can show them as they are.

import { keyProof } from "./wallet.js";

const PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
export const CONFIGURATION_ID = "LivenessCredential_ldp_vc";

export class ApiError extends Error {
  constructor(status, body, fallback) {
    const detail = body && typeof body === "object" ? body : {};
    super(detail.message || detail.error_description || fallback || `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = detail.code || detail.error || (status ? `http_${status}` : "network_error");
    this.body = detail;
  }
}

// Paths are relative to the page, so the page also works when the service sits under a prefix.
function url(path) {
  return new URL(path, document.baseURI).toString();
}

async function call(path, { method = "POST", json, form, token } = {}) {
  const headers = { Accept: "application/json" };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = new URLSearchParams(form);
  }
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(url(path), { method, headers, body, credentials: "same-origin" });
  } catch (err) {
    throw new ApiError(0, null, `cannot reach the service: ${err.message || err}`);
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, data, text.slice(0, 200) || response.statusText);
  }
  return data;
}

// The issuer's identifier and endpoints, read once.
let metadataPromise = null;
function issuerMetadata() {
  if (!metadataPromise) {
    metadataPromise = call(".well-known/openid-credential-issuer", { method: "GET" }).catch((err) => {
      metadataPromise = null;
      throw err;
    });
  }
  return metadataPromise;
}

// A session needs proof that the wallet holds its DID's key: a key proof over a fresh c_nonce.
// zkHolderCommitment (Poseidon of the holder secret, decimal) asks for a signed claim the holder
// can later prove from in zero knowledge (docs/zk-presentations.md).
export async function createSession({ wallet, deviceType, faceMatch, zkHolderCommitment }) {
  const metadata = await issuerMetadata();
  const issuer = String(metadata.credential_issuer).replace(/\/$/, "");
  const { c_nonce: nonce } = await call(sameOrigin(metadata.nonce_endpoint, issuer), {});
  const holderProof = await keyProof(wallet, { audience: metadata.credential_issuer, nonce });
  const body = { holderDid: wallet.did, deviceType, holderProof, options: { faceMatch } };
  if (zkHolderCommitment) body.zkHolderCommitment = zkHolderCommitment;
  return call("sessions", { json: body });
}

// The session's live-capture WebSocket, on this origin.
export function captureUrl(sessionId) {
  const address = new URL(`sessions/${encodeURIComponent(sessionId)}/capture`, document.baseURI);
  address.protocol = address.protocol === "https:" ? "wss:" : "ws:";
  return address.toString();
}

export async function verifyCredential(credential) {
  try {
    return await call("credentials/verify", { json: { verifiableCredential: credential } });
  } catch (error) {
    // VC-API: a credential that does not verify is a 400 whose body is the verdict itself.
    if (error instanceof ApiError && error.status === 400 && typeof error.body.verified === "boolean") {
      return error.body;
    }
    throw error;
  }
}

// The page is served by the issuer itself, so an endpoint the metadata names under the issuer's
// public URL is called on this origin (the public URL may name another host for the same
// service, e.g. localhost vs 127.0.0.1); the issuer identifier stays the proof's audience.
function sameOrigin(endpoint, issuer) {
  if (typeof endpoint !== "string") throw new ApiError(0, null, "the issuer metadata lacks an endpoint");
  if (endpoint.startsWith(`${issuer}/`)) return endpoint.slice(issuer.length + 1);
  return endpoint;
}

// OpenID4VCI 1.0 pre-authorized code flow: metadata -> token -> nonce -> key proof -> credential.
// Resolves {credential, zkClaimOpening}: the opening {score, salt} of the credential's signed
// claim comes once, beside the credential, when the session asked for a claim (else null).
export async function redeemOffer(offer, wallet, onStep = () => {}) {
  const issuer = String(offer.credential_issuer || "").replace(/\/$/, "");
  const grant = offer.grants && offer.grants[PRE_AUTHORIZED];
  if (!issuer || !grant || !grant["pre-authorized_code"]) {
    throw new ApiError(0, null, "the credential offer has no pre-authorized code");
  }
  if (grant.tx_code) throw new ApiError(0, null, "this offer needs a transaction code, which this demo cannot ask for");
  const configurationId = (offer.credential_configuration_ids || [])[0] || CONFIGURATION_ID;

  onStep("Reading the issuer's metadata");
  const metadata = await call(".well-known/openid-credential-issuer", { method: "GET" });
  if (String(metadata.credential_issuer).replace(/\/$/, "") !== issuer) {
    throw new ApiError(0, null, `the metadata names issuer ${metadata.credential_issuer}, the offer ${issuer}`);
  }
  const authorization = await call(".well-known/oauth-authorization-server", { method: "GET" });

  onStep("Exchanging the pre-authorized code for an access token");
  const token = await call(sameOrigin(authorization.token_endpoint, issuer), {
    form: { grant_type: PRE_AUTHORIZED, "pre-authorized_code": grant["pre-authorized_code"] },
  });

  onStep("Asking for a nonce");
  const { c_nonce: nonce } = await call(sameOrigin(metadata.nonce_endpoint, issuer), {});

  onStep("Signing the key proof and requesting the credential");
  const proof = await keyProof(wallet, { audience: issuer, nonce });
  const answer = await call(sameOrigin(metadata.credential_endpoint, issuer), {
    token: token.access_token,
    json: { credential_configuration_id: configurationId, proofs: { jwt: [proof] } },
  });
  const issued = answer && Array.isArray(answer.credentials) ? answer.credentials[0] : null;
  if (!issued || !issued.credential) throw new ApiError(0, answer, "the credential response holds no credential");
  const opening = issued.zkClaimOpening || answer.zkClaimOpening || null;
  return { credential: issued.credential, zkClaimOpening: opening };
}
