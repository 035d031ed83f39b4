"""The award record PDF: what a reader of the filed record finds in it, read back with poppler.

The text is extracted with ``pdftotext`` (poppler), so these tests read what a
person or a records system reads, not what we meant to write; the pages are
rendered with ``pdftoppm`` to PNG in test-artifacts/award-record/ for a look.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from slm_psr import service
from slm_psr.demo import DEMO_PROJECT, ensure_demo_project
from slm_psr.engine import evaluate
from slm_psr.model import Method
from slm_psr.reports import award_record_pdf
from slm_psr.store import Store
from tests.conftest import DEMO, ROOT, need_tool

ARTIFACTS = ROOT / "test-artifacts" / "award-record"
WHEN = dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.UTC)
JUSTIFICATION = "Westpark confirmed 99.5 % availability in writing on 2027-02-03 (letter on file)"


def pdf_text(pdf: bytes, tmp_path: Path, *, first: int | None = None, last: int | None = None) -> str:
    """The PDF's text as poppler's pdftotext reads it (reading order, no layout)."""
    need_tool(shutil.which("pdftotext") is not None, "poppler's pdftotext")
    source = tmp_path / "record.pdf"
    source.write_bytes(pdf)
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *pages, str(source), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def render_pages(pdf: bytes, name: str) -> list[Path]:
    """Each page as PNG (100 dpi) in test-artifacts/award-record/, for a person to look at."""
    need_tool(shutil.which("pdftoppm") is not None, "poppler's pdftoppm")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    source = ARTIFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(source), str(ARTIFACTS / name)], check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


@pytest.fixture(scope="module")
def demo_record(tmp_path_factory) -> tuple[bytes, Store, int]:
    """The demo project's award record, after a buyer settled Westpark's doubtful availability."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'store.sqlite3'}"
    store = Store.open(url)
    pid = ensure_demo_project(store)
    state = store.load(pid)
    store.set_override(
        pid,
        "Westpark Datacenter Services GmbH",
        "accept",
        JUSTIFICATION,
        user="A. Buyer",
        expected_revision=state.revision,
        requirement_id="HO-01",
    )
    state = store.load(pid)
    pdf = service.award_record(store, state, generated_at=WHEN, prepared_by="A. Buyer")
    yield pdf, store, pid
    store.close()


def test_page_one_is_the_summary_with_the_decision(demo_record, tmp_path):
    """The demo's winner and figures, checked by hand from the demo's prices and the published rules.

    Prices over the 36-month term: Brightline 2,585,000.00 EUR is the lowest qualified
    price, Nordwind 4,345,000.00 EUR. Lowest-price ratio: 100 x 2,585,000 / 4,345,000
    = 59.49 price points for Nordwind. MEAT with quality 60 %, price 40 %: 0.6 x 98.52
    + 0.4 x 59.49 = 59.11 + 23.80 = 82.91 points.
    """
    pdf, _, _ = demo_record
    page_one = " ".join(pdf_text(pdf, tmp_path, first=1, last=1).split())
    assert "Award record" in page_one
    assert "Managed IT services 2027-2030" in page_one
    assert "Nordwind IT Services AG ranks first with 82.91 of 100 points" in page_one
    assert "price 59.49 points" in page_one
    assert "4,345,000.00 EUR over 36 months" in page_one
    assert "Next: Quatre Saisons Informatique SA, 2.04 points behind" in page_one
    assert "6: 3 qualified, 1 needs review, 2 disqualified" in page_one
    assert "Most economically advantageous tender (MEAT)" in page_one
    assert "Lowest price ratio" in page_one
    assert "provisional" in page_one  # Westpark still needs review on its price


def test_the_record_holds_every_section_in_words(demo_record, tmp_path):
    pdf, store, pid = demo_record
    raw = pdf_text(pdf, tmp_path)
    text = " ".join(raw.split())  # a phrase may wrap inside its table cell
    # the tender and its PSR versions, with the content hash of the version evaluated
    version = store.psr_versions(pid)[0]
    assert f"MS-2027-01, version {version.version}" in text
    assert version.content_hash in text
    assert text.count(version.content_hash) == 2  # on page one and in the list of versions
    # the method in plain words
    assert "Knock-outs first" in text and "price points = max x Pmin / P" in text
    # every bid with its status
    for supplier, status in [
        ("Nordwind IT Services AG", "qualified"),
        ("Alpenblick Digital GmbH", "disqualified"),
        ("Rheinufer Systemhaus GmbH", "disqualified"),
        ("Westpark Datacenter Services GmbH", "needs review"),
    ]:
        assert supplier in text and status in text
    # knock-outs with reasons a buyer can paste into a rejection letter
    assert "SD-01 languages: offered DE, EN, IT; required DE, EN, FR; missing FR" in text
    # the override with its justification, who and when
    assert JUSTIFICATION in text
    # evaluators' scores and the flagged spread (Westpark SD-09: 6 and 2, spread 4 > 3)
    assert "A. Keller: 6" in text and "M. Dubois: 2" in text
    assert "discuss: wider than allowed" in text
    # the ranking's composition and the rank-reversal check
    assert "Service desk" in text and "23.11" in text  # Nordwind's weighted service desk points
    assert "without Brightline Managed Services GmbH, the winner" in text
    assert "1 of 3 leave-one-out rankings change the winner" in text
    # every input file's SHA-256, whole on one line
    lines = set(raw.split("\n"))
    for path in sorted((DEMO / "responses").glob("*.xlsx")):
        assert path.name in text
        assert hashlib.sha256(path.read_bytes()).hexdigest() in lines
    # the audit trail in words, never JSON
    assert "accepted Westpark Datacenter Services GmbH's answer to HO-01 by override" in text
    assert re.search(r"uploaded nordwind\.xlsx \(Nordwind IT Services AG\): \d+ answers read", text)
    assert "scored Westpark Datacenter Services GmbH / SD-09 by M. Dubois: 2" in text
    assert '{"' not in text and '":' not in text
    # the sign-off block
    assert "Approved by (award decision)" in text and "Signature" in text


