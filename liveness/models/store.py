"""The model store: one directory of weights, verified by sha256 before anything loads them.

The store decides three things. Weights are read and hashed in one pass and the *same bytes* are
handed to the runtime, so a file swapped after verification is never loaded. Nothing here
downloads unless :meth:`ModelStore.fetch` is called explicitly (the CLI does; the service never
does). Writes are atomic: a download or copy goes to a temporary file in the target directory,
is verified, then renamed into place, so a crash never leaves a half-written model that looks
present.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from liveness._exceptions import ModelUnavailable
from liveness.models.registry import REGISTRY, ModelSpec, get_spec

__all__ = [
    "FETCH_HINT",
    "ModelState",
    "ModelStatus",
    "ModelStore",
    "ProgressCallback",
    "file_chunks",
    "sha256_file",
    "write_verified",
]

FETCH_HINT = "run `livecred models fetch` (or `livecred models fetch --from DIR` to copy from a mirror)"

ModelState = Literal["ok", "missing", "corrupt"]
# progress(model_name, bytes_done, bytes_total)
ProgressCallback = Callable[[str, int, int], None]

_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class ModelStatus:
    name: str
    path: Path
    state: ModelState
    size: int | None


class ModelStore:
    """Resolves registered models inside ``directory``; read-only unless ``fetch`` is called."""

    def __init__(self, directory: Path | str, registry: dict[str, ModelSpec] | None = None) -> None:
        self.directory = Path(directory)
        self._registry = REGISTRY if registry is None else registry

    def _spec(self, name: str) -> ModelSpec:
        return self._registry[name] if name in self._registry else get_spec(name)

    def path_of(self, name: str) -> Path:
        return self.directory / self._spec(name).file

    def status(self, names: Iterable[str] | None = None) -> list[ModelStatus]:
        result = []
        for name in names if names is not None else self._registry:
            path = self.path_of(name)
            if not path.is_file():
                result.append(ModelStatus(name, path, "missing", None))
                continue
            ok = sha256_file(path) == self._spec(name).sha256
            result.append(ModelStatus(name, path, "ok" if ok else "corrupt", path.stat().st_size))
        return result

    def require(self, names: Iterable[str]) -> None:
        """Raise :class:`ModelUnavailable` naming every missing or corrupt model."""
        bad = [s for s in self.status(names) if s.state != "ok"]
        if bad:
            detail = ", ".join(f"{s.name} ({s.state}: {s.path})" for s in bad)
            raise ModelUnavailable(f"models not available: {detail}; {FETCH_HINT}", missing=[s.name for s in bad])

    def read_verified(self, name: str) -> bytes:
        """The model's bytes, checked against the registry hash; the bytes that were hashed."""
        spec = self._spec(name)
        path = self.path_of(name)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ModelUnavailable(f"model {name!r} is missing at {path}; {FETCH_HINT}", missing=[name]) from None
        except OSError as exc:
            raise ModelUnavailable(
                f"model {name!r} cannot be read at {path}: {exc.strerror}; {FETCH_HINT}",
                missing=[name],
            ) from exc
        if hashlib.sha256(data).hexdigest() != spec.sha256:
            raise ModelUnavailable(
                f"model {name!r} at {path} fails its sha256 check (corrupt or a different file); {FETCH_HINT}",
                missing=[name],
            )
        return data

    def fetch(
        self,
        names: Iterable[str],
        *,
        mirror: Path | None = None,
        progress: ProgressCallback | None = None,
        force: bool = False,
        timeout: float = 60.0,
    ) -> list[ModelStatus]:
        """Download (or copy from ``mirror``) each model that is not already present and verified."""
        done = []
        for name in names:
            spec = self._spec(name)
            target = self.path_of(name)
            if not force and target.is_file() and sha256_file(target) == spec.sha256:
                if progress:
                    progress(name, spec.size, spec.size)
                done.append(ModelStatus(name, target, "ok", spec.size))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if mirror is not None:
                self._copy_verified(spec, Path(mirror) / spec.file, target, progress)
            else:
                self._download_verified(spec, target, progress, timeout)
            done.append(ModelStatus(name, target, "ok", spec.size))
        return done

    def _copy_verified(self, spec: ModelSpec, source: Path, target: Path, progress: ProgressCallback | None) -> None:
        if not source.is_file():
            raise ModelUnavailable(f"model {spec.name!r} not found in mirror at {source}", missing=[spec.name])

        _write_atomic(spec, target, file_chunks(source), progress)

    def _download_verified(
        self, spec: ModelSpec, target: Path, progress: ProgressCallback | None, timeout: float
    ) -> None:
        import httpx  # only the fetch command needs it

        try:
            with httpx.stream("GET", spec.url, follow_redirects=True, timeout=timeout) as resp:
                resp.raise_for_status()
                _write_atomic(spec, target, resp.iter_bytes(_CHUNK), progress)
        except httpx.HTTPError as exc:
            raise ModelUnavailable(
                f"downloading model {spec.name!r} from {spec.url} failed: {exc}; "
                "check the network, or use `livecred models fetch --from DIR` with a mirror",
                missing=[spec.name],
            ) from exc


def _write_atomic(spec: ModelSpec, target: Path, chunks: Iterable[bytes], progress: ProgressCallback | None) -> None:
    write_verified(
        target,
        chunks,
        name=spec.name,
        what="model",
        size=spec.size,
        max_bytes=spec.size * 2 + (1 << 20),
        sha256=spec.sha256,
        progress=progress,
    )


def write_verified(
    target: Path,
    chunks: Iterable[bytes],
    *,
    name: str,
    what: str,
    size: int,
    max_bytes: int,
    sha256: str | None,
    progress: ProgressCallback | None,
) -> str:
    """Stream ``chunks`` into ``target`` atomically: a temporary file beside it, cut off past
    ``max_bytes``, hashed, and renamed into place only when it matches ``sha256`` (``None``: any
    digest, which is returned for the caller to record). Raises :class:`ModelUnavailable`."""
    digest = hashlib.sha256()
    written = 0
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                written += len(chunk)
                if written > max_bytes:
                    raise ModelUnavailable(
                        f"{what} {name!r}: source is larger than expected ({size} bytes)", missing=[name]
                    )
                digest.update(chunk)
                out.write(chunk)
                if progress:
                    progress(name, written, size)
            out.flush()
            os.fsync(out.fileno())
        got = digest.hexdigest()
        if sha256 is not None and got != sha256:
            raise ModelUnavailable(
                f"{what} {name!r}: sha256 mismatch (got {got}, expected {sha256}); the file was not installed",
                missing=[name],
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        return got
    finally:
        if tmp.exists():
            tmp.unlink()


def file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        yield from iter(lambda: fh.read(_CHUNK), b"")


def sha256_file(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
