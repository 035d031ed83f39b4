"""Altair chart builders for the comparison: plain DataFrames in, ``alt.Chart`` out (no streamlit).

Each builder takes a long table with named columns, so a notebook user can draw
the same charts from an evaluation as the app does.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import altair as alt
import numpy as np
import pandas as pd

from slm_psr.engine.methods import METHODS, VALUE_PER, quality_price_shares
from slm_psr.engine.price import price_points
from slm_psr.model import EvaluationSettings

if TYPE_CHECKING:
    from slm_psr.engine import Evaluation

# Pixels per supplier in the bar chart and the heat maps: a step, not a fixed height, so the
# chart grows with the number of suppliers (Streamlit squeezes a fixed height on a discrete axis).
ROW_STEP = alt.Step(22)
PRICE_PART = "Price"
NAME_AXIS = alt.Axis(labelLimit=260)  # supplier names are long: "Westpark Datacenter Services GmbH"
RESULT_COLOURS = {  # qualification: green pass, red out, amber review, grey not asked
    "pass": "#2e7d32",
    "fail": "#c62828",
    "review": "#f9a825",
    "missing": "#6d4c41",
    "accepted": "#81c784",  # missed or doubtful, accepted by an override
    "rejected": "#ef9a9a",  # excluded by an override
    "not asked": "#bdbdbd",
}


def contribution_parts(ev: Evaluation) -> pd.DataFrame:
    """Each ranked bid's total split into its parts, shaped for :func:`contribution_bars`.

    Under MEAT the parts are the services' weighted quality points and the weighted
    price points (they add up to the total); under the UfAB methods the services'
    shares of the performance points L (the price is the divisor, not a part).
    Columns: supplier, part, points, rank.
    """
    ranking = ev.ranking()
    rank_of = dict(zip(ranking.supplier, ranking["rank"].astype(int), strict=True))
    names = {s.id: s.name for s in ev.psr.services}
    services = ev.services[ev.services.supplier.isin(set(rank_of))]
    frames = [
        pd.DataFrame(
            {
                "supplier": services.supplier,
                "part": services.service.map(names),
                "points": services.contribution,
            }
        )
    ]
    if METHODS[ev.settings.method].uses_price_points:
        _, price_share = quality_price_shares(ev.settings)
        frames.append(
            pd.DataFrame(
                {
                    "supplier": ranking.supplier,
                    "part": PRICE_PART,
                    "points": ranking.price_points * price_share,
                }
            )
        )
    parts = pd.concat(frames, ignore_index=True)
    parts["rank"] = parts.supplier.map(rank_of)
    return parts


def contribution_bars(parts: pd.DataFrame, *, title: str = "") -> alt.Chart:
    """Stacked bars: each supplier's total as the weighted contribution of each service plus price.

    ``parts``: supplier, part (a service name or ``PRICE_PART``), points, rank.
    Suppliers are ordered by rank (best on top); the parts keep their order of appearance.
    """
    order = parts.sort_values(["rank", "supplier"]).supplier.drop_duplicates().tolist()
    part_order = parts.part.drop_duplicates().tolist()
    data = parts.assign(part_index=parts.part.map({p: i for i, p in enumerate(part_order)}))
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            y=alt.Y("supplier:N", sort=order, title=None, axis=NAME_AXIS),
            x=alt.X("sum(points):Q", title="Points (weighted contribution to the total)", stack="zero"),
            color=alt.Color(
                "part:N",
                sort=part_order,
                title="Service / price",
                scale=alt.Scale(scheme="tableau10"),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("part_index:Q"),
            tooltip=[
                alt.Tooltip("supplier:N", title="Supplier"),
                alt.Tooltip("part:N", title="Part"),
                alt.Tooltip("points:Q", title="Points", format=".1f"),
                alt.Tooltip("rank:Q", title="Rank"),
            ],
        )
        .properties(height=ROW_STEP)
    )


def equal_value_lines(
    bids: pd.DataFrame, settings: EvaluationSettings, *, n_lines: int = 3, samples: int = 60
) -> pd.DataFrame:
    """Lines of equal value through the best bids in the price/quality plane, for the method in use.

    ``bids``: supplier, price_total, quality_points, total, rank (ranked bids only).
    Returns ``line`` (label), ``price_total``, ``quality_points`` points along each
    line: under MEAT the quality a bid at that price needs for the same total
    (relative price formulas keep the lowest qualified price as Pmin); under the
    UfAB methods rays ``L = Z * P`` through the origin (extended: the best Z and
    the lower edge of the tolerance band).
    """
    bids = bids.dropna(subset=["price_total", "quality_points", "total"]).sort_values("rank")
    if bids.empty:
        return pd.DataFrame(columns=["line", "price_total", "quality_points"])
    p_min, p_hi = float(bids.price_total.min()), float(bids.price_total.max())
    method = METHODS[settings.method]
    grid = np.linspace(p_min if method.uses_price_points else p_min * 0.9, p_hi * 1.1, samples)
    rows: list[pd.DataFrame] = []
    if method.uses_price_points:
        wq, wp = quality_price_shares(settings)
        if wq <= 0:
            return pd.DataFrame(columns=["line", "price_total", "quality_points"])
        # Prepend Pmin so that a relative formula measures the grid against the lowest qualified bid.
        pts = price_points(
            np.r_[p_min, grid],
            settings.price_formula,
            settings.max_points,
            ceiling=settings.price_ceiling,
            p_max=settings.price_max,
            p_opt=settings.price_optimum,
        )[1:]
        for _, bid in bids.head(n_lines).iterrows():
            quality = (bid.total - wp * pts) / wq
            keep = (quality >= 0) & (quality <= settings.max_points * 1.05)
            rows.append(
                pd.DataFrame(
                    {
                        "line": f"same total as {bid.supplier} ({bid.total:.1f})",
                        "price_total": grid[keep],
                        "quality_points": quality[keep],
                    }
                )
            )
    else:
        z_max = float(bids.total.max())
        levels = [(f"best value Z = {z_max:.2f}", z_max)]
        if method.band:
            levels.append(
                (
                    f"tolerance band edge Z = {z_max * (1 - settings.tolerance):.2f}",
                    z_max * (1 - settings.tolerance),
                )
            )
        else:
            levels += [
                (f"same Z as {b.supplier} ({b.total:.2f})", b.total)
                for _, b in bids.iloc[1:n_lines].iterrows()
            ]
        for label, z in levels:
            quality = z * grid / VALUE_PER
            keep = quality <= settings.max_points * 1.05
            rows.append(
                pd.DataFrame({"line": label, "price_total": grid[keep], "quality_points": quality[keep]})
            )
    return pd.concat(rows, ignore_index=True)


def price_quality(
    bids: pd.DataFrame, lines: pd.DataFrame, *, currency: str = "EUR", title: str = ""
) -> alt.LayerChart:
    """Each ranked bid's total price against its quality points, with the lines of equal value.

    ``bids``: supplier, price_total, quality_points, rank, winner (bool).
    ``lines``: the output of :func:`equal_value_lines`.
    """
    bids = bids.assign(result=np.where(bids.winner.astype(bool), "best bid", "bid"))
    points = (
        alt.Chart(bids)
        .mark_circle(size=90, opacity=0.85)
        .encode(
            x=alt.X(
                "price_total:Q", title=f"Total price over the term ({currency})", scale=alt.Scale(zero=False)
            ),
            y=alt.Y("quality_points:Q", title="Quality points", scale=alt.Scale(zero=False)),
            color=alt.Color(
                "result:N",
                scale=alt.Scale(domain=["best bid", "bid"], range=["#2e7d32", "#1f77b4"]),
                title=None,
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("supplier:N", title="Supplier"),
                alt.Tooltip("rank:Q", title="Rank"),
                alt.Tooltip("price_total:Q", title="Price", format=",.0f"),
                alt.Tooltip("quality_points:Q", title="Quality points", format=".1f"),
            ],
        )
    )
    labels = points.mark_text(align="left", dx=7, dy=-6, fontSize=11).encode(text="supplier:N")
    if len(bids) > 15:  # too many names to read: label the top five only
        labels = labels.transform_filter(alt.datum.rank <= 5)
    layers: list[alt.Chart] = []
    if not lines.empty:
        layers.append(
            alt.Chart(lines)
            .mark_line(strokeDash=[5, 4], strokeWidth=1.5)
            .encode(
                x="price_total:Q",
                y="quality_points:Q",
                detail="line:N",
                strokeDash=alt.StrokeDash(
                    "line:N",
                    title="Lines of equal value",
                    legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=400),
                ),
                color=alt.value("#757575"),
                tooltip=[alt.Tooltip("line:N", title="Line")],
            )
        )
    return alt.layer(*layers, points, labels, title=title).properties(height=380)  # type: ignore[return-value]


def service_points(scores: pd.DataFrame, names: dict[str, str] | None = None) -> pd.DataFrame:
    """The mean points per supplier and service, shaped for :func:`points_heatmap`.

    ``scores``: supplier, requirement, service (id), points, rank; ``names`` maps service
    ids to the names shown (default: the ids). Services keep their order of appearance;
    ``offered`` says over how many requirements the mean was taken and its range.
    """
    grouped = scores.groupby(["service", "supplier"], sort=False)
    out = grouped.agg(
        points=("points", "mean"),
        low=("points", "min"),
        high=("points", "max"),
        n=("requirement", "nunique"),
        rank=("rank", "first"),
    ).reset_index()
    out["requirement"] = out.service.map(names) if names else out.service
    out["offered"] = [
        f"mean of {n} requirements (from {low:.0f} to {high:.0f})"
        for n, low, high in zip(out.n, out.low, out.high, strict=True)
    ]
    return out[["supplier", "requirement", "points", "offered", "rank"]]


def split_alike(scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The rows of the requirements on which the bids score differently, and the others' common points.

    ``scores``: supplier, requirement, points. Returns those rows (in their order) and
    a Series of points per requirement that gives every bid the same points.
    """
    spread = scores.groupby("requirement", sort=False).points.agg(["min", "max"])
    alike = spread.loc[spread["min"] == spread["max"], "min"]
    return scores[~scores.requirement.isin(alike.index)], alike


