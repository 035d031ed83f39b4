"""The scores and prices sheets: points per requirement with service subtotals, amounts per price item."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from slm_psr.excel.comparison.context import Context, is_ufab
from slm_psr.excel.sheetkit import (
    Column,
    Sheet,
    Styled,
)
from slm_psr.model import KIND_LABELS, Kind, PriceBasis, priced_kinds
from slm_psr.wording import flag_words

if TYPE_CHECKING:
    pass


# --- scores -----------------------------------------------------------------------------


def write_scores(sheet: Sheet, ctx: Context) -> None:
    ev, psr = ctx.ev, ctx.psr
    mp = f"{ctx.max_points:g}"
    contribution_to = "L" if is_ufab(ctx.method) else "total"
    sheet.title(
        "Scores per requirement",
        "Points 0-10 by the published rule; the weighted contribution is what the requirement adds "
        f"to the {contribution_to} (0-{mp}). Each service ends with a subtotal line. "
        "Filter by supplier to read one bid.",
    )
    columns = [
        # Widths chosen so that the sheet prints one A4 landscape page wide at a readable
        # scale; the long texts wrap in full instead of running under the next column.
        Column("Rank", 5, "integer"),
        Column("Supplier", 20, "wrap"),
        Column("Status", 10),
        Column("Service", 11, "wrap"),
        Column("Req. ID", 7),
        Column("Requirement", 30, "wrap"),
        Column("Kind", 9, "wrap"),
        Column("Minimum", 10, "wrap"),
        Column("Target", 10, "wrap"),
        Column("Knock-out", 8),
        Column("Offered (as read)", 16, "wrap"),
        Column("Answer as submitted", 14, "wrap"),
        Column("Flags", 9, "wrap"),
        Column("Points (0-10)", 7, "points"),
        Column("Weight in service", 8, "percent"),
        Column(f"Share of the {contribution_to}", 8, "percent"),
        Column(f"Contribution (to the {contribution_to})", 10, "points"),
    ]
    scores = ev.scores
    scores = scores[~scores["kind"].isin(priced_kinds())]
    supplier_pos = {n: i for i, n in enumerate(ctx.suppliers["supplier"].tolist())}
    service_pos = {s.id: i for i, s in enumerate(psr.services)}
    requirement_pos = {r.id: i for i, r in enumerate(psr.requirements)}
    # Bids in ranking order, each by service, requirements in PSR order.
    order = np.lexsort(
        (
            scores["requirement"].map(requirement_pos).to_numpy(),
            scores["service"].map(service_pos).to_numpy(),
            scores["supplier"].map(supplier_pos).to_numpy(),
        )
    )

    def column(name: str, **kw: Any) -> list[Any]:
        return scores[name].to_numpy(**kw)[order].tolist()

    supplier = column("supplier")
    service = column("service")
    rid = column("requirement")
    kind = column("kind")
    minimum, target = column("minimum"), column("target")
    offered, raw, flags = column("offered"), column("raw"), column("flags")
    points = column("points", dtype=float, na_value=np.nan)
    in_service = column("requirement_weight", dtype=float, na_value=np.nan)
    share = column("effective_weight", dtype=float, na_value=np.nan)
    contribution = column("contribution", dtype=float, na_value=np.nan)

    services = ev.services
    subtotal = {
        (s, v): (name, w, q, c)
        for s, v, name, w, q, c in zip(
            services["supplier"].tolist(),
            services["service"].tolist(),
            services["name"].tolist(),
            services["service_weight"].tolist(),  # among the services
            services["quality_points"].tolist(),
            services["contribution"].tolist(),
            strict=True,
        )
    }
    texts = {r.id: r.text for r in psr.requirements}
    service_names = {s.id: s.name for s in psr.services}
    kinds = {k.value: KIND_LABELS[k] for k in Kind}
    dash = {"-": None}
    ko, status, rank = ctx.knock_out_result, ctx.status, ctx.rank

    w = ev.weights[ev.weights["level"] == "service"]
    service_share = dict(zip(w["id"].tolist(), w["effective"].tolist(), strict=True))  # of the total

    def subtotal_row(s: str, v: str) -> list[Any]:
        name, _, quality, contrib = subtotal.get((s, v), (service_names.get(v, v), None, None, None))
        line = (
            f"Subtotal {name}: {quality:.2f} of {mp} service points"
            if quality is not None
            else f"Subtotal {name}"
        )
        return [
            rank[s],
            s,
            status[s],
            Styled(service_names.get(v, v), "subtotal_text"),
            Styled("", "subtotal_text"),
            Styled(line, "subtotal_text"),
            *([Styled("", "subtotal_text")] * 8),
            Styled("", "subtotal_text"),
            Styled(service_share.get(v), "subtotal_percent"),
            Styled(contrib, "subtotal_points"),
        ]

    def rows() -> Iterable[list[Any]]:
        n = len(supplier)
        for i in range(n):
            s, v = supplier[i], service[i]
            yield [
                rank[s],
                s,
                status[s],
                service_names.get(v, v),
                rid[i],
                texts.get(rid[i], ""),
                kinds.get(kind[i], kind[i]),
                dash.get(minimum[i], minimum[i]),
                dash.get(target[i], target[i]),
                ko.get((s, rid[i])),
                offered[i],
                raw[i],
                flag_words(flags[i]) if flags[i] is not None and len(flags[i]) else None,
                points[i],
                in_service[i],
                share[i],
                contribution[i],
            ]
            if i + 1 == n or supplier[i + 1] != s or service[i + 1] != v:
                yield subtotal_row(s, v)

    header, last = sheet.table(columns, rows(), freeze_cols=3)
    sheet.status_colours(header + 1, 2, last, 2)
    sheet.status_colours(header + 1, 9, last, 9)


# --- prices -----------------------------------------------------------------------------


def write_prices(sheet: Sheet, ctx: Context) -> None:
    ev, psr = ctx.ev, ctx.psr
    cur, mp = psr.currency, f"{ctx.max_points:g}"
    sheet.title(
        "Prices",
        f"Amounts as offered per price item; the total over the {psr.term_months}-month term counts "
        f"monthly items x quantity x {psr.term_months} and one-time items x quantity.",
    )
    items = psr.price_items
    columns = [
        Column("Rank", 6, "integer"),
        Column("Supplier", 30, "strong"),
        Column("Status", 14, "center"),
    ]
    for item in items:
        if item.price_basis is PriceBasis.MONTHLY:
            basis = f"monthly, x {item.quantity:g} x {psr.term_months}"
        else:
            basis = f"one-time, x {item.quantity:g}"
        columns.append(Column(f"{item.id} {item.text}\n({basis})", 16, "money"))
    columns.append(Column(f"Total over the term ({cur})", 18, "money"))
    if is_ufab(ctx.method):
        columns.append(Column(f"Z = L / P (points per 1,000 {cur})", 14, "ratio"))
        extra = "value_Z"
    else:
        columns.append(Column(f"Price points (0-{mp})", 12, "points"))
        extra = "price_points"
    columns.append(Column("Flags (price items)", 24, "wrap"))
    prices = ev.scores[ev.scores["kind"].isin(priced_kinds())]
    flagged: dict[str, list[str]] = {}
    for s, r, f in zip(
        prices["supplier"].tolist(), prices["requirement"].tolist(), prices["flags"].tolist(), strict=True
    ):
        if f is not None and len(f):
            flagged.setdefault(s, []).append(f"{r}: {flag_words(f)}")
    amount = {
        (s, r): v
        for s, r, v in zip(
            prices["supplier"].tolist(),
            prices["requirement"].tolist(),
            prices["value"].to_numpy(dtype=float, na_value=np.nan).tolist(),
            strict=True,
        )
    }
    frame = ctx.suppliers
    rows = [
        [
            ctx.rank[s],
            s,
            ctx.status[s],
            *(amount.get((s, item.id)) for item in items),
            total,
            points,
            "\n".join(flagged.get(s, ())) or None,
        ]
        for s, total, points in zip(
            frame["supplier"].tolist(), frame["price_total"].tolist(), frame[extra].tolist(), strict=True
        )
    ]
    header, last = sheet.table(columns, rows, freeze_cols=2)
    sheet.status_colours(header + 1, 2, last, 2)
