// "Present to a verifier": the wallet side of OpenID4VP 1.0 (direct_post, DCQL, ldp_vc).
//
// presentToVerifier(credential, wallet, request) reads the verifier's request (the
// openid4vp://?... link, or its parameters as an object), checks it is one this wallet can answer
// (vp_token by direct_post to a redirect_uri: client on this page's origin, a DCQL query for a
// LivenessCredential), wraps the credential in a Verifiable Presentation signed by the wallet's
// key over the verifier's nonce (challenge) and client id (domain), and posts
// vp_token = {"<query id>": [presentation]} with the request's state to the response_uri.
//
// The presentation is signed with the eddsa-jcs-2022 cryptosuite (W3C vc-di-eddsa): SHA-256 of
// the RFC 8785 canonical JSON of the proof options and of the presentation, signed with Ed25519.
// A browser has no RDF canonicaliser; JCS is a few lines (below) and covers the JSON exactly.
// The credential inside keeps the issuer's own eddsa-rdfc-2022 proof.

import { base58btc } from "./wallet.js";

const CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1";
const DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2";
const LIVENESS_TYPE_IRI = "urn:livecred:vocab#LivenessCredential";
const ED25519 = { name: "Ed25519" };

export class PresentError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "PresentError";
    this.code = code;
  }
}

// RFC 8785: object keys sorted by UTF-16 code units (what Array.prototype.sort does), no
// whitespace, strings and numbers as ECMAScript's JSON.stringify writes them.
export function jcs(value) {
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new PresentError("invalid_credential", "JSON has no such number");
  }
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => jcs(item === undefined ? null : item)).join(",")}]`;
  const keys = Object.keys(value)
    .filter((key) => value[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${jcs(value[key])}`).join(",")}}`;
}

async function sha256(text) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

// The request's parameters from an openid4vp:// (or https) link, or as given; dcql_query and
// client_metadata decoded from JSON when they arrive as strings.
export function parseRequest(request) {
  let params;
  if (typeof request === "string") {
    let link;
    try {
      link = new URL(request);
    } catch {
      throw new PresentError("invalid_request", "the request is not a link");
    }
    params = Object.fromEntries(link.searchParams.entries());
  } else if (request && typeof request === "object") {
    params = { ...request };
  } else {
    throw new PresentError("invalid_request", "no request");
  }
  for (const name of ["dcql_query", "client_metadata"]) {
    if (typeof params[name] === "string") {
      try {
        params[name] = JSON.parse(params[name]);
      } catch {
        throw new PresentError("invalid_request", `${name} is not JSON`);
      }
    }
  }
  if (params.request_uri !== undefined) {
    throw new PresentError("invalid_request", "requests by reference (request_uri) are not supported here");
  }
  return params;
}

function checkRequest(params, pageOrigin) {
  for (const name of ["client_id", "response_uri", "nonce", "state"]) {
    if (typeof params[name] !== "string" || !params[name]) {
      throw new PresentError("invalid_request", `the request has no ${name}`);
    }
  }
  if (params.response_type !== "vp_token" || params.response_mode !== "direct_post") {
    throw new PresentError("invalid_request", "only response_type vp_token with response_mode direct_post");
  }
  // The redirect_uri: prefix: the client id is the response URI itself (OpenID4VP 1.0).
  if (params.client_id !== `redirect_uri:${params.response_uri}`) {
    throw new PresentError("invalid_client", "the client_id must be redirect_uri:<response_uri>");
  }
  let target;
  try {
    target = new URL(params.response_uri);
  } catch {
    throw new PresentError("invalid_request", "the response_uri is not a URL");
  }
  if (target.origin !== pageOrigin) {
    throw new PresentError("invalid_client", "this demo wallet answers verifiers on its own origin only");
  }
  const queries = params.dcql_query && Array.isArray(params.dcql_query.credentials) ? params.dcql_query.credentials : [];
  const query = queries.find(
    (q) =>
      q &&
      q.format === "ldp_vc" &&
      typeof q.id === "string" &&
      Array.isArray(q.meta?.type_values) &&
      q.meta.type_values.some((set) => Array.isArray(set) && set.every((t) => t === LIVENESS_TYPE_IRI)),
  );
  if (!query) {
    throw new PresentError("invalid_request", "the verifier does not ask for a LivenessCredential (ldp_vc)");
  }
  return query.id;
}

// Sign and send. ``wallet`` is what wallet.js's walletFromJwk / generateWallet / loadWallet return
// ({did, kid, privateKey}). Resolves to {status, body} of the verifier's answer (200 and {} when it
// took the presentation); throws PresentError before sending anything it should not send.
export async function presentToVerifier(credential, wallet, request, { now = new Date() } = {}) {
  const params = parseRequest(request);
  const queryId = checkRequest(params, globalThis.location?.origin);
  const types = Array.isArray(credential?.type) ? credential.type : [credential?.type];
  if (!types.includes("LivenessCredential")) {
    throw new PresentError("invalid_credential", "this is not a LivenessCredential");
  }
  if (credential.credentialSubject?.id !== wallet.did) {
    throw new PresentError("invalid_credential", "the credential is not about this wallet's DID");
  }
  const presentation = {
    "@context": [CREDENTIALS_V1, DATA_INTEGRITY_V2],
    type: ["VerifiablePresentation"],
    holder: wallet.did,
    verifiableCredential: [credential],
  };
  const options = {
    "@context": presentation["@context"],
    type: "DataIntegrityProof",
    cryptosuite: "eddsa-jcs-2022",
    created: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
    verificationMethod: wallet.kid,
    proofPurpose: "authentication",
    challenge: params.nonce,
    domain: params.client_id,
  };
  const hash = new Uint8Array(64);
  hash.set(await sha256(jcs(options)), 0);
  hash.set(await sha256(jcs(presentation)), 32);
  const signature = new Uint8Array(await crypto.subtle.sign(ED25519, wallet.privateKey, hash));
  const signed = { ...presentation, proof: { ...options, proofValue: `z${base58btc(signature)}` } };
  const form = new URLSearchParams({ vp_token: JSON.stringify({ [queryId]: [signed] }), state: params.state });
  let response;
  try {
    response = await fetch(params.response_uri, {
      method: "POST",
      headers: { Accept: "application/json" },
      body: form,
      credentials: "omit",
      redirect: "error", // OpenID4VP: a wallet does not follow redirects from the Response Endpoint
    });
  } catch (err) {
    throw new PresentError("network_error", `cannot reach the verifier: ${err.message || err}`);
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { status: response.status, body };
}
