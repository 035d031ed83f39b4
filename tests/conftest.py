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


def libreoffice_convert(source: Path, to: str, outdir: Path) -> Path:
    """Convert ``source`` with LibreOffice Calc headless (``to`` like "xlsx", "pdf", "xlsx:Calc MS Excel 2007 XML").

    A private profile per call, so that parallel runs never share one; skips when
    LibreOffice is missing locally and fails under CI.
    """
    import shutil
    import subprocess
    import uuid

    soffice = shutil.which("soffice")
    need_tool(soffice is not None, "LibreOffice Calc")
    profile = outdir / f"lo-profile-{uuid.uuid4().hex}"
    done = subprocess.run(
        [
            str(soffice),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            to,
            "--outdir",
            str(outdir),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    converted = outdir / f"{source.stem}.{to.split(':')[0]}"
    assert done.returncode == 0, f"LibreOffice failed on {source.name}: {done.stdout} {done.stderr}"
    assert converted.exists() and converted.stat().st_size > 0, (
        f"LibreOffice did not convert {source.name}: {done.stdout} {done.stderr}"
    )
    return converted
