"""``livecred models fetch --backend deepface``: DeepFace's weights from their official URLs (or a mirror).

Each file is streamed to a temporary file beside its target, cut off when it grows more than 25%
past its registered size, hashed, and renamed into place only when it verifies: against its pinned
sha256, or, for DeepFace's release assets that have none, against an earlier record in
``deepface/SHA256SUMS`` (or the mirror's own ``deepface/SHA256SUMS``). A file with neither is
recorded there on this first fetch (trust on first use) and :class:`FetchedWeight` says so, so the
command can tell the user. URLs are tried in order: DeepFace's primary source, then its backup.
A mirror (``--from DIR``) is laid out as the models directory (``DIR/deepface/<name>``) or flat
(``DIR/<name>``, e.g. an OpenCV 4 wheel's ``cv2/data`` for the Haar cascades). Called only by the
command line, never by the service.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from liveness._exceptions import ModelUnavailable
from liveness.backends.deepface.weights import RECORD_FILE, WEIGHTS, DeepFaceWeight, read_records, weights_for
from liveness.models.store import file_chunks, sha256_file, write_verified

__all__ = ["FetchedWeight", "fetch_weights"]

_CHUNK = 1 << 16
# progress(file name, bytes done, bytes expected)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class FetchedWeight:
    name: str
    path: Path
    sha256: str
    recorded: bool  # True: no pinned hash; this fetch recorded it (trust on first use)
    source: str  # "present", a URL, or the mirror path


def fetch_weights(
    directory: Path | str,
    models: Iterable[str],
    *,
    mirror: Path | str | None = None,
    force: bool = False,
    progress: Progress | None = None,
    timeout: float = 60.0,
    registry: dict[str, DeepFaceWeight] | None = None,
) -> list[FetchedWeight]:
    """Install the weight files ``models`` need into ``directory``; returns one entry per file."""
    directory = Path(directory)
    registry = WEIGHTS if registry is None else registry
    wanted: dict[str, DeepFaceWeight] = {}
    for model in models:
        for weight in weights_for(model):
            wanted[weight.name] = registry.get(weight.name, weight)
    done = []
    for weight in wanted.values():
        target = directory / weight.path
        records = read_records(directory)
        expected = weight.sha256 or records.get(weight.name)
        if not force and expected and target.is_file() and sha256_file(target) == expected:
            done.append(FetchedWeight(weight.name, target, expected, False, "present"))
            continue
        if mirror is not None:
            expected = expected or read_records(Path(mirror)).get(weight.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, source = _install(weight, target, expected, mirror, progress, timeout)
        recorded = expected is None
        if recorded or (weight.sha256 is None and records.get(weight.name) != digest):
            _record(directory, weight.name, digest)
        done.append(FetchedWeight(weight.name, target, digest, recorded, source))
    return done


def _install(
    weight: DeepFaceWeight,
    target: Path,
    expected: str | None,
    mirror: Path | str | None,
    progress: Progress | None,
    timeout: float,
) -> tuple[str, str]:
    if mirror is not None:
        # A mirror laid out as the models directory, or a flat folder of DeepFace's file names (an
        # OpenCV 4 wheel's cv2/data, for the cascades).
        laid_out, flat = Path(mirror) / weight.path, Path(mirror) / weight.name
        source = laid_out if laid_out.is_file() or not flat.is_file() else flat
        if not source.is_file():
            raise ModelUnavailable(
                f"DeepFace weight {weight.name!r} not found in mirror at {laid_out} or {flat}", missing=[weight.name]
            )
        return _write_atomic(weight, target, expected, file_chunks(source), progress), str(source)
    import httpx  # only the fetch command needs it

    errors = []
    for url in weight.urls:
        try:
            with httpx.stream("GET", url, follow_redirects=True, timeout=timeout) as response:
                response.raise_for_status()
                return _write_atomic(weight, target, expected, response.iter_bytes(_CHUNK), progress), url
        except httpx.HTTPError as exc:
            errors.append(f"{url}: {exc}")
    raise ModelUnavailable(
        f"downloading DeepFace weight {weight.name!r} failed ({'; '.join(errors)}); "
        "check the network, or use `--from DIR` with a mirror",
        missing=[weight.name],
    )


def _write_atomic(
    weight: DeepFaceWeight, target: Path, expected: str | None, chunks: Iterable[bytes], progress: Progress | None
) -> str:
    return write_verified(
        target,
        chunks,
        name=weight.name,
        what="DeepFace weight",
        size=weight.size,
        max_bytes=weight.size + weight.size // 4 + (1 << 20),
        sha256=expected,
        progress=progress,
    )


def _record(directory: Path, name: str, digest: str) -> None:
    """Add or replace ``name``'s line in ``deepface/SHA256SUMS`` (rewritten atomically)."""
    records = read_records(directory)
    records[name] = digest
    path = directory / RECORD_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".SHA256SUMS.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.writelines(f"{sha}  {file}\n" for file, sha in sorted(records.items()))
    os.chmod(tmp_name, 0o644)
    os.replace(tmp_name, path)
