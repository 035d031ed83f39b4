"""Streamlit entry point: shared state once, then the pages (`make run`)."""

import streamlit as st

from slm_psr.ui import state

st.set_page_config(page_title="slm-psr", page_icon=":material/handshake:", layout="wide")
state.init()

VIEWS = "slm_psr/ui/views"
pages = st.navigation(
    [
        st.Page(f"{VIEWS}/overview.py", title="PSR overview", icon=":material/description:", default=True),
    ]
)
pages.run()
