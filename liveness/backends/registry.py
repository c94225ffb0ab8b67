"""Which backends exist, by name: ``"default"``, ``"onnx:mobilefacenet"``, ``"deepface:Facenet512"``,
``"torch:minifasnet"``.

A setting names a backend as ``family[:model]``. The registry maps (part, family) to a
:class:`Backend`: the runtime it needs (which decides the worker process it runs in), the factory
that builds it *as an import path string* (so nothing heavy is imported until a worker process
builds it), the model names it accepts, and the extra that installs it. Unknown families and models
raise :class:`UnknownBackend` listing what is known; nothing here imports TensorFlow or torch.

Parts: ``detector`` (:class:`~liveness.detect.FaceDetector`), ``recognition``
(:class:`~liveness.embed.FaceEmbedder`), ``antispoof`` (:class:`~liveness.antispoof.AntiSpoof`),
``smile`` (:class:`~liveness.challenges.SmileScorer`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, get_args

from liveness.backends._exceptions import UnknownBackend

__all__ = [
    "DEFAULT_REGISTRY",
    "PARTS",
    "Backend",
    "BackendRegistry",
    "BackendSpec",
    "Part",
    "ResolvedBackend",
]

Part = Literal["detector", "recognition", "antispoof", "smile"]
PARTS: tuple[Part, ...] = get_args(Part)

DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class BackendSpec:
    """A backend as a setting names it: ``family`` and optional ``model`` (``"deepface:Facenet512"``)."""

    family: str
    model: str | None = None

    @classmethod
    def parse(cls, text: str) -> BackendSpec:
        """``"default"``, ``"family"`` or ``"family:model"``; raises :class:`UnknownBackend` when malformed."""
        value = text.strip()
        family, sep, model = value.partition(":")
        family, model = family.strip().lower(), model.strip()
        if not family or (sep and not model) or ":" in model or not _plain(family) or (model and not _plain(model)):
            raise UnknownBackend(f"malformed backend {text!r}: write 'default', 'family' or 'family:model'")
        if family == DEFAULT and model:
            raise UnknownBackend("the default backend takes no model name")
        return cls(family, model or None)

    @property
    def is_default(self) -> bool:
        return self.family == DEFAULT

    def __str__(self) -> str:
        return self.family if self.model is None else f"{self.family}:{self.model}"


def _plain(name: str) -> bool:
    return len(name) <= 64 and all(c.isalnum() or c in "-_." for c in name)


@dataclass(frozen=True, slots=True)
class Backend:
    """One registry entry: how to build a part of one family, in which runtime."""

    part: Part
    family: str
    runtime: str  # the worker process it runs in: one process per runtime
    factory: str  # "module:function"; called in the worker as factory([model,] models_dir)
    models: tuple[str, ...]  # the model names it accepts (the first is used when none is named)
    takes_model: bool = False  # the factory's first argument is the model name
    extra: str | None = None  # pip extra that installs the runtime: livecred[<extra>]
    fetch_hint: str = "run `livecred models fetch`"
    # Variables the worker's environment needs before the runtime loads (TensorFlow reads its
    # Keras choice at import): set on the worker process only, never on the service.
    environment: tuple[tuple[str, str], ...] = ()

    def install_hint(self) -> str:
        return f"pip install 'livecred[{self.extra}]'" if self.extra else "reinstall livecred"


@dataclass(frozen=True, slots=True)
class ResolvedBackend:
    """A registry entry with the model chosen: what a worker builds."""

    backend: Backend
    model: str

    @property
    def name(self) -> str:
        return f"{self.backend.family}:{self.model}"


class BackendRegistry:
    """Backends by (part, family). Immutable once built; :meth:`with_backends` makes an extended copy."""

    def __init__(self, backends: Iterable[Backend] = ()) -> None:
        self._entries: dict[tuple[str, str], Backend] = {}
        for backend in backends:
            self._entries[(backend.part, backend.family)] = backend

    def with_backends(self, *backends: Backend) -> BackendRegistry:
        return BackendRegistry([*self._entries.values(), *backends])

    def known(self, part: str) -> list[str]:
        """Every name ``part`` accepts, for error messages and docs."""
        names = [DEFAULT]
        for (entry_part, _), backend in self._entries.items():
            if entry_part == part:
                names += [f"{backend.family}:{model}" for model in backend.models]
        return names

    def resolve(self, part: str, spec: BackendSpec | str) -> ResolvedBackend | None:
        """The entry for ``spec`` (``None`` for the default engine's own part)."""
        if part not in PARTS:
            raise UnknownBackend(f"unknown part {part!r}; one of {', '.join(PARTS)}")
        spec = BackendSpec.parse(spec) if isinstance(spec, str) else spec
        if spec.is_default:
            return None
        backend = self._entries.get((part, spec.family))
        if backend is None:
            raise UnknownBackend(f"unknown {part} backend {str(spec)!r}; known: {', '.join(self.known(part))}")
        if spec.model is None:
            return ResolvedBackend(backend, backend.models[0])
        by_lower = {m.lower(): m for m in backend.models}
        model = by_lower.get(spec.model.lower())
        if model is None:
            raise UnknownBackend(
                f"unknown {part} model {spec.model!r} for backend {backend.family!r}; "
                f"known: {', '.join(backend.models)}"
            )
        return ResolvedBackend(backend, model)


def _onnx(part: Part, model: str, factory: str) -> Backend:
    return Backend(part, "onnx", "onnxruntime", f"liveness.backends.onnx:{factory}", (model,))


_DEEPFACE_HINT = "run `livecred models fetch --backend deepface`"
# DeepFace's Keras models are Keras 2 models (tf-keras); TensorFlow picks Keras at import.
_KERAS_2 = (("TF_USE_LEGACY_KERAS", "1"), ("TF_CPP_MIN_LOG_LEVEL", "2"))

DEFAULT_REGISTRY = BackendRegistry(
    [
        # The default engine's own ONNX parts, in a worker process of their own.
        _onnx("detector", "yunet", "build_yunet"),
        _onnx("recognition", "mobilefacenet", "build_mobilefacenet"),
        _onnx("antispoof", "minifasnet", "build_minifasnet"),
        Backend(
            "antispoof",
            "torch",
            "torch",
            "liveness.backends.torch_fasnet:build_torch_fasnet",
            ("minifasnet",),
            extra="torch",
            fetch_hint="run `livecred models fetch --all`",
        ),
        Backend(
            "detector",
            "deepface",
            "tensorflow",
            "liveness.backends.deepface:build_detector",
            ("yunet", "opencv", "retinaface", "mtcnn"),
            takes_model=True,
            extra="deepface",
            fetch_hint=_DEEPFACE_HINT,
            environment=_KERAS_2,
        ),
        Backend(
            "recognition",
            "deepface",
            "tensorflow",
            "liveness.backends.deepface:build_embedder",
            ("Facenet512", "Facenet", "ArcFace", "VGG-Face"),
            takes_model=True,
            extra="deepface",
            fetch_hint=_DEEPFACE_HINT,
            environment=_KERAS_2,
        ),
        # DeepFace's emotion model scores a smile from the pixels the SmileScorer is given.
        Backend(
            "smile",
            "deepface",
            "tensorflow",
            "liveness.backends.deepface:build_smile",
            ("emotion",),
            extra="deepface",
            fetch_hint=_DEEPFACE_HINT,
            environment=_KERAS_2,
        ),
        Backend(
            "antispoof",
            "deepface",
            "torch",
            "liveness.backends.deepface:build_antispoof",
            ("fasnet",),
            extra="deepface",
            fetch_hint=_DEEPFACE_HINT,
        ),
    ]
)


def selection_names(selection: Mapping[str, ResolvedBackend | None]) -> dict[str, str]:
    """part -> the name /health shows (``default`` for the engine's own parts)."""
    return {part: DEFAULT if resolved is None else resolved.name for part, resolved in selection.items()}