def points_heatmap(scores: pd.DataFrame, *, title: str = "", column_title: str = "Requirement") -> alt.Chart:
    """Points (0-10) per supplier and requirement.

    ``scores``: supplier, requirement, points, offered (text), rank. Requirements keep
    their order of appearance, suppliers their rank. ``column_title`` names the columns in
    the tooltip (e.g. "Service" for the output of :func:`service_points`).
    """
    order = scores.sort_values(["rank", "supplier"]).supplier.drop_duplicates().tolist()
    requirements = scores.requirement.drop_duplicates().tolist()
    base = alt.Chart(scores, title=title).encode(
        x=alt.X("requirement:N", sort=requirements, title=None, axis=alt.Axis(labelAngle=-45, orient="top")),
        y=alt.Y("supplier:N", sort=order, title=None, axis=NAME_AXIS),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color(
            "points:Q",
            title="Points",
            scale=alt.Scale(domain=[0, 10], scheme="blues"),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("supplier:N", title="Supplier"),
            alt.Tooltip("requirement:N", title=column_title),
            alt.Tooltip("offered:N", title="Offered"),
            alt.Tooltip("points:Q", title="Points", format=".1f"),
        ],
    )
    chart = cells
    if len(order) * len(requirements) <= 400:  # numbers stay readable in small matrices only
        text = base.mark_text(fontSize=10).encode(
            text=alt.Text("points:Q", format=".0f"),
            color=alt.condition(alt.datum.points > 6, alt.value("white"), alt.value("black")),
        )
        chart = cells + text
    return chart.properties(height=ROW_STEP)


