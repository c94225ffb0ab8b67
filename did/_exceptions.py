"""The DID package's exceptions: raised for malformed input or failed infrastructure only.

A signature that does not verify is a verdict (``Ed25519PublicKey.verify`` returns ``False``);
these mean a DID, key or document could not be used at all::

    DIDError
    ├── InvalidDID                 not a syntactically valid DID / DID URL for its method
    ├── UnsupportedDIDMethod       a method this resolver has no driver for
    ├── DIDResolutionError         the document could not be fetched or parsed
    │   └── DIDNotFound            the method answered, but there is no such DID
    ├── VerificationMethodNotFound the DID URL names no key in the document
    └── InvalidKey                 key material that is malformed, of the wrong type, or unreadable
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
