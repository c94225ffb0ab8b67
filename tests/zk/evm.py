"""A small Ethereum test chain on py-evm: compile with solc-js, deploy, call, transact, read logs.

The clock is ours: every call and transaction runs in the pending block, whose timestamp the
test sets (``chain.timestamp = ...``), so ``block.timestamp`` is exact and nothing depends on
the wall clock. Senders are real secp256k1 keys and transactions are signed, so ``msg.sender``
is what a real chain would see. Calls that revert come back as a :class:`CallResult` with the
revert data, which :func:`error_selector` helps decode (custom errors).
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from eth import constants
from eth._utils.address import generate_contract_address
from eth.chains.base import MiningChain
from eth.db.atomic import AtomicDB
from eth.vm.forks.cancun import CancunVM
from eth.vm.spoof import SpoofTransaction
from eth_hash.auto import keccak
from eth_keys import keys

from tests.zk.conftest import NODE_MODULES, node

CHAIN_ID = 1337
GENESIS_TIME = 1_700_000_000
GAS = 5_000_000
GAS_PRICE = 10**10
SOLC_SCRIPT = Path(__file__).with_name("solc_compile.cjs")


@dataclass(frozen=True, slots=True)
class Compiled:
    creation: bytes
    runtime: bytes
    methods: dict[str, bytes]  # signature -> 4-byte selector


@cache
def compile_contract(source: Path, contract: str) -> Compiled:
    result = subprocess.run(
        [node(), str(SOLC_SCRIPT), str(NODE_MODULES), str(source), contract, "cancun"],
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    return Compiled(
        bytes.fromhex(out["creation"]),
        bytes.fromhex(out["runtime"]),
        {signature: bytes.fromhex(selector) for signature, selector in out["methods"].items()},
    )


def selector(signature: str) -> bytes:
    return keccak(signature.encode())[:4]


def words(*values: int | bytes) -> bytes:
    """ABI encoding of static arguments: uint256 values and 20-byte addresses, one word each."""
    out = b""
    for value in values:
        if isinstance(value, bytes):
            assert len(value) == 20
            out += value.rjust(32, b"\x00")
        else:
            assert 0 <= value < 2**256
            out += value.to_bytes(32, "big")
    return out


def decode_words(data: bytes) -> list[int]:
    assert len(data) % 32 == 0, data.hex()
    return [int.from_bytes(data[i : i + 32], "big") for i in range(0, len(data), 32)]


@dataclass(frozen=True, slots=True)
class Log:
    address: bytes
    topics: tuple[int, ...]
    data: bytes


@dataclass(frozen=True, slots=True)
class CallResult:
    success: bool
    output: bytes  # return data, or revert data when not success
    logs: tuple[Log, ...] = ()
    gas_used: int = 0

    def error_selector(self) -> bytes:
        assert not self.success
        return self.output[:4]

    def error_args(self) -> list[int]:
        assert not self.success
        return decode_words(self.output[4:])


class Account:
    def __init__(self, seed: int) -> None:
        self.key = keys.PrivateKey(seed.to_bytes(32, "big"))
        self.address = self.key.public_key.to_canonical_address()


class EVMChain:
    """One chain per test: funded accounts, a settable clock, deploy / call / transact."""

    def __init__(self, accounts: Sequence[Account]) -> None:
        chain_class = MiningChain.configure(vm_configuration=((0, CancunVM),), chain_id=CHAIN_ID)
        genesis = {
            "difficulty": 0,
            "gas_limit": 30_000_000,
            "timestamp": GENESIS_TIME,
            "coinbase": constants.ZERO_ADDRESS,
            "extra_data": b"",
            "nonce": b"\x00" * 8,
            "mix_hash": constants.ZERO_HASH32,
        }
        state = {a.address: {"balance": 10**21, "nonce": 0, "code": b"", "storage": {}} for a in accounts}
        self.chain = chain_class.from_genesis(AtomicDB(), genesis, state)
        self.timestamp = GENESIS_TIME + 12

    @property
    def timestamp(self) -> int:
        return int(self.chain.header.timestamp)

    @timestamp.setter
    def timestamp(self, value: int) -> None:
        self.chain.set_header_timestamp(value)

    def _nonce(self, address: bytes) -> int:
        return int(self.chain.get_vm(self.chain.header).state.get_nonce(address))

    def transact(self, sender: Account, to: bytes, data: bytes) -> CallResult:
        """A signed transaction, applied to the pending block (state changes persist)."""
        if self.chain.header.gas_used + GAS > self.chain.header.gas_limit:
            timestamp = self.timestamp
            self.chain.mine_block()
            self.timestamp = timestamp
        vm = self.chain.get_vm(self.chain.header)
        tx = vm.create_unsigned_transaction(
            nonce=self._nonce(sender.address), gas_price=GAS_PRICE, gas=GAS, to=to, value=0, data=data
        ).as_signed_transaction(sender.key, chain_id=CHAIN_ID)
        block_gas_before = self.chain.header.gas_used
        _, receipt, computation = self.chain.apply_transaction(tx)
        logs = tuple(
            Log(address, tuple(topics), log_data) for address, topics, log_data in computation.get_log_entries()
        )
        # A receipt's gas_used is cumulative over the block.
        return CallResult(computation.is_success, computation.output, logs, receipt.gas_used - block_gas_before)

    def deploy(self, sender: Account, compiled: Compiled, constructor_args: bytes = b"") -> bytes:
        nonce = self._nonce(sender.address)
        result = self.transact(sender, constants.CREATE_CONTRACT_ADDRESS, compiled.creation + constructor_args)
        assert result.success, result.output.hex()
        return generate_contract_address(sender.address, nonce)

    def try_deploy(self, sender: Account, compiled: Compiled, constructor_args: bytes) -> CallResult:
        return self.transact(sender, constants.CREATE_CONTRACT_ADDRESS, compiled.creation + constructor_args)

    def call(self, sender: Account, to: bytes, data: bytes) -> CallResult:
        """An ``eth_call`` at the pending block: msg.sender and block.timestamp as set, no state change."""
        vm = self.chain.get_vm(self.chain.header)
        tx = vm.create_unsigned_transaction(
            nonce=self._nonce(sender.address), gas_price=GAS_PRICE, gas=GAS, to=to, value=0, data=data
        )
        computation = vm.state.apply_transaction(SpoofTransaction(tx, from_=sender.address))
        return CallResult(computation.is_success, computation.output)
