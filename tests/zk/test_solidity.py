"""The exported FaceMatchVerifier, compiled with solc-js and run in py-evm, agrees with us.

The contract is installed at a genesis address and called the way ``eth_call`` does; the
pairing precompiles run on py_ecc inside py-evm, so each call takes about a second.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from eth import constants
from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.vm.forks.cancun import CancunVM
from eth.vm.spoof import SpoofTransaction

from tests.zk.conftest import ARTIFACTS, NODE_MODULES, node
from zk import SCALAR_FIELD_ORDER, FaceMatchProof, G1Point, solidity_call_arguments
from zk._field import BASE_FIELD_MODULUS

SIGNATURE = "verifyProof(uint256[2],uint256[2][2],uint256[2],uint256[3])"
CONTRACT = b"\x11" * 20
CALLER = b"\x22" * 20


class EVMVerifier:
    def __init__(self, runtime: bytes, selector: bytes) -> None:
        chain_class = MiningChain.configure(vm_configuration=((0, CancunVM),), chain_id=1337)
        genesis = {
            "difficulty": 0,
            "gas_limit": 30_000_000,
            "timestamp": 1_700_000_000,
            "coinbase": constants.ZERO_ADDRESS,
            "extra_data": b"",
            "nonce": b"\x00" * 8,
            "mix_hash": constants.ZERO_HASH32,
        }
        accounts = {
            CONTRACT: {"balance": 0, "nonce": 1, "code": runtime, "storage": {}},
            CALLER: {"balance": 10**18, "nonce": 0, "code": b"", "storage": {}},
        }
        self.chain = chain_class.from_genesis(AtomicDB(), genesis, accounts)
        self.selector = selector

    def verify(self, proof: FaceMatchProof) -> bool:
        a, b, c, signals = solidity_call_arguments(proof)
        words = [*a, *b[0], *b[1], *c, *signals]
        data = self.selector + b"".join(w.to_bytes(32, "big") for w in words)
        tx = self.chain.get_vm().create_unsigned_transaction(
            nonce=0, gas_price=10**10, gas=5_000_000, to=CONTRACT, value=0, data=data
        )
        result = self.chain.get_transaction_result(SpoofTransaction(tx, from_=CALLER), self.chain.get_canonical_head())
        assert len(result) == 32, result.hex()  # an ABI-encoded bool, not a revert
        value = int.from_bytes(result, "big")
        assert value in (0, 1)
        return value == 1


@pytest.fixture(scope="module")
def evm_verifier(tmp_path_factory: pytest.TempPathFactory) -> EVMVerifier:
    script = Path(__file__).with_name("solc_compile.cjs")
    result = subprocess.run(
        [node(), str(script), str(NODE_MODULES), str(ARTIFACTS.verifier_sol), "FaceMatchVerifier", "cancun"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    compiled = json.loads(result.stdout)
    return EVMVerifier(bytes.fromhex(compiled["runtime"]), bytes.fromhex(compiled["methods"][SIGNATURE]))


def test_the_contract_accepts_our_proof(evm_verifier: EVMVerifier, proof: FaceMatchProof) -> None:
    assert evm_verifier.verify(proof) is True


def test_the_contract_rejects_a_tampered_nonce(evm_verifier: EVMVerifier, proof: FaceMatchProof) -> None:
    signals = (*proof.public_signals[:2], proof.nonce + 1)
    assert evm_verifier.verify(replace(proof, public_signals=signals)) is False


def test_the_contract_rejects_a_tampered_proof(evm_verifier: EVMVerifier, proof: FaceMatchProof) -> None:
    assert evm_verifier.verify(replace(proof, proof=replace(proof.proof, c=proof.proof.a))) is False
    a = proof.proof.a
    off_curve = replace(proof, proof=replace(proof.proof, a=G1Point(a.x, (a.y + 1) % BASE_FIELD_MODULUS)))
    assert evm_verifier.verify(off_curve) is False


def test_the_contract_rejects_non_canonical_signals(evm_verifier: EVMVerifier, proof: FaceMatchProof) -> None:
    signals = (proof.public_signals[0] + SCALAR_FIELD_ORDER, *proof.public_signals[1:])
    assert evm_verifier.verify(replace(proof, public_signals=signals)) is False
