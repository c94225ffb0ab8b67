pragma circom 2.1.0;

// livecred liveness presentation: the holder proves, to a verifier of its choosing,
//   "the issuer key (issuerAx, issuerAy) signed my liveness claim; its face-match score is at
//    least `threshold`; it passed every check in `requiredChecks`; the liveness check happened
//    no earlier than `notBefore`; the credential is still valid at `atTime`; I know the holder
//    secret the claim is bound to",
// bound to the verifier's `nonce` and `domain`, revealing nothing else (no score, no credential
// id, no holder DID). The specification is docs/zk-presentations.md.
//
// Private inputs: score, salt, checks, timestamp, validUntil, credentialIdHash, holderSecret,
//                 R8x, R8y, S (the issuer's EdDSA-Poseidon signature).
// Public inputs:  issuerAx, issuerAy, threshold, requiredChecks, notBefore, atTime, nonce,
//                 domain, scope.
// Public output:  pseudonym = Poseidon(holderSecret, scope) when scope != 0, else 0.
//
// Public signals, in snarkjs order (outputs first, then public inputs in declaration order):
//   [0] pseudonym  [1] issuerAx  [2] issuerAy  [3] threshold  [4] requiredChecks
//   [5] notBefore  [6] atTime    [7] nonce     [8] domain     [9] scope
//
// The constraints, and why they say what the statement says:
//
// 1. The claim. scoreCommitment = Poseidon(score, salt) and holderCommitment =
//    Poseidon(holderSecret) are computed here from the private openings, so the signed message
//    M = Poseidon(CLAIM_TAG, scoreCommitment, checks, timestamp, validUntil, credentialIdHash,
//    holderCommitment) can only match the issuer's signature if the prover knows a (score, salt)
//    opening the issuer's commitment and the holder secret behind the issuer's holder commitment
//    (Poseidon is collision- and preimage-resistant). CLAIM_TAG separates these messages from
//    anything else the key might sign.
// 2. The signature. circomlib's EdDSAPoseidonVerifier (enabled = 1) checks S < l and
//    S·B8 = R8 + 8·Poseidon(R8x, R8y, Ax, Ay, M)·A, and that 8·A is not the identity. The
//    issuer key is public and pinned by the verifier to a key it trusts; whether that key lies
//    in the prime-order subgroup is checked outside, when the verifier parses it.
// 3. Comparisons. Every inequality is a bit decomposition: 0 <= v < 2^n exactly when
//    Num2Bits(n) accepts v, because a "negative" field element (p - k for small k) has no
//    n-bit representation. Every value compared is range-checked first, so each difference
//    of two n-bit values lies in (-2^n, 2^n) and cannot wrap around the field (p > 2^253):
//      - score and threshold in [0, MAX_SCORE] (14 bits both ways), score - threshold >= 0;
//      - timestamp and notBefore < 2^40, timestamp - notBefore >= 0 (40 bits);
//      - validUntil and atTime < 2^40, validUntil - atTime >= 0 (40 bits).
//    Without the range checks on the public inputs, a "negative" notBefore such as p - 5 would
//    make timestamp - notBefore = timestamp + 5 pass, and the proof would state nothing.
// 4. Checks. checks and requiredChecks are decomposed into 8 bits each (so both are < 2^8, and
//    their bits are unique); for every bit, required => passed: r_i · (1 - c_i) = 0. That is
//    checks AND requiredChecks = requiredChecks.
// 5. Pseudonym. IsZero(scope) is 1 exactly when scope = 0; the output is
//    Poseidon(holderSecret, scope) · (1 - IsZero(scope)): 0 for scope 0, a per-scope stable
//    value otherwise, unlinkable across scopes without the holder secret.
// 6. Binding. nonce and domain enter no other constraint; each is squared into one, so the
//    proof depends on them (snarkjs adds a guard row per public input too; this makes it
//    explicit). credentialIdHash is only hashed, never compared, so it needs no range check.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "circomlib/circuits/poseidon.circom";

// Constrains 0 <= in < 2^BITS.
template AssertBits(BITS) {
    signal input in;
    component bits = Num2Bits(BITS);
    bits.in <== in;
}

// Constrains 0 <= a, b < 2^BITS and a >= b.
template AssertGreaterEq(BITS) {
    signal input a;
    signal input b;
    component aBits = AssertBits(BITS);
    aBits.in <== a;
    component bBits = AssertBits(BITS);
    bBits.in <== b;
    component margin = AssertBits(BITS);
    margin.in <== a - b;
}

