"""The house rules that code review would otherwise have to catch: import direction, no env reads."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

DOMAIN = ("liveness", "issuer", "wallet", "zk", "did", "fhe")
# package -> packages it may import (besides itself and third-party code)
ALLOWED = {
    "liveness": set(),
    "zk": set(),
    "did": set(),
    "fhe": set(),
    "issuer": {"did", "zk"},
    "wallet": {"issuer", "did", "zk"},
    "livecred": {"liveness", "issuer", "wallet", "zk", "did", "fhe"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _sources(package: str) -> list[Path]:
    """The package's Python files; npm packages (zk/node_modules) ship stray scripts of their own."""
    return [p for p in (REPO_ROOT / package).rglob("*.py") if "node_modules" not in p.parts]


def _packages() -> list[str]:
    return [p for p in ALLOWED if (REPO_ROOT / p / "__init__.py").is_file()]


@pytest.mark.parametrize("package", _packages())
def test_dependency_direction(package: str) -> None:
    forbidden = set(ALLOWED) - ALLOWED[package] - {package}
    bad = []
    for path in _sources(package):
        for name in _imports(path) & forbidden:
            bad.append(f"{path.relative_to(REPO_ROOT)} imports {name}")
    assert not bad, bad


@pytest.mark.parametrize("package", [p for p in DOMAIN if (REPO_ROOT / p / "__init__.py").is_file()])
def test_domain_packages_never_read_the_environment(package: str) -> None:
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in _sources(package)
        if "os.environ" in path.read_text() or "getenv" in path.read_text()
    ]
    assert not offenders, offenders


@pytest.mark.parametrize("package", _packages())
def test_public_surface_is_declared(package: str) -> None:
    module = importlib.import_module(package)
    exported = getattr(module, "__all__", None)
    assert exported, f"{package} has no __all__"
    missing = [name for name in exported if not hasattr(module, name)]
    assert not missing, missing


def test_no_heavy_framework_is_imported_by_the_engine() -> None:
    for path in (REPO_ROOT / "liveness").rglob("*.py"):
        if "backends" in path.parts:  # liveness/backends/ (ARCHITECTURE.md, issue 19): each imports its own
            continue
        assert not _imports(path) & {"torch", "tensorflow", "deepface", "fastapi"}, path


def test_importing_the_engine_and_the_service_loads_no_heavy_framework() -> None:
    """``import liveness`` and the service's entry point stay fast: no TensorFlow, torch or DeepFace
    (in a fresh interpreter: this test session imports them for the backends' own tests)."""
    code = (
        "import sys, liveness, livecred.main, liveness.backends, liveness.backends.deepface, "
        "liveness.backends.torch_fasnet; "
        "heavy = {'tensorflow', 'torch', 'deepface', 'tf_keras', 'keras'} & set(sys.modules); "
        "assert not heavy, sorted(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
