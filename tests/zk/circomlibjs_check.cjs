// The independent implementation the BabyJubJub / EdDSA-Poseidon tests compare against:
// circomlibjs (iden3's JavaScript reference of circomlib's circuits), a dev dependency.
//
// Reads one JSON array of requests on stdin, writes one JSON array of answers on stdout.
// Numbers travel as decimal strings. Requests:
//   {"op": "base8"}                                   -> {"base8": [x, y], "subOrder": l}
//   {"op": "mul", "point": [x, y], "scalar": k}       -> {"point": [x, y]}
//   {"op": "add", "p1": [x, y], "p2": [x, y]}         -> {"point": [x, y]}
//   {"op": "inCurve" | "inSubgroup", "point": [x, y]} -> {"result": bool}
//   {"op": "poseidon", "inputs": [...]}               -> {"hash": h}
//   {"op": "verify", "msg": m, "A": [x, y], "R8": [x, y], "S": s} -> {"result": bool}
//   {"op": "sign", "prv": hex32, "msg": m}            -> {"A": [x, y], "R8": [x, y], "S": s}
"use strict";
const path = require("node:path");
const { createRequire } = require("node:module");

const modules = process.argv[2];
const requireFromModules = createRequire(path.join(path.resolve(modules), "package.json"));
const circomlibjs = requireFromModules("circomlibjs");

async function main() {
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    const requests = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const babyJub = await circomlibjs.buildBabyjub();
    const eddsa = await circomlibjs.buildEddsa();
    const poseidon = await circomlibjs.buildPoseidon();
    const F = babyJub.F;
    const pt = (p) => [F.e(BigInt(p[0])), F.e(BigInt(p[1]))];
    const out = (p) => [F.toObject(p[0]).toString(), F.toObject(p[1]).toString()];
    const answers = requests.map((r) => {
        switch (r.op) {
            case "base8":
                return { base8: out(babyJub.Base8), subOrder: babyJub.subOrder.toString() };
            case "mul":
                return { point: out(babyJub.mulPointEscalar(pt(r.point), BigInt(r.scalar))) };
            case "add":
                return { point: out(babyJub.addPoint(pt(r.p1), pt(r.p2))) };
            case "inCurve":
                return { result: babyJub.inCurve(pt(r.point)) };
            case "inSubgroup":
                return { result: babyJub.inSubgroup(pt(r.point)) };
            case "poseidon":
                return { hash: poseidon.F.toObject(poseidon(r.inputs.map(BigInt))).toString() };
            case "verify": {
                const sig = { R8: pt(r.R8), S: BigInt(r.S) };
                return { result: eddsa.verifyPoseidon(F.e(BigInt(r.msg)), sig, pt(r.A)) };
            }
            case "sign": {
                const prv = Buffer.from(r.prv, "hex");
                const sig = eddsa.signPoseidon(prv, F.e(BigInt(r.msg)));
                return { A: out(eddsa.prv2pub(prv)), R8: out(sig.R8), S: sig.S.toString() };
            }
            default:
                throw new Error(`unknown op ${r.op}`);
        }
    });
    process.stdout.write(JSON.stringify(answers));
    process.exit(0);
}

main().catch((err) => {
    process.stderr.write(String((err && err.stack) || err) + "\n");
    process.exit(1);
});
