"""Optional model backends, chosen by settings and run in supervised worker processes.

A setting names a backend per part (``LIVECRED_RECOGNITION=deepface:Facenet512``,
``LIVECRED_ANTISPOOF=torch:minifasnet``; ``default`` keeps the default engine's part). The
:mod:`registry <liveness.backends.registry>` knows the names and the runtime each needs, by import
path only; :class:`Backends` starts one worker process per runtime (``process.py``: bounded queue,
timeout, crash -> restart with backoff) and hands out proxies (``proxies.py``) that implement the
engine's part protocols, so :func:`assemble_engine` builds a :class:`~liveness.LivenessEngine`
from them unchanged. TensorFlow and torch are imported only inside their workers, never in the
service process and never together.
"""

from liveness.backends._exceptions import (
    BackendBusy,
    BackendCrashed,
    BackendError,
    BackendFailed,
    BackendNotStarted,
    BackendTimeout,
    BackendUnavailable,
    UnknownBackend,
)
from liveness.backends.process import BackendWorker, WorkerConfig, WorkerState, WorkerStatus, restart_delay
from liveness.backends.proxies import IsolatedAntiSpoof, IsolatedDetector, IsolatedEmbedder, IsolatedSmile
from liveness.backends.registry import (
    DEFAULT_REGISTRY,
    PARTS,
    Backend,
    BackendRegistry,
    BackendSpec,
    Part,
    ResolvedBackend,
)
from liveness.backends.selection import ActiveBackend, Backends, BackendSelection, assemble_engine

__all__ = [
    "DEFAULT_REGISTRY",
    "PARTS",
    "ActiveBackend",
    "Backend",
    "BackendBusy",
    "BackendCrashed",
    "BackendError",
    "BackendFailed",
    "BackendNotStarted",
    "BackendRegistry",
    "BackendSelection",
    "BackendSpec",
    "BackendTimeout",
    "BackendUnavailable",
    "BackendWorker",
    "Backends",
    "IsolatedAntiSpoof",
    "IsolatedDetector",
    "IsolatedEmbedder",
    "IsolatedSmile",
    "Part",
    "ResolvedBackend",
    "UnknownBackend",
    "WorkerConfig",
    "WorkerState",
    "WorkerStatus",
    "assemble_engine",
    "restart_delay",
]
