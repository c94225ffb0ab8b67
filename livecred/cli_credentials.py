"""``livecred did ...`` and ``livecred credentials ...``: the issuer from the command line.

``credentials verify`` is offline by default: ``did:key`` resolves from the DID itself, our
contexts are vendored, this deployment's own status lists are read from its database when it is
here, and checks that would need the network (a ``did:web`` document, another issuer's status
list) cannot run; ``--online`` allows those fetches over HTTPS. It trusts the configured issuers
(``--trust DID`` overrides), and a status that cannot be checked fails unless ``--lenient``: it
never prints VERIFIED when a check did not run, and says which with its exit code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from did import (
    DIDError,
    DIDResolver,
    Fetcher,
    KeyDIDResolver,
    WebDIDResolver,
    did_key_from_public_key,
    single_key_document,
)
from issuer import (
    ContextLoader,
    CredentialVerifier,
    Issuer,
    IssuerError,
    RemoteStatusSource,
    VerificationPolicy,
    VerificationResult,
)
from issuer.contexts import liveness_context_url
from issuer.service import SELF, STATUS_PATH
from issuer.zk_evidence import FaceMatchEvidenceChecker
from livecred.issuer_setup import KEY_FILE_NAME, build_issuer, fetch_policy, issuer_did, load_issuer_key
from livecred.settings import Settings
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


def configured_issuer_did(settings: Settings) -> str | None:
    """This deployment's issuer DID, without creating a key where there is none."""
    did = issuer_did(settings)
    if did is not None:
        return did
    has_key = (
        settings.issuer_key is not None
        or settings.issuer_key_file is not None
        or (settings.state_dir / KEY_FILE_NAME).is_file()
    )
    if not has_key:
        return None
    return did_key_from_public_key(load_issuer_key(settings).public_key)


def _local_issuer(settings: Settings) -> Issuer | None:
    """The configured issuer, when its database is here: its own status lists need no network."""
    local_db = settings.database_url is not None or (settings.state_dir / "livecred.db").is_file()
    if not local_db or configured_issuer_did(settings) is None:
        return None
    try:
        return build_issuer(settings)
    except (IssuerError, DIDError):
        return None


class _StatusSources:
    """The local issuer's lists from its database, anything else over HTTPS with ``--online``."""

    def __init__(self, local: Issuer | None, remote: RemoteStatusSource | None) -> None:
        self.local = local
        self.remote = remote

    def __call__(self, url: str) -> Mapping[str, Any] | None:
        prefix = f"{self.local.public_url}{STATUS_PATH}" if self.local is not None else None
        if self.local is not None and prefix is not None and url.startswith(prefix):
            try:
                return self.local.status_list_credential(url[len(prefix) :])
            except IssuerError:
                return None
        return self.remote(url) if self.remote is not None else None


def offline_verifier(
    settings: Settings, *, online: bool, policy: VerificationPolicy, local: Issuer | None = None
) -> CredentialVerifier:
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
    remote = RemoteStatusSource(fetcher) if fetcher is not None else None
    return CredentialVerifier(
        DIDResolver(drivers),
        loader,
        policy=policy,
        status_source=_StatusSources(local, remote),
        evidence_checker=checker,
        clock=lambda: datetime.now(UTC),
    )


# Exit codes of `credentials verify` (docs/credentials.md): 0 verified with every check run;
# 1 a check failed (forged, untrusted, revoked, expired ...); 2 the input or the configuration is
# unusable; 3 not fully verified because a check could not run (status offline, no zk artifacts).
EXIT_VERIFIED, EXIT_FAILED, EXIT_ERROR, EXIT_INCOMPLETE = 0, 1, 2, 3
# Failures that mean "could not be checked", not "checked and found bad".
_NOT_RUN = {"status_unchecked"}


def exit_code(result: VerificationResult) -> int:
    if result.complete:
        return EXIT_VERIFIED
    if result.verified or set(result.reasons) <= _NOT_RUN:
        return EXIT_INCOMPLETE
    return EXIT_FAILED


def _verdict(result: VerificationResult) -> str:
    code = exit_code(result)
    if code == EXIT_VERIFIED:
        return "[green bold]VERIFIED[/green bold]"
    if code == EXIT_INCOMPLETE:
        names = [o.name for o in result.outcomes if o.status != "passed"]
        return f"[yellow bold]NOT FULLY VERIFIED[/yellow bold]: not checked: {', '.join(names)}"
    return f"[red bold]NOT VERIFIED[/red bold]: {', '.join(result.reasons)}"


def _report(result: VerificationResult) -> None:
    table = Table(title=f"credential {result.credential_id or '(no id)'}", show_lines=False)
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    for outcome in result.outcomes:
        table.add_row(outcome.name, _STYLE[outcome.status], outcome.message)
    trust = "trusted" if result.trusted_issuer else "NOT trusted"
    console.print(f"issuer: {result.issuer or '(none)'} ({trust})")
    console.print(table)
    console.print(_verdict(result))


@credentials_app.command("verify")
def credentials_verify(
    file: Annotated[Path, typer.Argument(help="The credential JSON file ('-' for standard input).")],
    online: Annotated[bool, typer.Option("--online", help="Fetch did:web documents and status lists.")] = False,
    trust: Annotated[
        list[str] | None,
        typer.Option("--trust", help="An issuer DID to trust (repeatable); default: LIVECRED_TRUSTED_ISSUERS."),
    ] = None,
    lenient: Annotated[
        bool, typer.Option("--lenient", help="A status that cannot be checked is a warning, not a failure.")
    ] = False,
    max_age: Annotated[
        int | None, typer.Option("--max-age", min=1, help="Oldest liveness check accepted, in seconds.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Verify a credential: issuer, proof, schema, validity, status and ZK evidence.

    Exit 0: verified, every check ran. 1: a check failed. 2: unusable input. 3: not fully
    verified, because a check could not run (e.g. status offline: pass --online).
    """
    settings = Settings()
    credential = _read_credential(file)
    try:
        own = configured_issuer_did(settings)
    except IssuerError as exc:
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(EXIT_ERROR) from exc
    wanted = trust or settings.trusted_issuers
    trusted = {own if t == SELF else t for t in wanted if t != SELF or own is not None}
    if not trusted:
        err_console.print("[red]error:[/red] no trusted issuer: pass --trust DID (no issuer key is configured here)")
        raise typer.Exit(EXIT_ERROR)
    policy = VerificationPolicy(
        frozenset(str(t) for t in trusted),
        status="lenient" if lenient else settings.verify_status,
        max_age=timedelta(seconds=max_age) if max_age else None,
        min_face_match_threshold=scale_threshold(settings.credential_min_face_match_confidence),
    )
    local = _local_issuer(settings)
    try:
        result = offline_verifier(settings, online=online, policy=policy, local=local).verify(credential)
    except IssuerError as exc:  # too complex to process: refused, not judged
        err_console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(EXIT_ERROR) from exc
    finally:
        if local is not None:
            local.close()
    if as_json:
        print(json.dumps({**result.to_json(), "exitCode": exit_code(result)}, indent=2))
    else:
        _report(result)
    code = exit_code(result)
    if code != EXIT_VERIFIED:
        raise typer.Exit(code)


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
