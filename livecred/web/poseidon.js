// Poseidon over the BN254 scalar field, bit-compatible with circomlib's Poseidon(n), in plain
// JavaScript (BigInt): the wallet needs Poseidon(holderSecret) for the commitment it sends with
// its session, and Poseidon(score, salt) to check the opening it receives.
//
// No constant tables are shipped: the round constants and the MDS matrix are regenerated the way
// they were made and the way the service's zk/_poseidon.py makes them, with the Grain LFSR of the
// Poseidon paper's reference script (prime field, x^5 S-box, 254-bit field, 8 full rounds,
// circomlib's partial-round counts). This file is the same algorithm as zk/_poseidon.py line for
// line (Apache-2.0, ours), so the page serves no third-party code for it; tests/web/test_poseidon_js.py
// checks it against the Python implementation and circomlib's published test vectors.

export const SCALAR_FIELD_ORDER =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const P = SCALAR_FIELD_ORDER;
const FULL_ROUNDS = 8;
// circomlib's partial-round counts for t = 2 .. 17 (1 .. 16 inputs).
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];
const FIELD_BITS = 254;

// The self-shrinking Grain LFSR that seeds Poseidon's parameters (80-bit state, as a ring).
class Grain {
  constructor(t, fullRounds, partialRounds) {
    const bits = [];
    const push = (value, width) => {
      for (let i = width - 1; i >= 0; i--) bits.push((value >> i) & 1);
    };
    // field = 1 (prime), sbox = 0 (x^alpha), field size, t, R_F, R_P, then 30 ones.
    push(1, 2);
    push(0, 4);
    push(FIELD_BITS, 12);
    push(t, 12);
    push(fullRounds, 10);
    push(partialRounds, 10);
    for (let i = 0; i < 30; i++) bits.push(1);
    this.state = Uint8Array.from(bits);
    this.head = 0; // index of s[0]
    for (let i = 0; i < 160; i++) this.step();
  }

  step() {
    const s = this.state;
    const h = this.head;
    const at = (i) => s[(h + i) % 80];
    const bit = at(62) ^ at(51) ^ at(38) ^ at(23) ^ at(13) ^ at(0);
    s[h] = bit; // s[0] leaves, the new bit enters at the end
    this.head = (h + 1) % 80;
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

function mod(x) {
  const r = x % P;
  return r < 0n ? r + P : r;
}

function power(base, exponent) {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

const parameters = new Map();

function parametersFor(t) {
  if (parameters.has(t)) return parameters.get(t);
  const partial = PARTIAL_ROUNDS[t - 2];
  const grain = new Grain(t, FULL_ROUNDS, partial);
  const constants = [];
  for (let i = 0; i < (FULL_ROUNDS + partial) * t; i++) {
    let value = grain.integer(FIELD_BITS);
    while (value >= P) value = grain.integer(FIELD_BITS); // rejection sampling, as the reference does
    constants.push(value);
  }
  // Cauchy matrix M[i][j] = 1 / (x_i + y_j) from 2t further samples (reduced, not rejected).
  const xsYs = Array.from({ length: 2 * t }, () => grain.integer(FIELD_BITS) % P);
  const xs = xsYs.slice(0, t);
  const ys = xsYs.slice(t);
  const matrix = xs.map((x) => ys.map((y) => power(x + y, P - 2n)));
  const result = { constants, matrix, partial };
  parameters.set(t, result);
  return result;
}

function fifth(x) {
  const x2 = (x * x) % P;
  return (((x2 * x2) % P) * x) % P;
}

// circomlib Poseidon(inputs.length) of field elements (1 to 16 BigInts, each in [0, r)).
export function poseidon(inputs) {
  if (!Array.isArray(inputs) || inputs.length < 1 || inputs.length > PARTIAL_ROUNDS.length) {
    throw new RangeError("Poseidon takes 1 to 16 inputs");
  }
  for (const x of inputs) {
    if (typeof x !== "bigint" || x < 0n || x >= P) throw new RangeError("Poseidon inputs must be field elements");
  }
  const t = inputs.length + 1;
  const { constants, matrix, partial } = parametersFor(t);
  let state = [0n, ...inputs];
  const half = FULL_ROUNDS / 2;
  for (let r = 0; r < FULL_ROUNDS + partial; r++) {
    state = state.map((x, i) => (x + constants[r * t + i]) % P);
    if (r < half || r >= half + partial) state = state.map(fifth);
    else state[0] = fifth(state[0]);
    state = matrix.map((row) => row.reduce((sum, m, j) => sum + m * state[j], 0n) % P);
  }
  return state[0];
}
