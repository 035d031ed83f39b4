"""Level options: each bid at its best combination of priced levels, and what each level step costs and earns."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from slm_psr.ui import compute, state

project = state.need_project()
state.need_opened_envelope(project)  # level prices and the award need the opened price envelope
psr = project.psr
cur = psr.currency

st.title("Level options")
st.caption(
    "Where the request allows it, suppliers offered other levels than their answer, each at a monthly "
    "price difference. Each bid is evaluated at its best combination under the published method; per "
    "requirement you see what each step up costs and what it earns, and where a higher level stops "
    "paying for itself."
)
open_to = [r for r in psr.requirements if r.options]
if not open_to:
    st.info(
        "This request opens no requirement to level options. On the Requirements page, set "
        "'options' on a service level (up to 3 alternative levels) and send the new questionnaire.",
        icon=":material/tune:",
    )
    st.stop()
state.need_responses(project)
try:
    result = compute.level_options(project)
except ValueError as exc:
    st.error(f"The bids cannot be evaluated yet: {exc}", icon=":material/error:")
    st.stop()

# --- each bid at its best combination ---------------------------------------------------
st.subheader("Each bid at its best combination")
bids = result.bids.dropna(subset=["best_total"]).sort_values("rank")
if bids.empty:
    st.info("No bid is qualified yet, with or without options. See the Qualification page.")
    st.stop()
st.dataframe(
    pd.DataFrame(
        {
            "Rank": bids["rank"].astype(int),
            "Supplier": bids.supplier,
            "Total as offered": bids.base_total.round(2),
            "Total at the best combination": bids.best_total.round(2),
            "Levels taken": bids.chosen.replace("", "the answers as given"),
            f"Price difference per month ({cur})": bids.monthly.round(0),
            f"Price over the term ({cur})": bids.price.round(0),
        }
    ),
    hide_index=True,
    width="stretch",
    column_config={
        name: st.column_config.NumberColumn(format="localized")
        for name in (f"Price difference per month ({cur})", f"Price over the term ({cur})")
    },
)
st.caption(
    "The comparison and the award record rank the bids as offered; this table shows how the ranking "
    "would stand if every bid were taken at its best levels (each measured against the others' best)."
)
for note in result.notes:
    st.text(note)  # supplier names are bidders' text: never Markdown

# --- per requirement: what each step costs and earns ------------------------------------
st.subheader("What each level step costs and earns")
if not result.has_options:
    st.info("No supplier offered a readable option yet.", icon=":material/tune:")
    st.stop()
offered = [r for r in open_to if r.id in set(result.levels.requirement)]
req = state.kept(
    st.selectbox,
    "Requirement",
    f"options.{project.id}.requirement",
    offered[0].id,
    options=[r.id for r in offered],
    format_func=lambda rid: f"{rid}: {psr.requirement(rid).text}",
)
levels = result.levels[result.levels.requirement == req]
table = pd.DataFrame(
    {
        "Supplier": levels.supplier,
        "Level": levels.level,
        f"Per month ({cur})": levels.monthly,
        "Points (0-10)": levels.points.round(2),
        "Quality points": levels.quality_points.round(2),
        f"Step cost over the term ({cur})": levels.step_cost.astype(float).round(0),
        "Step: quality points": levels.step_points.astype(float).round(2),
        f"Step: {cur} per point": levels.price_per_point.astype(float).round(0),
        "Step: change of the total": levels.step_total.astype(float).round(2),
        "Best combination": levels.chosen.map({True: "✓ taken", False: ""}),
    }
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        name: st.column_config.NumberColumn(format="localized")
        for name in (f"Per month ({cur})", f"Step cost over the term ({cur})", f"Step: {cur} per point")
    },
)
st.caption(
    "A step is the move from the level above it in the table to this one. The change of the total is "
    "what the step does to the bid's total under the published method with everything else as chosen: "
    "a negative change means the higher level no longer pays for itself."
)
compute.chart("level_steps", levels, currency=cur)
losing = [line for line in result.sentences() if "does not pay" in line]
for line in losing:
    st.text(line)  # supplier names are bidders' text: never Markdown
