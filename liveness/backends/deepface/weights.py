"""DeepFace's weight files: where each comes from, where it lives in the models directory, and how it
is verified before DeepFace sees it.

Layout. Every file keeps the name DeepFace's own source gives it (``weight_utils`` downloads it to
``~/.deepface/weights/<name>``); here it lives under the models directory at ``deepface/<name>``.
Files livecred already ships are not duplicated: YuNet is the default engine's
``yunet/face_detection_yunet_2023mar.onnx`` and FasNet's two ``.pth`` files are
``minifasnet/2.7_80x80_MiniFASNetV2.pth`` and ``minifasnet/4_0_0_80x80_MiniFASNetV1SE.pth``, the
byte-identical files DeepFace's PyTorch FasNet downloads.

Verification. Where an official sha256 is known it is pinned here. DeepFace publishes no hashes for
its Keras release assets (``serengil/deepface_models`` v1.0), so for those the first
``livecred models fetch --backend deepface`` records the sha256 of what it downloaded in
``deepface/SHA256SUMS`` (trust on first use, said so in its output), and every later load checks the
file against that record. A file with neither a pin nor a record is refused as unverified.

Sizes: ``size`` is exact where the hash is pinned; for the release assets it is the size DeepFace's
files are known to have, to the megabyte, and a download more than 25% above it is cut off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from liveness._exceptions import ModelUnavailable

__all__ = [
    "DEEPFACE_FETCH_HINT",
    "FETCHABLE_MODELS",
    "RECORD_FILE",
    "WEIGHTS",
    "DeepFaceWeight",
    "WeightFiles",
    "read_records",
    "weights_for",
]

DEEPFACE_FETCH_HINT = "run `livecred models fetch --backend deepface` (or add `--from DIR` to copy from a mirror)"
RECORD_FILE = "deepface/SHA256SUMS"

_RELEASE = "https://github.com/serengil/deepface_models/releases/download/v1.0"
_HF = "https://huggingface.co/serengil/deepface/resolve/main"
_SILENTFACE = (
    "https://raw.githubusercontent.com/minivision-ai/Silent-Face-Anti-Spoofing/"
    "f679b7c96ad407d1114182847d3e0c20619a76d0/resources/anti_spoof_models"
)
_MB = 1_000_000


@dataclass(frozen=True, slots=True)
class DeepFaceWeight:
    """One weight file: DeepFace's file name, its place in the models directory, and its sources."""

    name: str  # DeepFace's own file name, the key DeepFace asks for
    path: str  # relative to the models directory
    urls: tuple[str, ...]  # primary first, then DeepFace's backup source
    size: int
    sha256: str | None  # None: recorded on first fetch (DeepFace publishes no hash)
    license: str
    source: str


def _release(name: str, size: int, license: str, source: str) -> DeepFaceWeight:
    urls = (f"{_RELEASE}/{name}", f"{_HF}/{name}")
    return DeepFaceWeight(name, f"deepface/{name}", urls, size, None, license, source)


WEIGHTS: dict[str, DeepFaceWeight] = {
    w.name: w
    for w in (
        _release("facenet_weights.h5", 92 * _MB, "MIT", "DeepFace FaceNet-128d (Keras port, davidsandberg/facenet)"),
        _release("facenet512_weights.h5", 95 * _MB, "MIT", "DeepFace FaceNet-512d (Keras port, davidsandberg/facenet)"),
        _release("arcface_weights.h5", 137 * _MB, "MIT", "DeepFace ArcFace ResNet34 (Keras port of insightface)"),
        _release("vgg_face_weights.h5", 580 * _MB, "MIT", "DeepFace VGG-Face (Oxford VGG descriptor, Keras port)"),
        _release("facial_expression_model_weights.h5", 6 * _MB, "MIT", "DeepFace emotion model (FER-2013)"),
        _release("retinaface.h5", 119 * _MB, "MIT", "RetinaFace ResNet50 (serengil/retinaface, Keras port)"),
        DeepFaceWeight(
            "face_detection_yunet_2023mar.onnx",
            "yunet/face_detection_yunet_2023mar.onnx",
            (
                "https://raw.githubusercontent.com/lenchik-en/facedetection/02fda47a02738bf809fe8d6ee67ead5626d441bb/"
                "models/face_detection_yunet_2023mar.onnx",
                "https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/face_detection_yunet_2023mar.onnx",
            ),
            232589,
            "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
            "MIT",
            "opencv_zoo YuNet 2023mar (the default engine's file)",
        ),
        DeepFaceWeight(
            "2.7_80x80_MiniFASNetV2.pth",
            "minifasnet/2.7_80x80_MiniFASNetV2.pth",
            (f"{_SILENTFACE}/2.7_80x80_MiniFASNetV2.pth",),
            1849453,
            "a5eb02e1843f19b5386b953cc4c9f011c3f985d0ee2bb9819eea9a142099bec0",
            "Apache-2.0",
            "minivision-ai/Silent-Face-Anti-Spoofing (the file DeepFace's PyTorch FasNet downloads)",
        ),
        DeepFaceWeight(
            "4_0_0_80x80_MiniFASNetV1SE.pth",
            "minifasnet/4_0_0_80x80_MiniFASNetV1SE.pth",
            (f"{_SILENTFACE}/4_0_0_80x80_MiniFASNetV1SE.pth",),
            1856130,
            "84ee1d37d96894d5e82de5a57df044ef80a58be2b218b5ed7cdfd875ec2f5990",
            "Apache-2.0",
            "minivision-ai/Silent-Face-Anti-Spoofing",
        ),
        # OpenCV 5 wheels ship no Haar cascades; DeepFace then downloads them from OpenCV's 4.9.0 tag.
        # sha256 taken from the opencv-python 4.14.0.94 wheel's copies (the cascades have not changed
        # in OpenCV's tree since 2013).
        DeepFaceWeight(
            "haarcascade_frontalface_default.xml",
            "deepface/haarcascade_frontalface_default.xml",
            ("https://github.com/opencv/opencv/raw/4.9.0/data/haarcascades/haarcascade_frontalface_default.xml",),
            930127,
            "0f7d4527844eb514d4a4948e822da90fbb16a34a0bbbbc6adc6498747a5aafb0",
            "BSD-3-Clause (Intel License Agreement)",
            "OpenCV data/haarcascades",
        ),
        DeepFaceWeight(
            "haarcascade_eye.xml",
            "deepface/haarcascade_eye.xml",
            ("https://github.com/opencv/opencv/raw/4.9.0/data/haarcascades/haarcascade_eye.xml",),
            341406,
            "71cc64fc305a355dc60067880f6fbbd43dd155bd63ee3844661a1bda34b2fd8c",
            "BSD-3-Clause (Intel License Agreement)",
            "OpenCV data/haarcascades",
        ),
    )
}

