"""Checks on key material before it is loaded, and writing key files.

Split from ``cipherface.py``: these are the rules a key or a context must pass, each a plain
function of already-parsed values.
"""

from __future__ import annotations

import os
from pathlib import Path

from fhe._exceptions import InvalidKey, InvalidParameters, ModelMismatch, SecretKeyRefused
from fhe._proto import ContextFields
from fhe.models import Embedder, ModelSpec, named_embedder
from fhe.params import CKKSParams


def resolve_model(model: Embedder | ModelSpec | str) -> tuple[ModelSpec, Embedder | None]:
    if isinstance(model, str):
        embedder = named_embedder(model)
        return embedder.spec, embedder
    if isinstance(model, ModelSpec):
        return model, None
    if isinstance(model, Embedder):
        return model.spec, model
    raise TypeError("model must be an Embedder, a ModelSpec or a model name")


def matching_spec(embedder: Embedder, key_spec: ModelSpec) -> ModelSpec:
    """The embedder's spec (its current thresholds), if it is the model the key was made for."""
    spec = embedder.spec
    if (spec.name, spec.dimension) != (key_spec.name, key_spec.dimension):
        raise ModelMismatch(
            f"the key was made for {key_spec.name} ({key_spec.dimension}-d), "
            f"the embedder is {spec.name} ({spec.dimension}-d)"
        )
    return spec


def check_fits(spec: ModelSpec, params: CKKSParams) -> None:
    if spec.padded_dimension > params.slot_count:
        raise InvalidParameters(
            f"a {spec.dimension}-value embedding does not fit in {params.slot_count} slots: "
            "use a larger poly_modulus_degree"
        )


def check_context_fields(fields: ContextFields, *, private: bool, field: str | None) -> None:
    if fields.encryption_type != 0:
        raise InvalidKey("only public-key (asymmetric) CKKS contexts are accepted", field=field)
    if not fields.encryption_parameters or not fields.public_key:
        raise InvalidKey("the key material has no parameters or no public key", field=field)
    if private and not fields.secret_key:
        raise InvalidKey("the private key file holds no secret key", field=field)
    if not private and fields.holds_secret_key:
        raise SecretKeyRefused("the public context holds a secret key; send the public context only", field=field)


def write_atomic(path: Path, data: bytes, *, mode: int) -> None:
    """Write to a temporary file beside ``path`` with ``mode``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
