// Drive the Node holder library (zk/holder) from the Python tests: one JSON job on stdin, one
// JSON answer on stdout. Usage: node holder_run.cjs HOLDER_DIR < job.json
//   {"op": "buildInputs", "entry", "opening", "secret", "request"} -> {"inputs"} | {"error"}
//   {"op": "prove", "inputs": [...], "wasm", "zkey"}                -> {"results": [{"proof", "publicSignals"} | {"error"}]}
//   {"op": "commitment", "secret"} / {"op": "secret"} / {"op": "pseudonym", "secret", "scope"}
//   {"op": "poseidon", "inputs": ["1", "2"]}
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const holder = require(path.resolve(process.argv[2])); // the package: its package.json "main"

function errorOf(err) {
    if (err instanceof holder.HolderError) return { error: { code: err.code, message: err.message } };
    throw err;
}

async function run(job) {
    switch (job.op) {
        case "buildInputs":
            try {
                return { inputs: holder.buildInputs(job.entry, job.opening, job.secret, job.request) };
            } catch (err) {
                return errorOf(err);
            }
        case "prove": {
            const results = [];
            for (const inputs of job.inputs) {
                try {
                    results.push(await holder.prove(inputs, { wasm: job.wasm, zkey: job.zkey }));
                } catch (err) {
                    results.push(errorOf(err));
                }
            }
            return { results };
        }
        case "secret":
            return { secrets: Array.from({ length: job.count || 1 }, () => holder.holderSecret()) };
        case "commitment":
            return { commitment: holder.holderCommitment(job.secret) };
        case "pseudonym":
            return { pseudonym: holder.pseudonym(job.secret, job.scope) };
        case "poseidon":
            return { hash: holder.poseidon(job.inputs.map(BigInt)).toString() };
        default:
            throw new Error(`unknown op ${job.op}`);
    }
}

run(JSON.parse(fs.readFileSync(0, "utf8"))).then(
    (answer) => {
        process.stdout.write(JSON.stringify(answer));
        process.exit(0);
    },
    (err) => {
        process.stderr.write(String((err && err.stack) || err));
        process.exit(1);
    }
);
