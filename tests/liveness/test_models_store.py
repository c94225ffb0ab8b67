"""The model store: registry, verification, atomic fetch from a mirror and over HTTP."""

from __future__ import annotations

import dataclasses
import functools
import http.server
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from liveness import ModelUnavailable, load_default_engine
from liveness.models import DEFAULT_ENGINE_MODELS, REGISTRY, ModelStore
from tests.conftest import MODELS_DIR


def test_registry_pins_every_source() -> None:
    for spec in REGISTRY.values():
        assert re.fullmatch(r"[0-9a-f]{64}", spec.sha256), spec.name
        assert spec.url.startswith("https://")
        # A git commit, or a generation-pinned bucket object (MediaPipe's assets).
        pinned = re.search(r"/[0-9a-f]{40}/", spec.url) or re.search(r"\?generation=\d+$", spec.url)
        assert pinned, f"{spec.name}: URL not pinned to a commit or an object generation"
        assert spec.license and spec.input_spec and spec.size > 0
    assert set(DEFAULT_ENGINE_MODELS) <= set(REGISTRY)


def test_shared_models_verify() -> None:
    statuses = ModelStore(MODELS_DIR).status(DEFAULT_ENGINE_MODELS)
    assert [s.state for s in statuses] == ["ok"] * len(DEFAULT_ENGINE_MODELS)


def test_missing_models_are_all_named_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable) as info:
        load_default_engine(tmp_path)
    assert set(info.value.missing) == set(DEFAULT_ENGINE_MODELS)
    assert "livecred models fetch" in info.value.message


def test_corrupt_model_is_refused(tmp_path: Path) -> None:
    ModelStore(tmp_path).fetch(DEFAULT_ENGINE_MODELS, mirror=MODELS_DIR)
    path = ModelStore(tmp_path).path_of("mobilefacenet")
    data = bytearray(path.read_bytes())
    data[1000] ^= 0xFF
    path.write_bytes(bytes(data))
    assert {s.name: s.state for s in ModelStore(tmp_path).status()}["mobilefacenet"] == "corrupt"
    with pytest.raises(ModelUnavailable) as info:
        load_default_engine(tmp_path)
    assert info.value.missing == ("mobilefacenet",)


def test_fetch_from_mirror_installs_verified_files(tmp_path: Path) -> None:
    target = tmp_path / "models"
    seen: dict[str, int] = {}
    ModelStore(target).fetch(DEFAULT_ENGINE_MODELS, mirror=MODELS_DIR, progress=lambda n, d, t: seen.__setitem__(n, d))
    assert all(s.state == "ok" for s in ModelStore(target).status(DEFAULT_ENGINE_MODELS))
    assert seen == {name: REGISTRY[name].size for name in DEFAULT_ENGINE_MODELS}
    assert not list(target.rglob("*.part")), "temporary files left behind"


def test_fetch_refuses_a_mirror_file_with_the_wrong_hash(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    spec = REGISTRY["yunet"]
    (mirror / spec.file).parent.mkdir(parents=True)
    (mirror / spec.file).write_bytes(b"not the model" * 100)
    target = tmp_path / "models"
    with pytest.raises(ModelUnavailable, match="sha256"):
        ModelStore(target).fetch(["yunet"], mirror=mirror)
    assert not (target / spec.file).exists()
    assert not list(target.rglob("*.part"))


@pytest.fixture
def http_mirror() -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(MODELS_DIR))

    class Quiet(handler.func):  # type: ignore[name-defined,misc]
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(MODELS_DIR)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_download_verifies_and_installs(tmp_path: Path, http_mirror: str) -> None:
    spec = REGISTRY["yunet"]
    registry = {"yunet": dataclasses.replace(spec, url=f"{http_mirror}/{spec.file}")}
    store = ModelStore(tmp_path, registry=registry)
    store.fetch(["yunet"])
    assert store.status(["yunet"])[0].state == "ok"
    bad = {"yunet": dataclasses.replace(spec, url=f"{http_mirror}/{REGISTRY['mobilefacenet'].file}")}
    other = tmp_path / "other"
    with pytest.raises(ModelUnavailable):
        ModelStore(other, registry=bad).fetch(["yunet"])
    assert not (other / spec.file).exists()


def test_download_failure_names_the_model(tmp_path: Path, http_mirror: str) -> None:
    spec = REGISTRY["yunet"]
    registry = {"yunet": dataclasses.replace(spec, url=f"{http_mirror}/no/such/file.onnx")}
    with pytest.raises(ModelUnavailable, match="yunet"):
        ModelStore(tmp_path, registry=registry).fetch(["yunet"])


def test_mirror_copy_does_not_touch_the_source(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(MODELS_DIR / "yunet", mirror / "yunet")
    before = (mirror / REGISTRY["yunet"].file).stat().st_mtime_ns
    ModelStore(tmp_path / "models").fetch(["yunet"], mirror=mirror)
    assert (mirror / REGISTRY["yunet"].file).stat().st_mtime_ns == before
