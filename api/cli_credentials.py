"""``livecred did ...`` and ``livecred credentials ...``: the issuer from the command line.

``credentials verify`` is offline by default: ``did:key`` resolves from the DID itself, our
contexts are vendored, and checks that would need the network (a ``did:web`` document, a status
list) are reported as unchecked; ``--online`` allows those fetches over HTTPS.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api.issuer_setup import build_issuer, fetch_policy, issuer_did, load_issuer_key
from api.settings import Settings
from did import (
    DIDError,
    DIDResolver,
    Fetcher,
    KeyDIDResolver,
    WebDIDResolver,
    did_key_from_public_key,
    single_key_document,
)
from issuer import ContextLoader, CredentialVerifier, IssuerError, RemoteStatusSource, VerificationResult
from issuer.contexts import liveness_context_url
from issuer.zk_evidence import FaceMatchEvidenceChecker
from zk import ZKError, load_verification_key, scale_threshold

did_app = typer.Typer(help="The issuer's DID.", no_args_is_help=True)
credentials_app = typer.Typer(help="Verify, revoke and suspend credentials.", no_args_is_help=True)

console = Console(emoji=False)
err_console = Console(stderr=True, emoji=False)

_STYLE = {"passed": "[green]passed[/green]", "failed": "[red]FAILED[/red]", "unchecked": "[yellow]unchecked[/yellow]"}


@did_app.command("show")
def did_show(
    as_json: Annotated[bool, typer.Option("--json", help="Print only the DID document as JSON.")] = False,
) -> None:
    """Print the issuer DID and its DID document (creating the key on first use)."""
    settings = Settings()
    try:
        key = load_issuer_key(settings)
        did = issuer_did(settings) or did_key_from_public_key(key.public_key)
    except (IssuerError, DIDError) as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    document = single_key_document(did, key.public_key).to_json()
    if as_json:
        print(json.dumps(document, indent=2))
        return
    console.print(f"[bold]DID[/bold]: {did}")
    if did.startswith("did:web:"):
        console.print(f"published at {settings.resolved_public_url}/.well-known/did.json (served by the service)")
    console.print_json(json.dumps(document))


def _read_credential(path: Path) -> Any:
    if str(path) == "-":
        return json.loads(typer.get_text_stream("stdin").read())
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        err_console.print(f"[red]error:[/red] cannot read {path}: {exc.strerror}")
        raise typer.Exit(2) from exc
    except ValueError as exc:
        err_console.print(f"[red]error:[/red] {path} is not JSON")
        raise typer.Exit(2) from exc


def offline_verifier(settings: Settings, *, online: bool) -> CredentialVerifier:
    fetcher = Fetcher(fetch_policy(settings)) if online else None
    drivers: list[Any] = [KeyDIDResolver()]
    if fetcher is not None:
        drivers.append(WebDIDResolver(fetcher))
    loader = ContextLoader([liveness_context_url(settings.resolved_public_url), *settings.trusted_context_urls])
    try:
        checker: FaceMatchEvidenceChecker | None = FaceMatchEvidenceChecker(
            load_verification_key(),
            min_threshold=scale_threshold(settings.credential_min_face_match_confidence),
        )
    except ZKError:
        checker = None  # no artifacts: ZK evidence is reported unchecked
    return CredentialVerifier(
        DIDResolver(drivers),
        loader,
        status_source=RemoteStatusSource(fetcher) if fetcher is not None else None,
        evidence_checker=checker,
        clock=lambda: datetime.now(UTC),
    )


def _report(result: VerificationResult) -> None:
    table = Table(title=f"credential {result.credential_id or '(no id)'}", show_lines=False)
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    for outcome in result.outcomes:
        table.add_row(outcome.name, _STYLE[outcome.status], outcome.message)
    console.print(f"issuer: {result.issuer or '(none)'}")
    console.print(table)
    verdict = "[green bold]VERIFIED[/green bold]" if result.verified else "[red bold]NOT VERIFIED[/red bold]"
    console.print(verdict)


@credentials_app.command("verify")
def credentials_verify(
    file: Annotated[Path, typer.Argument(help="The credential JSON file ('-' for standard input).")],
    online: Annotated[bool, typer.Option("--online", help="Fetch did:web documents and status lists.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Verify a credential: proof, schema, validity dates, status and ZK evidence. Exit 1 if it fails."""
    credential = _read_credential(file)
    try:
        result = offline_verifier(Settings(), online=online).verify(credential)
    except IssuerError as exc:  # too complex to process: refused, not judged
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    if as_json:
        print(
            json.dumps(
                {
                    "verified": result.verified,
                    "checks": result.checks,
                    "warnings": result.warnings,
                    "errors": result.errors,
                },
                indent=2,
            )
        )
    else:
        _report(result)
    if not result.verified:
        raise typer.Exit(1)


def _set_status(credential_id: str, status: str) -> None:
    try:
        issuer = build_issuer(Settings())
    except (IssuerError, DIDError) as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    try:
        now = issuer.set_status(credential_id, status)
    except IssuerError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    finally:
        issuer.close()
    console.print(f"{credential_id}: {now}")


@credentials_app.command("revoke")
def credentials_revoke(
    credential_id: Annotated[str, typer.Argument(help="The credential's id (urn:uuid:...).")],
) -> None:
    """Revoke a credential issued here (final); its status list bit is set."""
    _set_status(credential_id, "revoked")


@credentials_app.command("suspend")
def credentials_suspend(credential_id: Annotated[str, typer.Argument(help="The credential's id.")]) -> None:
    """Suspend a credential issued with a suspension status entry."""
    _set_status(credential_id, "suspended")


@credentials_app.command("unsuspend")
def credentials_unsuspend(credential_id: Annotated[str, typer.Argument(help="The credential's id.")]) -> None:
    """Lift a suspension."""
    _set_status(credential_id, "active")
