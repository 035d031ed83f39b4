"""Contract: the awarded bid's SLA schedule (committed levels, credit rules, termination rights), confirmed once."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from slm_psr.model import SLASchedule
from slm_psr.sanitise import markdown_text
from slm_psr.service import monitor
from slm_psr.service.contract import schedule_workbook
from slm_psr.store.contracts import ContractStore
from slm_psr.store.monitoring import MonitoringStore
from slm_psr.ui import state
from slm_psr.ui.compute import evaluation_or_stop

project = state.need_project()
store = state.store()

st.title("Contract")
st.caption(
    "After the award the winning bid's answers become the contract's SLA schedule: per service level the "
    "committed level (the offer where better than the minimum), the coverage window, the credit rule; "
    "then the cap, earn-back and termination rights. It is what Monitoring measures against."
)

state.need_opened_envelope(project)
monitor.ensure_demo_contract(store)  # the demo's contract, confirmed once (nothing for other projects)
contract = MonitoringStore(store).contract(project.id)
if contract is None:
    ranking = evaluation_or_stop(project).ranking()
    if not len(ranking):
        st.info("No bid is ranked yet: the contract is built from the awarded bid. See the Comparison page.")
        st.stop()
    best = str(ranking["supplier"].iloc[0])
    # the supplier's name is the bidder's text: escaped, never a link or picture
    st.info(
        f"No contract confirmed yet. The best-ranked bid is {markdown_text(best)}.", icon=":material/info:"
    )
    if st.button(
        f"Confirm the contract with {markdown_text(best)}", type="primary", key="confirm_contract"
    ) and state.record(lambda **kw: monitor.confirm_contract(store, project.id, best, **kw)):
        st.rerun()
    st.stop()

schedule = SLASchedule.model_validate(contract.schedule)
cur = schedule.currency
# the supplier's name and the confirming person's are typed text: escaped, never a link or picture
st.success(
    f"Contract with **{markdown_text(schedule.supplier)}**, version {contract.version}, confirmed by "
    f"{markdown_text(contract.confirmed_by)} on {str(contract.confirmed_at)[:10]}.",
    icon=":material/handshake:",
)
confirmed_version = contract.version
st.download_button(
    "Download the SLA schedule (workbook for the contract)",
    data=lambda: schedule_workbook(ContractStore(store).contract(project.id, confirmed_version)),
    file_name=f"sla-schedule-v{confirmed_version}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    key="download_sla_schedule",
)
left, middle, right = st.columns(3)
left.metric("Monthly invoice", f"{schedule.monthly_invoice:,.2f} {cur}")
middle.metric("Measurement period", schedule.period_text.split(",")[0])
right.metric("Term", f"{schedule.term_months} months")

st.subheader("Service levels")
st.dataframe(
    pd.DataFrame(
        [
            {
                "Level": lv.requirement_id,
                "Service level": lv.text,
                "Minimum": lv.minimum,
                "Offered": lv.offered,
                "Committed": lv.committed,
                "Why": lv.basis_text,
                "Measured in": lv.coverage_window,
                "Credit rule": lv.credit_rule,
                f"Monthly charge ({cur})": lv.monthly_charge,
            }
            for lv in schedule.levels
        ]
    ),
    hide_index=True,
    width="stretch",
    column_config={
        "Service level": st.column_config.TextColumn(width="medium"),
        "Credit rule": st.column_config.TextColumn(width="large"),
        f"Monthly charge ({cur})": st.column_config.NumberColumn(format="%,.2f"),
    },
)

st.subheader("Credits and earn-back")
st.markdown(
    f"- **Period:** {schedule.period_text}\n- **Cap:** {schedule.cap_text}\n- **Earn-back:** {schedule.earn_back}"
    + (
        f"\n- **Credit acceptance:** {markdown_text(schedule.credit_acceptance)}"
        if schedule.credit_acceptance
        else ""
    )
    + (f"\n- **Reporting:** {markdown_text(schedule.reporting)}" if schedule.reporting else "")
)

st.subheader("Termination rights")
if schedule.termination:
    st.dataframe(
        pd.DataFrame(
            [
                {"Right": t.id, "Trigger": t.trigger, "Notice": t.notice, "Supplier's answer": t.accepted}
                for t in schedule.termination
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.caption("No termination rights in this contract.")
for note in schedule.notes:
    st.caption(markdown_text(note))
