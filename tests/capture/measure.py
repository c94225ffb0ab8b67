"""Print what the stream judge measures on each performance, as a cooperative user plays it.

    python -m tests.capture.measure [name ...]

For each performance and action, a ``LiveTake`` (the engine's stream judge) gets the frames a
cooperative user sends at 12 fps, JPEG-encoded as the driver sends them: 1.5 s of neutral face
(the judge builds its neutral reference there), then the action is announced and the user reacts
(0.45 s) and performs it. Per action type, the largest progress the judge reports (change over
threshold; 1.0 = shown) over the neutral frames and after the announcement, when the requested
one first reaches 1.0, and any continuity problems. This is how the segments in
:mod:`tests.capture.performances` were checked; a tool, not a test.
"""

from __future__ import annotations

import sys
from collections import Counter

import cv2
import numpy as np

from liveness import load_default_engine
from liveness.challenges import CHALLENGE_TYPES
from tests.capture.driver import encode_jpeg
from tests.capture.performances import PERFORMANCES
from tests.capture.streams import CooperativeUser, Performance
from tests.conftest import MODELS_DIR

FPS = 12.0
HOLD = 1.5
REACTION = 0.45


def _show(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in values.items())


def measure(take_factory: object, name: str, performance: Performance, action: str) -> None:
    take = take_factory.start_take()  # type: ignore[attr-defined]
    user = CooperativeUser(performance, reaction=(REACTION, REACTION))
    length = sum(span.length for span in performance.actions[action])
    before = dict.fromkeys(CHALLENGE_TYPES, 0.0)
    after = dict.fromkeys(CHALLENGE_TYPES, 0.0)
    problems: Counter[str] = Counter()
    first, ready_at, reply, t = None, None, None, 0.0
    while t < HOLD + REACTION + length + 0.5:
        t += 1 / FPS
        if t >= HOLD and reply is None:
            reply = {"type": "frame", "phase": "challenge", "challenge": {"index": 0, "of": 1, "type": action}}
        frame = user.next_frame(reply, t)
        assert frame is not None
        image = cv2.imdecode(np.frombuffer(encode_jpeg(frame), np.uint8), cv2.IMREAD_COLOR)
        report = take.add(image, 1000.0 + t)
        problems.update(report.problems)
        if report.reference_ready and ready_at is None:
            ready_at = t
        target = before if t < HOLD else after
        for kind, value in report.actions.items():
            target[kind] = max(target[kind], value)
        if t >= HOLD and first is None and report.actions.get(action, 0.0) >= 1.0:
            first = t - HOLD
    when = f"{first:.2f} s after the announcement" if first is not None else "never"
    print(f"{name} / {action}: reaches 1.0 {when}; reference at {ready_at}; problems {dict(problems) or 'none'}")
    print(f"   neutral max: {_show(before)}")
    print(f"   after   max: {_show(after)}")


def main(names: list[str]) -> None:
    engine = load_default_engine(MODELS_DIR)
    for name in names or list(PERFORMANCES):
        performance = PERFORMANCES[name]
        for action in performance.actions:
            measure(engine.stream, name, performance, action)  # type: ignore[attr-defined]


if __name__ == "__main__":
    main(sys.argv[1:])
