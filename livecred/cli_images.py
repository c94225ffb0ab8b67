"""``livecred verify-images ID SELFIE``: the one-line check DeepFace users expect.

Is the selfie a live person, and the same person as on the ID photo? With the service's
thresholds (``ANTISPOOF_THRESHOLD``, ``LIVECRED_VERIFY_MIN_FACE_MATCH_CONFIDENCE``, the quality
gate), so the answer is the one ``POST /verify`` would give. Exit status: 0 verified, 1 not
verified (a verdict, not an error), 2 unusable input (unreadable file, no face, a face too poor to
match) or models missing. The engine is imported inside the command, never with the CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

VERIFIED, NOT_VERIFIED, UNUSABLE = 0, 1, 2


def verify_images(
    id_image: Annotated[Path, typer.Argument(metavar="ID", help="The ID document photo (or any photo of the person).")],
    selfie: Annotated[Path, typer.Argument(metavar="SELFIE", help="The selfie to check.")],
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also print the scores and thresholds.")] = False,
    models_dir: Annotated[
        Path | None,
        typer.Option("--models-dir", help="Models directory (default: LIVECRED_MODELS_DIR or the user cache)."),
    ] = None,
) -> None:
    """Is SELFIE a live person, and the same person as on ID? Exit 0 verified, 1 not, 2 unusable input."""
    from livecred.app import engine_config
    from livecred.settings import Settings
    from liveness import ImageLimits, LivenessError, decode_image_bytes, load_default_engine
    from liveness.models import RuntimeOptions

    settings = Settings()
    limits = ImageLimits(max_bytes=settings.max_image_bytes, max_pixels=settings.max_image_pixels)
    try:
        images = []
        for label, path in (("ID", id_image), ("SELFIE", selfie)):
            try:
                data = path.read_bytes()
            except OSError as exc:
                typer.echo(f"unusable: cannot read {label} {path} ({exc.strerror})", err=True)
                raise typer.Exit(UNUSABLE) from None
            images.append(decode_image_bytes(data, limits, field=label))
        engine = load_default_engine(
            models_dir or settings.models_dir,
            runtime=RuntimeOptions(intra_op_threads=settings.inference_threads),
            config=engine_config(settings),
        )
        threshold = settings.verify_min_face_match_confidence
        result = engine.images.verify(images[0], images[1], min_match_confidence=threshold, fields=("ID", "SELFIE"))
    except LivenessError as exc:
        typer.echo(f"unusable: {exc.message}", err=True)
        raise typer.Exit(UNUSABLE) from None
    live = "live" if result.spoof.is_real else "not live"
    same = "same person" if result.match.matched else "not the same person"
    typer.echo(f"{'verified' if result.verified else 'not verified'}: {live}, {same}")
    if verbose:
        typer.echo(
            f"antispoof score {result.spoof.score:.3f} (threshold {result.spoof.threshold:.3f}); "
            f"match confidence {result.match.confidence:.3f} (threshold {result.match.min_confidence:.3f}, "
            f"similarity {result.match.similarity:.3f})"
        )
    raise typer.Exit(VERIFIED if result.verified else NOT_VERIFIED)
