// SPDX-License-Identifier: Apache-2.0
// livecred holder library for Node: answer a verifier's presentation request with a Groth16
// proof of "a trusted issuer saw me pass a live check" (docs/zk-presentations.md), from the
// credential's LivenessClaimSignature evidence entry, the private opening {score, salt} the
// issuer returned beside the credential, and the holder's own secret.
//
//   const holder = require("./zk/holder");
//   const secret = holder.holderSecret();              // keep it; send only the commitment
//   const commitment = holder.holderCommitment(secret); // to the issuer, at issuance
//   const inputs = holder.buildInputs(entry, opening, secret, request);
//   const { proof, publicSignals } = await holder.prove(inputs, { wasm, zkey });
//   await holder.close();                               // stop snarkjs's threads when done
//
// buildInputs checks what the holder can check before proving (the opening and the secret open
// the claim's commitments, the issuer key is the one asked for, the claim meets the request) and
// throws a HolderError with a stable `code` otherwise; the circuit checks the rest (the issuer's
// signature). Nothing here logs: the opening and the secret are private.
//
// Dependencies: snarkjs (GPL-3.0) from zk/node_modules, loaded only by prove(); this file and
// poseidon.cjs are Apache-2.0 and use no GPL code.
"use strict";

const { webcrypto } = require("node:crypto");
const { P, poseidon } = require("./poseidon.cjs");

const CLAIM_TYPE = "LivenessClaimSignature";
const CLAIM_FIELDS = ["scoreCommitment", "checks", "timestamp", "validUntil", "credentialIdHash", "holderCommitment"];
const MAX_SCORE = 10000n;
const TIME_LIMIT = 1n << 40n;
const CHECKS_LIMIT = 1n << 8n;
// The circuit's input names, in the order the JSON lists them: private inputs, then the public
// inputs in declaration order (the public signals are [pseudonym, ...these nine]).
const PRIVATE_INPUTS = ["score", "salt", "checks", "timestamp", "validUntil", "credentialIdHash", "holderSecret", "R8x", "R8y", "S"];
const PUBLIC_INPUTS = ["issuerAx", "issuerAy", "threshold", "requiredChecks", "notBefore", "atTime", "nonce", "domain", "scope"];
const PUBLIC_SIGNALS = ["pseudonym", ...PUBLIC_INPUTS];

class HolderError extends Error {
    constructor(code, message) {
        super(message);
        this.name = "HolderError";
        this.code = code;
    }
}

/** A canonical decimal string, number or BigInt below `bound` as a BigInt; HolderError otherwise. */
function field(value, what, bound = P) {
    let parsed;
    if (typeof value === "bigint") parsed = value;
    else if (typeof value === "number" && Number.isSafeInteger(value)) parsed = BigInt(value);
    else if (typeof value === "string" && /^(0|[1-9][0-9]{0,77})$/.test(value)) parsed = BigInt(value);
    else throw new HolderError("invalid_input", `${what} must be a canonical decimal string`);
    if (parsed < 0n || parsed >= bound) throw new HolderError("invalid_input", `${what} is out of range`);
    return parsed;
}

function object(value, what) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new HolderError("invalid_input", `${what} must be an object`);
    }
    return value;
}

/** A fresh holder secret: a uniformly random non-zero field element, as a decimal string. */
function holderSecret() {
    const bytes = new Uint8Array(32);
    for (;;) {
        webcrypto.getRandomValues(bytes);
        bytes[0] &= 0x3f; // p < 2^254: draw 254 bits and reject values >= p (about 1 in 4)
        const value = BigInt("0x" + Buffer.from(bytes).toString("hex"));
        if (value !== 0n && value < P) return value.toString();
    }
}

/** Poseidon(holderSecret), as a decimal string: what the holder gives the issuer. */
function holderCommitment(secret) {
    return poseidon([field(secret, "holderSecret")]).toString();
}

/** The LivenessClaimSignature entry, given the entry, a credential carrying it, or the issuance
 * response {credential, zkClaimOpening}. */
