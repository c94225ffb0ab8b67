"""Print what the engine measures on each performance, as a cooperative user plays it.

    python -m tests.capture.measure [name ...]

For each performance and action: the user holds neutral for 1.5 s (the reference: the median of
those frames' measures), the action is announced, and the user reacts and performs it. Per action
type, the largest progress (change / threshold, the shipped thresholds) over the neutral frames and
over the frames after the announcement, and when the requested one first reaches 1.0. This is how
the segments in :mod:`tests.capture.performances` were checked; it is a tool, not a test.
"""

from __future__ import annotations

import statistics
import sys

import numpy as np

from liveness import ChallengeThresholds, LivenessEngine, load_default_engine
from liveness.challenges import CHALLENGE_TYPES, measure_challenge
from liveness.mesh import FaceMeasures, HeadPose, MouthGeometry, measure_face
from tests.capture.performances import PERFORMANCES
from tests.capture.streams import CooperativeUser, Performance
from tests.conftest import MODELS_DIR

FPS = 12.0
HOLD = 1.5


def _median(measures: list[FaceMeasures]) -> FaceMeasures:
    def med(values: list[float]) -> float:
        return float(statistics.median(values))

    return FaceMeasures(
        inter_ocular=med([m.inter_ocular for m in measures]),
        ear_right=med([m.ear_right for m in measures]),
        ear_left=med([m.ear_left for m in measures]),
        mouth=MouthGeometry(
            width=med([m.mouth.width for m in measures]),
            opening=med([m.mouth.opening for m in measures]),
            corner_elevation=med([m.mouth.corner_elevation for m in measures]),
        ),
        pose=HeadPose(
            yaw=med([m.pose.yaw for m in measures]),
            pitch=med([m.pose.pitch for m in measures]),
            roll=med([m.pose.roll for m in measures]),
        ),
    )


def progress(engine: LivenessEngine, reference: FaceMeasures, measures: FaceMeasures) -> dict[str, float]:
    thresholds = ChallengeThresholds()
    out = {}
    for kind in CHALLENGE_TYPES:
        m = measure_challenge(kind, reference, measures, thresholds, engine.smile)  # type: ignore[arg-type]
        out[kind] = m.change / m.threshold
    return out


def _show(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in values.items())


def measure(engine: LivenessEngine, name: str, performance: Performance, action: str) -> None:
    user = CooperativeUser(performance, reaction=(0.45, 0.45))
    length = sum(span.length for span in performance.actions[action])
    frames: list[tuple[float, np.ndarray]] = []
    t, reply = 0.0, None
    while t < HOLD + 0.45 + length + 1.0:
        t += 1 / FPS
        if t >= HOLD and reply is None:
            reply = {"type": "frame", "phase": "challenge", "challenge": {"index": 0, "of": 1, "type": action}}
        frame = user.next_frame(reply, t)
        assert frame is not None
        frames.append((t, frame))
    measured: list[tuple[float, FaceMeasures | None]] = []
    for t, frame in frames:
        found = engine.landmarks(frame) if engine.detect(frame).largest else None
        measured.append((t, measure_face(found) if found else None))
    neutral = [m for t, m in measured if t < HOLD and m is not None]
    reference = _median(neutral)
    before = {k: 0.0 for k in CHALLENGE_TYPES}
    after = {k: 0.0 for k in CHALLENGE_TYPES}
    first = None
    missing = sum(m is None for _, m in measured)
    for t, m in measured:
        if m is None:
            continue
        p = progress(engine, reference, m)
        target = before if t < HOLD else after
        for k, v in p.items():
            target[k] = max(target[k], v)
        if t >= HOLD and first is None and p[action] >= 1.0:
            first = t - HOLD
    when = f"{first:.2f} s after the announcement" if first is not None else "never"
    print(f"{name} / {action}: reaches 1.0 {when}; frames without a face: {missing}")
    print(f"   neutral max: {_show(before)}")
    print(f"   after   max: {_show(after)}")


def main(names: list[str]) -> None:
    engine = load_default_engine(MODELS_DIR)
    for name in names or list(PERFORMANCES):
        performance = PERFORMANCES[name]
        for action in performance.actions:
            measure(engine, name, performance, action)


if __name__ == "__main__":
    main(sys.argv[1:])
