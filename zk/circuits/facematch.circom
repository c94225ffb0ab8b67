pragma circom 2.1.0;

// livecred face-match proof: "the private face-match score, committed to as `commitment`,
// is at least the public `threshold`", bound to a verifier-chosen `nonce`.
//
// Scores and thresholds are fixed-point with 4 decimals (confidence x 10000), so both lie in
// [0, MAX_SCORE] = [0, 10000]. Every inequality is proved by bit decomposition: a value v
// satisfies 0 <= v < 2^BITS exactly when Num2Bits(BITS) accepts it, because a "negative"
// field element (p - k for small k) has no BITS-bit representation. With BITS = 14 and both
// operands in [0, 10000], no difference below can wrap around the field.
//
// Public signals, in snarkjs order (declaration order of the public inputs):
//   [0] threshold   [1] commitment   [2] nonce
//
// Against the earlier circuit: the score is range-checked, `score >= threshold` is a
// constraint (no witness, hence no proof, exists for a failed match), the score is bound to a
// Poseidon commitment, and the nonce is bound into the proof so a proof cannot be replayed
// for another challenge.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";

// Constrains 0 <= in < 2^BITS.
template AssertBits(BITS) {
    signal input in;
    component bits = Num2Bits(BITS);
    bits.in <== in;
}

template FaceMatch(BITS, MAX_SCORE) {
    assert(MAX_SCORE < 2 ** BITS);

    signal input score;       // private: match confidence x 10000
    signal input salt;        // private: random blinding of the commitment
    signal input threshold;   // public: policy threshold x 10000
    signal input commitment;  // public: Poseidon(score, salt)
    signal input nonce;       // public: verifier's challenge, any field element

    // 0 <= score <= MAX_SCORE and 0 <= threshold <= MAX_SCORE.
    component scoreLow = AssertBits(BITS);
    scoreLow.in <== score;
    component scoreHigh = AssertBits(BITS);
    scoreHigh.in <== MAX_SCORE - score;
    component thresholdLow = AssertBits(BITS);
    thresholdLow.in <== threshold;
    component thresholdHigh = AssertBits(BITS);
    thresholdHigh.in <== MAX_SCORE - threshold;

    // score >= threshold: the difference is a small non-negative number.
    component margin = AssertBits(BITS);
    margin.in <== score - threshold;

    // The commitment opens to this score.
    component hash = Poseidon(2);
    hash.inputs[0] <== score;
    hash.inputs[1] <== salt;
    commitment === hash.out;

    // A public input that appears in no constraint would leave the proof independent of it
    // (malleable). snarkjs adds a guard row per public input as well; this makes the binding
    // explicit in the circuit itself.
    signal nonceSquared;
    nonceSquared <== nonce * nonce;
}

component main {public [threshold, commitment, nonce]} = FaceMatch(14, 10000);
