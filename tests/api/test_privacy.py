"""Biometric data stays in memory: no file is written outside the state directory, no log carries it."""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import cv2
import pytest
from fastapi.testclient import TestClient

from tests.api.wallet_client import Holder, VirtualClock, capture, open_session
from tests.conftest import MODELS_DIR, REPO_ROOT, TESTDATA, encode_b64, make_id_card, read_b64, read_image

_SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{200,}")


def _snapshot(roots: Iterable[Path], exclude: Path) -> dict[str, tuple[int, int]]:
    seen: dict[str, tuple[int, int]] = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            dirnames[:] = [
                d for d in dirnames if d not in _SKIP_DIRS and here / d != exclude and not d.startswith("pytest-of-")
            ]
            for name in filenames:
                path = here / name
                try:
                    st = path.stat()
                except OSError:
                    continue
                seen[str(path)] = (st.st_mtime_ns, st.st_size)
    return seen


def test_requests_leave_no_files_and_no_image_data_in_logs(
    client: TestClient,
    state_dir: Path,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Our own temp dir: whatever this process would write to "the" temp dir lands here, and other
    # processes on a busy machine writing to /tmp are not mistaken for us.
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    selfie = read_b64("deepface_identities/img2.jpg")
    spoof = read_b64("silentface_real_spoof/image_F1.jpg")
    card = encode_b64(make_id_card(read_image("deepface_identities/img4.jpg")))
    roots = [REPO_ROOT, Path(tempfile.gettempdir()), MODELS_DIR, TESTDATA, Path.home() / ".cache"]
    roots = [r for r in roots if r.exists()]
    before = _snapshot(roots, exclude=state_dir)

    caplog.set_level(logging.DEBUG)
    statuses = []
    for _ in range(3):
        statuses += [
            client.post("/detect", json={"image": selfie}).status_code,
            client.post("/liveness", json={"image": spoof}).status_code,
            client.post("/antispoof", json={"image": selfie}).status_code,
            client.post("/face-match", json={"idImage": card, "selfieImage": selfie}).status_code,
            client.post("/verify", json={"idImage": card, "selfieImage": spoof}).status_code,
            client.post("/verify", json={"idImage": "garbage!!", "selfieImage": selfie}).status_code,
            client.post("/detect", json={"image": base64.b64encode(b"x" * 5000).decode()}).status_code,
            client.post("/smile-check", json={"image": selfie}).status_code,
            client.post(
                "/challenge/validate", json={"baselineImage": selfie, "challengeImage": spoof, "challengeType": "blink"}
            ).status_code,
            client.post("/blink-check", json={"frames": [selfie, selfie, selfie]}).status_code,
            client.post("/passive-monitor", json={"frames": [selfie, selfie, "garbage!!"]}).status_code,
        ]
    assert statuses.count(200) == 24 and all(s < 500 for s in statuses)
    # The wallet path: a live take's frames are judged in memory; only verdicts reach the database.
    opened = open_session(client, Holder(), face_match=True)
    assert opened.status_code == 201, opened.text
    clock = VirtualClock()
    client.app.state.capture_clock = clock  # type: ignore[attr-defined]
    still = cv2.resize(read_image("deepface_identities/img2.jpg"), (480, 480))
    id_card = make_id_card(read_image("deepface_identities/img4.jpg"))
    result = capture(client, opened.json(), lambda t, reply: still, clock, id_image=id_card)
    assert result["type"] == "result" and result["passed"] is False  # a still photo is no live take
    assert selfie[1000:1100] not in json.dumps(result)

    after = _snapshot(roots, exclude=state_dir)
    created = sorted(set(after) - set(before))
    modified = sorted(p for p in set(after) & set(before) if after[p] != before[p])
    assert not created, f"files created outside the state directory: {created[:10]}"
    assert not modified, f"files modified outside the state directory: {modified[:10]}"

    text = "\n".join(record.getMessage() for record in caplog.records)
    for payload in (selfie, spoof, card):
        assert payload[1000:1100] not in text
    assert not _BASE64_RUN.search(text), "a log line carries base64 data"
