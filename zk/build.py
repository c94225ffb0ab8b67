"""Build a circuit and run its Groth16 set-up: ``livecred zk build [--circuit NAME]`` or ``python -m zk.build``.

Two circuits (:data:`zk.keys.CIRCUITS`): ``facematch`` (the default; artifacts in ``zk/artifacts``,
contract ``FaceMatchVerifier``) and ``presentation`` (artifacts in ``zk/artifacts/presentation``,
contract ``PresentationVerifier``). Each has its own ceremony. Steps, all with the npm toolchain
pinned in ``zk/package-lock.json`` (``npm ci --prefix zk``):

1. compile ``circuits/<name>.circom`` with circom 2 (the ``circom2`` WebAssembly build),
   ``--O2``; the r1cs and wasm are byte-for-byte reproducible from the source;
2. phase 1 (powers of tau) of the smallest power that fits the circuit: a new accumulator,
   ``phase1_contributions`` contributions, a beacon, ``prepare phase2``, ``verify``;
3. phase 2 (circuit-specific): ``groth16 setup``, ``phase2_contributions`` contributions, a
   beacon, ``zkey verify`` against the r1cs and the phase-1 file;
4. export ``verification_key.json`` and the Solidity verifier (contract renamed
   ``FaceMatchVerifier`` / ``PresentationVerifier``), and write ``ceremony.json``: tool versions, circuit size, every
   contribution's hash, the beacons, and the sha256 of every file.

Randomness: each contribution's entropy is 32 bytes from the OS CSPRNG plus the operator's
optional entropy, passed to snarkjs on stdin (never on a command line), and snarkjs mixes in 64
bytes of its own. The toxic waste exists only inside each short-lived snarkjs process and the
intermediate files live in a temporary directory that is deleted; so a normal build is *not*
reproducible in its keys, by design, and cannot be: a key anyone can regenerate is a key anyone
can forge proofs for. What is reproducible is the circuit (r1cs, wasm) and the *checking*:
anyone can rerun ``snarkjs zkey verify <name>.r1cs powersoftau_final.ptau
<name>_final.zkey`` on the committed files. ``insecure_seed`` replaces every contribution
with a beacon derived from the seed, which makes the whole build byte-reproducible and the
toxic waste public; it exists for tests and is recorded as such in ``ceremony.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import secrets
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zk._exceptions import ZKError
from zk._worker import DEFAULT_NODE_MODULES
from zk.keys import CEREMONY_FILE, CIRCUITS, PACKAGE_DIR, Circuit

__all__ = ["BuildError", "BuildOptions", "build", "compile_circuit", "main", "output_files", "r1cs_header"]

PHASE1_FILE = "powersoftau_final.ptau"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class BuildError(ZKError):
    code = "zk_build_failed"


@dataclass(frozen=True)
class BuildOptions:
    circuit: str = "facematch"
    out_dir: Path | None = None  # None = the circuit's packaged directory
    node: str = "node"
    node_modules: Path = DEFAULT_NODE_MODULES
    phase1_contributions: int = 3
    phase2_contributions: int = 3
    entropy: str = field(default="", repr=False)  # the operator's, mixed into every contribution
    beacon: str | None = None  # 64 hex digits; None = drawn from the OS CSPRNG (recorded)
    beacon_iterations_exp: int = 10
    insecure_seed: str | None = field(default=None, repr=False)


def output_files(circuit: Circuit) -> tuple[str, ...]:
    """The files a build writes (besides ceremony.json), in the order ceremony.json lists them."""
    n = circuit.name
    return (
        f"{n}.r1cs",
        f"{n}.wasm",
        f"{n}_final.zkey",
        "verification_key.json",
        f"{circuit.contract}.sol",
        PHASE1_FILE,
    )


def r1cs_header(path: Path) -> dict[str, int]:
    """The header section of a circom r1cs file (iden3 binary format, version 1)."""
    data = path.read_bytes()
    if data[:4] != b"r1cs":
        raise BuildError(f"{path} is not an r1cs file")
    (n_sections,) = struct.unpack_from("<I", data, 8)
    offset = 12
    for _ in range(n_sections):
        section_type, size = struct.unpack_from("<IQ", data, offset)
        offset += 12
        if section_type == 1:
            (field_size,) = struct.unpack_from("<I", data, offset)
            o = offset + 4 + field_size
            wires, outputs, public_inputs, private_inputs = struct.unpack_from("<IIII", data, o)
            (labels,) = struct.unpack_from("<Q", data, o + 16)
            (constraints,) = struct.unpack_from("<I", data, o + 24)
            return {
                "wires": wires,
                "outputs": outputs,
                "public_inputs": public_inputs,
                "private_inputs": private_inputs,
                "labels": labels,
                "constraints": constraints,
            }
        offset += size
    raise BuildError(f"{path} has no header section")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _hash_after(output: str, label: str) -> str | None:
    """The 4 lines of hex groups snarkjs prints after ``label``."""
    lines = _ANSI.sub("", output).splitlines()
    for i, line in enumerate(lines):
        if label in line:
            groups = "".join("".join(lines[i + 1 : i + 5]).split())
            return groups if re.fullmatch(r"[0-9a-f]{128}", groups) else None
    return None


class _Toolchain:
    def __init__(self, options: BuildOptions, log: Callable[[str], None]) -> None:
        self.node = shutil.which(options.node)
        if self.node is None:
            raise BuildError(f"Node.js not found (`{options.node}`): install Node.js 18 or newer")
        self.modules = options.node_modules
        for package in ("snarkjs", "circom2", "circomlib"):
            if not (self.modules / package / "package.json").is_file():
                raise BuildError(
                    f"{package} is not installed in {self.modules}: run `npm ci --prefix {PACKAGE_DIR}` "
                    "(the build needs the dev dependencies too)"
                )
        self.log = log

    def version(self, package: str) -> str:
        return str(json.loads((self.modules / package / "package.json").read_text())["version"])

    def run(self, tool: str, args: Sequence[str], *, cwd: Path, stdin: str | None = None) -> str:
        script = {
            "snarkjs": self.modules / "snarkjs" / "build" / "cli.cjs",
            "circom2": self.modules / "circom2" / "cli.js",
        }
        command = [str(self.node), str(script[tool]), *args]
        shown = " ".join(a if not a.startswith("-e=") else "-e=***" for a in args[:4])
        self.log(f"$ {tool} {shown}{' ...' if len(args) > 4 else ''}")
        result = subprocess.run(command, cwd=cwd, input=stdin, capture_output=True, text=True, check=False)
        output = result.stdout + result.stderr
        # snarkjs reports some failures (e.g. "circuit too big") on stderr with status 0.
        if result.returncode != 0 or "[ERROR]" in _ANSI.sub("", output):
            tail = "\n".join(_ANSI.sub("", output).strip().splitlines()[-15:])
            raise BuildError(f"{tool} {args[0] if args else ''} failed (status {result.returncode}):\n{tail}")
        return output


def _seeded(seed: str, label: str) -> str:
    return hashlib.sha256(f"livecred-zk-insecure-seed\x00{seed}\x00{label}".encode()).hexdigest()


def _contribute(
    tools: _Toolchain, options: BuildOptions, work: Path, phase: str, old: str, new: str, index: int
) -> dict[str, Any]:
    name = f"livecred {phase} contribution {index}"
    kind = "powersoftau" if phase == "phase1" else "zkey"
    if options.insecure_seed is not None:
        beacon = _seeded(options.insecure_seed, f"{phase}-{index}")
        tools.run("snarkjs", [kind, "beacon", old, new, beacon, "10", f"-n={name}"], cwd=work)
        return {"name": name, "insecure_beacon": beacon}
    entropy = secrets.token_hex(32) + options.entropy
    out = tools.run("snarkjs", [kind, "contribute", old, new, f"-n={name}"], cwd=work, stdin=entropy + "\n")
    del entropy
    label = "Contribution Response Hash" if phase == "phase1" else "Contribution Hash"
    return {"name": name, "hash": _hash_after(out, label)}


def _beacon(tools: _Toolchain, options: BuildOptions, work: Path, phase: str, old: str, new: str) -> dict[str, Any]:
    if options.insecure_seed is not None:
        value = _seeded(options.insecure_seed, f"{phase}-beacon")
    else:
        value = options.beacon or secrets.token_hex(32)
    if not re.fullmatch(r"[0-9a-fA-F]{64}", value):
        raise BuildError("the beacon must be 64 hex digits")
    name = f"livecred {phase} final beacon"
    kind = "powersoftau" if phase == "phase1" else "zkey"
    exp = str(options.beacon_iterations_exp)
    tools.run("snarkjs", [kind, "beacon", old, new, value, exp, f"-n={name}"], cwd=work)
    return {"name": name, "hash": value.lower(), "iterations_exp": options.beacon_iterations_exp}


def _circuit(options: BuildOptions) -> Circuit:
    circuit = CIRCUITS.get(options.circuit)
    if circuit is None:
        raise BuildError(f"unknown circuit {options.circuit!r}; known: {', '.join(CIRCUITS)}")
    return circuit


def _compile(tools: _Toolchain, circuit: Circuit, work: Path) -> str | None:
    """circom2 -> ``work/<name>.r1cs`` and ``work/<name>.wasm``; returns the compiler's version."""
    # circom resolves `include "circomlib/..."` through -l node_modules. The circom2 WebAssembly
    # build only sees the file system through relative paths from its working directory, so it
    # runs beside node_modules.
    tools.run(
        "circom2",
        [str(circuit.source), "--r1cs", "--wasm", "--O2", "-l", tools.modules.name, "-o", str(work)],
        cwd=tools.modules.parent,
    )
    versions = tools.run("circom2", ["--version"], cwd=tools.modules.parent)
    circom_version = re.search(r"circom compiler (\S+)", _ANSI.sub("", versions))
    shutil.move(work / f"{circuit.name}_js" / f"{circuit.name}.wasm", work / f"{circuit.name}.wasm")
    shutil.rmtree(work / f"{circuit.name}_js")
    return circom_version.group(1) if circom_version else None


