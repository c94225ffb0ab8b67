"""``livecred fhe``: encrypted face matching from the command line, on image files.

The key holder's side (keygen, embed, restore, verify) and the cloud's (distance) as separate
steps, so each file can travel between machines::

    livecred fhe keygen --private me.key --public me.pub
    livecred fhe embed id.jpg --key me.pub --out id.ct
    livecred fhe embed selfie.jpg --key me.pub --out selfie.ct
    livecred fhe distance id.ct selfie.ct --key me.pub --out d.ct      # cloud: public context only
    livecred fhe verify d.ct --key me.key                               # exit 0 match, 1 no match

Key files are binary envelopes; ciphertext files are one line of base64 (what ``POST
/fhe/distance`` takes and returns). Every command reads either form. Errors exit with 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from fhe import (
    PRESETS,
    CipherFace,
    EncryptedDistance,
    EncryptedEmbedding,
    FHEError,
    FHELimits,
    InputTooLarge,
    Metric,
    decode_base64,
)
from fhe._envelope import MAGIC
from livecred.fhe_engine import ENGINE_MODEL, EngineEmbedder, engine_model_spec
from liveness import ImageLimits, LivenessError, decode_image_bytes, load_default_engine

fhe_app = typer.Typer(
    help="Encrypted face matching (CKKS): keys, encrypted embeddings, encrypted distance, decision.",
    no_args_is_help=True,
)

err_console = Console(stderr=True)

ERROR_EXIT = 2

KeyFile = Annotated[
    Path, typer.Option("--key", help="Private key or public context file.", exists=True, dir_okay=False)
]
PrivateKeyFile = Annotated[Path, typer.Option("--key", help="Private key file.", exists=True, dir_okay=False)]
OutFile = Annotated[Path | None, typer.Option("--out", help="Write here instead of standard output.", dir_okay=False)]
ModelsDir = Annotated[
    Path | None,
    typer.Option("--models-dir", help="Models directory (default: LIVECRED_MODELS_DIR or the user cache)."),
]


def _fail(message: str) -> typer.Exit:
    err_console.print(f"[red]error:[/] {message}")
    return typer.Exit(ERROR_EXIT)


def _read_blob(path: Path, max_bytes: int) -> bytes:
    """A file holding an envelope, raw or as base64 text."""
    raw = path.read_bytes()
    if raw.startswith(MAGIC):
        if len(raw) > max_bytes:
            raise InputTooLarge(f"over the limit of {max_bytes} bytes", field=path.name)
        return raw
    return decode_base64(raw, max_bytes=max_bytes, field=path.name)


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n")


def _load(path: Path, *, embedder: EngineEmbedder | None = None) -> CipherFace:
    return CipherFace.load(path, embedder=embedder)


@fhe_app.command("keygen")
def keygen(
    private: Annotated[Path, typer.Option("--private", help="Where to write the private key (mode 0600).")],
    public: Annotated[Path, typer.Option("--public", help="Where to write the public context.")],
    metric: Annotated[Metric, typer.Option(help="Distance metric.")] = Metric.EUCLIDEAN,
    security: Annotated[
        str, typer.Option(help="Security level of the CKKS parameters: 128, 192 (default) or 256 bits.")
    ] = "192",
    model: Annotated[str, typer.Option(help="Recognition model.")] = ENGINE_MODEL,
) -> None:
    """Build a cryptosystem: a private key for you, a public context for whoever computes distances."""
    if security not in PRESETS:
        raise _fail(f"--security must be one of {', '.join(PRESETS)}")
    try:
        cipher = CipherFace(
            engine_model_spec() if model == ENGINE_MODEL else model, metric=metric, params=PRESETS[security]
        )
        cipher.export_private_key(private)
        cipher.export_public_key(public)
    except FHEError as exc:
        raise _fail(exc.message) from None
    params = cipher.params
    typer.echo(
        f"{cipher.model.name}, {cipher.metric.value}, N={params.poly_modulus_degree}, "
        f"{params.security_bits}-bit; fingerprint {cipher.fingerprint}"
    )
    typer.echo(f"private key: {private} (keep it secret)\npublic context: {public}")


@fhe_app.command("embed")
def embed(
    image: Annotated[Path, typer.Argument(help="Image file (JPEG, PNG, WebP or BMP).", exists=True, dir_okay=False)],
    key: KeyFile,
    out: OutFile = None,
    models_dir: ModelsDir = None,
) -> None:
    """Encrypt the embedding of the largest face in an image (the engine's detector and model)."""
    from livecred.settings import Settings

    settings = Settings()
    try:
        engine = load_default_engine(models_dir or settings.models_dir)
        cipher = _load(key, embedder=EngineEmbedder(engine))
        limits = ImageLimits(max_bytes=settings.max_image_bytes, max_pixels=settings.max_image_pixels)
        encrypted = cipher.securely_embed(decode_image_bytes(image.read_bytes(), limits))
    except (FHEError, LivenessError) as exc:
        raise _fail(exc.message) from None
    if not encrypted:
        raise _fail(f"no face found in {image}")
    if len(encrypted) > 1:
        err_console.print(f"{len(encrypted)} faces found; encrypted the largest")
    _emit(encrypted[0].to_base64(), out)


@fhe_app.command("distance")
def distance(
    a: Annotated[Path, typer.Argument(help="Encrypted embedding file.", exists=True, dir_okay=False)],
    b: Annotated[Path, typer.Argument(help="Encrypted embedding file.", exists=True, dir_okay=False)],
    key: KeyFile,
    out: OutFile = None,
) -> None:
    """Compute the encrypted distance of two encrypted embeddings (the public context suffices)."""
    limit = FHELimits().max_ciphertext_bytes
    try:
        cipher = _load(key)
        first = EncryptedEmbedding.from_bytes(_read_blob(a, limit), field=a.name)
        second = EncryptedEmbedding.from_bytes(_read_blob(b, limit), field=b.name)
        result = cipher.calculate_encrypted_distance(first, second, fields=(a.name, b.name))
    except FHEError as exc:
        raise _fail(exc.message) from None
    _emit(result.to_base64(), out)


def _restore(path: Path, key: Path) -> tuple[CipherFace, float]:
    try:
        cipher = _load(key)
        encrypted = EncryptedDistance.from_bytes(_read_blob(path, FHELimits().max_ciphertext_bytes), field=path.name)
        return cipher, cipher.restore(encrypted)
    except FHEError as exc:
        raise _fail(exc.message) from None


@fhe_app.command("restore")
def restore(
    encrypted: Annotated[Path, typer.Argument(help="Encrypted distance file.", exists=True, dir_okay=False)],
    key: PrivateKeyFile,
) -> None:
    """Decrypt an encrypted distance (private key only) and print it."""
    _, value = _restore(encrypted, key)
    typer.echo(f"{value:.6f}")


@fhe_app.command("verify")
def verify(
    encrypted: Annotated[Path, typer.Argument(help="Encrypted distance file.", exists=True, dir_okay=False)],
    key: PrivateKeyFile,
) -> None:
    """Decrypt an encrypted distance and decide: exit 0 for the same person, 1 for different people."""
    cipher, value = _restore(encrypted, key)
    matched = cipher.verify(value)
    verdict = "same person" if matched else "different people"
    typer.echo(
        f"{verdict}: {cipher.metric.value} distance {value:.6f} "
        f"{'<=' if matched else '>'} threshold {cipher.threshold:.6f} ({cipher.model.name})"
    )
    raise typer.Exit(0 if matched else 1)
