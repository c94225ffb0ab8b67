"""The ``livecred`` command line: model management and serving.

It lives beside the HTTP service because, like it, it is an outer edge that reads settings and
wires the domain packages together; the domain packages never read the environment themselves.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn, TransferSpeedColumn
from rich.table import Table

from livecred.cli_credentials import credentials_app, did_app
from livecred.cli_fhe import fhe_app
from livecred.cli_zk import zk_app
from liveness import ModelUnavailable
from liveness.models import DEFAULT_ENGINE_MODELS, REGISTRY, ModelStore

app = typer.Typer(help="livecred: liveness checks and credentials.", no_args_is_help=True)
models_app = typer.Typer(help="Manage model weights (never downloaded while serving).", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(did_app, name="did")
app.add_typer(credentials_app, name="credentials")
app.add_typer(fhe_app, name="fhe")
app.add_typer(zk_app, name="zk")

console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

ModelsDir = Annotated[
    Path | None,
    typer.Option("--models-dir", help="Models directory (default: LIVECRED_MODELS_DIR or the user cache)."),
]


def _models_dir(option: Path | None) -> Path:
    if option is not None:
        return option
    from livecred.settings import Settings

    return Settings().models_dir


@models_app.command("list")
def models_list(
    models_dir: ModelsDir = None,
    all_models: Annotated[bool, typer.Option("--all", help="Include optional-backend models.")] = False,
) -> None:
    """Show each registered model and whether it is present and verified (sha256)."""
    store = ModelStore(_models_dir(models_dir))
    names = list(REGISTRY) if all_models else list(DEFAULT_ENGINE_MODELS)
    table = Table(title=f"models in {store.directory}")
    for column in ("name", "state", "file", "license", "size"):
        table.add_column(column)
    statuses = store.status(names)
    for s in statuses:
        spec = REGISTRY[s.name]
        colour = {"ok": "green", "missing": "yellow", "corrupt": "red"}[s.state]
        table.add_row(s.name, f"[{colour}]{s.state}[/]", spec.file, spec.license, str(spec.size))
    console.print(table)
    if any(s.state != "ok" for s in statuses):
        err_console.print("some models are not ready: run `livecred models fetch` (or `--from DIR`)")
        raise typer.Exit(1)


@models_app.command("fetch")
def models_fetch(
    models_dir: ModelsDir = None,
    mirror: Annotated[
        Path | None,
        typer.Option("--from", help="Copy from a local mirror laid out like the models directory."),
    ] = None,
    all_models: Annotated[bool, typer.Option("--all", help="Also fetch optional-backend models.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace files that already verify.")] = False,
) -> None:
    """Download each model from its pinned source (or copy it from --from), verify sha256, install atomically."""
    mirror = mirror or (
        Path(os.environ["LIVECRED_MODELS_MIRROR"]) if os.environ.get("LIVECRED_MODELS_MIRROR") else None
    )
    store = ModelStore(_models_dir(models_dir))
    names = list(REGISTRY) if all_models else list(DEFAULT_ENGINE_MODELS)
    tasks: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), console=err_console
    ) as progress:

        def report(name: str, done: int, total: int) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(name, total=total)
            progress.update(tasks[name], completed=done)

        try:
            store.fetch(names, mirror=mirror, progress=report, force=force)
        except ModelUnavailable as exc:
            err_console.print(f"[red]error:[/] {exc.message}")
            raise typer.Exit(1) from None
    source = f"mirror {mirror}" if mirror else "their pinned sources"
    console.print(f"{len(names)} models verified in {store.directory} (from {source})")


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default: LIVECRED_HOST or 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: PORT or 5003).")] = None,
) -> None:
    """Run the HTTP service (the app of `uvicorn livecred.main:app`, with slow clients cut off and
    proxy headers trusted only from LIVECRED_TRUSTED_PROXIES)."""
    from livecred.server import serve as run_server
    from livecred.settings import Settings

    run_server(Settings(), host=host, port=port)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