function claimEntry(credentialOrEntry) {
    let data = object(credentialOrEntry, "credential");
    if (data.type === CLAIM_TYPE) return data;
    if (data.credential !== undefined) data = object(data.credential, "credential"); // an issuance response
    const evidence = Array.isArray(data.evidence) ? data.evidence : data.evidence ? [data.evidence] : [];
    const entries = evidence.filter((e) => e && e.type === CLAIM_TYPE);
    if (entries.length !== 1) {
        throw new HolderError("no_claim", `the credential must carry exactly one ${CLAIM_TYPE} evidence entry`);
    }
    return entries[0];
}

// The request: the circuit's public input names (Python's PresentationRequest.signals()), as
// decimal strings; domain and scope default to 0. That is what a livecred verifier's
// `POST /zk/presentations/requests` answers, and the whole answer can be passed: other fields
// (id, expiresAt, names) are not used, except the trusted keys. `issuerKeys` [{issuer,
// publicKey: {x, y}}] (the verifier's answer) or `issuerPublicKey` {x, y} (one key): when given,
// the claim must be signed by one of them, else the verifier would refuse the proof.
function parseRequest(request) {
    const data = object(request, "request");
    const listed = [];
    if (data.issuerKeys !== undefined) {
        if (!Array.isArray(data.issuerKeys) || data.issuerKeys.length > 64) {
            throw new HolderError("invalid_input", "request.issuerKeys must be a list of at most 64 keys");
        }
        data.issuerKeys.forEach((entry, i) => listed.push(object(entry, `request.issuerKeys[${i}]`).publicKey));
    }
    if (data.issuerPublicKey !== undefined) listed.push(data.issuerPublicKey);
    const keys = listed.map((value, i) => {
        const key = object(value, `request issuer key ${i}`);
        return { x: field(key.x, `request issuer key ${i} x`), y: field(key.y, `request issuer key ${i} y`) };
    });
    const anyKeyListed = data.issuerKeys !== undefined || data.issuerPublicKey !== undefined;
    return {
        issuers: anyKeyListed ? keys : null,
        signals: {
            threshold: field(data.threshold, "request.threshold", MAX_SCORE + 1n),
            requiredChecks: field(data.requiredChecks, "request.requiredChecks", CHECKS_LIMIT),
            notBefore: field(data.notBefore, "request.notBefore", TIME_LIMIT),
            atTime: field(data.atTime, "request.atTime", TIME_LIMIT),
            nonce: field(data.nonce, "request.nonce"),
            domain: field(data.domain === undefined ? "0" : data.domain, "request.domain"),
            scope: field(data.scope === undefined ? "0" : data.scope, "request.scope"),
        },
    };
}

/**
 * The circuit's input JSON (every value a decimal string), the same as Python's
 * zk.presentation_inputs for the same data. Throws HolderError: `invalid_input` (malformed),
 * `opening_mismatch` / `secret_mismatch` (they do not open the claim's commitments),
 * `issuer_mismatch` (the request asks for another issuer), `not_provable` (the claim does not
 * meet the request: a lower score, a missing check, too old, expired).
 */
