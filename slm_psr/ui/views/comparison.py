"""Comparison: the ranking, what makes up each total, price against quality, points per requirement, what-if weights."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from slm_psr import charts
from slm_psr.engine.methods import METHODS
from slm_psr.model import Method, priced_kinds
from slm_psr.sanitise import markdown_text
from slm_psr.ui import compute, robustness, state
from slm_psr.ui.compute import evaluation_or_stop
from slm_psr.wording import WarningCode

HEAT_MAP_ALL = 40  # up to this many requirements one heat map shows them all

project = state.need_project()
psr = project.psr
published = psr.evaluation
meat = METHODS[published.method].uses_price_points

state.header(
    "Comparison",
    "The qualified bids ranked by the method the PSR publishes, with what-if weights that never change it.",
)
state.psr_change_banner(project)
state.need_responses(project)
if project.sealed:  # a team's project before the price envelope is opened: quality only, no price anywhere
    st.info(
        "The price envelope is sealed: bids are compared on quality alone until the lead buyer freezes the "
        "quality scores and opens the envelope (Team page).",
        icon=":material/lock:",
    )
    sealed = compute.evaluation_or_stop(project).ranking()
    st.dataframe(
        pd.DataFrame({"Rank by quality": sealed["rank"].astype(int), "Supplier": sealed.supplier,
                      "Quality points": sealed.quality_points.round(1)}),
        hide_index=True,
        width="stretch",
    )  # fmt: skip
    st.stop()

# --- what-if weights -------------------------------------------------------------------
prefix = f"whatif.{project.id}.{project.psr_version}"
published_price_share = round(
    100 * published.price_weight / (published.quality_weight + published.price_weight)
)
with st.container(border=True):
    head, reset = st.columns([4, 1], vertical_alignment="center")
    head.markdown("**What if the weights were different?** Move a weight and the ranking below follows.")
    reset_clicked = reset.button("Reset weights", key="whatif_reset", width="stretch")
    if reset_clicked:
        for s in psr.services:
            state.forget(f"{prefix}.service.{s.id}", s.weight)
        state.forget(f"{prefix}.price", published_price_share)
    # One service gets every quality point whatever its weight: no slider that does nothing.
    movable = psr.services if len(psr.services) > 1 else []
    columns = st.columns(max(1, len(movable) + (1 if meat else 0)))
    service_weights = {s.id: s.weight for s in psr.services}
    if not movable:
        st.caption(
            f"This tender has one service ({psr.services[0].name}): all quality points come from it, "
            "so there is no service weight to move."
        )
    for column, s in zip(columns, movable, strict=False):
        service_weights[s.id] = state.kept(
            column.slider,
            f"{s.name} weight",
            f"{prefix}.service.{s.id}",
            s.weight,
            min_value=0.0,
            max_value=max(100.0, charts.nice_max(s.weight)),
            step=1.0,
            format="%.0f",
            help=f"Published: {s.weight:g}",
        )
    price_share = published_price_share
    if meat:
        price_share = state.kept(
            columns[-1].slider,
            "Price share of the total (%)",
            f"{prefix}.price",
            published_price_share,
            min_value=0,
            max_value=100,
            step=1,
            help=f"Published: quality {published.quality_weight:g}, price {published.price_weight:g}",
        )
    else:
        st.caption("This method divides quality by price (Z = L / P); there is no price weight to move.")

changed_services = {sid: w for sid, w in service_weights.items() if w != psr.service(sid).weight}
what_if = bool(changed_services) or price_share != published_price_share
zeroed = [psr.service(sid).name for sid, w in service_weights.items() if w <= 0]
if len(zeroed) == len(service_weights):
    st.info(
        "Every service weight is at zero, so quality would count for nothing. The ranking below uses the "
        "published service weights until you move one above zero.",
        icon=":material/info:",
    )
    service_weights = {s.id: s.weight for s in psr.services}
    changed_services = {}
    what_if = price_share != published_price_share
elif zeroed:
    st.caption(f"At weight zero, {', '.join(zeroed)} count(s) for nothing in this what-if.")
settings = published
if price_share != published_price_share:  # the published weights stay exact unless the share moved
    settings = published.model_copy(
        update={"quality_weight": 100.0 - price_share, "price_weight": float(price_share)}
    )
ev = evaluation_or_stop(project, settings=settings, service_weights=service_weights)
base = evaluation_or_stop(project) if what_if else ev
ranking = ev.ranking()

if what_if:
    st.warning(
        "What-if: these weights differ from the published ones. The ranking below is for exploring only; "
        "the award follows the published weights (Export uses them).",
        icon=":material/science:",
    )

# --- the ranking ------------------------------------------------------------------------
st.subheader("Ranking")
if ranking.empty:
    st.info("No bid is qualified yet. See the Qualification page for who is disqualified or needs review.")
    st.stop()
winners = ev.winners
st.success(
    f"Best bid: **{' and '.join(winners)}**" + (" (tie)" if len(winners) > 1 else ""),
    icon=":material/emoji_events:",
)
published_rank = dict(zip(base.suppliers.supplier, base.suppliers["rank"], strict=True))
table = pd.DataFrame(
    {
        "Rank": ranking["rank"].astype(int),
        "Supplier": ranking.supplier,
        "Total" if meat else "Value Z (points per 1,000)": ranking.total.round(2),
        "Quality points": ranking.quality_points.round(1),
        f"Price over the term ({psr.currency})": ranking.price_total.round(0),
    }
)
if meat:
    table["Price points"] = ranking.price_points.round(1)
if published.method is Method.UFAB_EXTENDED:
    table["Finalist"] = ranking.finalist
exposure_columns = []
if "credit_at_minimums" in ranking.columns:  # the PSR states contract terms: money at stake per month
    exposure_columns = [
        f"At risk per month ({psr.currency})",
        f"Credit per month at the minimums ({psr.currency})",
    ]
    table[exposure_columns[0]] = ranking.at_risk_amount.round(0).to_numpy()
    table[exposure_columns[1]] = ranking.credit_at_minimums.round(0).to_numpy()
if what_if:
    table["Published rank"] = [published_rank.get(s) for s in ranking.supplier]
    table["Moved"] = [
        "" if pd.isna(p) or p == r else (f"▲ {int(p - r)}" if p > r else f"▼ {int(r - p)}")
        for r, p in zip(table.Rank, table["Published rank"], strict=True)
    ]
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        name: st.column_config.NumberColumn(format="localized")
        for name in (f"Price over the term ({psr.currency})", *exposure_columns)
    },
)
if exposure_columns:
    st.caption(
        "At risk: the share of the monthly invoice each bid offers for service credits. Credit at the "
        "minimums: what a bid would owe in a month in which every level it offered above the minimum "
        "fell to the minimum (capped as the contract terms say)."
    )
not_ranked = ev.suppliers[ev.suppliers["rank"].isna()]
if len(not_ranked):
    who = (
        ", ".join(map(markdown_text, not_ranked.supplier))
        if len(not_ranked) <= 8
        else f"{len(not_ranked)} bids"
    )
    st.caption(f"Not ranked: {who} (disqualified or needing review; see Qualification).")

# --- rank reversal ---------------------------------------------------------------------
loo = ev.leave_one_out
because = METHODS[ev.settings.method].relative_because(ev.settings) or ""  # the registry's words
because = because[:1].upper() + because[1:]
risky = loo[loo.winner_changes | loo.reversals.map(bool)] if len(loo) else loo
if ev.relative and len(risky):
    winner_changes = loo[loo.winner_changes]
    lines = [row.note for row in (winner_changes if len(winner_changes) else risky).itertuples()][:5]
    st.warning(
        f"**Rank reversal risk.** {because}, so removing a bid changes the others' order:\n"
        + "\n".join(f"- {line}" for line in lines),
        icon=":material/swap_vert:",
    )
    with st.expander(f"Ranking with each bid left out ({len(loo)} bids)"):
        st.dataframe(
            loo.assign(reversals=loo.reversals.map("; ".join)).rename(
                columns={
                    "left_out": "Left out",
                    "winner": "Winner",
                    "winner_without": "Winner without it",
                    "winner_changes": "Winner changes",
                    "reversals": "Order changes among the others",
                    "note": "In words",
                }
            ),
            hide_index=True,
            width="stretch",
        )
elif ev.relative:
    st.caption(f"{because}, but leaving out any one bid changes no one's order here.")

other_warnings = [w for w in ev.warnings if getattr(w, "code", None) is not WarningCode.RELATIVE_METHOD]
if any(getattr(w, "code", None) is WarningCode.UNSCORED for w in other_warnings):
    st.info(
        "Some qualitative criteria are not scored yet and count 0 points for now: the evaluators score "
        "them at the foot of the Qualification page.",
        icon=":material/rate_review:",
    )
if other_warnings:
    with st.expander(f"Notes from the evaluation ({len(other_warnings)})", icon=":material/info:"):
        st.markdown("\n".join(f"- {markdown_text(w)}" for w in other_warnings))

# --- charts ------------------------------------------------------------------------------
ranked = set(ranking.supplier)
rank_of = dict(zip(ranking.supplier, ranking["rank"].astype(int), strict=True))
names = {s.id: s.name for s in psr.services}
if meat:
    st.subheader("What makes up each total")
    st.caption(
        "Each bar is a bid's total: the weighted points of each service plus the price points. "
        f"Quality counts {100 - price_share} %, price {price_share} %."
    )
else:
    st.subheader("Performance points L by service")
    st.caption("Under the value-for-money method the total is Z = L / P; the bars show L, the points bought.")
compute.chart("contribution_bars", charts.contribution_parts(ev))

st.subheader("Price against quality")
st.caption(
    "Each dot is a qualified bid. Dashed lines join the prices and quality points that would score the same "
    + (
        "total as the best bids: a bid above a line beats it."
        if meat
        else "value Z: a bid above a line has more points per euro."
    )
)
bids = ranking[["supplier", "price_total", "quality_points", "total", "rank", "winner"]]
compute.chart("price_quality", bids, charts.equal_value_lines(bids, settings), currency=psr.currency)

st.subheader("Points per requirement")
scores = ev.scores[
    ev.scores.supplier.isin(ranked) & ~ev.scores.kind.isin(priced_kinds()) & (ev.scores.rule != "none")
]
heat = (
    scores[["supplier", "requirement", "service", "points", "offered"]]
    .assign(rank=scores.supplier.map(rank_of))
    .fillna({"points": 0})
)
n_requirements = heat.requirement.nunique()
if n_requirements <= HEAT_MAP_ALL:
    st.caption("SLA points from 0 (at the minimum) to 10 (at the target or better), per qualified bid.")
    compute.chart("points_heatmap", heat)
else:
    # One matrix of every requirement would be thousands of cells nobody can read:
    # the average per service first, then the requirements of one service.
    st.caption(
        f"SLA points from 0 (at the minimum) to 10 (at the target or better), per qualified bid. With "
        f"{n_requirements} requirements, first the average per service; pick a service below for its "
        "requirements one by one."
    )
    compute.chart("points_heatmap", charts.service_points(heat, names), column_title="Service")
    with st.container(border=True):
        pick, only = st.columns([2, 3], vertical_alignment="bottom")
        present = set(heat.service.unique())
        service_ids = [sid for sid in names if sid in present]
        chosen = state.kept(
            pick.selectbox,
            "Requirements of",
            f"heat.{project.id}.service",
            service_ids[0],
            options=service_ids,
            format_func=names.get,
        )
        differ_only = state.kept(
            only.toggle,
            "Only requirements where the bids score differently",
            f"heat.{project.id}.differ",
            True,
        )
        shown = heat[heat.service == chosen]
        if differ_only:
            n_all = shown.requirement.nunique()
            shown, alike = charts.split_alike(shown)
            if len(alike):
                same = ", ".join(f"{rid} ({p:g})" for rid, p in alike.head(20).items())
                st.caption(
                    f"{len(alike)} of {n_all} requirements give every bid the same points and are hidden: "
                    f"{same}{', …' if len(alike) > 20 else ''}."
                )
        if shown.empty:
            st.info("Every bid scores the same on each requirement of this service.")
        else:
            compute.chart("points_heatmap", shown)

robustness.render(project, base)

with st.expander("From answer to total, for one supplier", icon=":material/manage_search:"):
    who = st.selectbox("Supplier", ranking.supplier.tolist(), key="explain_supplier")
    trail = ev.explain(who)
    st.dataframe(
        trail[
            [
                "requirement",
                "offered",
                "raw",
                "minimum",
                "target",
                "points",
                "effective_weight",
                "contribution",
            ]
        ].rename(
            columns={
                "requirement": "Requirement",
                "offered": "Offered",
                "raw": "As typed",
                "minimum": "Minimum",
                "target": "Target",
                "points": "Points (0-10)",
                "effective_weight": "Share of quality",
                "contribution": "Contribution",
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={"Share of quality": st.column_config.NumberColumn(format="percent")},
    )
    st.caption(ev.method_description())

state.next_step("comparison")
