"""One resolver interface over every DID method, with a bounded TTL cache.

``DIDResolver.resolve(did)`` dispatches on the method to a driver (``KeyDIDResolver``,
``WebDIDResolver``, or anything with ``method`` and ``resolve``); an unknown method is an
``UnsupportedDIDMethod`` naming the ones supported. ``static`` documents (the issuer's own DID)
resolve without the network.

Failures are cached too, for ``failure_ttl_seconds`` in the same bounded LRU: a DID that did not
resolve (``DIDResolutionError``, including ``DIDNotFound``) is not fetched again at every request
that names it. ``FetchBusy`` (no fetch slot free) is not a failure of the DID and is not cached.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from did._exceptions import DIDResolutionError, InvalidDID, UnsupportedDIDMethod
from did.document import DIDDocument, VerificationMethod

# DID syntax (DID Core 3.1), matched whole: ``fullmatch``, since ``$`` would also accept a value
# that ends in a newline.
_DID = re.compile(r"did:([a-z0-9]+):[A-Za-z0-9._:%-]+")


class MethodResolver(Protocol):
    method: str

    def resolve(self, did: str) -> DIDDocument: ...


def split_did_url(did_url: str) -> tuple[str, str]:
    """``did:m:id#frag`` -> (``did:m:id``, method name), checking the DID syntax."""
    did = did_url.split("#", 1)[0].split("?", 1)[0]
    match = _DID.fullmatch(did)
    if not match:
        raise InvalidDID("not a DID or DID URL")
    return did, match.group(1)


def is_did(value: object) -> bool:
    """Whether ``value`` is a DID and nothing more: no path, query or fragment (a DID URL names
    something *in* a DID's document, e.g. a key; an identity, such as a holder, is the DID)."""
    return isinstance(value, str) and _DID.fullmatch(value) is not None


class DIDResolver:
    def __init__(
        self,
        drivers: Iterable[MethodResolver],
        *,
        static: Mapping[str, DIDDocument] | None = None,
        ttl_seconds: float = 300.0,
        failure_ttl_seconds: float = 60.0,
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._drivers = {d.method: d for d in drivers}
        self._static = dict(static or {})
        self._ttl = ttl_seconds
        self._failure_ttl = failure_ttl_seconds
        self._max = max_entries
        self._clock = clock
        # A document, or the class and message of the error its resolution raised.
        self._cache: OrderedDict[str, tuple[float, DIDDocument | tuple[type[DIDResolutionError], str]]] = OrderedDict()
        self._lock = threading.Lock()

    def pin(self, did: str, document: DIDDocument) -> None:
        """Resolve ``did`` to ``document`` from now on, without asking its method (our own DID)."""
        self._static[did] = document

    @property
    def methods(self) -> tuple[str, ...]:
        return tuple(sorted(self._drivers))

    def resolve(self, did_url: str) -> DIDDocument:
        did, method = split_did_url(did_url)
        if did in self._static:
            return self._static[did]
        now = self._clock()
        with self._lock:
            hit = self._cache.get(did)
            if hit is not None and hit[0] > now:
                self._cache.move_to_end(did)
                cached = hit[1]
                if isinstance(cached, DIDDocument):
                    return cached
                error, message = cached
                raise error(message)
        driver = self._drivers.get(method)
        if driver is None:
            raise UnsupportedDIDMethod(f"the DID method is not supported (supported: {', '.join(self.methods)})")
        try:
            document = driver.resolve(did)
        except DIDResolutionError as exc:
            if self._failure_ttl > 0:
                self._store(did, now + self._failure_ttl, (type(exc), exc.message))
            raise
        self._store(did, now + self._ttl, document)
        return document

    def _store(self, did: str, expires: float, value: DIDDocument | tuple[type[DIDResolutionError], str]) -> None:
        with self._lock:
            self._cache[did] = (expires, value)
            self._cache.move_to_end(did)
            while len(self._cache) > self._max:
                self._cache.popitem(last=False)

    def verification_method(self, did_url: str, purpose: str | None = None) -> VerificationMethod:
        return self.resolve(did_url).find_method(did_url, purpose)
