"""The demo project: the demo tender with its six supplier answers and two evaluators' scores.

Created in an empty store on first start, by the app and by the command line alike,
so that every page and `evaluate --project` have something to show.
"""

from __future__ import annotations

import csv
from pathlib import Path

from slm_psr.excel.responses import read_response
from slm_psr.psr_file import load_psr
from slm_psr.store import Store, StoreError

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
DEMO_PSR = DEMO / "psr.json"
DEMO_RESPONSES = DEMO / "responses"
DEMO_SCORES = DEMO / "evaluator_scores.csv"
DEMO_PROJECT = "Demo: managed IT services 2027"
DEMO_USER = "slm-psr (demo set-up)"


def ensure_demo_project(store: Store) -> int | None:
    """Create the demo project when the store has no project at all; its ID, or None."""
    if store.list_projects(include_archived=True):
        return None
    try:
        info = store.create_project(DEMO_PROJECT, load_psr(DEMO_PSR), user=DEMO_USER)
    except StoreError:
        return None  # another process created it a moment ago
    revision = info.revision
    psr = store.load_psr(info.id)
    for path in sorted(DEMO_RESPONSES.glob("*.xlsx")):
        data = path.read_bytes()
        result = read_response(psr, data, path.name)
        revision = store.add_response(
            info.id,
            path.name,
            data,
            result.response,
            result.rejection,
            user=DEMO_USER,
            expected_revision=revision,
            import_review=result.stored_review(),
        )
    # Two evaluators have already scored the qualitative criterion, so the demo
    # ranking is complete; their spread on Westpark shows the flag.
    with DEMO_SCORES.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            revision = store.set_evaluator_score(
                info.id,
                row["supplier"],
                row["requirement"],
                row["evaluator"],
                float(row["score"]),
                user=row["evaluator"],
                expected_revision=revision,
            )
    return info.id
