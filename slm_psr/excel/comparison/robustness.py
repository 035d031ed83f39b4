"""The robustness sheet: weight stability intervals, SMAA acceptability and the AHP derivation of the weights."""

from __future__ import annotations

from slm_psr.engine.robustness import Acceptability, StabilityInterval, judgement_words
from slm_psr.excel.comparison.context import Context
from slm_psr.excel.sheetkit import Column, Sheet


def write_robustness(
    sheet: Sheet, ctx: Context, intervals: list[StabilityInterval], acceptability: Acceptability | None
) -> None:
    psr = ctx.psr
    sheet.title("How robust is the decision", f"For the published weights ({psr.id} version {psr.version})")
    sheet.line("Stability of the weights", "section")
    sheet.line("Each weight moves while the others keep their proportions; shares of their group.")
    for interval in intervals:
        sheet.wrapped(0, interval.sentence(), 120)
    sheet.row += 1
    sheet.table(
        [
            Column("Weight", 44),
            Column("Now", 10, "percent"),
            Column("Winner holds from", 14, "percent"),
            Column("to", 10, "percent"),
            Column("Whole ranking holds from", 16, "percent"),
            Column("to ", 10, "percent"),
            Column("Below, the winner is", 36, "wrap"),
            Column("Above, the winner is", 36, "wrap"),
        ],
        (
            (
                i.weight,
                i.current,
                i.winner_low,
                i.winner_high,
                i.ranking_low,
                i.ranking_high,
                ", ".join(i.winners_below),
                ", ".join(i.winners_above),
            )
            for i in intervals
        ),
        autofilter=False,
    )
    if acceptability is not None:
        sheet.line("Acceptability when the weights are uncertain (SMAA-2)", "section")
        for line in acceptability.sentences():
            sheet.wrapped(0, line, 120)
        sheet.row += 1
        n = len(acceptability.names)
        sheet.table(
            [Column("Supplier", 36), *(Column(f"Rank {r}", 9, "percent") for r in range(1, n + 1))],
            (
                (name, *acceptability.rank_acceptability[i].tolist())
                for i, name in enumerate(acceptability.names)
            ),
            autofilter=False,
        )
    derivation = psr.evaluation.service_weights_derivation
    if derivation is not None:
        names = {s.id: s.name for s in psr.services}
        sheet.line("How the service weights were derived", "section")
        sheet.line(
            f"{derivation.method}; consistency ratio {derivation.consistency_ratio:.3f}"
            + (f"; by {derivation.by}" if derivation.by else "")
        )
        for j in derivation.judgements:
            sheet.line(judgement_words(names.get(j.a, j.a), names.get(j.b, j.b), j.times))
        sheet.line(
            "Weights: "
            + ", ".join(f"{names.get(sid, sid)} {100 * w:.1f} %" for sid, w in derivation.weights.items())
        )
