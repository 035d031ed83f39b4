"""The layers of DESIGN.md: who may import whom, and nothing outside the UI imports streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "slm_psr"

# layer -> the slm_psr layers it may import (DESIGN.md, "Layers")
ALLOWED = {
    "model": {"contract_terms", "model", "sanitise"},
    "psr_file": {"contract_terms", "model", "sanitise"},
    "wording": {"contract_terms", "model", "sanitise"},
    "values": {"contract_terms", "model", "sanitise", "values"},
    "kinds": {"kinds", "model", "sanitise", "values", "wording"},
    "excel": {
        "collector",
        "contract_terms",
        "engine",
        "excel",
        "model",
        "psr_file",
        "sanitise",
        "values",
        "wording",
    },
    "engine": {"contract_terms", "engine", "model", "sanitise", "wording"},
    "store": {"collector", "contract_terms", "model", "psr_file", "psr_merge", "sanitise", "store"},
    "charts": {"contract_terms", "engine", "model", "sanitise", "wording"},
    "demo": {"contract_terms", "excel", "model", "psr_file", "sanitise", "store"},
    "service": {
        "contract_terms",
        "demo",
        "engine",
        "excel",
        "model",
        "psr_file",
        "psr_merge",
        "reports",
        "sanitise",
        "service",
        "store",
        "wording",
    },
    "cli": {
        "charts",
        "cli_award",
        "cli_contract",
        "cli_projects",
        "cli_tender",
        "cli_users",
        "contract_terms",
        "demo",
        "engine",
        "excel",
        "model",
        "pairwise_file",
        "psr_file",
        "reports",
        "sanitise",
        "service",
        "store",
        "values",
        "wording",
    },
    "ui": {
        "charts",
        "contract_terms",
        "demo",
        "engine",
        "excel",
        "kinds",
        "model",
        "psr_file",
        "psr_merge",
        "reports",
        "sanitise",
        "service",
        "store",
        "templates",
        "ui",
        "values",
        "wording",
    },
    "cli_users": {"service", "store"},  # the command line's accounts (a part of cli)
    # the command line's other parts, one module per topic (cli.py builds the parser)
    "cli_shared": {"cli_users", "model", "psr_file", "service", "store"},
    "cli_projects": {"cli_shared", "psr_file", "store"},
    "cli_tender": {
        "cli_shared",
        "cli_users",
        "engine",
        "excel",
        "model",
        "pairwise_file",
        "sanitise",
        "service",
        "store",
        "wording",
    },
    "cli_contract": {"cli_shared", "cli_users", "engine", "excel", "model", "service", "store"},
    "cli_award": {"cli_shared", "cli_users", "engine", "excel", "service", "store"},
    "contract_terms": set(),
    "reports": {"charts", "contract_terms", "engine", "model", "reports", "sanitise", "wording"},
    "pairwise_file": {"engine", "model", "sanitise", "values"},
    "sanitise": set(),
    "collector": set(),  # the garbage collector paused for a batch (the store's load, the import)
    "templates": {"model"},
    "psr_merge": set(),
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
