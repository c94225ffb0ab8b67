"""Interactive liveness on the real models and real photographs of ../shared/testdata.

What is real and what is synthesised:

* Real: the FaceONNX open / closed eye images; the deepface, FaceONNX and Silent-Face identity
  photos; LFW photos of one person frontal and turned (Hu Jintao 0015 at about -3 degrees, 0014
  at about +30); NUAA webcam frames of live subjects (consecutive video frames of subject 0006, a
  neutral and a smiling frame of subject 0013).
* Synthesised from real frames: blink bursts (a real open frame, a real closed frame, the open
  frame again), mirror images (head turn in the other direction), small similarity warps of one
  real selfie (hand-held micro-motion), and a still burst (one frame repeated).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from liveness import LivenessEngine
from liveness.facemesh import FaceMeshModel
from liveness.mesh import measure_face
from tests.conftest import read_image

OPEN_EYES = "faceonnx_eye_state/open_open.jpg"
CLOSED_EYES = "faceonnx_eye_state/closed_closed.jpg"
SELFIE = "silentface_real_spoof/image_T1.jpg"  # a live person, head turned about 20 degrees
NUAA = "nuaa_antispoof/images/real/"
LFW = "lfw_pairs/images/"

# Labelled by looking at them: teeth-showing smiles, and closed relaxed mouths. Closed-lip half
# smiles (img3, img12-14, img16, closed_closed, nicole_kidman_fit) are in neither list.
OPEN_SMILES = [
    "deepface_identities/img1.jpg",
    "deepface_identities/img15.jpg",
    "deepface_identities/img17.jpg",
    "deepface_identities/img8.jpg",
    "deepface_identities/img9.jpg",
    "faceonnx_eye_state/open_open.jpg",
]
CLOSED_MOUTHS = [
    "deepface_identities/img2.jpg",
    "deepface_identities/img4.jpg",
    "deepface_identities/img5.jpg",
    "faceonnx_identities/brad_1.jpg",
    "faceonnx_identities/brad_pitt_fit.jpg",
    "faceonnx_identities/sarah_1.jpg",
    "faceonnx_identities/sarah_paulson_fit.jpg",
    "faceonnx_identities/nicole_1.jpg",
    SELFIE,
]


def nuaa(subject: str, frame: int) -> np.ndarray:
    session = {"0006": "0006_00_06_03", "0013": "0013_01_07_03"}[subject]
    return read_image(f"{NUAA}{subject}/{session}_{frame}.jpg")


def jittered(image: np.ndarray, count: int, seed: int = 0) -> list[np.ndarray]:
    """Hand-held micro-motion: each frame a small rotation (<0.6 deg), scale (<1%) and shift (<2 px)."""
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    frames = []
    for _ in range(count):
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-0.6, 0.6), 1 + rng.uniform(-0.01, 0.01))
        matrix[:, 2] += rng.uniform(-2, 2, 2)
        frames.append(cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REFLECT))
    return frames


def mirrored(image: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(image[:, ::-1])


# --- eyes and blinks --------------------------------------------------------------------------


def test_closed_eyes_score_a_lower_eye_aspect_ratio(engine: LivenessEngine) -> None:
    open_m = measure_face(engine.interactive.landmarks(read_image(OPEN_EYES)))
    closed_m = measure_face(engine.interactive.landmarks(read_image(CLOSED_EYES)))
    assert closed_m.ear_right < open_m.ear_right and closed_m.ear_left < open_m.ear_left
    # The iris refinement is what makes the dip deep: well under the blink ratio.
    assert closed_m.ear < 0.5 * open_m.ear


def test_a_real_open_closed_open_burst_is_a_blink(engine: LivenessEngine) -> None:
    open_eyes, closed_eyes = read_image(OPEN_EYES), read_image(CLOSED_EYES)
    result = engine.interactive.blink_check([open_eyes, closed_eyes, open_eyes])
    assert result.blink_detected and [(b.start, b.end) for b in result.blinks] == [(1, 1)]
    assert result.ear[1] < result.closed_below < result.ear[0] == pytest.approx(result.open_eye_level)


def test_one_frame_repeated_has_no_blink(engine: LivenessEngine) -> None:
    assert not engine.interactive.blink_check([read_image(OPEN_EYES)] * 4).blink_detected
    assert not engine.interactive.blink_check([read_image(CLOSED_EYES)] * 4).blink_detected


def test_blink_challenge_measures_the_closure_and_still_requires_liveness(engine: LivenessEngine) -> None:
    open_eyes, closed_eyes = read_image(OPEN_EYES), read_image(CLOSED_EYES)
    result = engine.interactive.validate_challenge(open_eyes, closed_eyes, "blink")
    assert result.measurement.passed and result.measurement.change > 0.6
    # These stock photos are scored as spoofs (P(real) <= 0.01), so the challenge fails on liveness.
    assert not result.passed and {"baseline_not_live", "challenge_not_live"} <= set(result.reasons)
    relaxed = engine.interactive.validate_challenge(open_eyes, closed_eyes, "blink", antispoof_threshold=0.0)
    assert relaxed.passed and relaxed.match.matched


# --- head pose and turns ----------------------------------------------------------------------


@pytest.mark.parametrize("path", [SELFIE, "deepface_identities/img16.jpg", "faceonnx_identities/sarah_paulson_fit.jpg"])
def test_a_face_and_its_mirror_image_have_opposite_yaw(engine: LivenessEngine, path: str) -> None:
    image = read_image(path)
    yaw = measure_face(engine.interactive.landmarks(image, refine_eyes=False)).pose.yaw
    mirror_yaw = measure_face(engine.interactive.landmarks(mirrored(image), refine_eyes=False)).pose.yaw
    assert abs(yaw) > 5 and np.sign(yaw) == -np.sign(mirror_yaw)
    assert abs(yaw + mirror_yaw) < 0.25 * abs(yaw)


def test_turn_challenge_same_person_passes_other_person_fails(engine: LivenessEngine) -> None:
    frontal = read_image(f"{LFW}Hu_Jintao/Hu_Jintao_0015.jpg")
    turned = read_image(f"{LFW}Hu_Jintao/Hu_Jintao_0014.jpg")
    result = engine.interactive.validate_challenge(frontal, turned, "turn_left")
    assert result.passed and result.reasons == () and result.measurement.change > 25
    assert abs(result.baseline.pose.yaw) < 5
    wrong_way = engine.interactive.validate_challenge(frontal, turned, "turn_right")
    assert not wrong_way.passed and wrong_way.reasons == ("challenge_not_performed",)
    other = engine.interactive.validate_challenge(
        frontal, read_image(f"{LFW}Rick_Barnes/Rick_Barnes_0003.jpg"), "turn_left"
    )
    assert other.measurement.passed and not other.passed and other.reasons == ("faces_do_not_match",)


def test_mirror_image_turns_the_other_way(engine: LivenessEngine) -> None:
    frontal = read_image(f"{LFW}Hu_Jintao/Hu_Jintao_0015.jpg")
    turned = mirrored(read_image(f"{LFW}Hu_Jintao/Hu_Jintao_0014.jpg"))
    assert engine.interactive.validate_challenge(frontal, turned, "turn_right").passed


# --- smiles -----------------------------------------------------------------------------------


def test_smile_score_ranks_open_smiles_above_closed_mouths(engine: LivenessEngine) -> None:
    smiles = {p: engine.interactive.smile_check(read_image(p)).smile for p in OPEN_SMILES}
    closed = {p: engine.interactive.smile_check(read_image(p)).smile for p in CLOSED_MOUTHS}
    assert min(s.score for s in smiles.values()) > max(s.score for s in closed.values())
    assert all(s.is_smiling for s in smiles.values()), smiles
    assert not any(s.is_smiling for s in closed.values()), closed
    assert {s.method for s in smiles.values()} == {"geometric"}


def test_smile_challenge_on_a_live_person(engine: LivenessEngine) -> None:
    neutral, smiling = nuaa("0013", 142), nuaa("0013", 122)
    result = engine.interactive.validate_challenge(neutral, smiling, "smile")
    assert result.passed, result
    assert result.measurement.change >= result.measurement.threshold == 20.0
    assert not engine.interactive.validate_challenge(smiling, neutral, "smile").passed
    assert not engine.interactive.validate_challenge(neutral, smiling, "smile", min_change=95.0).passed


# --- passive monitor --------------------------------------------------------------------------


def test_consecutive_real_webcam_frames_are_live(engine: LivenessEngine) -> None:
    frames = [nuaa("0006", k) for k in (281, 284, 285, 286)]
    result = engine.interactive.passive_monitor(frames)
    assert result.is_live, result.reasons
    assert result.motion.state == "natural" and result.identity_consistent


def test_hand_held_micro_motion_of_a_live_selfie_is_natural(engine: LivenessEngine) -> None:
    result = engine.interactive.passive_monitor(jittered(read_image(SELFIE), 5))
    assert result.motion.state == "natural" and result.is_live, result


def test_one_frame_repeated_is_a_still_image(engine: LivenessEngine) -> None:
    result = engine.interactive.passive_monitor([read_image(SELFIE)] * 5)
    assert not result.is_live
    assert result.motion.state == "still" and result.reasons == ("no_motion",)


def test_frames_of_two_people_are_refused(engine: LivenessEngine) -> None:
    frames = jittered(read_image(SELFIE), 3)
    frames.insert(2, read_image("deepface_identities/img2.jpg"))
    result = engine.interactive.passive_monitor(frames)
    assert not result.is_live and not result.identity_consistent
    assert "identity_inconsistent" in result.reasons


def test_require_blink(engine: LivenessEngine) -> None:
    result = engine.interactive.passive_monitor(jittered(read_image(SELFIE), 4), require_blink=True)
    assert not result.is_live and result.reasons == ("no_blink",)


# --- the mesh itself --------------------------------------------------------------------------


def test_mesh_crop_from_a_yunet_face_agrees_with_the_whole_frame_crop(engine: LivenessEngine) -> None:
    image = read_image(SELFIE)
    whole = engine.interactive.landmarks(image, refine_eyes=False)
    window = engine.interactive.landmarks(image, engine.images.subject(image).face, refine_eyes=False)
    iod = measure_face(whole).inter_ocular
    assert np.median(np.linalg.norm(whole.points[:, :2] - window.points[:, :2], axis=1)) < 0.03 * iod


def test_mesh_falls_back_to_the_given_face_when_blazeface_misses(
    engine: LivenessEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = read_image(SELFIE)
    face = engine.images.subject(image).face
    reference = engine.interactive.landmarks(image, refine_eyes=False)
    mesh = engine.interactive.landmarker
    assert isinstance(mesh, FaceMeshModel)

    class Blind:
        def detect(self, *args: object) -> list[object]:
            return []

    monkeypatch.setattr(mesh, "_detector", Blind())
    assert mesh.landmarks(image) is None  # whole frame: nothing found
    found = mesh.landmarks(image, face, refine_eyes=False)  # from YuNet's face, then the mesh's own crop
    assert found is not None
    iod = measure_face(reference).inter_ocular
    assert np.median(np.linalg.norm(found.points[:, :2] - reference.points[:, :2], axis=1)) < 0.05 * iod
