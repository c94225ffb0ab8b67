#!/usr/bin/env node
// livecred Groth16 worker: one long-lived Node process that proves and verifies the face-match
// circuit (and, given --circuit-dir, further circuits such as the presentation circuit) with
// snarkjs, so no request pays for a process start, a WebAssembly compile or the curve set-up.
//
// Two transports, one job handler:
//   stdio (default)   newline-delimited JSON on stdin/stdout; the Python service starts and
//                     supervises this process (zk/_worker.py). stdout carries protocol lines
//                     only; everything else goes to stderr.
//   --http HOST:PORT  a small HTTP server (POST /prove, POST /verify, GET /health) that
//                     ZK_SERVICE_URL can point at, to run provers on other machines.
//
// Requests   {"id": 7, "op": "prove", "input": {"score": "...", "salt": "...", "threshold": "...",
//                                              "commitment": "...", "nonce": "..."}}
//            {"id": 8, "op": "verify", "vk": {...}, "proof": {...}, "publicSignals": [...]}
//            {"id": 10, "op": "prove", "circuit": "presentation", "input": {...}}
//            {"id": 11, "op": "verify", "circuit": "presentation", "proof": {...}, "publicSignals": [...]}
//            {"id": 9, "op": "ping"}
// Responses  {"id": 7, "ok": true, "proof": {...}, "publicSignals": [...], "ms": 41.2}
//            {"id": 8, "ok": true, "verified": true, "ms": 9.1}
//            {"id": 7, "ok": false, "error": {"code": "witness_rejected", "message": "..."}}
// The first line on stdout is {"ready": true, ...} once the artifacts are loaded.
// Without "circuit" a job is for the default circuit (--wasm/--zkey/--vk: the face-match one);
// "circuit": NAME selects one loaded with --circuit-dir NAME=DIR (DIR/NAME.wasm,
// DIR/NAME_final.zkey, DIR/verification_key.json). The face-match protocol is unchanged.
//
// Jobs run one at a time (a promise chain): the witness calculator instance is reused and is
// not re-entrant, and snarkjs already spreads each proof's multi-exponentiations over a thread
// pool. Inputs are never logged: `score` and `salt` are private.
"use strict";

const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const { createRequire } = require("node:module");

const MAX_LINE_BYTES = 1 << 20;
const MAX_HTTP_BODY_BYTES = 1 << 20;

function parseArgs(argv) {
    const args = { testOps: false, circuits: [] };
    for (let i = 0; i < argv.length; i++) {
        const key = argv[i];
        const next = () => {
            if (i + 1 >= argv.length) throw new Error(`${key} needs a value`);
            return argv[++i];
        };
        if (key === "--wasm") args.wasm = next();
        else if (key === "--zkey") args.zkey = next();
        else if (key === "--vk") args.vk = next();
        else if (key === "--node-modules") args.nodeModules = next();
        else if (key === "--http") args.http = next();
        else if (key === "--circuit-dir") {
            const value = next();
            const eq = value.indexOf("=");
            const name = eq > 0 ? value.slice(0, eq) : "";
            if (!/^[a-z][a-z0-9_]{0,31}$/.test(name)) throw new Error("--circuit-dir takes NAME=DIR");
            args.circuits.push({ name, dir: value.slice(eq + 1) });
        }
        else if (key === "--test-ops") args.testOps = true;
        else throw new Error(`unknown argument ${key}`);
    }
    for (const required of ["wasm", "zkey", "nodeModules"]) {
        if (!args[required]) throw new Error(`--${required.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())} is required`);
    }
    return args;
}

class JobError extends Error {
    constructor(code, message) {
        super(message);
        this.code = code;
    }
}

