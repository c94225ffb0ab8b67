"""Model registry, verified store, and the runtimes: onnxruntime sessions and LiteRT interpreters."""

from liveness.models.litert import TFLiteModel
from liveness.models.registry import DEFAULT_ENGINE_MODELS, REGISTRY, ModelSpec, get_spec
from liveness.models.runtime import RuntimeOptions, create_session
from liveness.models.store import FETCH_HINT, ModelStatus, ModelStore

__all__ = [
    "DEFAULT_ENGINE_MODELS",
    "FETCH_HINT",
    "REGISTRY",
    "ModelSpec",
    "ModelStatus",
    "ModelStore",
    "RuntimeOptions",
    "TFLiteModel",
    "create_session",
    "get_spec",
]
