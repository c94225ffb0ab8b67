// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 the livecred authors.
//
// LivenessGate: lets a contract act on "a trusted issuer saw this caller pass a live check"
// without learning anything else. The caller (the holder) sends a Groth16 presentation proof
// (docs/zk-presentations.md); the gate checks it with the snarkjs-exported PresentationVerifier
// (GPL-3.0, deployed separately and only called through the interface below, so no GPL code is
// compiled into this contract) and checks the public signals against the policy pinned at
// construction: the issuer's BabyJubJub key, the lowest threshold, the checks the take must have
// passed, how old the live check and the proof may be, the domain and the scope.
//
// Nonces are bound to the caller: the nonce a holder must prove for is
//     nonceOf(holder) = uint256(keccak256(abi.encode(NONCE_TAG, block.chainid, address(this),
//                                                    holder, presentations[holder]))) >> 3
// (253 bits, so always below the BN254 scalar-field order), and `present` accepts a proof only
// from that holder, only for its current counter, and only once. A proof seen in the mempool is
// worth nothing to anyone else (front-running reverts with WrongNonce), and a mined one cannot
// be sent again (NonceAlreadyUsed).
pragma solidity ^0.8.24;

/// The interface of the snarkjs-exported verifier of the presentation circuit.
interface IPresentationVerifier {
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[10] calldata pubSignals
    ) external view returns (bool);
}