async function load(args) {
    // Resolve snarkjs from the given node_modules, and circom_runtime from snarkjs's own
    // dependencies, so the worker runs wherever the script lives.
    const requireFromModules = createRequire(path.join(path.resolve(args.nodeModules), "package.json"));
    const snarkjsMain = requireFromModules.resolve("snarkjs");
    const snarkjs = requireFromModules("snarkjs");
    const requireFromSnarkjs = createRequire(snarkjsMain);
    const { WitnessCalculatorBuilder } = requireFromSnarkjs("circom_runtime");
    // snarkjs's "exports" hide its package.json; read it from the package root.
    const snarkjsVersion = JSON.parse(
        fs.readFileSync(path.join(path.dirname(snarkjsMain), "..", "package.json"), "utf8")
    ).version;

    const loadCircuit = async (wasmPath, zkeyPath, vkPath) => ({
        witnessCalculator: await WitnessCalculatorBuilder(fs.readFileSync(wasmPath), { sanityCheck: true }),
        zkey: new Uint8Array(fs.readFileSync(zkeyPath)),
        vk: vkPath ? JSON.parse(fs.readFileSync(vkPath, "utf8")) : null,
    });
    const main = await loadCircuit(args.wasm, args.zkey, args.vk);
    const circuits = new Map();
    for (const { name, dir } of args.circuits) {
        circuits.set(
            name,
            await loadCircuit(
                path.join(dir, `${name}.wasm`),
                path.join(dir, `${name}_final.zkey`),
                path.join(dir, "verification_key.json")
            )
        );
    }
    return {
        snarkjs,
        snarkjsVersion,
        witnessCalculator: main.witnessCalculator,
        zkey: main.zkey,
        defaultVk: main.vk,
        circuits,
    };
}

function isDecimal(value) {
    return typeof value === "string" && /^[0-9]{1,78}$/.test(value);
}

const MAX_INPUTS = 64;

function makeHandler(ctx, testOps) {
    const { snarkjs } = ctx;
    const main = { witnessCalculator: ctx.witnessCalculator, zkey: ctx.zkey, vk: ctx.defaultVk };

    function circuitOf(request) {
        if (request.circuit === undefined || request.circuit === null) return main;
        const circuit = typeof request.circuit === "string" ? ctx.circuits.get(request.circuit) : undefined;
        if (!circuit) {
            throw new JobError("bad_request", `unknown circuit ${JSON.stringify(String(request.circuit)).slice(0, 40)}`);
        }
        return circuit;
    }

    async function prove(request) {
        const { witnessCalculator, zkey } = circuitOf(request);
        const input = request.input;
        if (input === null || typeof input !== "object" || Array.isArray(input)) {
            throw new JobError("bad_request", "input must be an object");
        }
        const names =
            witnessCalculator === main.witnessCalculator
                ? ["score", "salt", "threshold", "commitment", "nonce"]
                : Object.keys(input);
        if (names.length > MAX_INPUTS) throw new JobError("bad_request", "too many inputs");
        for (const name of names) {
            if (!isDecimal(input[name])) {
                throw new JobError("bad_request", `input.${String(name).slice(0, 40)} must be a decimal string`);
            }
        }
        let wtns;
        try {
            wtns = await witnessCalculator.calculateWTNSBin(input, true);
        } catch (err) {
            // The circuit's constraints reject these inputs (e.g. score < threshold): there is
            // no witness, hence no proof. The message names the failing template, not values.
            const first = String((err && err.message) || err).split("\n")[0].slice(0, 200);
            throw new JobError("witness_rejected", `the circuit rejects these inputs: ${first}`);
        }
        const { proof, publicSignals } = await snarkjs.groth16.prove({ type: "mem", data: zkey }, { type: "mem", data: wtns });
        return { proof, publicSignals };
    }

    async function verify(request) {
        const vk = request.vk || circuitOf(request).vk;
        if (!vk) throw new JobError("bad_request", "no verification key given and none loaded");
        if (!Array.isArray(request.publicSignals) || !request.publicSignals.every(isDecimal)) {
            throw new JobError("bad_request", "publicSignals must be decimal strings");
        }
        let verified;
        try {
            verified = await snarkjs.groth16.verify(vk, request.publicSignals, request.proof);
        } catch (err) {
            // Malformed points make snarkjs throw; for a verifier that is a failed proof.
            verified = false;
        }
        return { verified: verified === true };
    }

    return async function handle(request) {
        const start = process.hrtime.bigint();
        let result;
        switch (request.op) {
            case "prove":
                result = await prove(request);
                break;
            case "verify":
                result = await verify(request);
                break;
            case "ping":
                result = { snarkjs: ctx.snarkjsVersion, pid: process.pid, circuits: [...ctx.circuits.keys()] };
                break;
            case "sleep":
                // Test hook (only with --test-ops): a job that takes as long as asked.
                if (!testOps) throw new JobError("bad_request", "unknown op sleep");
                await new Promise((resolve) => setTimeout(resolve, Number(request.ms) || 0));
                result = {};
                break;
            default:
                throw new JobError("bad_request", `unknown op ${JSON.stringify(String(request.op)).slice(0, 40)}`);
        }
        result.ms = Number(process.hrtime.bigint() - start) / 1e6;
        return result;
    };
}

