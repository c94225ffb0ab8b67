"""The DID package's exceptions: raised for malformed input or failed infrastructure only.

A signature that does not verify is a verdict (``Ed25519PublicKey.verify`` returns ``False``);
these mean a DID, key or document could not be used at all::

    DIDError
    ├── InvalidDID                 not a syntactically valid DID / DID URL for its method
    ├── UnsupportedDIDMethod       a method this resolver has no driver for
    ├── DIDResolutionError         the document could not be fetched or parsed
    │   └── DIDNotFound            the method answered, but there is no such DID
    ├── VerificationMethodNotFound the DID URL names no key in the document
    ├── InvalidKey                 key material that is malformed, of the wrong type, or unreadable
    ├── FetchError                 an outbound fetch failed; one message whatever the reason
    └── FetchBusy                  every outbound fetch slot is taken: try again shortly (503)

Messages never quote the DID, DID URL, key or document they are about: callers pass them on to
clients, who must not get back what they sent. ``FetchError`` never tells a client why a fetch
failed (refused address, closed port, silent port, TLS failure, timeout all read the same), so
that fetching cannot be used to scan a network; ``reason`` is for the debug log only.
``FetchBusy`` is not a failure of the host and is not cached.
"""

from __future__ import annotations


class DIDError(Exception):
    """Base class of every error the DID package raises."""

    code = "did_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidDID(DIDError):
    code = "invalid_did"


class UnsupportedDIDMethod(DIDError):
    code = "unsupported_did_method"


class DIDResolutionError(DIDError):
    code = "did_resolution_failed"


class DIDNotFound(DIDResolutionError):
    code = "did_not_found"


class VerificationMethodNotFound(DIDError):
    code = "verification_method_not_found"


class InvalidKey(DIDError):
    code = "invalid_key"


class FetchError(DIDError):
    code = "fetch_failed"
    MESSAGE = "the resource could not be fetched"

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(self.MESSAGE)
        self.reason = reason  # for the debug log, never for a client
        self.status = status  # the HTTP status when the host answered with one other than 200


class FetchBusy(DIDError):
    code = "fetch_busy"

    def __init__(self, message: str = "too many outbound fetches in progress; try again shortly") -> None:
        super().__init__(message)
