"""Bounded pools for blocking work: every queue has a length, and a full one sheds load.

Each kind of blocking work runs on a pool of its own, so one kind cannot starve another:

============  ==============================================  ===================================
pool          what runs there                                 why apart
============  ==============================================  ===================================
inference     image decoding and model inference              CPU-bound; sized to the cores
verification  JSON-LD canonicalisation, signature checks      CPU-heavy on hostile input
outbound      work that may fetch (did:web holders)           waits on other hosts' sockets
database      issuer state (sessions, status, tokens)         waits on the database
prover        waiting for the Groth16 prover worker           waits on a separate process
============  ==============================================  ===================================

A pool runs at most ``capacity`` jobs on threads of its own limiter (never anyio's shared
default pool of 40 threads, which anything else may fill) and lets at most ``max_waiting``
more wait. One more is refused at once with :class:`ServerBusy` (503 ``server_busy`` with
``Retry-After``) instead of queueing without bound. A job whose client has gone while it
waited is dropped before it starts (:class:`ClientDisconnected`): nobody would read its answer.

All bookkeeping happens on the event loop thread, so the counters need no lock.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")

__all__ = ["BoundedPool", "ClientDisconnected", "Pools", "ServerBusy"]


class ServerBusy(Exception):
    """A pool is full: the request is refused before any work is done (503 + Retry-After)."""

    code = "server_busy"

    def __init__(self, pool: str, retry_after: int) -> None:
        self.pool = pool
        self.retry_after = retry_after
        self.message = f"the service is busy ({pool}); retry in {retry_after} s"
        super().__init__(self.message)


class ClientDisconnected(Exception):
    """The client went away while its job waited; the job was not run."""

    code = "client_disconnected"
    message = "the client closed the connection before the work started"


class BoundedPool:
    """``capacity`` jobs at a time on threads of its own, ``max_waiting`` more in line, the rest refused."""

    def __init__(self, name: str, capacity: int, max_waiting: int, *, retry_after: int = 1) -> None:
        if capacity < 1 or max_waiting < 0:
            raise ValueError("a pool needs capacity >= 1 and max_waiting >= 0")
        self.name = name
        self.capacity = capacity
        self.max_waiting = max_waiting
        self.retry_after = retry_after
        # Admission (who may run) and the threads they run on are separate limiters: a job holds
        # its admission token while it checks for a departed client, then borrows a thread.
        self._admission = anyio.CapacityLimiter(capacity)
        self._threads = anyio.CapacityLimiter(capacity)
        self._pending = 0  # admitted or waiting; changed only on the event loop

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def full(self) -> bool:
        return self._pending >= self.capacity + self.max_waiting

    def busy(self) -> ServerBusy:
        # Waiting jobs ahead, served `capacity` at a time: a rough but honest hint, at least 1 s.
        rounds = math.ceil((self._pending + 1) / self.capacity)
        return ServerBusy(self.name, max(self.retry_after, min(60, rounds * self.retry_after)))

    async def run(self, func: Callable[[], T], *, client_gone: Callable[[], Awaitable[bool]] | None = None) -> T:
        """Run ``func`` on this pool's threads; raise ``ServerBusy`` when the line is full."""
        if self.full:
            raise self.busy()
        self._pending += 1
        try:
            async with self._admission:
                if client_gone is not None and await client_gone():
                    raise ClientDisconnected()
                return await anyio.to_thread.run_sync(func, limiter=self._threads)
        finally:
            self._pending -= 1

    def stats(self) -> dict[str, int]:
        running = int(self._admission.borrowed_tokens)
        return {"capacity": self.capacity, "running": running, "waiting": self._pending - running}


@dataclass(frozen=True, slots=True)
class Pools:
    inference: BoundedPool
    verification: BoundedPool
    outbound: BoundedPool
    database: BoundedPool
    prover: BoundedPool
    stream: BoundedPool

    def all(self) -> tuple[BoundedPool, ...]:
        return (self.inference, self.verification, self.outbound, self.database, self.prover, self.stream)
