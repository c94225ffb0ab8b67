// SPDX-License-Identifier: Apache-2.0
// Poseidon over the BN254 scalar field, bit-compatible with circomlib's Poseidon(n): the holder
// needs Poseidon(holderSecret) and Poseidon(score, salt) outside the circuit. Like zk/_poseidon.py
// (and for the same reason: no copy of circomlib's GPL-3.0 tables), the round constants and the
// MDS matrix are regenerated with the Grain LFSR of the Poseidon paper's reference script
// (prime field, x^5 S-box, 254-bit field, 8 full rounds, circomlib's partial-round counts).
// Plain BigInt arithmetic: a few milliseconds per hash, which a holder does a handful of times.
"use strict";

const P = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const FULL_ROUNDS = 8;
// circomlib's partial-round counts for t = 2 .. 17 (1 .. 16 inputs).
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
const FIELD_BITS = 254;

class Grain {
    // The self-shrinking Grain LFSR that seeds Poseidon's parameters (80-bit state).
    constructor(t, fullRounds, partialRounds) {
        const bits = [];
        const push = (value, width) => {
            for (const c of value.toString(2).padStart(width, "0")) bits.push(c === "1" ? 1 : 0);
        };
        // field = 1 (prime), sbox = 0 (x^alpha), field size, t, R_F, R_P, then 30 ones.
        push(1, 2);
        push(0, 4);
        push(FIELD_BITS, 12);
        push(t, 12);
        push(fullRounds, 10);
        push(partialRounds, 10);
        for (let i = 0; i < 30; i++) bits.push(1);
        this.state = bits;
        for (let i = 0; i < 160; i++) this.step();
    }

    step() {
        const s = this.state;
        const bit = s[62] ^ s[51] ^ s[38] ^ s[23] ^ s[13] ^ s[0];
        s.shift();
        s.push(bit);
        return bit;
    }

    bit() {
        // Self-shrinking: of each pair, keep the second bit when the first is 1.
        for (;;) {
            if (this.step()) return this.step();
            this.step();
        }
    }

    integer(bits) {
        let value = 0n;
        for (let i = 0; i < bits; i++) value = (value << 1n) | BigInt(this.bit());
        return value;
    }
}

function modPow(base, exponent) {
    let result = 1n;
    let b = base % P;
    let e = exponent;
    while (e > 0n) {
        if (e & 1n) result = (result * b) % P;
        b = (b * b) % P;
        e >>= 1n;
    }
    return result;
}

const parametersCache = new Map();

function parameters(t) {
    if (parametersCache.has(t)) return parametersCache.get(t);
    const partial = PARTIAL_ROUNDS[t - 2];
    const grain = new Grain(t, FULL_ROUNDS, partial);
    const constants = [];
    for (let i = 0; i < (FULL_ROUNDS + partial) * t; i++) {
        let value = grain.integer(FIELD_BITS);
        while (value >= P) value = grain.integer(FIELD_BITS); // rejection sampling, as the reference script
        constants.push(value);
    }
    // Cauchy matrix M[i][j] = 1 / (x_i + y_j) from 2t further samples (reduced, not rejected).
    const xsYs = [];
    for (let i = 0; i < 2 * t; i++) xsYs.push(grain.integer(FIELD_BITS) % P);
    const xs = xsYs.slice(0, t);
    const ys = xsYs.slice(t);
    const matrix = xs.map((x) => ys.map((y) => modPow(x + y, P - 2n)));
    const result = { constants, matrix };
    parametersCache.set(t, result);
    return result;
}

function pow5(x) {
    const x2 = (x * x) % P;
    return (((x2 * x2) % P) * x) % P;
}

/** circomlib Poseidon(inputs.length) of 1 to 16 field elements (BigInts below p). */
function poseidon(inputs) {
    if (!Array.isArray(inputs) || inputs.length < 1 || inputs.length > PARTIAL_ROUNDS.length) {
        throw new RangeError("Poseidon takes 1 to 16 inputs");
    }
    for (const x of inputs) {
        if (typeof x !== "bigint" || x < 0n || x >= P) throw new RangeError("Poseidon inputs must be field elements");
    }
    const t = inputs.length + 1;
    const partial = PARTIAL_ROUNDS[t - 2];
    const { constants, matrix } = parameters(t);
    let state = [0n, ...inputs];
    const half = FULL_ROUNDS / 2;
    for (let r = 0; r < FULL_ROUNDS + partial; r++) {
        state = state.map((x, i) => (x + constants[r * t + i]) % P);
        if (r < half || r >= half + partial) state = state.map(pow5);
        else state[0] = pow5(state[0]);
        state = matrix.map((row) => row.reduce((acc, m, i) => acc + m * state[i], 0n) % P);
    }
    return state[0];
}

module.exports = { P, poseidon };
