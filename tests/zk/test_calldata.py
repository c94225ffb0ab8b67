"""solidityCalldata made in Python equals `snarkjs zkey export soliditycalldata` (modulo whitespace, quotes)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.zk.conftest import snarkjs
from zk import FaceMatchProof, solidity_calldata


def _normal(text: str) -> str:
    return "".join(text.split()).replace('"', "").replace("'", "")


def test_calldata_matches_snarkjs(proof: FaceMatchProof, tmp_path: Path) -> None:
    (tmp_path / "proof.json").write_text(json.dumps(proof.proof.to_snarkjs()))
    (tmp_path / "public.json").write_text(json.dumps([str(s) for s in proof.public_signals]))
    result = snarkjs("zkey", "export", "soliditycalldata", "public.json", "proof.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ours = solidity_calldata(proof)
    assert _normal(ours) == _normal(result.stdout)
    assert ours == result.stdout.strip()  # in fact byte-identical
