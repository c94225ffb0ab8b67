"""``livecred models fetch --backend deepface``: DeepFace's weights, with a progress bar and a word on
files whose sha256 was recorded on this first fetch (DeepFace publishes no hashes for them)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

__all__ = ["fetch_deepface"]

console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)


def fetch_deepface(directory: Path, models: list[str] | None, *, mirror: Path | None, force: bool) -> None:
    from livecred.cli_progress import with_download_progress
    from liveness.backends.deepface.fetch import fetch_weights
    from liveness.backends.deepface.weights import FETCHABLE_MODELS, RECORD_FILE

    names = models or list(FETCHABLE_MODELS)
    unknown = [m for m in names if m not in FETCHABLE_MODELS]
    if unknown:
        err_console.print(
            f"[red]error:[/] unknown DeepFace model(s) {', '.join(unknown)}; one of {', '.join(FETCHABLE_MODELS)}"
        )
        raise typer.Exit(2)
    fetched = with_download_progress(
        err_console, lambda report: fetch_weights(directory, names, mirror=mirror, force=force, progress=report)
    )
    for item in fetched:
        if item.recorded:
            console.print(
                f"{item.name}: no published sha256; recorded {item.sha256} in {directory / RECORD_FILE} "
                "(trust on first use: later loads must match it)"
            )
    source = f"mirror {mirror}" if mirror else "DeepFace's official sources"
    console.print(f"{len(fetched)} DeepFace weight files verified in {directory} (from {source})")
