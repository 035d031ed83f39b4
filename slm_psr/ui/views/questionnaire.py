"""Questionnaire: what the suppliers will see (the disclosed minimums) and the workbook to send them."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from slm_psr.excel.questionnaire import how_to_answer, level_in_words, write_questionnaire
from slm_psr.model import PriceBasis
from slm_psr.psr_file import content_hash
from slm_psr.ui import state

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_data(max_entries=8, show_spinner="Writing the questionnaire…")
def questionnaire_bytes(psr_text: str) -> bytes:
    return write_questionnaire(state.psr_from_text(psr_text))


project = state.need_project()
psr = project.psr
state.header(
    "Questionnaire",
    f"The Excel workbook you send to the suppliers for PSR {psr.id} version {psr.version}. "
    "It discloses every minimum (a bid below one is out) and target; weights and the price formula "
    "stay in your tender documents.",
)
if "draft" in st.session_state and st.session_state.draft.get("dirty"):
    st.warning("The Requirements page has unsaved changes; the questionnaire shows the saved version.")

left, right = st.columns([1, 2], vertical_alignment="center")
left.download_button(
    f"Download questionnaire (version {psr.version})",
    data=questionnaire_bytes(state.psr_text(psr)),
    file_name=f"questionnaire-{psr.id}-v{psr.version}.xlsx",
    mime=XLSX,
    type="primary",
    icon=":material/download:",
    key="download_questionnaire",
)
right.caption(
    f"Answers are due by **{psr.deadline:%d %B %Y}**. The workbook records the PSR version and its content "
    f"hash `{content_hash(psr)[:12]}…`, so an answer to an older version is recognised on import."
)

for service in psr.services:
    reqs = [r for r in psr.service_requirements if r.service == service.id]
    prices = [r for r in psr.price_items if r.service == service.id]
    st.subheader(f"{service.name} ({service.id})")
    if service.description:
        st.caption(service.description)
    if reqs:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "ID": r.id,
                        "Requirement": r.text,
                        "Minimum (knock-out)": level_in_words(r, r.minimum, minimum=True),
                        "Target (full points)": level_in_words(r, r.target, minimum=False),
                        "How to answer": how_to_answer(r, psr.currency),
                        "Kind": r.kind.label,
                    }
                    for r in reqs
                ]
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "ID": st.column_config.TextColumn(width="small"),
                "Requirement": st.column_config.TextColumn(width="large"),
                "How to answer": st.column_config.TextColumn(width="large"),
            },
        )
    if prices:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "ID": r.id,
                        "Price item": r.text,
                        "Basis": "monthly" if r.price_basis is PriceBasis.MONTHLY else "one-time",
                        "Quantity": r.quantity,
                        "Unit": r.unit,
                    }
                    for r in prices
                ]
            ),
            hide_index=True,
            width="stretch",
        )

state.next_step("questionnaire")
