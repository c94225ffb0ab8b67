"""Proving a liveness presentation in the browser: Chromium vs. Node, and what the browser downloads.

Rows:

* ``download sizes`` - the presentation circuit's wasm, its final zkey and the snarkjs bundle, as
  the service's manifest pins them, against the 10 MB target (docs/zk-presentations.md).
* ``Chromium, cold`` - a fresh browser context each run (empty HTTP cache, a new Web Worker): the
  wallet module builds the inputs, the worker downloads and checks the three files, loads snarkjs,
  computes the witness and the Groth16 proof. Wall time as the page sees it, and the worker's
  own split (downloads + checks / witness + proof).
* ``Chromium, warm`` - the same page again: the worker keeps the checked files and snarkjs.
* ``Node, cold`` / ``Node, warm`` - snarkjs ``groth16.fullProve`` on the same input in one Node
  process (first call, then the median of the next runs), single-threaded as in the browser and
  with snarkjs's worker threads as the service's Node worker runs it.

Each proof from the browser is checked by the service's Python verifier before it counts.
The claim is signed with a throwaway BabyJubJub key, as an issuer would sign one.

    .venv/bin/python bench/zk_browser.py [--runs 5]

Needs Debian's Chromium (/usr/bin/chromium), Playwright, Node.js and ``npm ci --prefix zk``, and
the presentation circuit's artifacts (zk/artifacts/presentation). Not a test: it measures and prints.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

# The repository first: run as a script, bench/ is on the path and its fhe.py would shadow fhe.
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402

from livecred import Settings, create_app  # noqa: E402
from zk import (  # noqa: E402
    Artifacts,
    BabyJubJubKey,
    BabyJubJubPublicKey,
    LivenessClaim,
    PresentationProof,
    PresentationRequest,
    SignedClaim,
    credential_id_hash,
    poseidon,
)
from zk.presentation import load_presentation_key, verify_presentation_proof  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
TARGET_S = 3.0
TARGET_MB = 10.0
SCORE = 8312
SNARKJS = Artifacts.packaged().directory.parent / "node_modules" / "snarkjs" / "build" / "main.cjs"

PAGE_PROVE = """async ([credential, opening, secret, request]) => {
    const holder = await import("./web/zkholder.js");
    const started = performance.now();
    const asked = holder.parseRequest(request);
    const input = holder.buildInputs({ credential, opening, secret: BigInt(secret), request: asked });
    const result = await holder.prove(input);
    return { wallMs: performance.now() - started, ...result };
}"""

NODE_PROVE = """
const snarkjs = require(process.argv[1]);
const fs = require("fs");
const [input, wasm, zkey, runs, single] = [JSON.parse(fs.readFileSync(0, "utf8")), process.argv[2], process.argv[3],
  Number(process.argv[4]), process.argv[5] === "1"];
