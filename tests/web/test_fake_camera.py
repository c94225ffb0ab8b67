"""The fake camera video itself: a valid Y4M file, and frames that pass the engine's checks.

If the models or thresholds change so that these frames no longer pass, the browser test would
fail somewhere in the middle of the page; this test says which state stopped passing, and by how much.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from liveness import LivenessEngine
from liveness.challenges import ChallengeType
from tests.web.fake_camera import (
    CYCLE,
    EYES_CLOSED,
    FACES,
    FPS,
    HEIGHT,
    ID_PHOTO,
    NEUTRAL,
    SMILE,
    TURN_RIGHT,
    WIDTH,
    face_frame,
    read_y4m,
    write_fake_camera,
    write_y4m,
)


def test_y4m_has_the_header_and_planes_chromium_reads(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    frames = [rng.integers(0, 256, (4, 6, 3), dtype=np.uint8) for _ in range(3)]
    path = tmp_path / "noise.y4m"
    assert write_y4m(path, frames, fps=10) == 3
    data = path.read_bytes()
    assert data.startswith(b"YUV4MPEG2 W6 H4 F10:1 Ip A1:1 C420jpeg\nFRAME\n")
    assert len(data) == len(b"YUV4MPEG2 W6 H4 F10:1 Ip A1:1 C420jpeg\n") + 3 * (6 + 24 + 2 * 6)
    with pytest.raises(ValueError, match="even"):
        write_y4m(tmp_path / "odd.y4m", [np.zeros((3, 4, 3), np.uint8)])


def test_y4m_round_trip_keeps_a_photo(tmp_path: Path) -> None:
    frame = face_frame(FACES / NEUTRAL)
    path = tmp_path / "one.y4m"
    write_y4m(path, [frame])
    (back,) = read_y4m(path)
    assert back.shape == (HEIGHT, WIDTH, 3)
    # 4:2:0 loses colour detail only: the mean error stays within a few levels.
    assert float(np.abs(back.astype(int) - frame.astype(int)).mean()) < 3.0


def _as_the_page_sends_it(rgb: np.ndarray) -> np.ndarray:
    """What the service decodes from the page: the video frame as a quality-0.92 JPEG, BGR."""
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(rgb[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    assert decoded is not None
    return decoded


def test_every_state_of_the_video_passes_the_engine(tmp_path: Path, engine: LivenessEngine) -> None:
    frames = read_y4m(write_fake_camera(tmp_path / "camera.y4m"))
    assert len(frames) == sum(count for _, count in CYCLE)
    assert len(frames) / FPS <= 1.5  # shorter than a burst plus one state (see fake_camera)
    first_of = {}
    index = 0
    for photo, count in CYCLE:
        first_of[photo] = _as_the_page_sends_it(frames[index])
        index += count
    baseline = first_of[NEUTRAL]
    assert engine.images.check_spoof(baseline).score >= 0.9
    actions: dict[str, ChallengeType] = {SMILE: "smile", TURN_RIGHT: "turn_right", EYES_CLOSED: "blink"}
    for photo, kind in actions.items():
        result = engine.interactive.validate_challenge(baseline, first_of[photo], kind)
        summary = (
            f"{kind}: change {result.measurement.change:.2f} (needs {result.measurement.threshold}), "
            f"P(real) {result.challenge_spoof.score:.3f}, same person {result.match.confidence:.3f}"
        )
        assert result.passed, f"{summary}; reasons {result.reasons}"
        assert result.challenge_spoof.score >= 0.9, summary
    id_photo = cv2.imread(str(ID_PHOTO), cv2.IMREAD_COLOR)
    assert engine.images.match(id_photo, baseline).matched
