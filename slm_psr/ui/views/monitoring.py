"""Monitoring: upload measurements (per-file results), pick a month, see each service level met or missed, credits, triggers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from slm_psr import charts
from slm_psr.engine.periods import PERIOD_NOUNS, REPORT_TITLES, label_words
from slm_psr.model import SLASchedule
from slm_psr.sanitise import markdown_text
from slm_psr.service import disputes, monitor, review, service_report
from slm_psr.service.period_records import period_records
from slm_psr.store.monitoring import MonitoringStore
from slm_psr.ui import state

ss = st.session_state
project = state.need_project()
store = state.store()
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

st.title("Monitoring")
st.caption(
    "Outage logs, ticket exports and measured values as the tools export them (.xlsx or .csv), several at "
    "once. Every month is computed from the first measurement on (earn-back and termination need the "
    "history); both parties see the same figures."
)

state.need_opened_envelope(project)
monitor.ensure_demo_contract(store)
contract = MonitoringStore(store).contract(project.id)
if contract is None:
    st.info("Confirm the contract on the Contract page first: monitoring measures against its SLA schedule.")
    st.stop()
schedule = SLASchedule.model_validate(contract.schedule)
cur = schedule.currency

gen = ss.setdefault("measurement_gen", 0)
files = st.file_uploader(
    "Measurement files (.xlsx, .csv)",
    type=["xlsx", "csv"],
    accept_multiple_files=True,
    key=f"measurements.{gen}",
)
if files and st.button("Import these files", type="primary", key="import_measurements"):
    name = state.user()
    if not name:
        st.error("Type your name in the sidebar first: every import is recorded with who made it.")
    else:
        results = monitor.import_measurements(
            store, project.id, [(f.name, f.getvalue()) for f in files], user=name
        )
        ss["measurement_results"] = [(r.filename, r.accepted, r.summary(), list(r.notes)) for r in results]
        ss["measurement_gen"] = gen + 1
        st.rerun()
for filename, accepted, summary, notes in ss.get("measurement_results", []):
    box = st.success if accepted else st.error
    box(markdown_text(summary), icon=":material/check_circle:" if accepted else ":material/block:")
    if notes:
        with st.expander(f"{markdown_text(filename)}: {len(notes)} note(s)"):
            st.markdown("\n".join(f"- {markdown_text(n)}" for n in notes[:200]))

try:
    report = monitor.monitor(store, project.id, save=False)
except monitor.MonitoringError as exc:
    st.info(f"{exc}. Upload the month's measurement files above.", icon=":material/info:")
    st.stop()

period = st.selectbox(
    PERIOD_NOUNS[schedule.period.kind],
    report.periods,
    index=len(report.periods) - 1,
    format_func=lambda label: f"{label}: {label_words(schedule.period, label)}",
    key="monitoring_period",
)
month = report.results[report.results["period"] == period]
met = int((month["met"] == True).sum())  # noqa: E712 (NaN is neither)
missed = int((month["met"] == False).sum())  # noqa: E712
line = report.ledger[report.ledger["period"] == period].iloc[0]
a, b, c, d = st.columns(4)
a.metric("Service levels met", f"{met} of {len(month)}")
b.metric("Missed", missed)
c.metric("Credits owed", f"{line['owed']:,.2f} {cur}")
d.metric("Credits to date", f"{line['cumulative']:,.2f} {cur}")

st.subheader(f"Service levels in {period}")
st.caption(
    "✓ met (blue) · ✗ missed (orange) · – nothing to measure (grey): a sign and a word, not colour alone."
)
table = pd.DataFrame(
    {
        "Result": [
            "– nothing to measure" if pd.isna(m) else ("✓ met" if m else "✗ missed") for m in month["met"]
        ],
        "Level": month["level"],
        "Service level": month["name"],
        "Attained": month["attained"],
        "Committed": month["committed"],
        "Margin": month["margin"],
        "Remaining budget": [
            "" if pd.isna(v) else f"{v:,.2f} {u}"
            for v, u in zip(month["budget"], month["budget_unit"], strict=True)
        ],
        f"Credit ({cur})": month["credit"],
    }
)
COLOURS = {"✓ met": charts.MET_COLOUR, "✗ missed": charts.MISSED_COLOUR}


def _paint(value: str) -> str:
    colour = COLOURS.get(value, charts.NO_DATA_COLOUR)
    return f"background-color: {colour}; color: white; font-weight: bold"


st.dataframe(
    table.style.map(_paint, subset=["Result"]).format(
        {"Attained": "{:.3f}", "Committed": "{:g}", "Margin": "{:+.3f}", f"Credit ({cur})": "{:,.2f}"},
        na_rep="-",
    ),
    hide_index=True,
    width="stretch",
)

left, right = st.columns(2)
with left:
    st.altair_chart(charts.attainment_lines(report.results, up_to=period), width="stretch")
with right:
    cap = schedule.monthly_invoice * schedule.cap_percent / 100 if schedule.cap_percent is not None else None
    st.altair_chart(
        charts.credits_against_cap(report.ledger[report.ledger["period"] <= period], cap, currency=cur),
        width="stretch",
    )

st.altair_chart(charts.remaining_budget(report.results, period), width="stretch")

st.subheader("Termination rights")
rights = report.termination[report.termination["period"] == period]
st.dataframe(
    pd.DataFrame(
        {
            "State": [
                "TRIGGERED" if t else ("one miss away" if w else "not triggered")
                for t, w in zip(rights["triggered"], rights["within_one"], strict=True)
            ],
            "Right": rights["right"],
            "Trigger": rights["trigger"],
            "Status": rights["status"],
        }
    ),
    hide_index=True,
    width="stretch",
)

st.subheader(f"Measurements of {period}")
st.caption(
    "Each record as read from its file. A wrong record is corrected with the reason (the old and the new value "
    "stay on record); either party may dispute one, saying why. A month both parties signed off is closed: "
    "reopen it on the Service review page first."
)
found = period_records(store, project.id, period)
if found.empty:
    st.caption(f"No measurement records in {period}.")
else:
    wanted = st.text_input(
        "Find a record", key=f"record_filter_{period}", placeholder="e.g. a ticket number, a service, a file"
    )
    shown = found
    if wanted.strip():
        text = (
            found["description"] + " " + found["file"] + " row " + found["row"].astype(str)
        ).str.casefold()
        shown = found[text.str.contains(wanted.strip().casefold(), regex=False)]
    st.dataframe(
        pd.DataFrame(
            {
                "What": shown["what"],
                "Record": shown["description"],
                "File, row": shown["file"] + ", row " + shown["row"].astype(str),
                "Disputed": shown["disputed"].map({True: "disputed", False: ""}),
            }
        ),
        hide_index=True,
        width="stretch",
    )
    if not shown.empty:
        by_key = shown.set_index("record")
        chosen = st.selectbox(
            "Record",
            by_key.index.tolist(),
            format_func=lambda r: (
                f"{by_key.at[r, 'file']}, row {by_key.at[r, 'row']}: {by_key.at[r, 'description']}"
            ),
            key=f"record_{period}",
        )
        fix, object_to = st.columns(2)
        with fix.container(border=True):
            st.markdown("**Correct it**")
            field = st.selectbox("Field", by_key.at[chosen, "fields"], key=f"correct_field_{period}")
            value = st.text_input(
                "New value", key=f"correct_value_{period}", placeholder="e.g. 21.09.2027 08:40 or 99.5"
            )
            why = st.text_input(
                "Reason", key=f"correct_reason_{period}", placeholder="e.g. the probe log says so"
            )
            if st.button("Correct the record", key="correct_record") and state.record(
                lambda **kw: monitor.correct_measurement(store, project.id, chosen, field, value, why, **kw)
            ):
                st.rerun()
        with object_to.container(border=True):
            st.markdown("**Dispute it**")
            party = st.radio(
                "Disputed by",
                review.PARTIES,
                format_func=lambda p: review.PARTY_WORDS[p],
                horizontal=True,
                key=f"record_party_{period}",
            )
            reason = st.text_input(
                "Why", key=f"record_dispute_reason_{period}", placeholder="e.g. the outage was announced"
            )
            if st.button("Dispute the record", key="dispute_record") and state.record(
                lambda **kw: disputes.dispute_record(store, project.id, chosen, party, reason, **kw)
            ):
                st.rerun()

st.subheader(REPORT_TITLES[schedule.period.kind])
st.caption(
    f"The same document for {schedule.buyer} and {schedule.supplier}: one computation, the figures above "
    "with their arithmetic, a table for comments and actions, and a sign-off block for both parties."
)
pdf_col, xlsx_col = st.columns(2)
pdf_col.download_button(
    f"Download the report for {period} (PDF)",
    data=lambda: service_report(store, project.id, period)[0],
    file_name=f"service-report-{period}.pdf",
    mime=PDF,
    type="primary",
    icon=":material/download:",
    key="download_service_report",
)
xlsx_col.download_button(
    f"Download the report for {period} (workbook)",
    data=lambda: service_report(store, project.id, period)[1],
    file_name=f"service-report-{period}.xlsx",
    mime=XLSX,
    icon=":material/download:",
    key="download_service_report_xlsx",
)
