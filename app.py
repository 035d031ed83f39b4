"""Streamlit entry point: shared state once, then the pages in workflow order (`make run`)."""

import streamlit as st

from slm_psr.ui import login, state

st.set_page_config(page_title="slm-psr", page_icon=":material/handshake:", layout="wide")
login.gate(state.raw_store)  # with accounts in the store: a sign-in first
state.init()

VIEWS = "slm_psr/ui/views"
REQUIREMENTS = "1 Requirements"
pages = st.navigation(
    {
        "Project": [
            st.Page(f"{VIEWS}/projects.py", title="Projects", icon=":material/folder_open:"),
        ],
        "Tender": [
            st.Page(
                f"{VIEWS}/requirements.py", title=REQUIREMENTS, icon=":material/checklist:", default=True
            ),
            st.Page(f"{VIEWS}/terms.py", title="Contract terms", icon=":material/gavel:"),
            st.Page(f"{VIEWS}/questionnaire.py", title="2 Questionnaire", icon=":material/description:"),
        ],
        "Evaluation": [
            st.Page(f"{VIEWS}/responses.py", title="3 Responses", icon=":material/upload_file:"),
            st.Page(f"{VIEWS}/qualification.py", title="4 Qualification", icon=":material/rule:"),
            st.Page(f"{VIEWS}/comparison.py", title="5 Comparison", icon=":material/leaderboard:"),
            st.Page(f"{VIEWS}/options.py", title="5a Level options", icon=":material/tune:"),
            st.Page(f"{VIEWS}/lots.py", title="5b Lot award", icon=":material/view_module:"),
            st.Page(f"{VIEWS}/export.py", title="6 Export", icon=":material/download:"),
            st.Page(f"{VIEWS}/team.py", title="Team", icon=":material/groups:"),
        ],
        "After the award": [
            st.Page(f"{VIEWS}/contract.py", title="7 Contract", icon=":material/handshake:"),
            st.Page(f"{VIEWS}/monitoring.py", title="8 Monitoring", icon=":material/monitoring:"),
            st.Page(f"{VIEWS}/review.py", title="9 Service review", icon=":material/rate_review:"),
        ],
    },
    expanded=True,  # every page listed: folded after ten, the after-the-award pages were hidden
)
state.sidebar(guard=pages.title != REQUIREMENTS)  # that page guards its own draft
login.sidebar(state.raw_store())
pages.run()
