"""Every labelled face image embedded once: the raw material of all face-verification numbers.

The three identity sets (LFW folds 1-2, deepface, FaceONNX) are pooled into one gallery of
images with identity labels; every pair of images is then a genuine pair (same identity) or an
impostor pair (different identities), which gives hundreds of thousands of impostor pairs from
~1,600 images, enough to resolve a FAR of 1e-4 to 1e-5. Each image is decoded, detected and
embedded by the service's own engine, and measured by its quality gate, exactly once.

Identities are named ``set:identity``; the FaceONNX celebrities and deepface people are not in
the LFW half held here (checked by name; ``cross_set_suspects`` reports any cross-set impostor
pair that scores like the same person, so a label clash would show).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from liveness import LivenessEngine
from liveness.evaluation import stratified_sample
from liveness.images import ImageLimits, decode_image_bytes

FACE_SETS = ("lfw_pairs", "deepface_identities", "faceonnx_identities")


@dataclass
class Gallery:
    """One row per image; ``found`` is False where no face was detected (embedding all zeros)."""

    files: list[str]  # "<set>/<file>"
    sets: np.ndarray  # set name per image
    identities: np.ndarray  # "<set>:<identity>" per image
    embeddings: np.ndarray  # (n, 128) float32, unit rows
    found: np.ndarray
    sharpness: np.ndarray
    inter_ocular: np.ndarray
    yaw: np.ndarray
    pitch: np.ndarray
    quality_passed: np.ndarray
    reasons: list[tuple[str, ...]]

    def index(self) -> dict[str, int]:
        return {f: i for i, f in enumerate(self.files)}

    def subset(self, keep: np.ndarray) -> Gallery:
        idx = np.flatnonzero(keep)
        return Gallery(
            files=[self.files[i] for i in idx],
            sets=self.sets[idx],
            identities=self.identities[idx],
            embeddings=self.embeddings[idx],
            found=self.found[idx],
            sharpness=self.sharpness[idx],
            inter_ocular=self.inter_ocular[idx],
            yaw=self.yaw[idx],
            pitch=self.pitch[idx],
            quality_passed=self.quality_passed[idx],
            reasons=[self.reasons[i] for i in idx],
        )


def _labels(testdata: Path, quick: bool) -> list[tuple[str, str, str]]:
    """(set, file, identity) of every image of the identity sets present."""
    out: list[tuple[str, str, str]] = []
    for name in FACE_SETS:
        path = testdata / name / "labels.csv"
        if not path.is_file():
            continue
        with path.open() as fh:
            rows = list(csv.DictReader(fh))
        if quick and name == "lfw_pairs":
            # CI-sized: the images of 200 pairs, 50 from each (fold, same/different) group.
            with (testdata / name / "pairs.csv").open() as fh:
                pairs = list(csv.DictReader(fh))
            chosen = stratified_sample([(p["lfw_fold"], p["same_person"]) for p in pairs], 50)
            wanted = {pairs[i][k] for i in chosen for k in ("file_x", "file_y")}
            rows = [r for r in rows if r["file"] in wanted]
        out.extend((name, r["file"], r["identity"]) for r in rows)
    return out


def embed_gallery(engine: LivenessEngine, testdata: Path, *, quick: bool = False, cache: Path | None = None) -> Gallery:
    """Embed every image of the identity sets once; ``cache`` (an .npz) skips the work next time."""
    labels = _labels(testdata, quick)
    files = [f"{s}/{f}" for s, f, _ in labels]
    if cache is not None and cache.is_file():
        data = np.load(cache, allow_pickle=False)
        if data["files"].tolist() == files:
            return Gallery(
                files=files,
                sets=np.asarray([s for s, _, _ in labels]),
                identities=np.asarray([f"{s}:{i}" for s, _, i in labels]),
                embeddings=data["embeddings"],
                found=data["found"],
                sharpness=data["sharpness"],
                inter_ocular=data["inter_ocular"],
                yaw=data["yaw"],
                pitch=data["pitch"],
                quality_passed=data["quality_passed"],
                reasons=[tuple(r.split("|")) if r else () for r in data["reasons"].tolist()],
            )
    limits = ImageLimits()
    n = len(labels)
    embeddings = np.zeros((n, 128), dtype=np.float32)
    found = np.zeros(n, dtype=bool)
    measures = np.zeros((n, 4))
    passed = np.zeros(n, dtype=bool)
    reasons: list[tuple[str, ...]] = []
    for i, (name, file, _) in enumerate(labels):
        image = decode_image_bytes((testdata / name / file).read_bytes(), limits)
        face = engine.images.detect(image).largest
        if face is None:
            reasons.append(("no_face",))
            continue
        vector = engine.images.embedder.embed(image, face)
        embeddings[i] = vector / max(float(np.linalg.norm(vector)), 1e-12)
        found[i] = True
        quality = engine.images.assess_quality(image, face)
        measures[i] = (quality.sharpness, quality.inter_ocular, quality.yaw, quality.pitch)
        passed[i] = quality.passed
        reasons.append(quality.reasons)
    gallery = Gallery(
        files=files,
        sets=np.asarray([s for s, _, _ in labels]),
        identities=np.asarray([f"{s}:{i}" for s, _, i in labels]),
        embeddings=embeddings,
        found=found,
        sharpness=measures[:, 0],
        inter_ocular=measures[:, 1],
        yaw=measures[:, 2],
        pitch=measures[:, 3],
        quality_passed=passed,
        reasons=reasons,
    )
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(
            cache,
            files=np.asarray(files),
            embeddings=embeddings,
            found=found,
            sharpness=gallery.sharpness,
            inter_ocular=gallery.inter_ocular,
            yaw=gallery.yaw,
            pitch=gallery.pitch,
            quality_passed=passed,
            reasons=np.asarray(["|".join(r) for r in reasons]),
        )
    return gallery
