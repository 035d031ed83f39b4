"""Per-session state set up once per browser session (never module-level mutable state)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from slm_psr.model import PSR
from slm_psr.psr_file import load_psr

DEMO_PSR = Path(__file__).resolve().parents[2] / "data" / "demo" / "psr.json"


def init() -> None:
    if "psr" not in st.session_state:
        st.session_state.psr = load_psr(DEMO_PSR)


def psr() -> PSR:
    return st.session_state.psr
