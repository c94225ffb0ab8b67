"""One download progress display for the fetch commands (models, DeepFace weights): a bar per
file on stderr, and a ``ModelUnavailable`` turned into a one-line error and exit status 1."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console

__all__ = ["with_download_progress"]

T = TypeVar("T")


def with_download_progress(console: Console, fetch: Callable[[Callable[[str, int, int], None]], T]) -> T:
    """Run ``fetch(report)``, showing ``report(name, done, total)`` calls as progress bars."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TransferSpeedColumn

    from liveness import ModelUnavailable

    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=console
    ) as progress:

        def report(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(name, total=total)
            progress.update(tasks[name], completed=done)

        try:
            return fetch(report)
        except ModelUnavailable as exc:
            console.print(f"[red]error:[/] {exc.message}")
            raise typer.Exit(1) from None