(async () => {
  const times = [];
  for (let i = 0; i < runs + 1; i++) {
    const t = performance.now();
    const cpu = process.cpuUsage();
    await snarkjs.groth16.fullProve(input, wasm, zkey, undefined, undefined, { singleThread: single });
    const used = process.cpuUsage(cpu);
    times.push([performance.now() - t, (used.user + used.system) / 1000]);
  }
  console.log(JSON.stringify(times));
  process.exit(0);
})();
"""


ISSUER = BabyJubJubKey.generate()


def holding(now: int) -> tuple[dict[str, Any], dict[str, str], int]:
    """A credential (only what the prover reads), its opening and the holder secret."""
    key = ISSUER
    salt = secrets.randbelow(1 << 250)
    secret = 1 + secrets.randbelow(1 << 250)
    credential_id = f"urn:uuid:bench-{secrets.token_hex(8)}"
    claim = LivenessClaim(
        score_commitment=poseidon([SCORE, salt]),
        checks=0b10111,
        timestamp=now - 60,
        valid_until=now + 365 * 86400,
        credential_id_hash=credential_id_hash(credential_id),
        holder_commitment=poseidon([secret]),
    )
    evidence = SignedClaim.sign(claim, key).to_json()
    credential = {"id": credential_id, "evidence": [evidence]}
    return credential, {"score": str(SCORE), "salt": str(salt)}, secret


def request(now: int) -> dict[str, str]:
    return {
        "id": "zkr_bench",
        "threshold": "6000",
        "requiredChecks": "3",
        "notBefore": str(now - 3600),
        "atTime": str(now),
        "nonce": str(secrets.randbelow(1 << 250)),
        "domain": "0",
        "scope": "0",
    }


def verified(run: dict[str, Any], asked: dict[str, str]) -> bool:
    """The browser's proof, checked by the service's Python verifier (not snarkjs)."""
    proof = PresentationProof.from_json({"proof": run["proof"], "publicSignals": run["publicSignals"]})
    want = PresentationRequest(
        threshold=int(asked["threshold"]),
        required_checks=int(asked["requiredChecks"]),
        not_before=int(asked["notBefore"]),
        at_time=int(asked["atTime"]),
        nonce=int(asked["nonce"]),
    )
    trusted: list[BabyJubJubPublicKey] = [ISSUER.public_key]
    return verify_presentation_proof(proof, load_presentation_key(), want, trusted).verified


class Service:
    def __init__(self, state_dir: Path) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        settings = Settings(state_dir=state_dir, public_url=self.url, warm_up=False)
        self._server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning", lifespan="on"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]}, daemon=True)

    def __enter__(self) -> Service:
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the service did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)
        self._socket.close()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def browser_runs(url: str, runs: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from playwright.sync_api import sync_playwright

    cold: list[dict[str, Any]] = []
    warm: list[dict[str, Any]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for i in range(runs):
                context = browser.new_context()  # an empty cache and a new worker
                page = context.new_page()
                page.goto(url + "/")
                now = int(time.time())
                credential, opening, secret = holding(now)
                asked = request(now)
                cold.append({**page.evaluate(PAGE_PROVE, [credential, opening, str(secret), asked]), "asked": asked})
                if i == 0:
                    for _ in range(runs):
                        asked = request(now)
                        run = page.evaluate(PAGE_PROVE, [credential, opening, str(secret), asked])
                        warm.append({**run, "asked": asked})
                context.close()
        finally:
            browser.close()
    return cold, warm


def node_runs(runs: int, single_thread: bool) -> list[list[float]]:
    node = shutil.which("node")
    if node is None:
        return []
    folder = Artifacts.packaged().directory / "presentation"
    wasm = next(folder.glob("*.wasm"))
    zkey = next(folder.glob("*_final.zkey"))
    now = int(time.time())
    credential, opening, secret = holding(now)
    module = json.dumps((ROOT / "livecred" / "web" / "zkholder.js").as_uri())
    script = f"""
        import {{ buildInputs, parseRequest }} from {module};
        const [credential, opening, secret, request] = JSON.parse(process.argv[1]);
        const asked = parseRequest(request);
        console.log(JSON.stringify(buildInputs({{ credential, opening, secret: BigInt(secret), request: asked }})));
    """
    payload = json.dumps([credential, opening, str(secret), request(now)])
    built = subprocess.run(
        [node, "--input-type=module", "-e", script, payload], capture_output=True, text=True, check=True, timeout=120
    )
    result = subprocess.run(
        [node, "-e", NODE_PROVE, str(SNARKJS), str(wasm), str(zkey), str(runs), "1" if single_thread else "0"],
        input=built.stdout,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    times: list[list[float]] = json.loads(result.stdout.strip().splitlines()[-1])
    return times  # [wall ms, CPU ms of this process (its worker threads included)] per proof


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="proofs per row (median)")
    args = parser.parse_args()
    if not CHROMIUM.is_file():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")

    with tempfile.TemporaryDirectory() as state, Service(Path(state)) as service:
        manifest = httpx.get(f"{service.url}/zk/browser/manifest.json", timeout=30)
        manifest.raise_for_status()
        files = manifest.json()
        cold, warm = browser_runs(service.url, args.runs)
    checked = sum(verified(run, run["asked"]) for run in cold + warm)

    print(f"\nDownload sizes (target <= {TARGET_MB:.0f} MB)")
    print(f"{'file':<28} {'bytes':>12} {'MB':>8}")
    for part in ("wasm", "zkey", "snarkjs"):
        name = files[part]["url"].split("?")[0].rsplit("/", 1)[-1]
        print(f"{name:<28} {files[part]['bytes']:>12,} {files[part]['bytes'] / 1e6:>8.2f}")
    total = files["totalBytes"] / 1e6
    verdict = "within" if total <= TARGET_MB else "OVER"
    print(f"{'total':<28} {files['totalBytes']:>12,} {total:>8.2f}  ({verdict} the target)")

    print(f"\nProving one presentation, median of {args.runs} (target <= {TARGET_S:.0f} s)")
    print(f"{'where':<34} {'total s':>8} {'download s':>11} {'witness+proof s':>16}")

    def row(name: str, runs: list[dict[str, Any]]) -> None:
        wall = median([r["wallMs"] for r in runs]) / 1000
        download = median([r["timings"]["downloadMs"] for r in runs]) / 1000
        prove = median([r["timings"]["proveMs"] for r in runs]) / 1000
        print(f"{name:<34} {wall:>8.2f} {download:>11.2f} {prove:>16.2f}")

    row("Chromium, cold (fresh context)", cold)
    row("Chromium, warm (same worker)", warm)
    cpu_rows = []
    for single in (True, False):
        times = node_runs(args.runs, single)
        if times:
            label = "1 thread" if single else "worker threads"
            print(
                f"{'Node, cold (' + label + ')':<34} {times[0][0] / 1000:>8.2f} {'-':>11} {times[0][0] / 1000:>16.2f}"
            )
            warm_s = median([t[0] for t in times[1:]]) / 1000
            print(f"{'Node, warm (' + label + ')':<34} {warm_s:>8.2f} {'-':>11} {warm_s:>16.2f}")
            cpu_rows.append((label, median([t[1] for t in times[1:]]) / 1000))
    # Wall time on a shared machine says as much about the neighbours as about the prover; the
    # CPU time one proof costs does not (snarkjs runs the same wasm in Node and in Chromium).
    for label, cpu_s in cpu_rows:
        print(f"CPU time of one warm Node proof ({label}): {cpu_s:.2f} s")
    print(f"load average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"\n{checked} of {len(cold) + len(warm)} browser proofs verified by the Python verifier")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
