"""The components' import layering: pulse_common imports no component, and
each component (backend, ETL, operator) imports only itself and
pulse_common. A tenant's ETL image must not need the backend, nor the
operator the ETL; what two components share belongs in pulse_common.

Two checks, because each misses what the other sees: the source of every
module (an import inside a function runs only when called), and the modules
actually loaded when every module of a package is imported in a fresh
interpreter (an import reached through another package, or guarded by
``try``)."""

from __future__ import annotations

import ast
import functools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = {
    "pulse_common": REPO / "services/common/pulse_common",
    "pulse_etl": REPO / "services/etl/pulse_etl",
    "pulse_backend": REPO / "services/backend/pulse_backend",
    "pulse_operator": REPO / "operator/pulse_operator",
}
# What each package may import besides itself and third-party code.
ALLOWED = {
    "pulse_common": set(),
    "pulse_etl": {"pulse_common"},
    "pulse_backend": {"pulse_common"},
    "pulse_operator": {"pulse_common"},
}


def forbidden(package: str) -> set[str]:
    return set(PACKAGES) - ALLOWED[package] - {package}


def _imported_names(tree: ast.AST) -> list[tuple[int, str]]:
    """Absolute module names a module's source imports, with line numbers
    (relative imports cannot leave their own package)."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            out.append((node.lineno, node.args[0].value))
    return out


def source_violations(package: str) -> list[str]:
    bad = forbidden(package)
    found = []
    for path in sorted(PACKAGES[package].rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for line, name in _imported_names(tree):
            if name.split(".")[0] in bad:
                found.append(f"{path.relative_to(REPO)}:{line} imports {name}")
    return found


# Imports every module of the package, then names the loaded modules of the
# other components. Every component is on the path, so a forbidden import
# loads (and is seen) instead of failing on a missing package.
_PROBE = """
import importlib, json, pkgutil, sys
for first in sys.argv[2:]:
    importlib.import_module(first)
pkg = importlib.import_module(sys.argv[1])
for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
    importlib.import_module(m.name)
print(json.dumps(sorted({n.split(".")[0] for n in sys.modules})))
"""


def _fresh_python(code: str, *args: str, extra_path: Path | None = None) -> str:
    """Runs ``code`` in a new interpreter with only our packages on the path."""
    paths = [p.parent for p in PACKAGES.values()] + ([extra_path] if extra_path else [])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, paths))}
    proc = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def loaded_top_level(package: str, *first: str, extra_path: Path | None = None) -> set[str]:
    """The top-level modules loaded once every module of ``package`` is
    imported, after the modules ``first`` (as the process's first imports)."""
    stdout = _fresh_python(_PROBE, package, *first, extra_path=extra_path)
    # The last line: some dependency may print on import (the model package does).
    return set(json.loads(stdout.strip().splitlines()[-1]))


# The pulse_common probe's first import is the seed package: seed →
# provisioning → tenant → seed was a cycle that only bit a process whose first
# import was the seed package (a one-off script, a REPL). One interpreter
# checks both (each fresh interpreter costs seconds of imports).
FIRST_IMPORTS = {"pulse_common": ("pulse_common.seed",)}


@functools.cache
def package_probe(package: str) -> frozenset[str]:
    return frozenset(loaded_top_level(package, *FIRST_IMPORTS.get(package, ())))


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_source_imports_only_allowed_components(package: str) -> None:
    assert source_violations(package) == []


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_importing_every_module_loads_no_other_component(package: str) -> None:
    loaded = package_probe(package)
    assert package in loaded  # the probe really imported it
    assert loaded & forbidden(package) == set()


def test_the_source_check_sees_every_import_form(tmp_path: Path) -> None:
    """The checker itself: each way of importing the backend is reported,
    and relative imports and mere mentions are not."""
    source = """
import pulse_backend
import pulse_backend.ml as ml
from pulse_backend.analytics import dora
import importlib

def later():
    from pulse_backend import app
    return importlib.import_module("pulse_backend.routes")

from . import sibling
from .pulse_backend import x
NAME = "pulse_backend.app"
"""
    names = [name for _, name in _imported_names(ast.parse(source))]
    assert sorted(n for n in names if n.startswith("pulse_backend")) == [
        "pulse_backend",
        "pulse_backend",
        "pulse_backend.analytics",
        "pulse_backend.ml",
        "pulse_backend.routes",
    ]


def test_the_probe_sees_a_guarded_import_in_a_submodule(tmp_path: Path) -> None:
    pkg = tmp_path / "layering_probe_demo"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "deep.py").write_text(
        "try:\n    import pulse_backend.errors\nexcept ImportError:\n    pass\n"
    )
    loaded = loaded_top_level("layering_probe_demo", extra_path=tmp_path)
    assert {"layering_probe_demo", "pulse_backend"} <= loaded


def test_the_seed_package_can_be_imported_first() -> None:
    # The probe fails (its interpreter exits non-zero) if importing the seed
    # package first raises; see FIRST_IMPORTS.
    assert FIRST_IMPORTS["pulse_common"][0] == "pulse_common.seed"
    assert "pulse_common" in package_probe("pulse_common")