function errorOf(err) {
    if (err instanceof JobError) return { code: err.code, message: err.message };
    return { code: "worker_error", message: String((err && err.message) || err).split("\n")[0].slice(0, 200) };
}

function serveStdio(handle, ctx) {
    const out = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
    let chain = Promise.resolve();
    let buffered = "";

    const submit = (line) => {
        let request;
        try {
            request = JSON.parse(line);
        } catch (err) {
            out({ id: null, ok: false, error: { code: "bad_request", message: "not JSON" } });
            return;
        }
        const id = request && request.id !== undefined ? request.id : null;
        chain = chain.then(async () => {
            try {
                out({ id, ok: true, ...(await handle(request)) });
            } catch (err) {
                out({ id, ok: false, error: errorOf(err) });
            }
        });
    };

    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk) => {
        buffered += chunk;
        let newline;
        while ((newline = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, newline);
            buffered = buffered.slice(newline + 1);
            if (line.trim()) submit(line);
        }
        if (buffered.length > MAX_LINE_BYTES) {
            buffered = "";
            out({ id: null, ok: false, error: { code: "bad_request", message: "request line too long" } });
        }
    });
    // The supervisor closes stdin to stop us: finish what is queued, then exit. Ctrl-C in a
    // terminal reaches the whole process group; the supervisor decides when we stop, and if it
    // dies, stdin ends and so do we.
    process.stdin.on("end", () => chain.then(() => process.exit(0)));
    process.on("SIGINT", () => {});
    out({ ready: true, pid: process.pid, snarkjs: ctx.snarkjsVersion, circuits: [...ctx.circuits.keys()] });
}

function serveHttp(handle, ctx, address) {
    const colon = address.lastIndexOf(":");
    const host = colon > 0 ? address.slice(0, colon) : "127.0.0.1";
    const port = Number(colon >= 0 ? address.slice(colon + 1) : address);
    let chain = Promise.resolve();
    const send = (res, status, body) => {
        const data = JSON.stringify(body);
        res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(data) });
        res.end(data);
    };
    const server = http.createServer((req, res) => {
        const route = `${req.method} ${req.url}`;
        if (route === "GET /health") return send(res, 200, { ready: true, snarkjs: ctx.snarkjsVersion });
        const op = { "POST /prove": "prove", "POST /verify": "verify" }[route];
        if (!op) return send(res, 404, { ok: false, error: { code: "not_found", message: route } });
        const chunks = [];
        let size = 0;
        req.on("data", (chunk) => {
            size += chunk.length;
            if (size > MAX_HTTP_BODY_BYTES) {
                send(res, 413, { ok: false, error: { code: "request_too_large", message: "body too large" } });
                req.destroy();
            } else chunks.push(chunk);
        });
        req.on("end", () => {
            if (res.writableEnded) return;
            let request;
            try {
                request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            } catch (err) {
                return send(res, 400, { ok: false, error: { code: "bad_request", message: "not JSON" } });
            }
            chain = chain.then(async () => {
                try {
                    send(res, 200, { ok: true, ...(await handle({ ...request, op })) });
                } catch (err) {
                    const error = errorOf(err);
                    send(res, error.code === "worker_error" ? 500 : 422, { ok: false, error });
                }
            });
        });
    });
    server.listen(port, host, () => {
        const bound = server.address();
        process.stdout.write(JSON.stringify({ ready: true, pid: process.pid, host: bound.address, port: bound.port }) + "\n");
    });
    const stop = () => server.close(() => process.exit(0));
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}

async function main() {
    // Libraries must not write to stdout: it carries the protocol.
    console.log = console.error;
    console.info = console.error;
    const args = parseArgs(process.argv.slice(2));
    const ctx = await load(args);
    const handle = makeHandler(ctx, args.testOps);
    if (args.http) serveHttp(handle, ctx, args.http);
    else serveStdio(handle, ctx);
}

main().catch((err) => {
    process.stderr.write(`livecred zk worker failed to start: ${(err && err.message) || err}\n`);
    process.exit(2);
});
