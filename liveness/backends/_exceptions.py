"""The backends' branch of the liveness exception tree::

    LivenessError
    ├── UnknownBackend               a setting names a backend or model no registry entry knows
    └── BackendError                 an isolated backend could not answer
        ├── BackendFailed            the backend raised on this call (not a verdict, not bad input)
        └── BackendUnavailable       the worker cannot take the call now          (503 + Retry-After)
            ├── BackendNotStarted    the worker could not build the backend (``reason``: why)
            ├── BackendBusy          its bounded queue is full
            ├── BackendCrashed       the worker died with the call in flight
            └── BackendTimeout       no answer within the deadline: the worker is replaced

``retry_after`` (seconds) is what a client should wait. Messages name the backend and the
runtime, never an image, an embedding or a score.
"""

from __future__ import annotations

from liveness._exceptions import LivenessError

__all__ = [
    "BackendBusy",
    "BackendCrashed",
    "BackendError",
    "BackendFailed",
    "BackendNotStarted",
    "BackendTimeout",
    "BackendUnavailable",
    "UnknownBackend",
]


class UnknownBackend(LivenessError):
    code = "unknown_backend"


class BackendError(LivenessError):
    code = "backend_error"


class BackendFailed(BackendError):
    code = "backend_failed"


class BackendUnavailable(BackendError):
    code = "backend_unavailable"

    def __init__(self, message: str, *, retry_after: int = 5, hint: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))
        self.hint = hint


class BackendBusy(BackendUnavailable):
    code = "backend_busy"


class BackendCrashed(BackendUnavailable):
    code = "backend_crashed"


class BackendTimeout(BackendUnavailable):
    code = "backend_timeout"


class BackendNotStarted(BackendUnavailable):
    """``reason`` is the worker's code (``backend_extra_missing``, ``models_unavailable``, ...);
    ``missing`` names missing model files."""

    code = "backend_not_started"

    def __init__(
        self, message: str, *, reason: str, missing: tuple[str, ...] = (), part: str = "", hint: str | None = None
    ) -> None:
        super().__init__(message, retry_after=30, hint=hint)
        self.reason = reason
        self.missing = missing
        self.part = part
