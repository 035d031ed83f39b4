"""The loaded PSR at a glance: metadata, services and the published requirements."""

import pandas as pd
import streamlit as st

from slm_psr.model import KIND_LABELS, format_level
from slm_psr.ui import state

psr = state.psr()
st.title(psr.title)
st.caption(
    f"{psr.buyer} · PSR {psr.id} version {psr.version} · {psr.term_months} months · deadline {psr.deadline}"
)

st.subheader("Services")
st.dataframe(
    pd.DataFrame(
        [{"ID": s.id, "Service": s.name, "Weight": s.weight, "Scope": s.description} for s in psr.services]
    ),
    hide_index=True,
)
st.subheader("Requirements")
st.dataframe(
    pd.DataFrame(
        [
            {
                "ID": r.id,
                "Service": r.service,
                "Requirement": r.text,
                "Kind": KIND_LABELS[r.kind],
                "Minimum (knock-out)": format_level(r, r.minimum) if r.minimum is not None else "",
                "Target": format_level(r, r.target) if r.target is not None else "",
                "Weight": r.weight,
            }
            for r in psr.requirements
        ]
    ),
    hide_index=True,
)
