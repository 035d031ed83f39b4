"""Export: the award record, the comparison workbook and the PSR file to file with the award, and the audit trail."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from slm_psr.psr_file import dumps_psr
from slm_psr.service import audit_lines
from slm_psr.ui import state
from slm_psr.ui.compute import award_record, comparison_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

project = state.need_project()
store = state.store()
psr = project.psr

state.header(
    "Export",
    "The files to circulate and to keep with the award decision. The comparison uses the published "
    "weights of the saved PSR, whatever was tried on the Comparison page.",
)
state.psr_change_banner(project)

answered = any(r.response for r in project.responses)
record, left, right = st.columns(3)
with record.container(border=True):
    st.markdown("**Award record** (.pdf)")
    st.caption(
        "To file and sign: one page of summary, the tender and its PSR versions, the method in words, every "
        "bid with its status, knock-outs, overrides, evaluators' scores, the ranking and its composition, "
        "the rank-reversal check, the files' SHA-256, the audit trail in words and a sign-off block."
    )
    if answered:
        st.download_button(
            "Download the award record",
            data=lambda: award_record(project, store, state.user()),
            file_name=f"award-record-{psr.id}-v{psr.version}.pdf",
            mime="application/pdf",
            type="primary",
            icon=":material/download:",
            key="download_award_record",
        )
    else:
        st.info("Upload the suppliers' answers on the Responses page first.")
with left.container(border=True):
    st.markdown("**Comparison workbook** (.xlsx)")
    st.caption(
        "Summary and ranking, qualification with reasons, points per requirement, prices, the method "
        "in words, every answer as typed, the input files with their SHA-256, and the audit trail."
    )
    if answered:
        st.download_button(
            "Download the comparison",
            data=lambda: comparison_workbook(project, store.audit(project.id)),
            file_name=f"comparison-{psr.id}-v{psr.version}.xlsx",
            mime=XLSX,
            icon=":material/download:",
            key="download_comparison",
        )
    else:
        st.info("Upload the suppliers' answers on the Responses page first.")
with right.container(border=True):
    st.markdown(f"**PSR file** (version {psr.version}, .json)")
    st.caption("The requirements and evaluation rules as published; it loads back on the Requirements page.")
    st.download_button(
        "Download the PSR",
        data=dumps_psr(psr),
        file_name=f"{psr.id}-v{psr.version}.json",
        mime="application/json",
        icon=":material/download:",
        key="download_psr_file",
    )

st.subheader("Audit trail")
st.caption("Every change to this project, newest first: who, when and what changed.")
st.dataframe(
    pd.DataFrame(
        [
            {"When (UTC)": f"{line.when:%Y-%m-%d %H:%M:%S}", "Who": line.who, "What changed": line.what}
            for line in reversed(audit_lines(store.audit(project.id)))
        ]
    ),
    hide_index=True,
    width="stretch",
    column_config={"What changed": st.column_config.TextColumn(width="large")},
)

versions = store.psr_versions(project.id)
with st.expander(f"PSR versions ({len(versions)})"):
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Version": v.version,
                    "Saved (UTC)": f"{v.saved_at:%Y-%m-%d %H:%M}",
                    "By": v.saved_by,
                    "Content hash": v.content_hash,
                }
                for v in versions
            ]
        ),
        hide_index=True,
        width="stretch",
    )
