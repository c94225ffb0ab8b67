"""The ``livecred`` command line: model management and serving.

It lives beside the HTTP service because, like it, it is an outer edge that reads settings and
wires the domain packages together; the domain packages never read the environment themselves.

It starts fast: the command groups ``did``, ``credentials``, ``fhe`` and ``zk`` are imported only
when one of them runs, and every command imports the engine, the issuer or the app inside itself.
``livecred --help`` imports typer and nothing of the service.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from livecred.cli_images import verify_images

# name -> ("module:typer app", the help line shown by `livecred --help` without importing it)
_LAZY_GROUPS = {
    "did": ("livecred.cli_credentials:did_app", "The issuer's DID."),
    "credentials": ("livecred.cli_credentials:credentials_app", "Verify, revoke and suspend credentials."),
    "fhe": (
        "livecred.cli_fhe:fhe_app",
        "Encrypted face matching (CKKS): keys, encrypted embeddings, encrypted distance, decision.",
    ),
    "zk": ("livecred.cli_zk:zk_app", "Groth16 face-match proofs: set-up and offline verification."),
}


class _LazyGroup(TyperGroup):
    """A command group whose module is imported when the group runs; its help line lives here."""

    def __init__(self, name: str, target: str, help_line: str) -> None:
        super().__init__(name=name, help=help_line)
        self._target = target

    def _load(self) -> TyperGroup:
        module, attribute = self._target.split(":")
        return typer.main.get_group(getattr(importlib.import_module(module), attribute))

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        # Click runs a group through the context it makes: the real group's, loaded now.
        return self._load().make_context(info_name, args, parent=parent, **extra)


class _Root(TyperGroup):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name, (target, help_line) in _LAZY_GROUPS.items():
            self.add_command(_LazyGroup(name, target, help_line))


app = typer.Typer(help="livecred: liveness checks and credentials.", no_args_is_help=True, cls=_Root)
models_app = typer.Typer(help="Manage model weights (never downloaded while serving).", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.command("verify-images")(verify_images)

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
    from rich.table import Table

    from liveness.models import DEFAULT_ENGINE_MODELS, REGISTRY, ModelStore

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
    backend: Annotated[
        str, typer.Option("--backend", help="Whose weights: `default` (the engine's) or `deepface`.")
    ] = "default",
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="With --backend deepface: only these models (Facenet512, Emotion, yunet ...)."),
    ] = None,
) -> None:
    """Download each model from its pinned source (or copy it from --from), verify sha256, install atomically."""
    from livecred.cli_progress import with_download_progress
    from liveness.models import DEFAULT_ENGINE_MODELS, REGISTRY, ModelStore

    mirror = mirror or (
        Path(os.environ["LIVECRED_MODELS_MIRROR"]) if os.environ.get("LIVECRED_MODELS_MIRROR") else None
    )
    if backend == "deepface":
        from livecred.cli_deepface import fetch_deepface

        fetch_deepface(_models_dir(models_dir), model or None, mirror=mirror, force=force)
        return
    if backend != "default" or model:
        err_console.print("[red]error:[/] --backend is `default` or `deepface`; --model needs --backend deepface")
        raise typer.Exit(2)
    store = ModelStore(_models_dir(models_dir))
    names = list(REGISTRY) if all_models else list(DEFAULT_ENGINE_MODELS)
    with_download_progress(err_console, lambda report: store.fetch(names, mirror=mirror, progress=report, force=force))
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
