"""Poseidon matches circomlib: published vectors here; the circuit itself checks every commitment
the prover computes (a wrong hash would make witness generation fail in test_prover)."""

from __future__ import annotations

import pytest

from zk import SCALAR_FIELD_ORDER, poseidon


def test_circomlib_vectors() -> None:
    # circomlibjs test/poseidon.js
    assert poseidon([1]) == 18586133768512220936620570745912940619677854269274689475585506675881198879027
    assert poseidon([1, 2]) == 7853200120776062878684798364095072458815029376092732009249414926327459813530


def test_inputs_must_be_field_elements() -> None:
    with pytest.raises(ValueError):
        poseidon([SCALAR_FIELD_ORDER, 1])
    with pytest.raises(ValueError):
        poseidon([])
