"""Replay the hostile-input attacks against a running service and show what each one costs it.

Starts the service from ``--repo`` (default: this checkout) the way an operator would
(``python -m livecred.cli serve``, default settings, a temporary state directory, loopback), then runs
each attack of ``bench/_attacks.py`` in turn. Per attack it prints the answer the attacker got,
the CPU seconds the service spent (the server process and its children, from /proc), the change
in the server's resident memory, and what a bystander saw meanwhile: a second client that keeps
calling ``/detect`` during the attack (median and worst latency, failures). The bench acts as the
service's trusted reverse proxy, so floods can come from many client addresses (``X-Forwarded-For``)
and the bystander is another user, not the attacker's rate-limit budget. If the server dies
the row says so and the service is restarted for the next attack.

    .venv/bin/python bench/hostile.py                      # this checkout
    .venv/bin/python bench/hostile.py --repo ../old-main   # an older checkout, for before/after
    .venv/bin/python bench/hostile.py --only deep_json,blank_node_bomb

Linux only (/proc). Not a test: it measures and prints; numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _attacks import ATTACKS, Target, address, face_body

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 180.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (the zk worker is a child of the server)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for member in _tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


@dataclass
class Service:
    repo: Path
    models: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None
    port: int = 0
    state: tempfile.TemporaryDirectory[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.state = tempfile.TemporaryDirectory(prefix="livecred-hostile-")
        self.port = _free_port()
        env = {
            **os.environ,
            "LIVECRED_MODELS_DIR": str(self.models),
            "LIVECRED_STATE_DIR": self.state.name,
            "LIVECRED_ADMIN_TOKEN": "hostile-bench-admin-token-0123456789",
            # The bench is the service's reverse proxy: each attacker and bystander request names its
            # own client address, so per-address rate limits act as they would on many machines.
            "LIVECRED_TRUSTED_PROXIES": "127.0.0.1",
            **self.extra_env,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "livecred.cli", "serve", "--port", str(self.port)],
            cwd=self.repo,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited at start-up (status {self.process.returncode})")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the service did not become ready")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.state is not None:
            self.state.cleanup()


@contextmanager
def bystander(url: str, body: dict[str, str]) -> Iterator[list[tuple[float, int]]]:
    """A client calling /detect every 0.25 s while the attack runs: (latency s, status or 0)."""
    seen: list[tuple[float, int]] = []
    stop = threading.Event()

    def loop() -> None:
        with httpx.Client(timeout=120) as client:
            while not stop.is_set():
                start = time.perf_counter()
                try:
                    headers = {"X-Forwarded-For": address(198)}  # another user each time
                    status = client.post(url + "/detect", json=body, headers=headers).status_code
                except httpx.HTTPError:
                    status = 0
                seen.append((time.perf_counter() - start, status))
                stop.wait(0.25)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join(timeout=180)


def _probe_summary(seen: list[tuple[float, int]]) -> str:
    if not seen:
        return "-"
    latencies = [t for t, _ in seen]
    failures = sum(1 for _, s in seen if s != 200)
    return f"{statistics.median(latencies) * 1000:.0f} / {max(latencies) * 1000:.0f} ms, {failures}/{len(seen)} failed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout to run the service from")
    parser.add_argument(
        "--models", type=Path, default=Path(os.environ.get("LIVECRED_MODELS_DIR", ROOT.parent / "shared/models"))
    )
    parser.add_argument("--only", default="", help="comma-separated attack names")
    args = parser.parse_args()
    chosen = [a for a in ATTACKS if not args.only or a.name in args.only.split(",")]
    extra_env: dict[str, str] = {}
    for attack in chosen:
        extra_env.update(attack.env())
    service = Service(args.repo.resolve(), args.models.resolve(), extra_env)
    service.start()
    body = face_body()
    rows = []
    try:
        for attack in chosen:
            if not service.alive:
                service.stop()
                service.start()
            assert service.process is not None
            pid = service.process.pid
            target = Target(service.url, pid)
            cpu0, rss0 = cpu_seconds(pid), rss_mb(pid)
            with bystander(service.url, body) as seen:
                start = time.perf_counter()
                try:
                    answer = attack.run(target)
                except Exception as exc:  # noqa: BLE001 - a bench reports, it does not stop
                    answer = f"error: {type(exc).__name__}: {str(exc)[:80]}"
                wall = time.perf_counter() - start
            time.sleep(0.5)  # let work that outlives the attacker's requests show in the CPU count
            alive = service.alive
            cpu = cpu_seconds(pid) - cpu0 if alive else float("nan")
            rss = rss_mb(pid) - rss0 if alive else float("nan")
            rows.append((attack.name, answer, wall, cpu, rss, "yes" if alive else "DIED", _probe_summary(seen)))
            print(f"done: {attack.name}", file=sys.stderr)
    finally:
        service.stop()
    print(f"\nhostile-input replay against {args.repo.resolve().name} ({len(rows)} attacks)\n")
    header = ("attack", "answer", "wall s", "server CPU s", "RSS change MB", "alive", "/detect meanwhile (p50 / max)")
    widths = [max(len(str(r[i])) if not isinstance(r[i], float) else 8 for r in [header, *rows]) for i in range(7)]
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for name, answer, wall, cpu, rss, alive, probe in rows:
        cells = [name, answer, f"{wall:.1f}", f"{cpu:.1f}", f"{rss:+.0f}", alive, probe]
        print(" | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))


if __name__ == "__main__":
    main()
