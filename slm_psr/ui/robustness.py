"""The Comparison page's robustness section: stability intervals of the weights and SMAA acceptability."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from slm_psr import service
from slm_psr.engine import Evaluation
from slm_psr.engine.robustness import Acceptability, StabilityInterval
from slm_psr.store import ProjectState
from slm_psr.ui import compute, state

SPREADS = {
    "Each weight ±10 %": 0.10,
    "Each weight ±20 %": 0.20,
    "Each weight ±30 %": 0.30,
    "Any weights at all": None,
}


@st.cache_data(max_entries=32, show_spinner="Checking how robust the ranking is…")
def _robustness(
    key: str, spread: float | None, _evaluation: Evaluation, _scores: pd.DataFrame | None
) -> tuple[list[StabilityInterval], Acceptability | None] | None:
    return service.robustness_of(_evaluation, _scores, spread)


def render(project: ProjectState, published: Evaluation) -> None:
    """Intervals and acceptability for the published weights (never for a what-if)."""
    st.subheader("How robust is the decision?")
    st.caption(
        "For the published weights: how far each weight can move before the winner changes (the other "
        "weights keep their proportions), and how often each bid wins when the weights are only known roughly."
    )
    with st.container(border=True):
        pick = state.kept(
            st.radio,
            "If the weights were uncertain",
            f"robust.{project.id}.spread",
            "Each weight ±20 %",
            options=list(SPREADS),
            horizontal=True,
        )
        spread = SPREADS.get(pick or "Each weight ±20 %")
        scores = service.evaluator_scores(project)
        key = compute.plain(
            [project.id, project.psr_version, project.psr_hash, [r.id for r in project.responses],
             project.overrides, project.evaluator_scores]
        )  # fmt: skip
        computed = _robustness(key, spread, published, scores)
        if computed is None:
            return
        intervals, acc = computed
        for interval in intervals:
            st.text(interval.sentence())
        st.dataframe(
            pd.DataFrame(
                {
                    "Weight": [i.weight for i in intervals],
                    "Now": [i.current for i in intervals],
                    "Winner holds from": [i.winner_low for i in intervals],
                    "to": [i.winner_high for i in intervals],
                    "Whole ranking holds from": [i.ranking_low for i in intervals],
                    "to ": [i.ranking_high for i in intervals],
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                c: st.column_config.NumberColumn(format="percent")
                for c in ("Now", "Winner holds from", "to", "Whole ranking holds from", "to ")
            },
        )
        if acc is not None:
            compute.chart("acceptability_bars", acc.frame())
            for line in acc.sentences():
                st.text(line)
