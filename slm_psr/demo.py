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


DEMO_MEASUREMENTS = DEMO / "measurements"
DEMO_PLAN = DEMO / "monitoring_plan.json"


def ensure_demo_contract(store: Store) -> bool:
    """Confirm the demo project's contract with the best-ranked bid, once; True when it did so now.

    So that `monitor --project "Demo: ..." --import data/demo/measurements/...` works on
    a fresh store, as a buyer's store would after the award.
    """
    import json

    import pandas as pd

    from slm_psr.engine import evaluate
    from slm_psr.service.monitor import confirm_contract
    from slm_psr.store.monitoring import MonitoringStore

    project = next((p for p in store.list_projects(include_archived=True) if p.name == DEMO_PROJECT), None)
    if project is None or MonitoringStore(store).contract(project.id) is not None:
        return False
    state = store.load(project.id)
    scores = state.evaluator_score_rows()
    result = evaluate(
        state.psr,
        state.accepted_responses(),
        overrides=state.override_models(),
        evaluator_scores=pd.DataFrame(scores) if scores else None,
    )
    ranked = result.suppliers.dropna(subset=["rank"]).sort_values("rank")
    if ranked.empty:
        return False
    plan = json.loads(DEMO_PLAN.read_text(encoding="utf-8"))
    confirm_contract(store, project.id, str(ranked["supplier"].iloc[0]), plan=plan, user=DEMO_USER)
    return True
