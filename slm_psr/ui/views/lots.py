"""Lot award: the best award across lots by exact optimisation, the price of each rule, the runner-up, the chain."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from slm_psr.service.lots import award_workbook
from slm_psr.ui import compute, state
from slm_psr.wording import Status

project = state.need_project()
state.need_opened_envelope(project)  # level prices and the award need the opened price envelope
psr = project.psr
cur = psr.currency

st.title("Lot award")
st.caption(
    "Each lot is evaluated on its own services (and the services in no lot, such as the contract terms) "
    "with the bids that cover it; the award across lots maximises the lots' weighted totals (quality and "
    "price points, bundle discounts included) under the rules stated in the request, and is proven optimal."
)
if psr.lots is None:
    st.info(
        "This request is awarded as a whole: it has no lots. Lots, bundle discounts, the award rules and "
        "the chain of lots are set in the PSR file ('lots'); see the README.",
        icon=":material/view_module:",
    )
    st.stop()
state.need_responses(project)
try:
    award = compute.lot_award(project)
except ValueError as exc:
    st.error(f"The lots cannot be awarded yet: {exc}", icon=":material/error:")
    st.stop()
result, problem = award.result, award.problem
names = {lot.id: lot.label for lot in problem.lots}
best = result.best

# --- the best award ----------------------------------------------------------------------
st.subheader("The best award")
if not best.feasible:
    st.error(best.reason, icon=":material/block:")
else:
    left, middle, right = st.columns(3)
    left.metric("Value (weighted points)", f"{best.value:.2f}")
    middle.metric(f"Price over the term ({cur})", f"{best.price:,.0f}")
    right.metric("Suppliers", len(best.suppliers()))
    bids = {(b.supplier, b.lot): b for b in problem.bids}
    rows = []
    for option in best.chosen:
        for lot_id, price in zip(option.lots, option.prices, strict=True):
            bid = bids[(option.supplier, lot_id)]
            rows.append(
                {
                    "Lot": names[lot_id],
                    "Supplier": option.supplier,
                    "Quality points": round(bid.quality, 1),
                    f"Price over the term ({cur})": round(price),
                    "Bundle discount": f"{option.discount:.0%}" if option.discount else "",
                    "Committed availability": f"{bid.availability:g} %" if bid.availability else "-",
                }
            )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={f"Price over the term ({cur})": st.column_config.NumberColumn(format="localized")},
    )
    for lot_id in result.unawarded:
        st.warning(f"Lot {names[lot_id]}: no qualified bid; not awarded.", icon=":material/block:")

# --- the chain --------------------------------------------------------------------------
if problem.chain is not None:
    st.subheader("End-to-end availability of the chain")
    st.text(f"The service users see: {problem.chain.words(names)}.")
    minimum = problem.rules.chain_minimum
    if best.feasible and best.end_to_end is not None:
        st.metric(
            "End-to-end availability of the best award",
            f"{best.end_to_end:.3f} %",
            delta=f"{best.end_to_end - minimum:+.3f} points against the minimum {minimum:g} %"
            if minimum
            else None,
            delta_color="normal",
        )
    st.caption(
        "Serial: the product of the lots' committed availability; parallel: 1 minus the product of their "
        "unavailabilities. Both assume the lots fail independently; a shared cause (one data centre, one "
        "network) makes the real figure lower."
        + (" The minimum is a rule of the award: no award below it is considered." if minimum else "")
    )

# --- the rules and what they cost ---------------------------------------------------------
st.subheader("The rules and what each one costs")
if result.rule_prices:
    st.dataframe(
        pd.DataFrame(
            {
                "Rule": [r["rule"] for r in result.rule_prices],
                "Costs (value points)": [round(r["cost"], 2) for r in result.rule_prices],
                "Without it": [r["text"] for r in result.rule_prices],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption("A rule's price is the best award re-solved without it: what the buyer gives up for the rule.")
else:
    st.caption("The request states no award rules.")

# --- the runner-up ----------------------------------------------------------------------
st.subheader("The runner-up award")
second = result.runner_up
if second is None or not second.feasible:
    st.caption("No other award meets every rule.")
else:
    st.text("; ".join(option.words() for option in second.chosen))
    st.caption(
        f"Value {second.value:.2f} ({best.value - second.value:.2f} less), price {second.price:,.0f} {cur}"
        + (f", end to end {second.end_to_end:.3f} %" if second.end_to_end is not None else "")
        + "."
    )

with st.expander("Each lot's evaluation", icon=":material/table_view:"):
    for lot in problem.lots:
        table = award.lots.lots.get(lot.id)
        st.markdown(f"**{lot.label}** (weight {lot.weight:g})")
        if table is None:
            st.caption("No bid covers this lot.")
            continue
        shown = table.assign(status=[Status(s).word for s in table["status"]])
        st.dataframe(
            shown[["supplier", "status", "quality_points", "price_total", "rank"]].rename(
                columns={
                    "supplier": "Supplier",
                    "status": "Status",
                    "quality_points": "Quality points",
                    "price_total": f"Price over the term ({cur})",
                    "rank": "Rank in the lot",
                }
            ),
            hide_index=True,
            width="stretch",
        )
for note in award.lots.notes:
    st.text(note)  # supplier names are bidders' text: never Markdown

st.download_button(
    "Download the award workbook",
    data=lambda: award_workbook(result, title=psr.title, lots=award.lots),
    file_name=f"award-{psr.id}-v{psr.version}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    key="download_award_workbook",
    help="The award per lot, each rule and its price, the runner-up, the chain, every lot bid.",
)
