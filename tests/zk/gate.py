"""LivenessGate and the exported PresentationVerifier on a py-evm test chain, driven from Python.

``GatePolicy`` is the constructor's policy; ``Gate`` wraps one deployment (``evaluate``,
``check``, ``present``, ``nonce_of``) and decodes custom errors and the ``Presented`` event.
Deployments are deterministic (same deployer, same account nonce, same chain id), so a proof
made for ``nonce_of(holder)`` on one fresh chain is valid on every other fresh chain of a test
module: proofs are made once per module, chains once per test.
"""

from __future__ import annotations

import re
from dataclasses import astuple, dataclass
from pathlib import Path

from eth_hash.auto import keccak

from tests.zk.evm import CHAIN_ID, Account, CallResult, EVMChain, compile_contract, decode_words, selector, words
from zk import groth16_call_arguments
from zk.keys import Artifacts
from zk.presentation import PresentationProof

GATE_SOURCE = Path(__file__).resolve().parents[2] / "zk" / "contracts" / "LivenessGate.sol"
VERIFIER = Artifacts.packaged("presentation")

# LivenessGate.Rejection, in declaration order (a test checks it against the source).
REJECTIONS = (
    "None",
    "UntrustedIssuer",
    "ThresholdTooLow",
    "MissingChecks",
    "WrongDomain",
    "WrongScope",
    "AtTimeInFuture",
    "AtTimeTooOld",
    "NotBeforeAfterAtTime",
    "ClaimTooOld",
    "InvalidProof",
)
PROOF_ARGS = "(uint256[2],uint256[2][2],uint256[2],uint256[10])"
PRESENTATION_REJECTED = selector("PresentationRejected(uint8)")
WRONG_NONCE = selector("WrongNonce(uint256,uint256)")
NONCE_ALREADY_USED = selector("NonceAlreadyUsed(uint256)")
INVALID_POLICY = selector("InvalidPolicy(string)")
PRESENTED_TOPIC = int.from_bytes(keccak(b"Presented(address,uint256,uint256,uint256,uint256)"), "big")
NONCE_TAG = keccak(b"livecred LivenessGate nonce v1")

Words2 = tuple[int, int]
ProofArguments = tuple[Words2, tuple[Words2, Words2], Words2, tuple[int, ...]]


def declared_rejections() -> tuple[str, ...]:
    body = re.search(r"enum Rejection \{([^}]*)\}", GATE_SOURCE.read_text())
    assert body is not None
    return tuple(name.strip() for name in body.group(1).split(",") if name.strip())


@dataclass(frozen=True, slots=True)
class GatePolicy:
    issuer_ax: int
    issuer_ay: int
    min_threshold: int
    required_checks: int
    max_claim_age: int
    max_proof_age: int
    domain: int
    scope: int


@dataclass(frozen=True, slots=True)
class Presented:
    holder: bytes
    pseudonym: int
    nonce: int
    threshold: int
    at_time: int


def proof_arguments(proof: PresentationProof, signals: tuple[int, ...] | None = None) -> ProofArguments:
    return groth16_call_arguments(proof.proof, proof.public_signals if signals is None else signals)


def encode_proof(arguments: ProofArguments) -> bytes:
    a, b, c, signals = arguments
    return words(*a, *b[0], *b[1], *c, *signals)


def expected_nonce(gate: bytes, holder: bytes, counter: int) -> int:
    """What ``nonceOf`` computes, from the documentation's formula (not from the contract)."""
    encoded = NONCE_TAG + words(CHAIN_ID, gate, holder, counter)
    return int.from_bytes(keccak(encoded), "big") >> 3


class Gate:
    def __init__(self, chain: EVMChain, deployer: Account, policy: GatePolicy) -> None:
        self.chain = chain
        self.deployer = deployer
        verifier = compile_contract(VERIFIER.verifier_sol, "PresentationVerifier")
        self.verifier = chain.deploy(deployer, verifier)
        self.verify_selector = verifier.methods["verifyProof" + PROOF_ARGS]
        gate = compile_contract(GATE_SOURCE, "LivenessGate")
        self.methods = gate.methods
        self.address = chain.deploy(deployer, gate, words(self.verifier, *astuple(policy)))

    def deploy_gate(self, policy: GatePolicy, verifier: bytes | None = None) -> CallResult:
        """Another gate on this chain (to see its constructor refuse a policy)."""
        gate = compile_contract(GATE_SOURCE, "LivenessGate")
        args = words(self.verifier if verifier is None else verifier, *astuple(policy))
        return self.chain.try_deploy(self.deployer, gate, args)

    def _data(self, name: str, arguments: ProofArguments) -> bytes:
        return self.methods[name + PROOF_ARGS] + encode_proof(arguments)

    def verifier_accepts(self, arguments: ProofArguments) -> bool:
        result = self.chain.call(self.deployer, self.verifier, self.verify_selector + encode_proof(arguments))
        assert result.success and len(result.output) == 32, result.output.hex()
        return decode_words(result.output) == [1]

    def evaluate(self, arguments: ProofArguments, caller: Account | None = None) -> str:
        result = self.chain.call(caller or self.deployer, self.address, self._data("evaluate", arguments))
        assert result.success, result.output.hex()
        return REJECTIONS[decode_words(result.output)[0]]

    def check(self, arguments: ProofArguments, caller: Account | None = None) -> bool:
        result = self.chain.call(caller or self.deployer, self.address, self._data("check", arguments))
        assert result.success, result.output.hex()
        (value,) = decode_words(result.output)
        assert value in (0, 1)
        return value == 1

    def present(self, sender: Account, arguments: ProofArguments) -> CallResult:
        return self.chain.transact(sender, self.address, self._data("present", arguments))

    def view(self, signature: str, *args: int | bytes) -> list[int]:
        result = self.chain.call(self.deployer, self.address, self.methods[signature] + words(*args))
        assert result.success, result.output.hex()
        return decode_words(result.output)

    def nonce_of(self, holder: Account) -> int:
        return self.view("nonceOf(address)", holder.address)[0]

    def presented_events(self, result: CallResult) -> list[Presented]:
        events = []
        for log in result.logs:
            if log.address == self.address and log.topics and log.topics[0] == PRESENTED_TOPIC:
                nonce, threshold, at_time = decode_words(log.data)
                holder = log.topics[1].to_bytes(32, "big")[12:]
                events.append(Presented(holder, log.topics[2], nonce, threshold, at_time))
        return events


def rejection_of(result: CallResult) -> str:
    """The reason of a ``PresentationRejected`` revert."""
    assert not result.success and result.error_selector() == PRESENTATION_REJECTED, result.output.hex()
    return REJECTIONS[result.error_args()[0]]
