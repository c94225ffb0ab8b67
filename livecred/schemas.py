"""Request and response bodies, field names as in the original liveness service.

Requests use camelCase (``idImage``, ``minConfidence``), responses snake_case (``face_count``,
``antispoof_score``), as the original did. Images are base64 strings, with or without a
``data:image/...;base64,`` prefix.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from liveness import BoundingBox

_IMAGE = "Base64 image (JPEG, PNG, WebP or BMP), optionally as a data URL."


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ImageRequest(_Request):
    image: str = Field(description=_IMAGE)


class LivenessRequest(ImageRequest):
    antispoofThreshold: float | None = Field(
        None, ge=0.0, le=1.0, description="Override of the service's ANTISPOOF_THRESHOLD."
    )


class FaceMatchRequest(_Request):
    idImage: str = Field(description="ID-document photo. " + _IMAGE)
    selfieImage: str = Field(description="Selfie. " + _IMAGE)
    minConfidence: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Match when confidence >= this (confidence = -log10(estimated FAR) / 6); "
        "default LIVECRED_MIN_FACE_MATCH_CONFIDENCE (0.6667 = FAR 1e-4).",
    )


class VerifyRequest(_Request):
    idImage: str = Field(description="ID-document photo. " + _IMAGE)
    selfieImage: str = Field(description="Selfie. " + _IMAGE)
    antispoofThreshold: float | None = Field(None, ge=0.0, le=1.0)
    minFaceMatchConfidence: float | None = Field(
        None, ge=0.0, le=1.0, description="Default LIVECRED_VERIFY_MIN_FACE_MATCH_CONFIDENCE (0.6667 = FAR 1e-4)."
    )


class Box(BaseModel):
    x: int
    y: int
    width: int
    height: int

    @classmethod
    def of(cls, box: BoundingBox) -> Box:
        return cls(**box.as_int_dict())


class DetectedFace(Box):
    confidence: float = Field(description="Detector score in [0, 1].")


class TimedResponse(BaseModel):
    processing_time_ms: float = Field(0.0, description="Decoding and inference time, milliseconds.")


class DetectResponse(TimedResponse):
    face_count: int
    faces: list[DetectedFace] = Field(description="Largest first.")


class AntispoofResponse(TimedResponse):
    is_real: bool
    antispoof_score: float = Field(description="Fused probability the face is real, in [0, 1].")
    threshold: float
    bounding_box: Box
    face_count: int
    model_scores: dict[str, float]


class LivenessResponse(TimedResponse):
    is_live: bool
    is_real: bool
    antispoof_score: float
    threshold: float
    bounding_box: Box
    face_count: int


class FaceMatchResponse(TimedResponse):
    matched: bool
    confidence: float = Field(description="Calibrated match confidence in [0, 1] (docs/thresholds.md).")
    similarity: float = Field(description="Raw cosine similarity of the embeddings.")
    min_confidence: float
    id_face_extracted: bool
    id_bounding_box: Box
    selfie_bounding_box: Box


class VerifyResponse(TimedResponse):
    verified: bool
    is_live: bool
    antispoof_score: float
    antispoof_threshold: float
    faces_match: bool
    face_match_confidence: float
    face_match_similarity: float
    min_face_match_confidence: float
    id_face_extracted: bool
    reasons: list[str] = Field(description="Why verification failed; empty when verified.")


class ModelInfo(BaseModel):
    name: str
    state: str


class ComponentHealth(BaseModel):
    state: str = Field(description="ok, unavailable (checked and failing) or busy (not checked: pool full).")
    code: str | None = Field(None, description="Why it is not ok (a stable code, no detail).")


class BackendHealth(BaseModel):
    part: str = Field(description="detector, recognition, antispoof or smile.")
    backend: str = Field(description="The backend's name: default, or family:model (e.g. deepface:Facenet512).")
    isolated: bool = Field(description="Runs in a worker process of its own runtime.")
    runtime: str | None = Field(None, description="The worker's runtime (tensorflow, torch, onnxruntime).")
    state: str = Field(description="starting, running, restarting, failed or stopped.")
    restarts: int = Field(description="Times the worker was restarted after a crash or a timeout.")


class HealthResponse(BaseModel):
    status: str = Field(description="ok; degraded (face routes work, the database or prover does not); not_ready.")
    ready: bool = Field(description="The liveness engine is loaded: face routes can answer.")
    models: list[ModelInfo]
    missing_models: list[str]
    hint: str | None = None
    issuer_did: str | None = None
    database: ComponentHealth | None = None
    prover: ComponentHealth | None = None
    backends: list[BackendHealth] = Field(default_factory=list, description="The backend of each engine part.")
