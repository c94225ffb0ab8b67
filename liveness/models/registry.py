"""Every model the engine may load: where it comes from, what it is, and the hash that proves it.

The registry is data, not code paths: the store verifies files against it, ``livecred models
fetch`` downloads from ``url``, and the model card is generated from it. Source URLs point at the
exact blob (a commit, or a ``generation``-pinned bucket object), never at a moving branch, so the
sha256 can always be reproduced. Provenance for each entry is in ``../shared/models/MANIFEST.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_ENGINE_MODELS", "REGISTRY", "ModelSpec", "get_spec"]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    file: str  # relative path inside the models directory
    sha256: str
    size: int
    url: str
    license: str
    source: str
    input_spec: str


def _github_raw(repo: str, commit: str, path: str) -> str:
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


def _mediapipe_asset(name: str, generation: int) -> str:
    # The bucket object MediaPipe's own build pins (third_party/external_files.bzl); without the
    # generation the same name has served other bytes.
    return f"https://storage.googleapis.com/mediapipe-assets/{name}?generation={generation}"


_MEDIAPIPE_PIN = "sha256 as pinned in google-ai-edge/mediapipe third_party/external_files.bzl @ 23b98e56"

_YAKHYO_FAS = "yakhyo/face-anti-spoofing"
_YAKHYO_FAS_COMMIT = "c175efef505bc275f7835cc9aa2aecab305ac184"
_SILENTFACE = "minivision-ai/Silent-Face-Anti-Spoofing"
_SILENTFACE_COMMIT = "f679b7c96ad407d1114182847d3e0c20619a76d0"

REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="yunet",
            file="yunet/face_detection_yunet_2023mar.onnx",
            sha256="8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
            size=232589,
            url=_github_raw(
                "lenchik-en/facedetection",
                "02fda47a02738bf809fe8d6ee67ead5626d441bb",
                "models/face_detection_yunet_2023mar.onnx",
            ),
            license="MIT",
            source="opencv_zoo face_detection_yunet 2023mar (byte-identical to the opencv_zoo LFS object)",
            input_spec="1x3xHxW float32 BGR 0-255, H and W multiples of 32; outputs cls/obj/bbox/"
            "kps at strides 8/16/32",
        ),
        ModelSpec(
            name="minifasnet_v2",
            file="minifasnet/MiniFASNetV2.onnx",
            sha256="4eed38f0bde33c9b805942a5f25e42ce1161e2bda545254be622be957727794e",
            size=1743561,
            url=_github_raw(_YAKHYO_FAS, _YAKHYO_FAS_COMMIT, "weights/MiniFASNetV2.onnx"),
            license="Apache-2.0",
            source="Silent-Face-Anti-Spoofing 2.7_80x80_MiniFASNetV2, ONNX export by yakhyo",
            input_spec="1x3x80x80 float32 BGR 0-255 (no normalisation); face box x2.7 crop; "
            "softmax over 3 classes, index 1 = real",
        ),
        ModelSpec(
            name="minifasnet_v1se",
            file="minifasnet/MiniFASNetV1SE.onnx",
            sha256="d819a69bac6b9ade2a0f4d9b60b618e1260f7bf3ba1fddff6c5d82131cb1083f",
            size=1742315,
            url=_github_raw(_YAKHYO_FAS, _YAKHYO_FAS_COMMIT, "weights/MiniFASNetV1SE.onnx"),
            license="Apache-2.0",
            source="Silent-Face-Anti-Spoofing 4_0_0_80x80_MiniFASNetV1SE, ONNX export by yakhyo",
            input_spec="1x3x80x80 float32 BGR 0-255 (no normalisation); face box x4.0 crop; "
            "softmax over 3 classes, index 1 = real",
        ),
        # Optional backend (liveness/backends/torch_fasnet.py): the official PyTorch weights.
        ModelSpec(
            name="minifasnet_v2_pth",
            file="minifasnet/2.7_80x80_MiniFASNetV2.pth",
            sha256="a5eb02e1843f19b5386b953cc4c9f011c3f985d0ee2bb9819eea9a142099bec0",
            size=1849453,
            url=_github_raw(_SILENTFACE, _SILENTFACE_COMMIT, "resources/anti_spoof_models/2.7_80x80_MiniFASNetV2.pth"),
            license="Apache-2.0",
            source="Silent-Face-Anti-Spoofing 2.7_80x80_MiniFASNetV2, official PyTorch state dict (DataParallel keys)",
            input_spec="1x3x80x80 float32 BGR 0-255 (no normalisation); face box x2.7 crop; "
            "softmax over 3 classes, index 1 = real; torch backend only",
        ),
        ModelSpec(
            name="minifasnet_v1se_pth",
            file="minifasnet/4_0_0_80x80_MiniFASNetV1SE.pth",
            sha256="84ee1d37d96894d5e82de5a57df044ef80a58be2b218b5ed7cdfd875ec2f5990",
            size=1856130,
            url=_github_raw(
                _SILENTFACE, _SILENTFACE_COMMIT, "resources/anti_spoof_models/4_0_0_80x80_MiniFASNetV1SE.pth"
            ),
            license="Apache-2.0",
            source="Silent-Face-Anti-Spoofing 4_0_0_80x80_MiniFASNetV1SE, official PyTorch state dict (DataParallel "
            "keys)",
            input_spec="1x3x80x80 float32 BGR 0-255 (no normalisation); face box x4.0 crop; "
            "softmax over 3 classes, index 1 = real; torch backend only",
        ),
        ModelSpec(
            name="mobilefacenet",
            file="mobilefacenet/MobileFaceNet.onnx",
            sha256="93fac2c9747e612f4f491c7842563a515ee2b6c237d9fee05e96291b07ac6019",
            size=3976111,
            url=_github_raw(
                "praysmld/face_matching_mvp",
                "6058f7ff7c3fc8e041a0bd84b11d9e45df1ef2d8",
                "models/MobileFaceNet.onnx",
            ),
            license="MIT",
            source="foamliu/MobileFaceNet weights, ONNX export",
            input_spec="1x3x112x112 float32 RGB (x-127.5)/128 after 5-point alignment to the "
            "ArcFace template; 128-d output, L2-normalised",
        ),
        ModelSpec(
            name="facemesh_detector",
            file="facemesh/face_detection_short_range.tflite",
            sha256="bbff11cebd1eb27a1e004cae0b0e63ec8c551cbf34a4451148b4908b8db3eca8",
            size=229714,
            url=_mediapipe_asset("face_detection_short_range.tflite", 1677044301978921),
            license="Apache-2.0",
            source=f"MediaPipe BlazeFace short-range face detector (official .tflite; {_MEDIAPIPE_PIN})",
            input_spec="1x128x128x3 float32 RGB in [-1, 1], letterboxed with zeros; outputs regressors "
            "[1,896,16], classificators [1,896,1] (896 SSD anchors, 6 keypoints)",
        ),
        ModelSpec(
            name="facemesh",
            file="facemesh/face_landmark.tflite",
            sha256="1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814",
            size=1242398,
            url=_mediapipe_asset("face_landmark.tflite", 1676316347980492),
            license="Apache-2.0",
            source=f"MediaPipe Face Mesh, 468 landmarks (official .tflite; {_MEDIAPIPE_PIN})",
            input_spec="1x192x192x3 float32 RGB in [0, 1], the BlazeFace ROI rotated level, square, x1.5; "
            "outputs conv2d_21 [1,1,1,1404] (468 x,y,z in crop pixels), conv2d_31 presence logit",
        ),
        ModelSpec(
            name="iris_landmark",
            file="facemesh/iris_landmark.tflite",
            sha256="d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f",
            size=2640568,
            url=_mediapipe_asset("iris_landmark.tflite", 1662065468653224),
            license="Apache-2.0",
            source=f"MediaPipe iris landmark and eye contour model (official .tflite; {_MEDIAPIPE_PIN})",
            input_spec="1x64x64x3 float32 RGB in [0, 1], eye corners x2.3, right eye mirrored; outputs "
            "71 eye-contour points [1,213] and 5 iris points [1,15] in crop pixels",
        ),
    )
}

# What the default engine needs to start; the optional backends of issue 19 (torch FasNet ...) are
# registered above but fetched only with `livecred models fetch --all`.
DEFAULT_ENGINE_MODELS: tuple[str, ...] = (
    "yunet",
    "minifasnet_v2",
    "minifasnet_v1se",
    "mobilefacenet",
    "facemesh_detector",
    "facemesh",
    "iris_landmark",
)


def get_spec(name: str) -> ModelSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise KeyError(f"unknown model {name!r}; known models: {known}") from None