# What each DeepFace model needs, by the names livecred's factories take.
_NEEDS: dict[str, tuple[str, ...]] = {
    "Facenet": ("facenet_weights.h5",),
    "Facenet512": ("facenet512_weights.h5",),
    "ArcFace": ("arcface_weights.h5",),
    "VGG-Face": ("vgg_face_weights.h5",),
    "Emotion": ("facial_expression_model_weights.h5",),
    "Fasnet": ("2.7_80x80_MiniFASNetV2.pth", "4_0_0_80x80_MiniFASNetV1SE.pth"),
    "yunet": ("face_detection_yunet_2023mar.onnx",),
    "opencv": ("haarcascade_frontalface_default.xml", "haarcascade_eye.xml"),
    "retinaface": ("retinaface.h5",),
    "mtcnn": (),  # the mtcnn package ships its own weights
}


# Every model ``livecred models fetch --backend deepface`` knows, in the order it fetches them.
FETCHABLE_MODELS: tuple[str, ...] = tuple(_NEEDS)


def weights_for(model: str) -> tuple[DeepFaceWeight, ...]:
    """The weight files a DeepFace model needs (``Facenet512``, ``Emotion``, ``yunet`` ...)."""
    try:
        return tuple(WEIGHTS[name] for name in _NEEDS[model])
    except KeyError:
        known = ", ".join(sorted(_NEEDS))
        raise KeyError(f"unknown DeepFace model {model!r}; known: {known}") from None


def read_records(directory: Path) -> dict[str, str]:
    """``deepface/SHA256SUMS``: file name -> sha256 recorded at first fetch (``sha256sum`` format)."""
    path = directory / RECORD_FILE
    records: dict[str, str] = {}
    if not path.is_file():
        return records
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 64:
            records[parts[1].lstrip("*")] = parts[0].lower()
    return records


class WeightFiles:
    """DeepFace's weights inside one models directory; read-only."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)

    def path_of(self, weight: DeepFaceWeight) -> Path:
        return self.directory / weight.path

    def expected_sha256(self, weight: DeepFaceWeight) -> str | None:
        return weight.sha256 or read_records(self.directory).get(weight.name)

    def require(self, models: Iterable[str]) -> None:
        """Raise :class:`ModelUnavailable` naming every missing file of ``models``."""
        self.require_files(w for m in models for w in weights_for(m))

    def require_files(self, weights: Iterable[DeepFaceWeight]) -> None:
        """Raise :class:`ModelUnavailable` naming every missing file, before DeepFace is touched."""
        missing = [w for w in weights if not self.path_of(w).is_file()]
        if missing:
            detail = ", ".join(str(self.path_of(w)) for w in missing)
            raise ModelUnavailable(
                f"DeepFace weights not available: {detail}; {DEEPFACE_FETCH_HINT}",
                missing=[w.name for w in missing],
            )

    def read_verified(self, weight: DeepFaceWeight) -> bytes:
        """The file's bytes, checked against the pinned or recorded sha256 (the bytes that were hashed)."""
        path = self.path_of(weight)
        try:
            data = path.read_bytes()
        except OSError:
            raise ModelUnavailable(
                f"DeepFace weight {weight.name!r} is missing at {path}; {DEEPFACE_FETCH_HINT}", missing=[weight.name]
            ) from None
        expected = self.expected_sha256(weight)
        if expected is None:
            raise ModelUnavailable(
                f"DeepFace weight {weight.name!r} at {path} has no pinned or recorded sha256 "
                f"({RECORD_FILE}); {DEEPFACE_FETCH_HINT}",
                missing=[weight.name],
            )
        if hashlib.sha256(data).hexdigest() != expected:
            raise ModelUnavailable(
                f"DeepFace weight {weight.name!r} at {path} fails its sha256 check; {DEEPFACE_FETCH_HINT}",
                missing=[weight.name],
            )
        return data
