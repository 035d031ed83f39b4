"""Shared fixtures: the demo PSR and helpers to build small PSRs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_tool(available: bool, what: str) -> None:
    """Skip when a system tool is missing, except under CI where that is a failure."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is missing under CI; `make test` should have installed it")
    pytest.skip(f"{what} is not installed (`make test` as root installs it)")


@pytest.fixture
def demo_psr_dict() -> dict:
    data = json.loads((DEMO / "psr.json").read_text(encoding="utf-8"))
    data.pop("content_hash")
    return data


@pytest.fixture
def demo_psr():
    from slm_psr.psr_file import load_psr

    return load_psr(DEMO / "psr.json")
