"""The comparison workbook on paper: the demo project printed through LibreOffice reads as a record.

Converted to PDF by LibreOffice Calc (what a buyer without Excel prints with), read
back with poppler: the full requirement texts, the method by name, the audit trail
in words, a readable type size, the scores' header on each of its pages. The pages
are rendered to PNG in test-artifacts/comparison-print/ for a look.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
from pathlib import Path

import pytest

from slm_psr import service
from slm_psr.demo import DEMO_PROJECT
from slm_psr.store import Store
from tests.conftest import ROOT, libreoffice_convert, need_tool

pytestmark = pytest.mark.libreoffice
ARTIFACTS = ROOT / "test-artifacts" / "comparison-print"


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[Path, object]:
    """The demo project's comparison workbook (as the app exports it) printed to PDF."""
    need_tool(shutil.which("pdftotext") is not None, "poppler's pdftotext")
    folder = tmp_path_factory.mktemp("print")
    with Store.open(f"sqlite:///{folder / 'store.sqlite3'}") as store:
        state, audit = service.open_project(store, DEMO_PROJECT)
        data = service.comparison_workbook(state, audit)
    source = folder / "comparison.xlsx"
    source.write_bytes(data)
    pdf = libreoffice_convert(source, "pdf", folder)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*"):
        old.unlink()
    shutil.copy(pdf, ARTIFACTS / "comparison.pdf")
    subprocess.run(["pdftoppm", "-r", "80", "-png", str(pdf), str(ARTIFACTS / "page")], check=True)
    return pdf, state.psr


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_every_requirement_text_prints_in_full(printed):
    """Wrapped in its cell, never cut by the next column (the scores sheet)."""
    pdf, psr = printed
    scores = [p for p in _pages(pdf) if p.split("\n", 1)[0].rstrip().endswith("scores")]
    assert scores, "no page of the scores sheet"
    # -layout keeps the columns side by side: a wrapped text's lines are on successive
    # lines of the page, so compare word by word within the requirement column.
    words = set(_flat("\n".join(scores)).split())
    for req in psr.service_requirements:
        assert set(req.text.split()) <= words, req.id
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = _flat(text)
    longest = max(psr.service_requirements, key=lambda r: len(r.text))
    assert longest.text in flat  # in reading order the wrapped cell reads as one text


def test_the_header_row_repeats_on_every_page_of_the_scores(printed):
    pdf, _ = printed
    scores = [p for p in _pages(pdf) if p.split("\n", 1)[0].rstrip().endswith("scores")]
    assert len(scores) >= 2
    for page in scores:
        assert "Offered (as read)" in page and "Requirement" in page


def test_the_method_is_named_and_the_audit_trail_is_in_words(printed):
    pdf, _ = printed
    flat = _flat("\n".join(_pages(pdf)))
    assert "Method: Most economically advantageous tender (MEAT)" in flat
    assert "price points = max x Pmin / P" in flat
    assert "Method: meat" not in flat and "formula lowest_ratio," not in flat
    assert re.search(r"uploaded nordwind\.xlsx \(Nordwind IT Services AG\): \d+ answers read", flat)
    assert "scored Westpark Datacenter Services GmbH / SD-09 by M. Dubois: 2" in flat
    assert '{"' not in flat  # no stored JSON on paper


def test_the_type_is_readable(printed):
    """The body text of every page prints at 6 points or more (A4 landscape, one page wide).

    Measured with ``pdftotext -bbox``: a word's box is as tall as its type size; the
    median over a page is its body text. Before the print set-up the scores sheet was
    shrunk to about 4.5 points.
    """
    pdf, _ = printed
    xhtml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for number, page in enumerate(xhtml.split("<page ")[1:], start=1):
        heights = [
            float(y1) - float(y0)
            for y0, y1 in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', page)
        ]
        assert heights, f"page {number} has no text"
        assert statistics.median(heights) >= 6.0, (
            f"page {number}: median word height {statistics.median(heights):.1f} pt"
        )
