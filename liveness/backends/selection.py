"""From four settings to an engine: which part runs where, the workers that run them, their status.

A :class:`BackendSelection` names a backend per part (``"default"`` keeps the default engine's
own part, in this process). :class:`Backends` resolves the names against a registry (unknown
names fail here, at start), groups the isolated parts by runtime (one worker per runtime:
TensorFlow parts share one TensorFlow worker, torch parts one torch worker, never both in one
process), starts the workers and hands out proxies; :func:`assemble_engine` puts the proxies into
a :class:`LivenessEngine` beside the default engine's remaining parts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from liveness.antispoof import AntiSpoof
from liveness.backends._exceptions import BackendNotStarted
from liveness.backends._protocol import FactoryCall
from liveness.backends.process import BackendWorker, WorkerConfig, WorkerState
from liveness.backends.proxies import IsolatedAntiSpoof, IsolatedDetector, IsolatedEmbedder, IsolatedSmile
from liveness.backends.registry import DEFAULT, DEFAULT_REGISTRY, PARTS, BackendRegistry, ResolvedBackend
from liveness.challenges import SmileScorer
from liveness.config import EngineConfig
from liveness.detect import FaceDetector
from liveness.embed import FaceEmbedder
from liveness.pipeline import LivenessEngine
from liveness.stream import StreamConfig
from liveness.timing import InferenceObserver, TimedAntiSpoof, TimedDetector, TimedEmbedder

__all__ = ["ActiveBackend", "BackendSelection", "Backends", "assemble_engine"]

logger = logging.getLogger("livecred.backends")

_PROXIES: dict[str, type[Any]] = {
    "detector": IsolatedDetector,
    "recognition": IsolatedEmbedder,
    "antispoof": IsolatedAntiSpoof,
    "smile": IsolatedSmile,
}


@dataclass(frozen=True, slots=True)
class BackendSelection:
    """The backend named for each part (``family[:model]``, or ``default``)."""

    detector: str = DEFAULT
    recognition: str = DEFAULT
    antispoof: str = DEFAULT
    smile: str = DEFAULT

    def resolve(self, registry: BackendRegistry = DEFAULT_REGISTRY) -> dict[str, ResolvedBackend | None]:
        """Each part's registry entry (``None``: the default part); raises ``UnknownBackend``."""
        return {part: registry.resolve(part, getattr(self, part)) for part in PARTS}


@dataclass(frozen=True, slots=True)
class ActiveBackend:
    """One part's backend as ``/health`` lists it: no PID, no score."""

    part: str
    name: str
    isolated: bool
    runtime: str | None
    state: WorkerState
    restarts: int


class Backends:
    """The isolated parts of one engine and the workers they run in."""

    def __init__(
        self,
        selection: BackendSelection,
        models_dir: Path | str,
        *,
        registry: BackendRegistry = DEFAULT_REGISTRY,
        config: WorkerConfig | None = None,
    ) -> None:
        self.resolved = selection.resolve(registry)
        self.workers: dict[str, BackendWorker] = {}
        groups: dict[str, dict[str, FactoryCall]] = {}
        environments: dict[str, dict[str, str]] = {}
        for part, chosen in self.resolved.items():
            if chosen is not None:
                backend = chosen.backend
                args = (chosen.model, Path(models_dir)) if backend.takes_model else (Path(models_dir),)
                groups.setdefault(backend.runtime, {})[part] = FactoryCall(backend.factory, args)
                environments.setdefault(backend.runtime, {}).update(backend.environment)
        for runtime, parts in groups.items():
            self.workers[runtime] = BackendWorker(runtime, parts, config, environment=environments[runtime])
        self.parts: dict[str, Any] = {
            part: _PROXIES[part](self.workers[chosen.backend.runtime], chosen.name)
            for part, chosen in self.resolved.items()
            if chosen is not None
        }

    @property
    def isolated(self) -> bool:
        return bool(self.workers)

    def start(self) -> None:
        """Start every worker; on a failure, stop the others and raise :class:`BackendNotStarted`
        naming the backend and the fix."""
        for worker in self.workers.values():
            try:
                worker.start()
            except BackendNotStarted as exc:
                self.close()
                raise self._explained(exc) from None

    def _explained(self, exc: BackendNotStarted) -> BackendNotStarted:
        chosen = self.resolved.get(exc.part)
        if chosen is None:
            return exc
        backend = chosen.backend
        if exc.reason == "backend_extra_missing":
            hint = f"install the {backend.extra or backend.runtime} extra: {backend.install_hint()}"
            message = f"the {exc.part} backend {chosen.name} is not installed ({exc.message}); {hint}"
        elif exc.missing or exc.reason == "models_unavailable":
            hint = backend.fetch_hint
            missing = f" ({', '.join(exc.missing)})" if exc.missing else ""
            message = f"the {exc.part} backend {chosen.name} has missing or corrupt weights{missing}; {hint}"
        else:
            hint = "see the service log"
            message = f"the {exc.part} backend {chosen.name} could not start ({exc.reason}); {hint}"
        return BackendNotStarted(message, reason=exc.reason, missing=exc.missing, part=exc.part, hint=hint)

    def status(self) -> list[ActiveBackend]:
        listed = []
        for part, chosen in self.resolved.items():
            if chosen is None:
                listed.append(ActiveBackend(part, DEFAULT, False, None, "running", 0))
                continue
            worker = self.workers[chosen.backend.runtime].status()
            listed.append(ActiveBackend(part, chosen.name, True, worker.runtime, worker.state, worker.restarts))
        return listed

    def close(self) -> None:
        for worker in self.workers.values():
            worker.close()


def assemble_engine(
    base: LivenessEngine,
    backends: Backends,
    *,
    config: EngineConfig | None = None,
    stream: StreamConfig | None = None,
    observer: InferenceObserver | None = None,
) -> LivenessEngine:
    """``base``'s parts, with each isolated part in place of the default one.

    A recognition backend that publishes its own confidence scale (``mapping``) replaces the
    default engine's, so ``minConfidence`` keeps its meaning (the same false-accept rate).
    """
    config = config or base.config
    parts = backends.parts
    detector: FaceDetector = base.images.detector
    antispoof: AntiSpoof = base.images.antispoof
    embedder: FaceEmbedder = base.images.embedder
    smile: SmileScorer = base.interactive.smile
    if "detector" in parts:
        detector = parts["detector"] if observer is None else TimedDetector(parts["detector"], observer)
    if "antispoof" in parts:
        antispoof = parts["antispoof"] if observer is None else TimedAntiSpoof(parts["antispoof"], observer)
    if "recognition" in parts:
        isolated: IsolatedEmbedder = parts["recognition"]
        embedder = isolated if observer is None else TimedEmbedder(isolated, observer)
        if isolated.mapping is not None:
            config = replace(config, match_mapping=isolated.mapping)
        if isolated.template_mapping is not None:
            config = replace(config, template_mapping=isolated.template_mapping)
    if "smile" in parts:
        smile = parts["smile"]
    return LivenessEngine.from_parts(
        detector=detector,
        antispoof=antispoof,
        embedder=embedder,
        config=config,
        landmarker=base.interactive.landmarker,
        smile=smile,
        stream=stream,
    )
