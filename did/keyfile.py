"""The issuer's secret key on disk: created once with 0600 permissions, then only read.

The file is JSON in the Multikey form (``publicKeyMultibase``, ``secretKeyMultibase``). A file
that others can read is refused rather than used, as ssh does, so a leaked permission is noticed
instead of silently carried on. Creation is exclusive (``O_EXCL``), so two processes starting at
once cannot overwrite each other's key; the loser reads the winner's.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

from did._exceptions import InvalidKey
from did.keys import Ed25519KeyPair


def read_key_file(path: Path) -> Ed25519KeyPair:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise InvalidKey(f"key file {path} does not exist") from exc
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidKey(f"key file {path} is accessible by other users (mode {stat.S_IMODE(mode):o}); chmod 600 it")
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InvalidKey(f"key file {path} is not readable JSON") from exc
    secret = data.get("secretKeyMultibase") if isinstance(data, dict) else None
    if not isinstance(secret, str):
        raise InvalidKey(f"key file {path} has no secretKeyMultibase")
    key = Ed25519KeyPair.from_multibase(secret)
    public = data.get("publicKeyMultibase")
    if public is not None and public != key.public_key.multibase:
        raise InvalidKey(f"key file {path}: publicKeyMultibase does not match the secret key")
    return key


def write_key_file(path: Path, key: Ed25519KeyPair) -> None:
    """Write ``key`` to a new file readable by its owner only; never overwrites."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a directory we make is owner-only
    body = json.dumps(
        {
            "type": "Multikey",
            "publicKeyMultibase": key.public_key.multibase,
            "secretKeyMultibase": key.secret_multibase,
            "created": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        },
        indent=2,
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(body + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def load_or_create_key_file(path: Path) -> tuple[Ed25519KeyPair, bool]:
    """The key in ``path``, generating it on first use. Returns (key, created)."""
    if path.exists():
        return read_key_file(path), False
    key = Ed25519KeyPair.generate()
    try:
        write_key_file(path, key)
    except FileExistsError:
        return read_key_file(path), False
    return key, True