function buildInputs(credentialEntry, opening, secret, request) {
    const entry = claimEntry(credentialEntry);
    const claimData = object(entry.claim, "claim");
    const claim = {};
    for (const name of CLAIM_FIELDS) claim[name] = field(claimData[name], `claim.${name}`);
    if (claim.checks >= CHECKS_LIMIT || claim.timestamp >= TIME_LIMIT || claim.validUntil >= TIME_LIMIT) {
        throw new HolderError("invalid_input", "claim checks, timestamp or validUntil is out of range");
    }
    const key = object(entry.publicKey, "publicKey");
    const signature = object(entry.signature, "signature");
    const pub = { x: field(key.x, "publicKey.x"), y: field(key.y, "publicKey.y") };
    const sig = {
        R8x: field(signature.R8x, "signature.R8x"),
        R8y: field(signature.R8y, "signature.R8y"),
        S: field(signature.S, "signature.S"),
    };

    let open = object(opening, "opening");
    if (open.zkClaimOpening !== undefined) open = object(open.zkClaimOpening, "opening"); // an issuance response
    const score = field(open.score, "opening.score", MAX_SCORE + 1n);
    const salt = field(open.salt, "opening.salt");
    const holder = field(secret, "holderSecret");
    const { issuers, signals: req } = parseRequest(request);

    if (poseidon([score, salt]) !== claim.scoreCommitment) {
        throw new HolderError("opening_mismatch", "the opening does not open the claim's scoreCommitment");
    }
    if (poseidon([holder]) !== claim.holderCommitment) {
        throw new HolderError("secret_mismatch", "this holder secret is not the one the claim commits to");
    }
    if (issuers && !issuers.some((key) => key.x === pub.x && key.y === pub.y)) {
        throw new HolderError("issuer_mismatch", "the verifier does not trust the key that signed this claim");
    }
    const unmet = [];
    if (score < req.threshold) unmet.push("threshold");
    if ((claim.checks & req.requiredChecks) !== req.requiredChecks) unmet.push("requiredChecks");
    if (claim.timestamp < req.notBefore) unmet.push("notBefore");
    if (claim.validUntil < req.atTime) unmet.push("atTime");
    if (unmet.length) throw new HolderError("not_provable", `the claim does not meet the request: ${unmet.join(", ")}`);

    const values = {
        score,
        salt,
        checks: claim.checks,
        timestamp: claim.timestamp,
        validUntil: claim.validUntil,
        credentialIdHash: claim.credentialIdHash,
        holderSecret: holder,
        R8x: sig.R8x,
        R8y: sig.R8y,
        S: sig.S,
        issuerAx: pub.x,
        issuerAy: pub.y,
        ...req,
    };
    const inputs = {};
    for (const name of [...PRIVATE_INPUTS, ...PUBLIC_INPUTS]) inputs[name] = values[name].toString();
    return inputs;
}

/** The pseudonym the proof will output: Poseidon(holderSecret, scope), or "0" when scope is 0. */
function pseudonym(secret, scope) {
    const s = field(scope, "scope");
    return s === 0n ? "0" : poseidon([field(secret, "holderSecret"), s]).toString();
}

/**
 * Prove: {proof, publicSignals} in snarkjs's format. `wasm` and `zkey` are file paths (or
 * Uint8Arrays) of the presentation circuit; `snarkjs` defaults to the one in zk/node_modules.
 * Throws HolderError `witness_rejected` when the circuit rejects the inputs (no proof exists).
 */
async function prove(inputs, options) {
    const { wasm, zkey } = object(options, "options");
    const file = (value, what) => {
        if (value instanceof Uint8Array) return { type: "mem", data: value };
        if (typeof value === "string" && value) return value;
        throw new HolderError("invalid_input", `options.${what} must be a file path or a Uint8Array`);
    };
    const wasmFile = file(wasm, "wasm");
    const zkeyFile = file(zkey, "zkey");
    const snarkjs = options.snarkjs || require("snarkjs");
    const data = object(inputs, "inputs");
    const names = [...PRIVATE_INPUTS, ...PUBLIC_INPUTS];
    for (const name of names) field(data[name], `inputs.${name}`);
    if (Object.keys(data).length !== names.length) throw new HolderError("invalid_input", "inputs has unknown fields");
    const wtns = { type: "mem" };
    try {
        await snarkjs.wtns.calculate(data, wasmFile, wtns);
    } catch (err) {
        // The message names the failing template and line, never an input value.
        const first = String((err && err.message) || err).split("\n")[0].slice(0, 200);
        throw new HolderError("witness_rejected", `the circuit rejects these inputs: ${first}`);
    }
    const { proof, publicSignals } = await snarkjs.groth16.prove(zkeyFile, wtns);
    return { proof, publicSignals };
}

/**
 * Stop snarkjs's worker threads (its BN254 curve keeps a thread pool alive between proofs, which
 * keeps Node running): call once when the process has no more proofs to make.
 */
async function close() {
    const curve = globalThis.curve_bn128; // where ffjavascript caches the multi-threaded curve
    if (curve && typeof curve.terminate === "function") await curve.terminate();
}

module.exports = {
    CLAIM_TYPE,
    PRIVATE_INPUTS,
    PUBLIC_INPUTS,
    PUBLIC_SIGNALS,
    HolderError,
    buildInputs,
    claimEntry,
    close,
    holderCommitment,
    holderSecret,
    poseidon,
    prove,
    pseudonym,
};