contract LivenessGate {
    // Public-signal indices, in snarkjs order (outputs first, then public inputs).
    uint256 internal constant PSEUDONYM = 0;
    uint256 internal constant ISSUER_AX = 1;
    uint256 internal constant ISSUER_AY = 2;
    uint256 internal constant THRESHOLD = 3;
    uint256 internal constant REQUIRED_CHECKS = 4;
    uint256 internal constant NOT_BEFORE = 5;
    uint256 internal constant AT_TIME = 6;
    uint256 internal constant NONCE = 7;
    uint256 internal constant DOMAIN = 8;
    uint256 internal constant SCOPE = 9;

    uint256 public constant MAX_SCORE = 10000;
    /// How far atTime may run ahead of block.timestamp (clocks and block times differ).
    uint256 public constant CLOCK_SKEW = 300;
    /// Bounds the time parameters so that no addition below can overflow.
    uint256 internal constant MAX_SECONDS = 1 << 40;
    /// r, the BN254 scalar-field order: every public signal and BabyJubJub coordinate is below it.
    uint256 internal constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// BabyJubJub: a x^2 + y^2 = 1 + d x^2 y^2 over the scalar field.
    uint256 internal constant BABYJUB_A = 168700;
    uint256 internal constant BABYJUB_D = 168696;
    bytes32 public constant NONCE_TAG = keccak256("livecred LivenessGate nonce v1");

    /// Why `evaluate` rejects a presentation (the first reason found, cheap checks first).
    enum Rejection {
        None,
        UntrustedIssuer,
        ThresholdTooLow,
        MissingChecks,
        WrongDomain,
        WrongScope,
        AtTimeInFuture,
        AtTimeTooOld,
        NotBeforeAfterAtTime,
        ClaimTooOld,
        InvalidProof
    }

    error InvalidPolicy(string what);
    error PresentationRejected(Rejection reason);
    error WrongNonce(uint256 expected, uint256 given);
    error NonceAlreadyUsed(uint256 nonce);

    /// One accepted presentation. `pseudonym` is Poseidon(holderSecret, scope), or 0 when the
    /// gate's scope is 0; it is stable for one holder secret and this gate's scope.
    event Presented(address indexed holder, uint256 indexed pseudonym, uint256 nonce, uint256 threshold, uint256 atTime);

    IPresentationVerifier public immutable verifier;
    uint256 public immutable issuerAx;
    uint256 public immutable issuerAy;
    uint256 public immutable minThreshold;
    uint256 public immutable requiredChecks;
    /// The live check must be at most this old at atTime (seconds): notBefore >= atTime - maxClaimAge.
    uint256 public immutable maxClaimAge;
    /// A proof is accepted until block.timestamp > atTime + maxProofAge.
    uint256 public immutable maxProofAge;
    uint256 public immutable domain;
    uint256 public immutable scope;

    /// How many presentations each holder has made here: the counter inside its next nonce.
    mapping(address => uint256) public presentations;
    mapping(uint256 => bool) public nonceUsed;

    constructor(
        IPresentationVerifier verifier_,
        uint256 issuerAx_,
        uint256 issuerAy_,
        uint256 minThreshold_,
        uint256 requiredChecks_,
        uint256 maxClaimAge_,
        uint256 maxProofAge_,
        uint256 domain_,
        uint256 scope_
    ) {
        if (address(verifier_).code.length == 0) revert InvalidPolicy("verifier has no code");
        if (issuerAx_ == 0 && issuerAy_ == 1) revert InvalidPolicy("issuer key is the identity");
        if (!_onBabyJubJub(issuerAx_, issuerAy_)) revert InvalidPolicy("issuer key is not on BabyJubJub");
        if (minThreshold_ > MAX_SCORE) revert InvalidPolicy("minThreshold");
        if (requiredChecks_ >= 256) revert InvalidPolicy("requiredChecks");
        if (maxClaimAge_ >= MAX_SECONDS) revert InvalidPolicy("maxClaimAge");
        if (maxProofAge_ >= MAX_SECONDS) revert InvalidPolicy("maxProofAge");
        if (domain_ >= SNARK_SCALAR_FIELD || scope_ >= SNARK_SCALAR_FIELD) revert InvalidPolicy("domain or scope");
        verifier = verifier_;
        issuerAx = issuerAx_;
        issuerAy = issuerAy_;
        minThreshold = minThreshold_;
        requiredChecks = requiredChecks_;
        maxClaimAge = maxClaimAge_;
        maxProofAge = maxProofAge_;
        domain = domain_;
        scope = scope_;
    }

    function _onBabyJubJub(uint256 x, uint256 y) internal pure returns (bool) {
        uint256 p = SNARK_SCALAR_FIELD;
        if (x >= p || y >= p) return false;
        uint256 x2 = mulmod(x, x, p);
        uint256 y2 = mulmod(y, y, p);
        uint256 left = addmod(mulmod(BABYJUB_A, x2, p), y2, p);
        uint256 right = addmod(1, mulmod(BABYJUB_D, mulmod(x2, y2, p), p), p);
        return left == right;
    }

    /// The nonce `holder` must prove for in its next `present` call.
    function nonceOf(address holder) public view returns (uint256) {
        return uint256(keccak256(abi.encode(NONCE_TAG, block.chainid, address(this), holder, presentations[holder]))) >> 3;
    }

    /// Why this presentation would be rejected now, or Rejection.None. Ignores the nonce.
    function evaluate(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[10] calldata pubSignals
    ) public view returns (Rejection) {
        if (pubSignals[ISSUER_AX] != issuerAx || pubSignals[ISSUER_AY] != issuerAy) return Rejection.UntrustedIssuer;
        if (pubSignals[THRESHOLD] < minThreshold) return Rejection.ThresholdTooLow;
        if (pubSignals[REQUIRED_CHECKS] & requiredChecks != requiredChecks) return Rejection.MissingChecks;
        if (pubSignals[DOMAIN] != domain) return Rejection.WrongDomain;
        if (pubSignals[SCOPE] != scope) return Rejection.WrongScope;
        // Every signal is below 2^254 (the verifier refuses larger ones, and AT_TIME and
        // NOT_BEFORE are compared before any addition that could reach 2^256).
        uint256 atTime = pubSignals[AT_TIME];
        uint256 notBefore = pubSignals[NOT_BEFORE];
        if (atTime >= MAX_SECONDS || atTime > block.timestamp + CLOCK_SKEW) return Rejection.AtTimeInFuture;
        if (atTime + maxProofAge < block.timestamp) return Rejection.AtTimeTooOld;
        if (notBefore > atTime) return Rejection.NotBeforeAfterAtTime;
        if (notBefore + maxClaimAge < atTime) return Rejection.ClaimTooOld;
        if (!verifier.verifyProof(pA, pB, pC, pubSignals)) return Rejection.InvalidProof;
        return Rejection.None;
    }

    /// True when the proof verifies and its public signals meet this gate's policy now. Does not
    /// look at the nonce: callers that act on a presentation use `present`.
    function check(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[10] calldata pubSignals
    ) external view returns (bool) {
        return evaluate(pA, pB, pC, pubSignals) == Rejection.None;
    }

    /// Accepts a presentation from its holder: the nonce must be nonceOf(msg.sender), unused;
    /// the proof must pass `evaluate`. Consumes the nonce and emits Presented. Returns the
    /// pseudonym.
    function present(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[10] calldata pubSignals
    ) external returns (uint256) {
        uint256 nonce = pubSignals[NONCE];
        if (nonceUsed[nonce]) revert NonceAlreadyUsed(nonce);
        uint256 expected = nonceOf(msg.sender);
        if (nonce != expected) revert WrongNonce(expected, nonce);
        Rejection reason = evaluate(pA, pB, pC, pubSignals);
        if (reason != Rejection.None) revert PresentationRejected(reason);
        nonceUsed[nonce] = true;
        presentations[msg.sender] += 1;
        emit Presented(msg.sender, pubSignals[PSEUDONYM], nonce, pubSignals[THRESHOLD], pubSignals[AT_TIME]);
        return pubSignals[PSEUDONYM];
    }
}
