"""``livecred fhe``: the whole key-holder / cloud round trip on image files, and its errors."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fhe import EncryptedEmbedding
from livecred.cli import app
from tests.conftest import MODELS_DIR, TESTDATA
from tests.fhe import seal_bombs

runner = CliRunner()
SAME = ("deepface_identities/img1.jpg", "deepface_identities/img2.jpg")
OTHER = "deepface_identities/img3.jpg"


def _run(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, ["fhe", *map(str, args)])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("fhe-cli")
    code, out = _run("keygen", "--private", work / "me.key", "--public", work / "me.pub", "--security", "128")
    assert code == 0, out
    assert "128-bit" in out and "MobileFaceNet" in out
    for name, image in (("a", SAME[0]), ("b", SAME[1]), ("c", OTHER)):
        out_file = work / f"{name}.ct"
        code, out = _run(
            "embed", TESTDATA / image, "--key", work / "me.pub", "--out", out_file, "--models-dir", MODELS_DIR
        )
        assert code == 0, out
    return work


def test_same_person_round_trip(workdir: Path) -> None:
    # The cloud step needs the public context only.
    key = workdir / "me.pub"
    code, out = _run("distance", workdir / "a.ct", workdir / "b.ct", "--key", key, "--out", workdir / "ab.ct")
    assert code == 0, out
    code, out = _run("restore", workdir / "ab.ct", "--key", workdir / "me.key")
    assert code == 0, out
    assert 0.0 < float(out) < math.sqrt(2 - 2 * 0.4128)  # the default point's cosine (FAR 1e-4)
    code, out = _run("verify", workdir / "ab.ct", "--key", workdir / "me.key")
    assert code == 0 and "same person" in out


def test_different_people_exit_1(workdir: Path) -> None:
    key = workdir / "me.pub"
    code, out = _run("distance", workdir / "a.ct", workdir / "c.ct", "--key", key, "--out", workdir / "ac.ct")
    assert code == 0, out
    code, out = _run("verify", workdir / "ac.ct", "--key", workdir / "me.key")
    assert code == 1 and "different people" in out


def test_errors_exit_2_with_a_message(workdir: Path, tmp_path: Path) -> None:
    code, out = _run(
        "distance", workdir / "a.ct", workdir / "b.ct", "--key", workdir / "me.pub", "--out", tmp_path / "d"
    )
    assert code == 0, out
    code, out = _run("restore", tmp_path / "d", "--key", workdir / "me.pub")
    assert code == 2 and "private key" in out
    code, out = _run("verify", workdir / "a.ct", "--key", workdir / "me.key")
    assert code == 2 and "expected an encrypted distance" in out
    code, out = _run("keygen", "--private", tmp_path / "x", "--public", tmp_path / "y", "--model", "Facenet512")
    assert code == 2 and "DeepFace backend" in out
    code, out = _run("embed", TESTDATA / "faceonnx_eye_state/open_open.jpg", "--key", tmp_path / "missing.pub")
    assert code == 2  # typer: the key file does not exist
    (tmp_path / "empty.ct").write_text("\n")
    code, out = _run("distance", tmp_path / "empty.ct", workdir / "b.ct", "--key", workdir / "me.pub")
    assert code == 2 and "empty" in out


def test_files_go_through_the_same_bounded_loading(workdir: Path, tmp_path: Path) -> None:
    # A public context file with the repeated-Galois-key bomb, and a ciphertext file with a zstd bomb.
    public = (workdir / "me.pub").read_bytes()
    galois = seal_bombs.repeated_galois_key(seal_bombs.context_objects(public).galois_keys)
    (tmp_path / "bomb.pub").write_bytes(seal_bombs.with_objects(public, galois_keys=galois))
    code, out = _run("distance", workdir / "a.ct", workdir / "b.ct", "--key", tmp_path / "bomb.pub")
    assert code == 2 and "too large" in out and "Galois keys" in out
    embedding = EncryptedEmbedding.from_base64((workdir / "a.ct").read_text())
    bombed = seal_bombs.bomb(seal_bombs.ciphertext_object(embedding), seal_bombs.ZSTD)
    (tmp_path / "bomb.ct").write_text(seal_bombs.with_ciphertext(embedding, bombed).to_base64())
    code, out = _run("distance", tmp_path / "bomb.ct", workdir / "b.ct", "--key", workdir / "me.pub")
    assert code == 2 and "too large" in out
    # An envelope file over the size limit is refused before it is parsed.
    (tmp_path / "huge.ct").write_bytes((workdir / "me.pub").read_bytes()[:5] + bytes(2 * 1024 * 1024))
    code, out = _run("distance", tmp_path / "huge.ct", workdir / "b.ct", "--key", workdir / "me.pub")
    assert code == 2 and "over the limit" in out
