"""Encrypted face matching benchmark: time and size of every step, per CKKS parameter set.

For each parameter set (the 128-, 192- and 256-bit presets, the 192-bit one being the default, and
CipherFace's own default as a reference) it measures, on random 128-d embeddings (MobileFaceNet's
size; the numbers do not depend on the values):

* keygen: a new key pair and its public context;
* encrypt: one embedding, serialized;
* encrypted distance (euclidean and cosine): the cloud's call on two serialized ciphertexts,
  deserialization and serialization included, and the homomorphic operations alone;
* decrypt: ``restore`` of a serialized distance (deserialize, decrypt, check every slot);
* context load: reading the public context, as ``POST /fhe/distance`` does on every request;
* request work: everything that route does besides HTTP and JSON (base64, context load, distance);
* sizes of the public context, the private key, a ciphertext and a distance (envelopes included);
* the largest error of the restored distance against the plaintext one.

Each timing is the median over ``--runs`` runs of the p50 over ``--iterations`` iterations.

    .venv/bin/python bench/fhe.py [--runs 3] [--iterations 30]

Not a test: it measures and prints. Numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fhe import (  # noqa: E402
    PARAMS_128,
    PARAMS_192,
    PARAMS_256,
    CipherFace,
    CKKSParams,
    EncryptedEmbedding,
    Metric,
    _tenseal,
    decode_base64,
    encode_base64,
    plaintext_distance,
)
from livecred.fhe_engine import engine_model_spec  # noqa: E402

TARGET_EUCLIDEAN_MS = 30.0
PARAMETER_SETS: list[tuple[str, CKKSParams]] = [
    ("128-bit preset", PARAMS_128),
    ("192-bit preset (default)", PARAMS_192),
    ("256-bit preset", PARAMS_256),
    ("CipherFace default", CKKSParams(8192, (60, 40, 40, 60), 40)),
]


def p50_ms(func: Callable[[], Any], iterations: int) -> float:
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(params: CKKSParams, iterations: int, rng: np.random.Generator) -> dict[str, float]:
    spec = engine_model_spec()
    row: dict[str, float] = {}
    row["keygen"] = p50_ms(lambda: CipherFace(spec, params=params).public_context(), max(3, iterations // 6))

    holders = {m: CipherFace(spec, metric=m, params=params) for m in Metric}
    clouds = {m: CipherFace.from_bytes(h.public_context(), public_only=True) for m, h in holders.items()}
    holder, cloud = holders[Metric.EUCLIDEAN], clouds[Metric.EUCLIDEAN]
    a, b = rng.standard_normal(128), rng.standard_normal(128)
    ea, eb = holder.encrypt(a).to_bytes(), holder.encrypt(b).to_bytes()

    row["encrypt"] = p50_ms(lambda: holder.encrypt(a).to_bytes(), iterations)
    for metric in Metric:
        service = clouds[metric]
        xa, xb = holders[metric].encrypt(a).to_bytes(), holders[metric].encrypt(b).to_bytes()

        def cloud_call(service: CipherFace = service, xa: bytes = xa, xb: bytes = xb) -> bytes:
            return service.calculate_encrypted_distance(xa, xb).to_bytes()

        row[f"distance {metric.value}"] = p50_ms(cloud_call, iterations)

    ctx = cloud._distance_context()
    size = spec.padded_dimension
    va = _tenseal.load_vector(ctx, EncryptedEmbedding.from_bytes(ea).payload, params, size=size, fresh=True)
    vb = _tenseal.load_vector(ctx, EncryptedEmbedding.from_bytes(eb).payload, params, size=size, fresh=True)
    row["ops euclidean"] = p50_ms(lambda: (va - vb).dot(va - vb), iterations)
    row["ops cosine"] = p50_ms(lambda: va.dot(vb), iterations)

    distance = cloud.calculate_encrypted_distance(ea, eb).to_bytes()
    row["decrypt"] = p50_ms(lambda: holder.restore(distance), iterations)

    public = holder.public_context()
    row["context load"] = p50_ms(lambda: CipherFace.from_bytes(public, public_only=True), max(5, iterations // 3))
    body = {"publicContext": encode_base64(public), "a": encode_base64(ea), "b": encode_base64(eb)}

    def request_work() -> str:
        context = decode_base64(body["publicContext"], max_bytes=64 * 1024 * 1024)
        x = EncryptedEmbedding.from_base64(body["a"])
        y = EncryptedEmbedding.from_base64(body["b"])
        service = CipherFace.from_bytes(context, public_only=True)
        return service.calculate_encrypted_distance(x, y).to_base64()

    row["request work"] = p50_ms(request_work, max(5, iterations // 3))

    row["size public"] = len(public)
    row["size private"] = len(holder.private_key())
    row["size ciphertext"] = len(ea)
    row["size distance"] = len(distance)
    errors = []
    for _ in range(10):
        x, y = rng.standard_normal(128), rng.standard_normal(128) * 0.3 + rng.standard_normal(128)
        for metric in Metric:
            h, c = holders[metric], clouds[metric]
            restored = h.restore(c.calculate_encrypted_distance(h.encrypt(x), c.encrypt(y)))
            errors.append(abs(restored - plaintext_distance(x, y, metric)))
    row["max error"] = max(errors)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=30)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    results: dict[str, list[dict[str, float]]] = {name: [] for name, _ in PARAMETER_SETS}
    for run in range(args.runs):
        print(f"run {run + 1}/{args.runs} ...", file=sys.stderr, flush=True)
        for name, params in PARAMETER_SETS:
            results[name].append(measure(params, args.iterations, rng))

    header = (
        "| parameters | N | modulus bits | security | keygen ms | encrypt ms | euclidean distance ms (ops) "
        "| cosine distance ms (ops) | decrypt ms | context load ms | /fhe/distance work ms | max error |"
    )
    print(
        f"encrypted matching, 128-d embeddings, median of {args.runs} runs of p50 over {args.iterations} "
        f"iterations, {os.cpu_count()} CPUs\n"
    )
    print(header)
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, params in PARAMETER_SETS:

        def m(key: str, name: str = name) -> float:
            return statistics.median(r[key] for r in results[name])

        flag = "" if m("distance euclidean") <= TARGET_EUCLIDEAN_MS else " (over target)"
        print(
            f"| {name} | {params.poly_modulus_degree} | {'-'.join(map(str, params.coeff_mod_bit_sizes))} "
            f"| {params.security_bits} | {m('keygen'):.0f} | {m('encrypt'):.1f} "
            f"| {m('distance euclidean'):.1f} ({m('ops euclidean'):.1f}){flag} "
            f"| {m('distance cosine'):.1f} ({m('ops cosine'):.1f}) | {m('decrypt'):.1f} "
            f"| {m('context load'):.1f} | {m('request work'):.1f} | {max(r['max error'] for r in results[name]):.1e} |"
        )
    print()
    print("| parameters | public context | private key | encrypted embedding | encrypted distance |")
    print("|---|---:|---:|---:|---:|")
    for name, _ in PARAMETER_SETS:
        sizes = [results[name][0][f"size {k}"] for k in ("public", "private", "ciphertext", "distance")]
        print(f"| {name} | " + " | ".join(_human(s) for s in sizes) + " |")
    print(f"\ntarget: encrypted euclidean distance <= {TARGET_EUCLIDEAN_MS:.0f} ms (the cloud's call)")
    return 0


def _human(size: float) -> str:
    return f"{size / 1024 / 1024:.2f} MiB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KiB"


if __name__ == "__main__":
    raise SystemExit(main())
