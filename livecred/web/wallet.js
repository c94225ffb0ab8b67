// The wallet's key: an Ed25519 did:key made and used with WebCrypto, kept in this browser only.
//
// did:key = "did:key:z" + base58btc(0xed 0x01 || 32-byte public key) (the multicodec prefix of
// ed25519-pub); its verification method's fragment repeats the multibase key. Proofs are compact
// JWS (EdDSA): base64url(header) "." base64url(claims) "." base64url(signature over the first two
// parts). The private key is stored as a JWK in localStorage: this is a demo wallet, and whoever
// can run script on this origin can read it.

const STORAGE_KEY = "livecred.wallet.jwk";
const ED25519 = { name: "Ed25519" };
const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const ED25519_PUB_PREFIX = [0xed, 0x01];

export class KeyError extends Error {
  constructor(message) {
    super(message);
    this.name = "KeyError";
    this.code = "invalid_key";
  }
}

export function base58btc(bytes) {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  const digits = []; // little-endian base-58 digits
  for (const byte of bytes) {
    let carry = byte;
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j] * 256;
      digits[j] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = Math.floor(carry / 58);
    }
  }
  return "1".repeat(zeros) + digits.reverse().map((d) => B58[d]).join("");
}

export function base64url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64url(text) {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text)) {
    throw new KeyError("not base64url");
  }
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function didKeyFromPublicKey(raw) {
  if (raw.length !== 32) throw new KeyError("an Ed25519 public key is 32 bytes");
  return "did:key:z" + base58btc(Uint8Array.from([...ED25519_PUB_PREFIX, ...raw]));
}

function checkJwk(jwk) {
  if (jwk === null || typeof jwk !== "object" || Array.isArray(jwk)) {
    throw new KeyError("the key must be a JSON object (a JWK)");
  }
  if (jwk.kty !== "OKP" || jwk.crv !== "Ed25519") {
    throw new KeyError('only Ed25519 keys are supported: a JWK with "kty": "OKP" and "crv": "Ed25519"');
  }
  for (const part of ["d", "x"]) {
    if (typeof jwk[part] !== "string") {
      throw new KeyError(`the JWK has no "${part}": paste the private key (with "d" and "x")`);
    }
    if (fromBase64url(jwk[part]).length !== 32) {
      throw new KeyError(`"${part}" must be 32 bytes, base64url-encoded`);
    }
  }
  return { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d };
}

// A wallet from a private JWK: imports it, checks that "d" and "x" are one key pair (a sign and
// verify round trip), and derives the DID.
export async function walletFromJwk(input) {
  const jwk = checkJwk(input);
  let privateKey;
  let publicKey;
  try {
    privateKey = await crypto.subtle.importKey("jwk", jwk, ED25519, false, ["sign"]);
    publicKey = await crypto.subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, ED25519, true, [
      "verify",
    ]);
  } catch (err) {
    // Lengths were checked above, so a refusal here means d and x do not belong together.
    throw new KeyError(`"d" and "x" are not one key pair (the browser refused it: ${err.name || err})`);
  }
  const probe = new TextEncoder().encode("livecred key check");
  const signature = await crypto.subtle.sign(ED25519, privateKey, probe);
  if (!(await crypto.subtle.verify(ED25519, publicKey, signature, probe))) {
    throw new KeyError('"d" and "x" are not one key pair');
  }
  const did = didKeyFromPublicKey(fromBase64url(jwk.x));
  return { did, kid: `${did}#${did.slice("did:key:".length)}`, jwk, privateKey };
}

export async function generateWallet() {
  const pair = await crypto.subtle.generateKey(ED25519, true, ["sign", "verify"]);
  return walletFromJwk(await crypto.subtle.exportKey("jwk", pair.privateKey));
}

export function parseJwk(text) {
  try {
    return JSON.parse(text);
  } catch {
    throw new KeyError("the key is not valid JSON");
  }
}

export function saveWallet(wallet) {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(wallet.jwk));
}

export async function loadWallet() {
  const stored = localStorage.getItem(STORAGE_KEY);
  return stored === null ? null : walletFromJwk(parseJwk(stored));
}

export function forgetWallet() {
  localStorage.removeItem(STORAGE_KEY);
}

export async function signJws(wallet, header, claims) {
  const encoder = new TextEncoder();
  const input = `${base64url(encoder.encode(JSON.stringify(header)))}.${base64url(encoder.encode(JSON.stringify(claims)))}`;
  const signature = await crypto.subtle.sign(ED25519, wallet.privateKey, encoder.encode(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

// An OpenID4VCI key proof (typ openid4vci-proof+jwt): the wallet holds the DID's key, for this
// issuer (aud), now (iat), answering the issuer's nonce.
export function keyProof(wallet, { audience, nonce, now = Date.now() }) {
  return signJws(
    wallet,
    { typ: "openid4vci-proof+jwt", alg: "EdDSA", kid: wallet.kid },
    { aud: audience, iat: Math.floor(now / 1000), nonce },
  );
}
