"""Contract terms: the buyer edits the PSR's measurement period, credit rules, cap, earn-back and termination rights."""

from __future__ import annotations

import dataclasses

import streamlit as st

from slm_psr.model.contract_terms import PERIOD_WORDS, PeriodKind
from slm_psr.sanitise import markdown_text
from slm_psr.service import terms
from slm_psr.store.monitoring import MonitoringStore
from slm_psr.ui import state

project = state.need_project()
store = state.store()
psr = project.psr

st.title("Contract terms")
st.caption(
    "How the service levels are enforced after the award: the period they are measured over, the service "
    "credit each level owes when missed (bands of the service's monthly charge, or a share of the at-risk "
    "pool), the cap, earn-back and the customer's termination rights. Suppliers answer them in the "
    "questionnaire's own sheet; the awarded contract's SLA schedule is built from them. Saving makes a new "
    "PSR version."
)
if psr.contract_terms is None:
    st.info("This PSR states no contract terms yet: fill in the form below and save.", icon=":material/info:")
confirmed = MonitoringStore(store).contract(project.id)
if confirmed is not None:
    st.info(
        f"The contract with {markdown_text(confirmed.supplier)} was confirmed on {str(confirmed.confirmed_at)[:10]} "
        "and keeps the terms it was confirmed with: a change saved here is a new PSR version, and reaches the "
        "contract (and monitoring) when the contract is confirmed again from it (a new contract version, "
        "e.g. `python -m slm_psr contract --project ... --confirm`).",
        icon=":material/handshake:",
    )

form = terms.form_of(psr)
version = project.psr_version  # widget keys carry the version: a saved version starts a fresh form
ids = [r.id for r in psr.requirements]
levels = [r.id for r in psr.service_requirements]
questions = ["", *ids]

st.subheader("Measurement period")
kind_col, zone_col, extra_col = st.columns(3)
kinds = list(PERIOD_WORDS.values())
period_kind = kind_col.radio(
    "Period", kinds, index=kinds.index(form.period_kind), key=f"terms_period_kind_{version}"
)
time_zone = zone_col.text_input(
    "Time zone (IANA)",
    form.time_zone,
    key=f"terms_time_zone_{version}",
    help="e.g. Europe/Berlin, Europe/Zurich",
)
rolling_days = form.rolling_days
fixed_start = form.fixed_start
if period_kind == PERIOD_WORDS[PeriodKind.ROLLING_DAYS]:
    rolling_days = extra_col.number_input(
        "Window (days)",
        min_value=1,
        max_value=366,
        value=form.rolling_days or 90,
        key=f"terms_days_{version}",
    )
elif period_kind == PERIOD_WORDS[PeriodKind.FIXED_30_DAYS]:
    fixed_start = extra_col.date_input(
        "First period begins", value=form.fixed_start, key=f"terms_start_{version}",
        help="Empty: the 1st of the first month measured",
    )  # fmt: skip

st.subheader("Service credits")
credits = state.table_editor(
    "terms_credits",
    form.credits,
    terms.CREDIT_COLUMNS,
    key=f"terms_credits_{version}",
    num_rows="dynamic",
    column_config={
        "Level": st.column_config.SelectboxColumn(options=levels, required=True),
        "Rule": st.column_config.SelectboxColumn(options=list(terms.RULE_WORDS.values()), width="medium"),
        "Bands (below: credit %)": st.column_config.TextColumn(
            help="Attained below X % owes C % of the service's monthly charge: '99.9: 5; 99.5: 10'",
            width="medium",
        ),
        "Allocation %": st.column_config.NumberColumn(min_value=0, max_value=100),
        "Share of tickets %": st.column_config.NumberColumn(
            min_value=0, max_value=100, help="Time limits: the share of tickets that must be within the time"
        ),
    },
)
cap_col, back_col = st.columns(2)
cap = cap_col.number_input(
    "Cap on a period's credits (% of the monthly invoice)", min_value=0.0, max_value=100.0,
    value=form.cap_percent, key=f"terms_cap_{version}", placeholder="no cap",
)  # fmt: skip
earn_back = back_col.number_input(
    "Earn-back after N periods met in a row", min_value=0, max_value=24, value=form.earn_back_periods or 0,
    key=f"terms_earn_back_{version}", help="0: no earn-back",
)  # fmt: skip

st.subheader("At-risk pool")
risk_col, available_col = st.columns(2)
at_risk = risk_col.selectbox(
    "Suppliers state the at-risk amount in",
    questions,
    index=questions.index(form.at_risk_requirement or ""),
    key=f"terms_at_risk_{version}",
    help="The requirement (a number with a minimum) where suppliers offer the % of the monthly invoice at risk",
)
available = available_col.number_input(
    "Allocations may add up to (%)", min_value=1.0, max_value=500.0, value=float(form.pool_available),
    key=f"terms_available_{version}",
)  # fmt: skip
pool = state.table_editor(
    "terms_pool",
    form.pool,
    terms.POOL_COLUMNS,
    key=f"terms_pool_{version}",
    num_rows="dynamic",
    column_config={"Allocation %": st.column_config.NumberColumn(min_value=0, max_value=100)},
)

st.subheader("Termination rights")
rights = state.table_editor(
    "terms_rights",
    form.rights,
    terms.RIGHT_COLUMNS,
    key=f"terms_rights_{version}",
    num_rows="dynamic",
    column_config={
        "Trigger": st.column_config.SelectboxColumn(
            options=list(terms.TRIGGER_WORDS.values()), width="medium"
        ),
        "Level": st.column_config.SelectboxColumn(options=levels),
        "Accepted in": st.column_config.SelectboxColumn(options=ids),
        "Notice": st.column_config.TextColumn(width="large"),
    },
)

st.subheader("Questions to suppliers")
accept_col, report_col = st.columns(2)
acceptance = accept_col.selectbox(
    "Acceptance of the credit regime in", questions, index=questions.index(form.credit_acceptance or ""),
    key=f"terms_acceptance_{version}",
)  # fmt: skip
reporting = report_col.selectbox(
    "Report delivered by business day, in", questions, index=questions.index(form.reporting or ""),
    key=f"terms_reporting_{version}",
)  # fmt: skip

edited = dataclasses.replace(
    form, period_kind=period_kind, time_zone=time_zone, rolling_days=rolling_days, fixed_start=fixed_start,
    cap_percent=cap, earn_back_periods=int(earn_back) or None, at_risk_requirement=at_risk or None,
    pool_available=available, pool=pool, credits=credits, rights=rights, credit_acceptance=acceptance or None,
    reporting=reporting or None,
)  # fmt: skip
data, errors = terms.terms_from_form(edited, psr)
st.divider()
if errors:
    st.error(
        f"{len(errors)} problem(s) to fix before these terms can be saved:\n\n"
        + "\n".join(f"- {e}" for e in errors),
        icon=":material/error:",
    )
changed = not errors and terms.with_terms(psr, data).contract_terms != psr.contract_terms
name = state.user()
if st.button(
    f"Save as PSR version {version + 1}",
    type="primary",
    disabled=bool(errors) or not changed or not name,
    help=None if name else "Type your name in the sidebar first",
    key="save_terms",
) and state.record(
    lambda **kw: terms.save_contract_terms(store, project.id, data, expected_revision=project.revision, **kw)
):
    st.toast(f"Saved PSR version {version + 1}", icon=":material/save:")
    st.rerun()
if not errors and not changed:
    st.caption(f"The terms are those of PSR version {version}.")
