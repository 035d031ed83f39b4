"""The Requirements page's AHP section: service weights from pairwise judgements, with the consistency ratio."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import streamlit as st

from slm_psr.engine.robustness import ahp, judgement_words
from slm_psr.engine.robustness.ahp import SCALE_WORDS
from slm_psr.model import PSR, Judgement, WeightDerivation
from slm_psr.store import ProjectState
from slm_psr.ui import state

# The slider runs from "left extremely more important" (0) through "equal" (8) to "right extremely more important" (16).
_STEPS = [*range(9, 1, -1), 1, *range(2, 10)]
_EQUAL = 8


def _label(a: str, b: str, index: int) -> str:
    value = _STEPS[index]
    if value == 1:
        return f"{a} and {b} equally important"
    favoured = a if index < _EQUAL else b
    return f"{favoured} {SCALE_WORDS[value].removesuffix(' than').removesuffix(' as')} ({value})"


def _times(index: int) -> float:
    """How many times the left service is as important as the right one."""
    value = float(_STEPS[index])
    return value if index <= _EQUAL else 1.0 / value


def _index_of(times: float) -> int:
    """The slider position of a recorded judgement (rounded to the scale)."""
    if times >= 1:
        return 9 - round(min(times, 9.0))
    return 7 + round(min(1.0 / times, 9.0))


def with_derived_weights(psr: PSR, weights: dict[str, float], derivation: WeightDerivation) -> PSR:
    """The PSR with the services' weights replaced (as percentages) and the derivation recorded."""
    services = [s.model_copy(update={"weight": round(100 * weights[s.id], 2)}) for s in psr.services]
    evaluation = psr.evaluation.model_copy(update={"service_weights_derivation": derivation})
    return psr.model_copy(update={"services": services, "evaluation": evaluation})


def render(project: ProjectState) -> None:
    psr = project.psr
    services = psr.services
    with st.expander("Derive the service weights from pairwise judgements (AHP)", icon=":material/balance:"):
        if len(services) < 2:
            st.info("With one service there is nothing to weigh: it carries all of quality.")
            return
        st.caption(
            "Compare the services two at a time on Saaty's scale. The weights are the principal eigenvector "
            "of the judgements; the consistency ratio (CR) says whether they contradict each other "
            "(acceptable up to 0.10)."
        )
        recorded = psr.evaluation.service_weights_derivation
        earlier = {(j.a, j.b): j.times for j in recorded.judgements} if recorded else {}
        names = {s.id: s.name for s in services}
        ids = [s.id for s in services]
        matrix = np.ones((len(ids), len(ids)))
        judgements: list[Judgement] = []
        for (i, a), (j, b) in combinations(enumerate(ids), 2):
            start = _index_of(earlier.get((a, b), 1.0))
            index = state.kept(
                st.select_slider,
                f"{names[a]} against {names[b]}",
                f"ahp.{project.id}.{project.psr_version}.{a}.{b}",
                start,
                options=list(range(len(_STEPS))),
                format_func=lambda k, a=a, b=b: _label(names[a], names[b], k),
            )
            times = _times(index)
            matrix[i, j], matrix[j, i] = times, 1.0 / times
            judgements.append(Judgement(a=a, b=b, times=times))
        result = ahp(matrix, ids)
        weights = result.weight_of()
        st.text(
            "Weights: "
            + ", ".join(f"{names[sid]} {100 * w:.1f} %" for sid, w in weights.items())
            + f"\nConsistency ratio {result.consistency_ratio:.3f} (CI {result.consistency_index:.4f} / "
            f"RI {result.random_index:.2f})"
        )
        warning = result.warning()
        if warning:
            for sid, name in names.items():
                warning = warning.replace(f" {sid} ", f" {name} ")
            st.warning(warning, icon=":material/warning:")
        for judgement in judgements:
            st.caption(judgement_words(names[judgement.a], names[judgement.b], judgement.times))
        derivation = WeightDerivation(
            judgements=judgements,
            weights=weights,
            consistency_ratio=result.consistency_ratio,
            by=state.user() or None,
        )
        if st.button(
            "Use these weights (saves a new PSR version)",
            key=f"ahp.{project.id}.save",
            disabled=not result.consistent,
            help=None
            if result.consistent
            else "Revise the judgements until the consistency ratio is at most 0.10.",
        ):
            changed = with_derived_weights(psr, weights, derivation)
            if state.record(state.store().save_psr, project.id, changed, expected_revision=project.revision):
                st.rerun()