def compile_circuit(options: BuildOptions, *, log: Callable[[str], None] = print) -> Path:
    """Only step 1: write ``<name>.r1cs`` and ``<name>.wasm`` to ``options.out_dir`` (required).

    What the reproducibility check runs: the committed r1cs and wasm must come out byte for byte.
    """
    circuit = _circuit(options)
    if options.out_dir is None:
        raise BuildError("compile_circuit needs an output directory")
    tools = _Toolchain(options, log)
    options.out_dir.mkdir(parents=True, exist_ok=True)
    _compile(tools, circuit, options.out_dir)
    return options.out_dir


def build(options: BuildOptions | None = None, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Compile, run both set-up phases, export, and write the artifacts to ``options.out_dir``."""
    options = options or BuildOptions()
    circuit = _circuit(options)
    out_dir = options.out_dir if options.out_dir is not None else circuit.packaged_dir
    name = circuit.name
    r1cs, zkey = f"{name}.r1cs", f"{name}_final.zkey"
    if options.phase1_contributions < 1 or options.phase2_contributions < 1:
        raise BuildError("each phase needs at least one contribution")
    tools = _Toolchain(options, log)
    with tempfile.TemporaryDirectory(prefix="livecred-zk-build-") as tmp:
        work = Path(tmp)
        # 1. Compile.
        circom_version = _compile(tools, circuit, work)
        header = r1cs_header(work / r1cs)
        power = max(1, header["constraints"] + header["public_inputs"] + header["outputs"]).bit_length()
        log(f"circuit: {header['constraints']} constraints, {header['public_inputs']} public inputs, power {power}")

        # 2. Phase 1.
        tools.run("snarkjs", ["powersoftau", "new", "bn128", str(power), "p1_0.ptau"], cwd=work)
        phase1 = []
        for i in range(options.phase1_contributions):
            phase1.append(_contribute(tools, options, work, "phase1", f"p1_{i}.ptau", f"p1_{i + 1}.ptau", i + 1))
        beacon1 = _beacon(tools, options, work, "phase1", f"p1_{len(phase1)}.ptau", "p1_beacon.ptau")
        tools.run("snarkjs", ["powersoftau", "prepare", "phase2", "p1_beacon.ptau", PHASE1_FILE], cwd=work)
        tools.run("snarkjs", ["powersoftau", "verify", PHASE1_FILE], cwd=work)

        # 3. Phase 2.
        tools.run("snarkjs", ["groth16", "setup", r1cs, PHASE1_FILE, "p2_0.zkey"], cwd=work)
        phase2 = []
        for i in range(options.phase2_contributions):
            phase2.append(_contribute(tools, options, work, "phase2", f"p2_{i}.zkey", f"p2_{i + 1}.zkey", i + 1))
        beacon2 = _beacon(tools, options, work, "phase2", f"p2_{len(phase2)}.zkey", zkey)
        tools.run("snarkjs", ["zkey", "verify", r1cs, PHASE1_FILE, zkey], cwd=work)

        # 4. Export.
        tools.run("snarkjs", ["zkey", "export", "verificationkey", zkey, "verification_key.json"], cwd=work)
        tools.run("snarkjs", ["zkey", "export", "solidityverifier", zkey, "verifier.sol"], cwd=work)
        solidity = (work / "verifier.sol").read_text()
        if "contract Groth16Verifier" not in solidity:
            raise BuildError("unexpected Solidity verifier template")
        (work / f"{circuit.contract}.sol").write_text(
            solidity.replace("contract Groth16Verifier", f"contract {circuit.contract}")
        )

        record: dict[str, Any] = {
            "circuit": f"circuits/{name}.circom",
            "circuit_sha256": _sha256(circuit.source),
            "tools": {
                "circom": circom_version,
                "circom2": tools.version("circom2"),
                "circomlib": tools.version("circomlib"),
                "snarkjs": tools.version("snarkjs"),
            },
            "r1cs": header,
            "power": power,
            "phase1": {"contributions": phase1, "beacon": beacon1},
            "phase2": {"contributions": phase2, "beacon": beacon2},
            "insecure_seed": options.insecure_seed is not None,
            "files": {file: _sha256(work / file) for file in output_files(circuit)},
        }
        out_dir.mkdir(parents=True, exist_ok=True)
        for file in output_files(circuit):
            shutil.copyfile(work / file, out_dir / file)
        (out_dir / CEREMONY_FILE).write_text(json.dumps(record, indent=2) + "\n")
    log(f"artifacts written to {out_dir}")
    return record


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m zk.build", description="Build a circuit and run its Groth16 set-up."
    )
    parser.add_argument("--circuit", choices=sorted(CIRCUITS), default="facematch")
    parser.add_argument("--out", type=Path, help="output directory (default: the circuit's, under zk/artifacts)")
    parser.add_argument("--node", default="node", help="the node executable")
    parser.add_argument("--node-modules", type=Path, default=DEFAULT_NODE_MODULES)
    parser.add_argument("--phase1-contributions", type=int, default=3)
    parser.add_argument("--phase2-contributions", type=int, default=3)
    parser.add_argument("--beacon", help="64 hex digits of public randomness fixed after the contributions")
    parser.add_argument("--insecure-seed", help="deterministic, INSECURE build (tests only): toxic waste is public")
    args = parser.parse_args(argv)
    options = BuildOptions(
        circuit=args.circuit,
        out_dir=args.out,
        node=args.node,
        node_modules=args.node_modules,
        phase1_contributions=args.phase1_contributions,
        phase2_contributions=args.phase2_contributions,
        beacon=args.beacon,
        insecure_seed=args.insecure_seed,
    )
    try:
        build(options)
    except ZKError as exc:
        print(f"error: {exc.message}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
