"""RemoteWorker: the same prover backend over HTTP, for ``ZK_SERVICE_URL``.

The remote end is ``node zk/worker/worker.cjs --http HOST:PORT`` (the same job handler as the
local worker) or anything speaking its protocol: ``POST /prove`` and ``POST /verify`` with the
job's JSON, answering ``{"ok": true, ...}`` or ``{"ok": false, "error": {code, message}}``.
Proving sends the private score and salt to that service, so it must run inside the same trust
boundary as this one (a private network or TLS with authentication in front of it).

The queue bound and the timeout apply as for the local worker; restarts are the remote
operator's business (several workers behind a load balancer scale proving out).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import httpx

from zk._exceptions import ProverBusy, ProverError, ProverTimeout, ProverUnavailable
from zk._worker import WorkerProtocol, raise_for_error

__all__ = ["RemoteWorker"]


class RemoteWorker(WorkerProtocol):
    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 30.0,
        max_pending: int = 32,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.max_pending = max_pending
        self._slots = threading.BoundedSemaphore(max_pending)
        self._client = httpx.Client(base_url=self.base_url, timeout=timeout_s, transport=transport)

    def start(self) -> None:
        """Check that the remote worker answers; a failure is reported, not fatal later."""
        try:
            response = self._client.get("/health")
        except httpx.HTTPError as exc:
            raise ProverUnavailable(
                f"the remote prover at {self.base_url} is unreachable: {type(exc).__name__}"
            ) from exc
        if response.status_code != 200:
            raise ProverUnavailable(f"the remote prover at {self.base_url} is not ready (HTTP {response.status_code})")

    def status(self) -> dict[str, Any]:
        """Fit to publish: the kind of backend, not where it runs."""
        self.start()
        return {"backend": "remote"}

    def close(self) -> None:
        self._client.close()

    def call(self, op: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        if not self._slots.acquire(blocking=False):
            raise ProverBusy(f"the prover queue is full ({self.max_pending} jobs); retry shortly")
        try:
            try:
                response = self._client.post(f"/{op}", json=dict(payload))
            except httpx.TimeoutException as exc:
                raise ProverTimeout(f"the remote prover did not answer within {self.timeout_s:.1f} s") from exc
            except httpx.HTTPError as exc:
                raise ProverUnavailable(
                    f"the remote prover at {self.base_url} is unreachable: {type(exc).__name__}"
                ) from exc
            try:
                body = response.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise ProverError(f"the remote prover answered HTTP {response.status_code} without a JSON object")
            if body.get("ok") is not True:
                error = body.get("error")
                raise_for_error(error if isinstance(error, dict) else {})
            return body
        finally:
            self._slots.release()
