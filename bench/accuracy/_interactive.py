"""Smile (SMILEsmileD single frames) and eye state (EAR on the FaceONNX open / closed photos)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from liveness import LivenessEngine
from liveness._stream_signals import face_from_mesh
from liveness.challenges import FacePixels
from liveness.evaluation import accuracy_at, auc, best_accuracy_threshold, stratified_sample
from liveness.mesh import measure_face
from liveness.stream import StreamConfig


@dataclass
class SmileSet:
    smiling: np.ndarray
    neutral: np.ndarray
    missed: int


def _smile_crop(path: Path) -> np.ndarray:
    """A 64x64 grey crop upscaled and padded so the face detector finds it (as calibrate_interactive)."""
    grey = cv2.imread(str(path))
    big = cv2.resize(grey, (256, 256), interpolation=cv2.INTER_CUBIC)
    return cv2.copyMakeBorder(big, 96, 96, 96, 96, cv2.BORDER_REPLICATE)


def score_smiles(engine: LivenessEngine, folder: Path, quick: int | None) -> SmileSet:
    with (folder / "labels.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    if quick:
        rows = [rows[i] for i in stratified_sample([r["label"] for r in rows], quick // 2)]
    mesh = engine.interactive.landmarker
    assert mesh is not None
    smiling, neutral, missed = [], [], 0
    for row in rows:
        crop = _smile_crop(folder / row["file"])
        found = mesh.landmarks(crop, refine_eyes=False)
        if found is None:
            missed += 1
            continue
        # The frame and the mesh's face, as a live take gives them: a pixel-reading scorer needs both.
        pixels = FacePixels(crop, face_from_mesh(found.points, StreamConfig().mesh_to_box))
        score = engine.interactive.smile.score(measure_face(found), pixels)
        (smiling if row["label"] == "smiling" else neutral).append(score)
    return SmileSet(np.asarray(smiling), np.asarray(neutral), missed)


def smile_table(smiles: SmileSet, threshold: float) -> list[dict[str, str]]:
    best, best_t = best_accuracy_threshold(smiles.smiling, smiles.neutral)
    tpr = float((smiles.smiling >= threshold).mean())
    tnr = float((smiles.neutral < threshold).mean())
    rows = [
        ("faces (smiling / not)", f"{smiles.smiling.size} / {smiles.neutral.size}; {smiles.missed} without a face"),
        ("ROC AUC of the smile score", f"{auc(smiles.smiling, smiles.neutral):.4f}"),
        (
            f"accuracy at the shipped score {threshold:g}",
            f"{accuracy_at(smiles.smiling, smiles.neutral, threshold):.4f} "
            f"(smiles found {tpr:.3f}, neutral kept {tnr:.3f})",
        ),
        ("best accuracy on these faces (score)", f"{best:.4f} ({best_t:.1f})"),
    ]
    return [{"metric": k, "value": v} for k, v in rows]


def eye_table(engine: LivenessEngine, folder: Path) -> list[dict[str, str]]:
    rows = []
    with (folder / "labels.csv").open() as fh:
        labels = list(csv.DictReader(fh))
    for entry in labels:
        image = cv2.imread(str(folder / entry["file"]))
        subject = engine.images.subject(image)
        refined = measure_face(engine.interactive.landmarks(image, subject.face, refine_eyes=True))
        contour = measure_face(engine.interactive.landmarks(image, subject.face, refine_eyes=False))
        rows.append(
            (
                f"{entry['file']} ({entry['eye_state_first']}/{entry['eye_state_second']})",
                f"EAR {refined.ear:.3f} iris-refined (right {refined.ear_right:.3f}, left {refined.ear_left:.3f}); "
                f"{contour.ear:.3f} mesh contour only",
            )
        )
    return [{"metric": k, "value": v} for k, v in rows]
