#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Answer a verifier's presentation request from the command line (a Node wallet, a script):
//
//   node zk/holder/prove.cjs --credential cred.json --opening opening.json \
//        --secret secret.txt --request request.json [--out presentation.json] \
//        [--wasm presentation.wasm --zkey presentation_final.zkey]
//
// --credential  the credential, its LivenessClaimSignature evidence entry, or the issuance
//               response {"credential", "zkClaimOpening"}
// --opening     {"score": "...", "salt": "..."}, as the issuer returned it beside the credential
//               (the issuance response itself will do)
// --secret      a file holding the holder secret (decimal), or "-" to read it from stdin; never
//               the secret itself, so that it does not show in the process list or shell history
// --request     {"threshold", "requiredChecks", "notBefore", "atTime", "nonce", "domain",
//                "scope"} (decimal strings; domain, scope default to "0"): a livecred verifier's
//                answer to POST /zk/presentations/requests as it is (its issuerKeys are checked)
// --wasm/--zkey the presentation circuit (default: zk/artifacts/presentation/)
//
// Writes {"proof": ..., "publicSignals": [...]} (snarkjs format) to --out or stdout. Exit 0 on
// success; 1 with {"error": {"code", "message"}} on stderr when the inputs cannot be proved
// (HolderError codes, see index.cjs); 2 for bad usage.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const holder = require("./index.cjs");

const DEFAULT_ARTIFACTS = path.resolve(__dirname, "..", "artifacts", "presentation");
const USAGE =
    "usage: prove.cjs --credential FILE --opening FILE --secret FILE|- --request FILE [--out FILE] [--wasm FILE] [--zkey FILE]";

function parseArgs(argv) {
    const args = {
        wasm: path.join(DEFAULT_ARTIFACTS, "presentation.wasm"),
        zkey: path.join(DEFAULT_ARTIFACTS, "presentation_final.zkey"),
    };
    const names = new Set(["credential", "opening", "secret", "request", "out", "wasm", "zkey"]);
    for (let i = 0; i < argv.length; i++) {
        const name = argv[i].startsWith("--") ? argv[i].slice(2) : "";
        if (!names.has(name) || i + 1 >= argv.length) throw new Error(USAGE);
        args[name] = argv[++i];
    }
    for (const required of ["credential", "opening", "secret", "request"]) {
        if (!args[required]) throw new Error(USAGE);
    }
    return args;
}

function readJson(file, what) {
    let text;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new holder.HolderError("unreadable", `cannot read the ${what} file`);
    }
    try {
        return JSON.parse(text);
    } catch (err) {
        throw new holder.HolderError("invalid_input", `the ${what} file is not JSON`);
    }
}

function readSecret(file) {
    let text;
    try {
        text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
    } catch (err) {
        throw new holder.HolderError("unreadable", "cannot read the secret");
    }
    return text.trim();
}

async function main() {
    // Libraries must not write to stdout: it carries the answer.
    console.log = console.error;
    console.info = console.error;
    let args;
    try {
        args = parseArgs(process.argv.slice(2));
    } catch (err) {
        process.stderr.write(`${err.message}\n`);
        return 2;
    }
    try {
        const inputs = holder.buildInputs(
            readJson(args.credential, "credential"),
            readJson(args.opening, "opening"),
            readSecret(args.secret),
            readJson(args.request, "request")
        );
        const result = await holder.prove(inputs, { wasm: args.wasm, zkey: args.zkey });
        const text = JSON.stringify(result) + "\n";
        if (args.out) fs.writeFileSync(args.out, text);
        else process.stdout.write(text);
        return 0;
    } catch (err) {
        if (!(err instanceof holder.HolderError)) throw err;
        process.stderr.write(JSON.stringify({ error: { code: err.code, message: err.message } }) + "\n");
        return 1;
    }
}

main().then(
    (code) => process.exit(code),
    (err) => {
        process.stderr.write(`prove.cjs failed: ${String((err && err.message) || err).split("\n")[0]}\n`);
        process.exit(3);
    }
);
