"""POST /fhe/distance: the cloud role of encrypted face matching.

The client (the key holder, or anyone holding its public context) sends the public context and
two encrypted embeddings; the service computes the encrypted distance and returns it. The
service never holds a secret key for this (a context carrying one is refused before it is
loaded) and never sees a plaintext embedding or distance. Nothing is stored: the context is
loaded for the request and dropped.

Every field has a byte limit (``LIVECRED_FHE_MAX_CONTEXT_BYTES``,
``LIVECRED_FHE_MAX_CIPHERTEXT_BYTES``) checked before it is decoded, and the whole body a limit
derived from them. Decoding, deserialization and the computation run off the event loop.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from fhe import CipherFace, EncryptedEmbedding, FHELimits, decode_base64
from fhe.transport import base64_length
from livecred.deps import run_blocking

router = APIRouter(prefix="/fhe", tags=["fhe"])

_ERRORS: dict[int | str, dict[str, str]] = {
    400: {"description": "Invalid base64, invalid JSON or empty body"},
    413: {"description": "A field or the request over its byte limit"},
    422: {
        "description": "Not a public context or encrypted embedding, truncated or corrupted input, a context "
        "holding a secret key, or a ciphertext made under another key"
    },
}


class FHEDistanceRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    publicContext: str = Field(description="Base64 public context (`livecred fhe keygen --public`). No secret key.")
    a: str = Field(description="Base64 encrypted embedding made under that context.")
    b: str = Field(description="Base64 encrypted embedding made under that context.")


class FHEDistanceResponse(BaseModel):
    distance: str = Field(description="Base64 encrypted distance; only the private key can read it.")
    metric: str = Field(description="euclidean (squared distance inside) or cosine (similarity inside).")
    model: str
    fingerprint: str = Field(description="The key the inputs and the result are bound to.")
    processing_time_ms: float = 0.0


def request_limit(limits: FHELimits) -> int:
    """Body limit for /fhe/: the context and two ciphertexts as base64, plus room for the JSON."""
    return base64_length(limits.max_context_bytes) + 2 * base64_length(limits.max_ciphertext_bytes) + 64 * 1024


def get_fhe_limits(request: Request) -> FHELimits:
    limits: FHELimits = request.app.state.fhe_limits
    return limits


@router.post("/distance", response_model=FHEDistanceResponse, responses=_ERRORS)
async def encrypted_distance(
    body: FHEDistanceRequest, request: Request, limits: Annotated[FHELimits, Depends(get_fhe_limits)]
) -> FHEDistanceResponse:
    """The encrypted distance between two encrypted embeddings, computed with the public context only."""

    def work() -> FHEDistanceResponse:
        # Cheap checks first: sizes, base64 and envelopes of all three fields, then the context.
        context = decode_base64(body.publicContext, max_bytes=limits.max_context_bytes, field="publicContext")
        a = EncryptedEmbedding.from_base64(body.a, limits=limits, field="a")
        b = EncryptedEmbedding.from_base64(body.b, limits=limits, field="b")
        cloud = CipherFace.from_bytes(context, public_only=True, field="publicContext")
        distance = cloud.calculate_encrypted_distance(a, b, fields=("a", "b"))
        return FHEDistanceResponse(
            distance=distance.to_base64(),
            metric=distance.metric.value,
            model=cloud.model.name,
            fingerprint=cloud.fingerprint,
        )

    start = time.perf_counter()
    response = await run_blocking(request, work)
    response.processing_time_ms = round((time.perf_counter() - start) * 1000, 2)
    return response
