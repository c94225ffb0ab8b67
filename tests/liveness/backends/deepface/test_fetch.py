"""``livecred models fetch --backend deepface``: from a local HTTP server and from a mirror, never the
internet. Pinned hashes are enforced, DeepFace's unhashed release files are recorded on first fetch."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from liveness import ModelUnavailable
from liveness.backends.deepface import WEIGHTS, WeightFiles, weights_for
from liveness.backends.deepface.fetch import fetch_weights
from liveness.backends.deepface.weights import read_records
from tests.conftest import MODELS_DIR


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "served"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args) -> None:  # type: ignore[no-untyped-def]
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


def _local(base: str, name: str, *, missing_first: bool = False, **changes: object) -> dict[str, object]:
    urls = (f"{base}/missing/{name}", f"{base}/{name}") if missing_first else (f"{base}/{name}",)
    return {name: replace(WEIGHTS[name], urls=urls, **changes)}  # type: ignore[arg-type]


def test_a_pinned_file_downloads_from_the_backup_url_and_verifies(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, root = server
    (weight,) = weights_for("yunet")
    (root / weight.name).write_bytes((MODELS_DIR / weight.path).read_bytes())
    target = tmp_path / "models"
    (fetched,) = fetch_weights(target, ["yunet"], registry=_local(base, weight.name, missing_first=True))  # type: ignore[arg-type]
    assert fetched.source == f"{base}/{weight.name}" and not fetched.recorded
    assert WeightFiles(target).read_verified(weight)
    (again,) = fetch_weights(target, ["yunet"], registry=_local(base, weight.name))  # type: ignore[arg-type]
    assert again.source == "present"


def test_a_pinned_file_with_other_bytes_is_not_installed(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, root = server
    (weight,) = weights_for("yunet")
    (root / weight.name).write_bytes(b"x" * 1000)
    with pytest.raises(ModelUnavailable, match="sha256 mismatch"):
        fetch_weights(tmp_path, ["yunet"], registry=_local(base, weight.name))  # type: ignore[arg-type]
    assert not (tmp_path / weight.path).exists()
    assert not list((tmp_path / "yunet").glob("*.part"))


def test_an_unhashed_release_file_is_recorded_on_first_fetch_and_held_to_it(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, root = server
    name = "facial_expression_model_weights.h5"
    (root / name).write_bytes(b"first bytes")
    registry = _local(base, name, size=100)
    (fetched,) = fetch_weights(tmp_path, ["Emotion"], registry=registry)  # type: ignore[arg-type]
    assert fetched.recorded and fetched.sha256 == hashlib.sha256(b"first bytes").hexdigest()
    assert read_records(tmp_path) == {name: fetched.sha256}
    # The source changes: a forced re-fetch refuses what no longer matches the record.
    (root / name).write_bytes(b"other bytes")
    with pytest.raises(ModelUnavailable, match="sha256 mismatch"):
        fetch_weights(tmp_path, ["Emotion"], registry=registry, force=True)  # type: ignore[arg-type]
    assert (tmp_path / "deepface" / name).read_bytes() == b"first bytes"


def test_a_source_far_larger_than_registered_is_cut_off(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    base, root = server
    name = "facial_expression_model_weights.h5"
    (root / name).write_bytes(b"0" * (3 << 20))
    with pytest.raises(ModelUnavailable, match="larger than expected"):
        fetch_weights(tmp_path, ["Emotion"], registry=_local(base, name, size=1000))  # type: ignore[arg-type]


def test_unreachable_sources_say_so(tmp_path: Path) -> None:
    name = "facial_expression_model_weights.h5"
    registry = {name: replace(WEIGHTS[name], urls=("http://127.0.0.1:9/nothing",))}
    with pytest.raises(ModelUnavailable, match="--from DIR"):
        fetch_weights(tmp_path, ["Emotion"], registry=registry, timeout=2)


def test_the_cli_copies_from_a_mirror(tmp_path: Path) -> None:
    from livecred.cli import app

    target = tmp_path / "models"
    result = CliRunner().invoke(
        app,
        ["models", "fetch", "--backend", "deepface", "--model", "Fasnet", "--model", "yunet",
         "--models-dir", str(target), "--from", str(MODELS_DIR)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 DeepFace weight files verified" in result.output
    files = WeightFiles(target)
    files.require(["Fasnet", "yunet"])
    bad = CliRunner().invoke(
        app, ["models", "fetch", "--backend", "deepface", "--model", "Nope", "--models-dir", str(target)]
    )
    assert bad.exit_code == 2 and "unknown DeepFace model" in bad.output


def test_a_flat_mirror_of_other_cascade_bytes_is_refused(tmp_path: Path) -> None:
    flat = tmp_path / "data"  # laid out as an OpenCV wheel's cv2/data: DeepFace's names, no deepface/
    flat.mkdir()
    for weight in weights_for("opencv"):
        (flat / weight.name).write_bytes(b"<opencv_storage/>")
    with pytest.raises(ModelUnavailable, match="sha256 mismatch"):
        fetch_weights(tmp_path / "models", ["opencv"], mirror=flat)
    assert not list((tmp_path / "models" / "deepface").glob("*.xml"))
    with pytest.raises(ModelUnavailable, match="not found in mirror"):
        fetch_weights(tmp_path / "models", ["opencv"], mirror=tmp_path / "empty")


def test_the_cli_takes_the_cascades_from_an_opencv_wheels_data_folder(
    tmp_path: Path, deepface_models: Callable[..., Path]
) -> None:
    from livecred.cli import app

    flat = deepface_models() / "deepface"  # the cascades by DeepFace's names, when CI extracted them
    if not all((flat / w.name).is_file() for w in weights_for("opencv")):
        pytest.skip("no Haar cascades here: LIVECRED_CASCADES_DIR is unset (CI sets it: .ci/cascades.sh)")
    target = tmp_path / "models"
    result = CliRunner().invoke(
        app,
        ["models", "fetch", "--backend", "deepface", "--model", "opencv",
         "--models-dir", str(target), "--from", str(flat)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 DeepFace weight files verified" in result.output
    WeightFiles(target).require(["opencv"])