template Presentation(SCORE_BITS, MAX_SCORE, TIME_BITS, CHECK_BITS, CLAIM_TAG) {
    assert(MAX_SCORE < 2 ** SCORE_BITS);

    // Private: the opening of the issuer's commitment, the signed claim, the holder secret.
    signal input score;             // face-match confidence x 10000
    signal input salt;              // the commitment's blinding
    signal input checks;            // bitmask of the checks the take passed
    signal input timestamp;         // the liveness check, unix seconds
    signal input validUntil;        // the credential's expiry, unix seconds
    signal input credentialIdHash;  // sha256(credential id) >> 3
    signal input holderSecret;      // the holder's secret; the claim holds Poseidon(holderSecret)
    signal input R8x;               // the issuer's signature (R8, S)
    signal input R8y;
    signal input S;

    // Public: the issuer key the verifier trusts, and the verifier's question.
    signal input issuerAx;
    signal input issuerAy;
    signal input threshold;         // x 10000, in [0, MAX_SCORE]
    signal input requiredChecks;    // bitmask, < 2^CHECK_BITS
    signal input notBefore;         // unix seconds, < 2^TIME_BITS
    signal input atTime;            // unix seconds, < 2^TIME_BITS
    signal input nonce;             // the verifier's challenge
    signal input domain;            // sha256(verifier origin or client id) >> 3, or 0
    signal input scope;             // 0, or the scope of a stable pseudonym

    signal output pseudonym;

    // 1. The claim's message, from the private openings.
    component scoreCommitment = Poseidon(2);
    scoreCommitment.inputs[0] <== score;
    scoreCommitment.inputs[1] <== salt;
    component holderCommitment = Poseidon(1);
    holderCommitment.inputs[0] <== holderSecret;
    component message = Poseidon(7);
    message.inputs[0] <== CLAIM_TAG;
    message.inputs[1] <== scoreCommitment.out;
    message.inputs[2] <== checks;
    message.inputs[3] <== timestamp;
    message.inputs[4] <== validUntil;
    message.inputs[5] <== credentialIdHash;
    message.inputs[6] <== holderCommitment.out;

    // 2. The issuer's signature over it.
    component signature = EdDSAPoseidonVerifier();
    signature.enabled <== 1;
    signature.Ax <== issuerAx;
    signature.Ay <== issuerAy;
    signature.S <== S;
    signature.R8x <== R8x;
    signature.R8y <== R8y;
    signature.M <== message.out;

    // 3. threshold <= score <= MAX_SCORE, threshold >= 0.
    component scoreAtLeast = AssertGreaterEq(SCORE_BITS);
    scoreAtLeast.a <== score;
    scoreAtLeast.b <== threshold;
    component scoreAtMost = AssertBits(SCORE_BITS);
    scoreAtMost.in <== MAX_SCORE - score;
    component thresholdAtMost = AssertBits(SCORE_BITS);
    thresholdAtMost.in <== MAX_SCORE - threshold;

    // timestamp >= notBefore; validUntil >= atTime.
    component fresh = AssertGreaterEq(TIME_BITS);
    fresh.a <== timestamp;
    fresh.b <== notBefore;
    component valid = AssertGreaterEq(TIME_BITS);
    valid.a <== validUntil;
    valid.b <== atTime;

    // 4. checks AND requiredChecks = requiredChecks.
    component passed = Num2Bits(CHECK_BITS);
    passed.in <== checks;
    component required = Num2Bits(CHECK_BITS);
    required.in <== requiredChecks;
    for (var i = 0; i < CHECK_BITS; i++) {
        required.out[i] * (1 - passed.out[i]) === 0;
    }

    // 5. The pseudonym: Poseidon(holderSecret, scope), or 0 when scope = 0.
    component scopeIsZero = IsZero();
    scopeIsZero.in <== scope;
    component scoped = Poseidon(2);
    scoped.inputs[0] <== holderSecret;
    scoped.inputs[1] <== scope;
    pseudonym <== scoped.out * (1 - scopeIsZero.out);

    // 6. Bind the nonce and the domain.
    signal nonceSquared;
    nonceSquared <== nonce * nonce;
    signal domainSquared;
    domainSquared <== domain * domain;
}

// CLAIM_TAG = int(sha256("livecred LivenessClaim v1")) >> 3 (zk/claim.py; a test checks they agree).
component main {public [issuerAx, issuerAy, threshold, requiredChecks, notBefore, atTime, nonce, domain, scope]} =
    Presentation(14, 10000, 40, 8, 12079938832192533987656044989090509067215506329444790696940684246770830430169);
