"""The layers of DESIGN.md: who may import whom, and nothing outside the UI imports streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "slm_psr"

# layer -> the slm_psr layers it may import (DESIGN.md, "Layers")
ALLOWED = {
    "model": set(),
    "psr_file": {"model"},
    "wording": {"model"},
    "values": {"model", "values"},
    # the kinds' specs read answers with values' readers; every other layer reaches a
    # kind through the model's registry (req.kind.spec), so it needs no import of kinds
    "kinds": {"wording", "model", "values", "kinds"},
    "excel": {"wording", "model", "values", "engine", "psr_file", "excel"},
    "engine": {"wording", "model", "engine"},
    "store": {"model", "psr_file", "store"},
    "charts": {"wording", "model", "engine"},
    "demo": {"model", "psr_file", "excel", "store"},
    "templates": {"model"},
    "psr_merge": set(),
    "service": {"wording", "model", "psr_file", "excel", "engine", "store", "demo", "service"},
    "cli": {
        "wording",
        "model",
        "psr_file",
        "values",
        "excel",
        "engine",
        "store",
        "charts",
        "demo",
        "service",
    },
    "ui": {
        "wording",
        "model",
        "psr_file",
        "values",
        "kinds",
        "excel",
        "engine",
        "store",
        "charts",
        "demo",
        "service",
        "templates",
        "psr_merge",
        "ui",
    },
}


def layer_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


MODULES = [p for p in sorted(PACKAGE.rglob("*.py")) if layer_of(p) in ALLOWED and "migrations" not in p.parts]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_module_imports_only_what_its_layer_may(path: Path):
    layer = layer_of(path)
    ours = {n.split(".")[1] for n in imports_of(path) if n.startswith("slm_psr.")}
    ours.discard("__version__")
    assert ours <= ALLOWED[layer] | {"__init__"}, f"{layer} imports {sorted(ours - ALLOWED[layer])}"
    if layer != "ui":
        assert not any(n == "streamlit" or n.startswith("streamlit.") for n in imports_of(path))


def test_every_module_is_in_a_layer():
    top = {layer_of(p) for p in PACKAGE.rglob("*.py")} - {"__init__", "__main__"}
    assert top <= set(ALLOWED), f"modules outside the layers of DESIGN.md: {sorted(top - set(ALLOWED))}"