def qualification_matrix(cells: pd.DataFrame, *, title: str = "") -> alt.Chart:
    """Who meets which minimum: one cell per supplier and knock-out requirement, coloured by result.

    ``cells``: supplier, requirement, result (a key of ``RESULT_COLOURS``), offered, detail.
    """
    order = cells.supplier.drop_duplicates().tolist()
    requirements = cells.requirement.drop_duplicates().tolist()
    domain = [r for r in RESULT_COLOURS if r in set(cells.result)]
    return (
        alt.Chart(cells, title=title)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X(
                "requirement:N", sort=requirements, title=None, axis=alt.Axis(labelAngle=-45, orient="top")
            ),
            y=alt.Y("supplier:N", sort=order, title=None, axis=NAME_AXIS),
            color=alt.Color(
                "result:N",
                title="Result",
                scale=alt.Scale(domain=domain, range=[RESULT_COLOURS[r] for r in domain]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("supplier:N", title="Supplier"),
                alt.Tooltip("requirement:N", title="Requirement"),
                alt.Tooltip("offered:N", title="Offered"),
                alt.Tooltip("detail:N", title="Result"),
            ],
        )
        .properties(height=ROW_STEP)
    )


def nice_max(value: float) -> float:
    """A round upper bound for an axis or a slider (1, 2, 5 x 10^n)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    return next(m * exp for m in (1, 2, 5, 10) if m * exp >= value)


def level_steps(levels: pd.DataFrame, *, currency: str = "EUR") -> alt.Chart:
    """Per bid, the quality points each offered level earns against its monthly price difference.

    ``levels``: the ``levels`` table of ``engine.options.OptionsResult`` for one requirement
    (supplier, level, monthly, quality_points, price_per_point, step_total, chosen). A steep
    segment buys many points for little money; a flat one is where a level stops paying.
    """
    data = levels.assign(
        taken=levels["chosen"].map({True: "best combination", False: "offered"}),
        per_point=levels["price_per_point"].astype(float),
        step=levels["step_total"].astype(float),
    )
    base = alt.Chart(data).encode(
        x=alt.X("monthly:Q", title=f"Price difference per month ({currency})"),
        y=alt.Y("quality_points:Q", title="Quality points of this requirement"),
        color=alt.Color(
            "supplier:N",
            title="Supplier",
            scale=alt.Scale(scheme="tableau10"),
            legend=alt.Legend(orient="bottom", labelLimit=260),
        ),
    )
    tooltip = [
        alt.Tooltip("supplier:N", title="Supplier"),
        alt.Tooltip("level:N", title="Level"),
        alt.Tooltip("monthly:Q", title=f"Per month ({currency})", format=",.0f"),
        alt.Tooltip("quality_points:Q", title="Quality points", format=".2f"),
        alt.Tooltip("per_point:Q", title=f"Step: {currency} per point over the term", format=",.0f"),
        alt.Tooltip("step:Q", title="Step: change of the total", format="+.2f"),
        alt.Tooltip("taken:N", title="Taken"),
    ]
    lines = base.mark_line().encode(detail="supplier:N", order="quality_points:Q")
    dots = base.mark_point(size=80, filled=True).encode(
        shape=alt.Shape("taken:N", title="Level", scale=alt.Scale(range=["diamond", "circle"])),
        tooltip=tooltip,
    )
    labels = base.mark_text(align="left", dx=7, dy=-7, fontSize=11).encode(text="level:N")
    return (lines + dots + labels).properties(height=300, title="Points against price, step by step")


# --- after the award ---------------------------------------------------------------------

# Okabe-Ito colours, told apart by colour-blind readers; every mark also carries a word or a shape.
MET_COLOUR, MISSED_COLOUR, NO_DATA_COLOUR = "#0072B2", "#D55E00", "#999999"


def attainment_lines(results: pd.DataFrame, *, up_to: str | None = None) -> alt.Chart:
    """Per service level, the attained percentage per month (line and shaped points) and the committed level (dashed).

    ``results``: the monitoring frame (period, level, metric, attained, committed, met);
    measured values in their own unit are left out (they share no axis with percentages).
    """
    data = results[results["metric"] != "value"][["period", "level", "attained", "committed", "met"]].copy()
    if up_to is not None:
        data = data[data["period"] <= up_to]
    data["result"] = data["met"].map({True: "met", False: "missed"}).fillna("nothing to measure")
    base = alt.Chart(data).encode(x=alt.X("period:O", title="Month"))
    attained = base.mark_line(point=alt.OverlayMarkDef(size=60, filled=True)).encode(
        y=alt.Y("attained:Q", title="Attained (%)", scale=alt.Scale(zero=False)),
        color=alt.Color("level:N", title="Service level", scale=alt.Scale(scheme="tableau10")),
        shape=alt.Shape("level:N", title="Service level"),
        tooltip=["period:O", "level:N", alt.Tooltip("attained:Q", format=".3f"), "committed:Q", "result:N"],
    )
    committed = base.mark_line(strokeDash=[4, 3], color="#555555").encode(y="committed:Q", detail="level:N")
    return (committed + attained).properties(height=220, title="Attained against committed, per month")


def remaining_budget(results: pd.DataFrame, period: str) -> alt.Chart:
    """The budget each service level has left in one month (downtime minutes, late tickets, ...).

    ``results``: the monitoring frame (period, level, budget, budget_unit, met). Negative
    bars are levels that overspent their budget (missed); each bar is labelled with its
    figure and unit, so the colour is never the only signal.
    """
    data = results[(results["period"] == period) & results["budget"].notna()][
        ["level", "budget", "budget_unit", "met"]
    ].copy()
    data["result"] = data["met"].map({True: "met", False: "missed"}).fillna("nothing to measure")
    data["label"] = [f"{b:,.1f} {u}" for b, u in zip(data["budget"], data["budget_unit"], strict=True)]
    base = alt.Chart(data).encode(y=alt.Y("level:N", title="Service level"))
    bars = base.mark_bar().encode(
        x=alt.X("budget:Q", title="Remaining budget (in each level's unit)"),
        color=alt.Color(
            "result:N",
            title="Result",
            scale=alt.Scale(
                domain=["met", "missed", "nothing to measure"],
                range=[MET_COLOUR, MISSED_COLOUR, NO_DATA_COLOUR],
            ),
        ),
        tooltip=["level:N", "label:N", "result:N"],
    )
    text = base.mark_text(align="left", dx=4).encode(x="budget:Q", text="label:N")
    return (bars + text).properties(height=alt.Step(26), title=f"Remaining budget in {period}")


def credits_against_cap(ledger: pd.DataFrame, cap: float | None, *, currency: str = "EUR") -> alt.Chart:
    """Credits owed per month (bars) and earned back (hatched as a second bar), with the monthly cap as a rule."""
    data = ledger.melt(
        id_vars="period", value_vars=["owed", "earned_back"], var_name="what", value_name="amount"
    )
    data["what"] = data["what"].map({"owed": "credits owed", "earned_back": "earned back"})
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("period:O", title="Month"),
            xOffset="what:N",
            y=alt.Y("amount:Q", title=f"Amount ({currency})"),
            color=alt.Color(
                "what:N",
                title=None,
                scale=alt.Scale(domain=["credits owed", "earned back"], range=[MISSED_COLOUR, MET_COLOUR]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=["period:O", "what:N", alt.Tooltip("amount:Q", format=",.2f")],
        )
    )
    if cap is None:
        return bars.properties(height=200, title="Credits per month")
    rule = (
        alt.Chart(pd.DataFrame({"cap": [cap]}))
        .mark_rule(strokeDash=[6, 3], color="#000000")
        .encode(y="cap:Q")
    )
    return (bars + rule).properties(
        height=200, title=f"Credits per month against the monthly cap ({cap:,.2f} {currency})"
    )


def acceptability_bars(frame: pd.DataFrame, *, title: str = "") -> alt.Chart:
    """SMAA rank acceptability: per supplier a bar split by the share of draws at each rank.

    ``frame``: supplier, rank, acceptability (0..1), as ``Acceptability.frame()`` gives it.
    Suppliers are ordered by their share of first places; rank 1 is the darkest.
    """
    data = frame[frame.acceptability > 0].assign(place=lambda f: "rank " + f["rank"].astype(str))
    first = frame[frame["rank"] == 1].sort_values("acceptability", ascending=False, kind="stable")
    places = [f"rank {r}" for r in sorted(frame["rank"].unique())]
    return (
        alt.Chart(data, title=title)
        .mark_bar()
        .encode(
            y=alt.Y("supplier:N", sort=first.supplier.tolist(), title=None, axis=NAME_AXIS),
            x=alt.X("sum(acceptability):Q", title="Share of the weight draws", axis=alt.Axis(format="%")),
            color=alt.Color(
                "place:N",
                sort=places,
                title="Rank",
                scale=alt.Scale(domain=places, scheme="blues", reverse=True),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("rank:Q"),
            tooltip=[
                alt.Tooltip("supplier:N", title="Supplier"),
                alt.Tooltip("place:N", title="Rank"),
                alt.Tooltip("acceptability:Q", title="Share of draws", format=".1%"),
            ],
        )
        .properties(height=ROW_STEP)
    )