def test_the_pages_render_and_are_kept_for_a_look(demo_record):
    pdf, _, _ = demo_record
    pages = render_pages(pdf, "demo")
    assert len(pages) >= 6
    from PIL import Image

    with Image.open(pages[0]) as im:
        assert im.size[0] == pytest.approx(827, abs=2)  # A4 at 100 dpi: 210 mm wide


def test_a_value_for_money_evaluation_states_z(demo_psr, tmp_path):
    """Under the UfAB simple method the record ranks by Z = L / P and says so."""
    from slm_psr.excel.responses import read_responses

    report = read_responses(demo_psr, [(p.name, p.read_bytes()) for p in (DEMO / "responses").glob("*.xlsx")])
    responses = [r.response for r in report.results if r.response]
    settings = demo_psr.evaluation.model_copy(update={"method": Method.UFAB_SIMPLE})
    ev = evaluate(demo_psr, responses, settings=settings)
    text = " ".join(pdf_text(award_record_pdf(ev, generated_at=WHEN), tmp_path).split())
    assert "Value for money Z = L / P (UfAB simple method)" in text
    first = ev.ranking().iloc[0]
    assert f"{first.supplier} ranks first with Z = {first.value_Z:,.3f} points per 1,000 EUR" in text


def test_hostile_text_prints_without_breaking_the_record(demo_psr, tmp_path):
    """Control characters are dropped, a 20,000-character justification is cut with a marker."""
    from slm_psr.engine import Override
    from slm_psr.excel.responses import read_responses

    report = read_responses(demo_psr, [(p.name, p.read_bytes()) for p in (DEMO / "responses").glob("*.xlsx")])
    responses = [r.response for r in report.results if r.response]
    long = "The supplier\x07 confirmed\x00 in writing. " + "x" * 20_000
    ev = evaluate(
        demo_psr,
        responses,
        overrides=[
            Override(supplier="Westpark Datacenter Services GmbH", decision="accept", justification=long)
        ],
    )
    text = " ".join(pdf_text(award_record_pdf(ev, generated_at=WHEN), tmp_path).split())
    assert "The supplier confirmed in writing." in text
    assert "[cut, 20,035 characters in all]" in text  # 35 characters of words + 20,000 x


def test_the_command_line_writes_the_demo_record_on_a_fresh_store(tmp_path):
    import sys

    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    out = tmp_path / "record.pdf"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "slm_psr",
            "award-record",
            "--project",
            DEMO_PROJECT,
            "--database",
            url,
            "-o",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr
    assert "first: Nordwind IT Services AG" in run.stdout
    assert "Nordwind IT Services AG ranks first" in " ".join(
        pdf_text(out.read_bytes(), tmp_path, first=1).split()
    )
    missing = subprocess.run(
        [sys.executable, "-m", "slm_psr", "award-record", "--project", "nope", "--database", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 1 and "no project 'nope'" in missing.stderr


def test_the_record_states_how_robust_the_weights_are(tmp_path):
    """The award record carries the same stability sentences and SMAA summary as the Comparison
    page (the project service computes them once for the page, the workbook and the record)."""
    import subprocess

    from slm_psr.demo import DEMO_PROJECT
    from slm_psr.service import award_record, evaluate_project, open_project, robustness_of
    from slm_psr.store import Store

    with Store.open(f"sqlite:///{tmp_path / 'r.sqlite3'}") as store:
        state, _ = open_project(store, DEMO_PROJECT)
        pdf = award_record(store, state)
        intervals, _acc = robustness_of(evaluate_project(state), None)
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    assert "How robust the weights are" in flat
    assert "wins while the price weight is between 0 % and" in flat
    assert "10,000 draws (each weight varied by up to ±20 %" in flat
    assert intervals[0].winners[0] in flat


def test_the_record_states_the_level_options_and_the_award_across_lots(demo_record, tmp_path):
    """Section 9 on the demo (figures of tests/test_engine_options.py and tests/test_lots.py):
    Quatre Saisons at its best takes HO-01 99.95 % at +1,500 a month, total 80.87 -> 83.36;
    its step to 99.99 % costs 36 x 4,500 = 162,000.00 EUR over the term (6,000 - 1,500 a month)
    and earns nothing above the target. The award across lots gives SD and RP to Quatre Saisons
    and HO to Nordwind (value 84.51); the serial chain HO, RP: 99.95 % x 100 % = 99.950 %."""
    pdf, _, _ = demo_record
    text = " ".join(pdf_text(pdf, tmp_path).split())
    assert "9 Level options and lots · 10 Files (SHA-256) · 11 Audit trail · 12 Sign-off" in text
    section = text[text.index("9 Level options and the award across lots") : text.index("10 Files received")]
    assert "Quatre Saisons Informatique SA 80.87 83.36 HO-01 99.95 % 1,500.00" in section
    assert (
        "Quatre Saisons Informatique SA, HO-01: the step to 99.99 % costs 162,000.00 EUR over the term "
        "and lowers the total by 1.41: it does not pay for itself." in section
    )
    assert "value 84.51 points, price 3,654,100.00 EUR, 2 supplier(s)" in section
    assert "Nordwind IT Services AG: lot HO" in section
    assert "End-to-end availability of the chain 99.950 %" in section
    assert "assume that the lots fail independently" in section
    assert "Rule 'at most 60% of the volume to one supplier': costs 0.05 value points" in section
