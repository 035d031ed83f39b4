"""The award record: the evaluation as a PDF a buyer files and signs (§ 8 VgV documentation).

``award_record_pdf`` takes an evaluation and what the store knows about it (PSR
versions, input files, evaluators' scores, the audit trail in words) as plain
data and returns the PDF bytes. Page one is the summary (the decision and why);
then the tender, the method in words, every bid with its status, knock-outs,
overrides, evaluators' scores, the ranking with its composition, the
rank-reversal check, the files with their SHA-256, the audit trail and the
sign-off block.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from slm_psr import charts
from slm_psr.engine.methods import METHODS
from slm_psr.engine.price import FORMULAS
from slm_psr.engine.robustness import Acceptability, StabilityInterval, judgement_words
from slm_psr.model import KIND_LABELS, format_level
from slm_psr.reports.award_lots import options_and_lots
from slm_psr.reports.document import Col, Document, money, num
from slm_psr.wording import STATUS_WORDS, WarningCode, codes, status_word

if TYPE_CHECKING:
    from slm_psr.engine import Evaluation
    from slm_psr.engine.award import AwardResult
    from slm_psr.engine.options import OptionsResult

SIGN_OFF_ROLES = (
    "Prepared by (procurement officer)",
    "Checked by (second evaluator)",
    "Approved by (award decision)",
)


@dataclass(frozen=True)
class AuditLine:
    """One change on record, already in words."""

    when: dt.datetime
    who: str
    what: str


@dataclass(frozen=True)
class VersionLine:
    """One saved PSR version."""

    version: int
    saved_at: dt.datetime
    saved_by: str
    content_hash: str


@dataclass(frozen=True)
class FileLine:
    """One uploaded answer file and what became of it ("read", "refused: …", "replaced by …")."""

    name: str
    sha256: str
    supplier: str | None
    state: str
    uploaded_by: str = ""
    uploaded_at: dt.datetime | None = None


def _utc(moment: dt.datetime | None) -> dt.datetime:
    moment = moment or dt.datetime.now(dt.UTC)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _when(moment: dt.datetime | None) -> str:
    return "" if moment is None else f"{_utc(moment):%Y-%m-%d %H:%M}"


def _rank(value: Any) -> str:
    return "-" if value is None or value is pd.NA or value != value else str(int(value))


class _Record:
    """The award record's sections, written in order into one document."""

    def __init__(
        self,
        ev: Evaluation,
        doc: Document,
        versions: Sequence[VersionLine],
        files: Sequence[FileLine],
        audit: Sequence[AuditLine],
        evaluator_scores: pd.DataFrame | None,
        moment: dt.datetime,
        prepared_by: str,
        robustness: tuple[list[StabilityInterval], Acceptability | None] | None = None,
        envelope: str = "",
    ):
        self.robustness, self.envelope = robustness, envelope
        self.ev, self.doc, self.psr = ev, doc, ev.psr
        self.versions, self.files, self.audit = versions, files, audit
        self.evaluator_scores = evaluator_scores
        self.moment, self.prepared_by = moment, prepared_by
        self.cur = ev.psr.currency
        self.ufab = not METHODS[ev.settings.method].uses_price_points
        self.mp = f"{ev.settings.max_points:g}"
        self.ranking = ev.ranking()

    # --- page one ------------------------------------------------------------------

    def decision(self) -> str:
        """The proposed award and the reason for it in one or two sentences."""
        ev, ranking = self.ev, self.ranking
        if not len(ranking):
            return "No bid can be ranked: no bid is qualified yet. No award can be proposed."
        first = ranking.iloc[0]
        if len(ev.winners) > 1:
            return f"Tie for first place: {' and '.join(ev.winners)} ({ev.tie_break})."
        if self.ufab:
            lead = (
                f"{first.supplier} ranks first with Z = {num(first.value_Z, 3)} points per 1,000 {self.cur} "
                f"(performance {num(first.performance_L)} of {self.mp} points, price "
                f"{money(first.price_total, self.cur)} over {self.psr.term_months} months)."
            )
        else:
            lead = (
                f"{first.supplier} ranks first with {num(first.total)} of {self.mp} points "
                f"(quality {num(first.quality_points)}, price {num(first.price_points)} points; price "
                f"{money(first.price_total, self.cur)} over {self.psr.term_months} months)."
            )
        if len(ranking) > 1:
            second = ranking.iloc[1]
            key = "value_Z" if self.ufab else "total"
            gap = float(first[key]) - float(second[key])
            unit = f"points per 1,000 {self.cur}" if self.ufab else "points"
            lead += f" Next: {second.supplier}, {num(gap, 3 if self.ufab else 2)} {unit} behind."
        return lead

    def summary(self) -> None:
        doc, psr, ev = self.doc, self.psr, self.ev
        doc.add_page()
        doc.heading("Award record", level=0)
        doc.para(f"{psr.title}", size=12, bold=True)
        doc.para(f"{psr.buyer}", muted=True)
        counts = {w: 0 for w in STATUS_WORDS.values()}
        for s in ev.suppliers["status"]:
            counts[status_word(s)] = counts.get(status_word(s), 0) + 1
        doc.pairs(
            [
                ("Tender (PSR)", f"{psr.id}, version {psr.version}"),
                ("PSR content hash (SHA-256)", self.evaluated_hash()),
                ("Deadline for bids", psr.deadline.isoformat()),
                ("Contract term", f"{psr.term_months} months, prices in {psr.currency}"),
                (
                    "Bids received",
                    f"{len(ev.suppliers)}: {counts['qualified']} qualified, {counts['needs review']} "
                    f"need{'s' if counts['needs review'] == 1 else ''} review, {counts['disqualified']} disqualified",
                ),
                ("Method", self.method_line()),
                (
                    "Record generated",
                    f"{self.moment:%Y-%m-%d %H:%M} UTC"
                    + (f" by {self.prepared_by}" if self.prepared_by else ""),
                ),
            ]
        )
        doc.heading("Decision proposed", level=2)
        doc.para(self.decision(), bold=True)
        if WarningCode.PROVISIONAL in codes(ev.warnings):
            doc.para(
                "The ranking is provisional: a bid needs review. Settle it (confirm the answer or decide by "
                "an override) before the award is signed.",
                muted=True,
            )
        doc.heading("Ranking", level=2)
        doc.table_of(*self.ranking_table())
        if ev.warnings:
            doc.heading("Points to note before signing", level=2)
            doc.bullets(ev.warnings)
        doc.heading("Contents", level=2)
        doc.para(
            "1 Tender and PSR versions · 2 Method and price formula · 3 Bids and their status · "
            "4 Knock-outs · 5 Overrides · 6 Evaluators' scores · 7 Ranking and its composition · "
            "8 Rank-reversal check · 9 Level options and lots · 10 Files (SHA-256) · 11 Audit trail · 12 Sign-off",
            size=8.5,
            muted=True,
        )

    def evaluated_hash(self) -> str:
        """The content hash of the PSR version evaluated, as the store recorded it."""
        return next((v.content_hash for v in self.versions if v.version == self.psr.version), "")

    def method_line(self) -> str:
        """The method and price formula by their registry labels, with the weights in use."""
        st = self.ev.settings
        method = METHODS[st.method]
        if not method.uses_price_points:
            return method.label
        wq, wp = method.shares(st)
        return f"{method.label}: quality {wq:.0%}, price {wp:.0%}; price formula {FORMULAS[st.price_formula].title}"

    # --- the tender ----------------------------------------------------------------

    def tender(self) -> None:
        doc, psr = self.doc, self.psr
        doc.add_page()
        doc.heading("1 Tender and PSR versions")
        doc.pairs(
            [
                ("Title", psr.title),
                ("Buyer", psr.buyer),
                ("PSR ID and version evaluated", f"{psr.id}, version {psr.version}"),
                ("Deadline", psr.deadline.isoformat()),
                ("Contract term", f"{psr.term_months} months"),
                ("Currency", psr.currency),
                *([("Two-envelope procedure", self.envelope)] if self.envelope else []),
            ]
        )
        doc.heading("PSR versions saved", level=2)
        doc.table_of(
            [
                Col("Version", 12, "C"),
                Col("Saved (UTC)", 24),
                Col("By", 30),
                Col("Content hash (SHA-256)", 112, mono=True),
            ],
            [(v.version, _when(v.saved_at), v.saved_by, v.content_hash) for v in self.versions],
        )
        doc.heading("Services and requirements as published", level=2)
        services = {s.id: s for s in psr.services}
        rows = []
        for r in psr.requirements:
            price = r.kind.spec.priced
            rows.append(
                (
                    r.id,
                    f"{services[r.service].name}",
                    r.text,
                    KIND_LABELS[r.kind],
                    "-" if price else format_level(r, r.minimum),
                    "-" if price else format_level(r, r.target),
                    "-" if price else f"{r.weight:g}",
                )
            )
        doc.table_of(
            [
                Col("ID", 9),
                Col("Service", 16),
                Col("Requirement", 52),
                Col("Kind", 14),
                Col("Minimum (knock-out)", 18),
                Col("Target", 16),
                Col("Weight", 11, "R"),
            ],
            rows,
            size=8,
        )
        doc.para(
            "Service weights: " + ", ".join(f"{s.name} {s.weight:g}" for s in psr.services) + ".",
            size=8.5,
        )

    # --- the method ----------------------------------------------------------------

    def method(self) -> None:
        doc = self.doc
        doc.heading("2 Method and price formula in plain words")
        doc.bullets(self.ev.method_description().split("\n"))
        doc.heading("Weights as typed and their share of the total", level=2)
        w = self.ev.weights
        w = w[w["level"].isin(["quality", "price", "service"])]
        doc.table_of(
            [
                Col("Level", 14),
                Col("Name", 46),
                Col("Weight as typed", 16, "R"),
                Col("Share of the total", 16, "R"),
            ],
            [
                (lvl, name, f"{wt:g}", f"{eff:.1%}")
                for lvl, name, wt, eff in zip(w["level"], w["name"], w["weight"], w["effective"], strict=True)
            ],
        )

    # --- the bids ------------------------------------------------------------------

    def bids(self) -> None:
        doc, ev = self.doc, self.ev
        doc.heading("3 Bids and their status")
        doc.table_of(
            [
                Col("Supplier", 36),
                Col("File", 22),
                Col("Status", 14),
                Col(f"Price over the term ({self.cur})", 20, "R"),
                Col("Rank", 8, "C"),
            ],
            [
                (r.supplier, r.file or "", status_word(r.status), num(r.price_total), _rank(r.rank))
                for r in ev.suppliers.itertuples()
            ],
        )
        doc.heading("4 Knock-outs: who is out or in doubt, and why")
        doc.para(
            "Every requirement with a minimum is a knock-out, published in advance. A bid that misses one "
            "is disqualified; a doubtful answer makes it 'needs review' until a person decides.",
            muted=True,
        )
        rows = [
            (r.supplier, status_word(r.status), "\n".join(r.reasons))
            for r in ev.suppliers.itertuples()
            if r.reasons is not None and len(r.reasons)
        ]
        doc.table_of([Col("Supplier", 30), Col("Status", 14), Col("Reasons", 90)], rows)
        doc.heading("5 Overrides and their justifications")
        doc.table_of(
            [
                Col("Supplier", 28),
                Col("Concerning", 16),
                Col("Decision", 12),
                Col("Justification", 56),
                Col("By, on", 22),
            ],
            [
                (
                    o.supplier,
                    o.requirement_id or "the whole bid",
                    "accepted" if o.decision == "accept" else "rejected",
                    o.justification,
                    ", ".join(x for x in (o.who, f"{o.when:%Y-%m-%d}" if o.when else "") if x),
                )
                for o in ev.overrides
            ],
        )

    def evaluators(self) -> None:
        doc = self.doc
        doc.heading("6 Evaluators' scores and spreads")
        limit = self.ev.settings.evaluator_spread
        doc.para(
            f"Qualitative criteria are scored 0-10 by each evaluator; the points are their mean. A spread "
            f"(highest minus lowest score) of more than {limit:g} points is flagged for discussion.",
            muted=True,
        )
        scores = self.evaluator_scores
        if scores is None or not len(scores):
            doc.para("(no evaluators' scores)", muted=True)
            return
        rows = []
        for (supplier, requirement), group in scores.groupby(["supplier", "requirement"], sort=True):
            values = group["score"].astype(float)
            spread = values.max() - values.min()
            rows.append(
                (
                    supplier,
                    requirement,
                    "\n".join(f"{e}: {s:g}" for e, s in zip(group["evaluator"], values, strict=True)),
                    num(values.mean()),
                    f"{spread:g}",
                    "discuss: wider than allowed" if spread > limit else "",
                )
            )
        doc.table_of(
            [
                Col("Supplier", 30),
                Col("Criterion", 12),
                Col("Scores", 28),
                Col("Mean", 10, "R"),
                Col("Spread", 10, "R"),
                Col("Flag", 24),
            ],
            rows,
        )

    # --- the ranking ---------------------------------------------------------------

    def ranking_table(self) -> tuple[list[Col], list[tuple[Any, ...]]]:
        ranking, cur = self.ranking, self.cur
        if self.ufab:
            cols = [
                Col("Rank", 7, "C"),
                Col("Supplier", 40),
                Col(f"L (0-{self.mp})", 14, "R"),
                Col(f"Price P ({cur})", 20, "R"),
                Col(f"Z per 1,000 {cur}", 14, "R"),
            ]
            rows: list[tuple[Any, ...]] = [
                (_rank(r.rank), r.supplier, num(r.performance_L), num(r.price_total), num(r.value_Z, 3))
                for r in ranking.itertuples()
            ]
        else:
            cols = [
                Col("Rank", 7, "C"),
                Col("Supplier", 40),
                Col("Quality points", 14, "R"),
                Col("Price points", 14, "R"),
                Col(f"Total (0-{self.mp})", 14, "R"),
                Col(f"Price ({cur})", 20, "R"),
            ]
            rows = [
                (
                    _rank(r.rank),
                    r.supplier,
                    num(r.quality_points),
                    num(r.price_points),
                    num(r.total),
                    num(r.price_total),
                )
                for r in ranking.itertuples()
            ]
        return cols, rows

    def composition(self) -> None:
        doc, ev = self.doc, self.ev
        doc.add_page()
        doc.heading("7 Ranking with totals and their composition")
        doc.table_of(*self.ranking_table())
        if not len(self.ranking):
            return
        parts = charts.contribution_parts(ev)
        table = parts.pivot_table(
            index="supplier", columns="part", values="points", aggfunc="sum", sort=False
        )
        order = list(dict.fromkeys(parts["part"]))
        key = "performance_L" if self.ufab else "total"
        by_name = self.ranking.set_index("supplier")
        cols = [
            Col("Supplier", 34),
            *(Col(p, 14, "R") for p in order),
            Col("L" if self.ufab else "Total", 12, "R"),
        ]
        rows = [
            (name, *(num(table.loc[name, p]) for p in order), num(by_name.loc[name, key]))
            for name in self.ranking["supplier"]
        ]
        what = (
            "performance points L per service" if self.ufab else "weighted points per service and for price"
        )
        doc.para(f"Composition: {what}; the parts add up to the last column.", muted=True)
        doc.table_of(cols, rows)
        doc.chart(charts.contribution_bars(parts, title="What makes up each total").properties(width=440))

    def reversal(self) -> None:
        doc, ev = self.doc, self.ev
        doc.heading("8 Rank-reversal check")
        if ev.relative:
            doc.para(
                "The price formula is relative: each bid's price points depend on the lowest qualified "
                "price, so adding or removing a bid can change the order of the others. Below, the ranking "
                "is recomputed with each qualified bid left out."
            )
        else:
            doc.para(
                "The method is absolute: no bid's points depend on another bid, so leaving one out "
                "changes no other result."
            )
        loo = ev.leave_one_out
        if len(loo):
            doc.table_of(
                [
                    Col("Left out", 30),
                    Col("Winner without it", 30),
                    Col("Winner changes", 12, "C"),
                    Col("Note", 60),
                ],
                [
                    (r.left_out, r.winner_without or "-", "yes" if r.winner_changes else "no", r.note or "")
                    for r in loo.itertuples()
                ],
            )
            changes = int(loo["winner_changes"].sum())
            doc.para(
                f"{changes} of {len(loo)} leave-one-out rankings change the winner."
                if changes
                else "No leave-one-out ranking changes the winner."
            )
        self.weights_robustness()

    def weights_robustness(self) -> None:
        """How far the published weights can move before the winner changes (and SMAA, AHP)."""
        doc = self.doc
        derivation = self.psr.evaluation.service_weights_derivation
        if self.robustness is None and derivation is None:
            return
        doc.heading("How robust the weights are", level=2)
        if self.robustness is not None:
            intervals, acceptability = self.robustness
            doc.para("Each weight moved alone, the others keeping their proportions:", muted=True)
            doc.bullets([i.sentence() for i in intervals])
            if acceptability is not None:
                doc.bullets(acceptability.sentences())
        if derivation is not None:
            names = {sv.id: sv.name for sv in self.psr.services}
            doc.para(
                f"The service weights were derived by {derivation.method} from these judgements "
                f"(consistency ratio {derivation.consistency_ratio:.3f}):"
            )
            doc.bullets(
                [
                    judgement_words(names.get(j.a, j.a), names.get(j.b, j.b), j.times)
                    for j in derivation.judgements
                ]
            )

    # --- sources and trail -----------------------------------------------------------

    def sources(self) -> None:
        doc = self.doc
        doc.heading("10 Files received and their SHA-256")
        doc.table_of(
            [
                Col("File", 28),
                Col("Supplier", 30),
                Col("Received (UTC), and what became of it", 34),
                Col("SHA-256", 110, mono=True),
            ],
            [
                (
                    f.name,
                    f.supplier or "",
                    "\n".join(
                        x
                        for x in (" ".join(filter(None, (_when(f.uploaded_at), f.uploaded_by))), f.state)
                        if x
                    ),
                    f.sha256,
                )
                for f in self.files
            ],
            size=8,
        )
        doc.heading("11 Audit trail")
        doc.para("Every change to the project, oldest first: who, when, what.", muted=True)
        doc.table_of(
            [Col("When (UTC)", 17), Col("Who", 20), Col("What changed", 80)],
            [(_when(a.when), a.who, a.what) for a in self.audit],
            size=8,
        )

    def sign_off(self) -> None:
        doc = self.doc
        doc.heading("12 Sign-off")
        winner = " and ".join(self.ev.winners) or "(no bid ranked)"
        doc.sign_off(
            SIGN_OFF_ROLES,
            f"We have checked this record of the evaluation of tender {self.psr.id} version "
            f"{self.psr.version} and propose the award to {winner} for the reasons above.",
        )


def award_record_pdf(
    evaluation: Evaluation,
    *,
    versions: Sequence[VersionLine] = (),
    files: Sequence[FileLine] = (),
    audit: Sequence[AuditLine] = (),
    evaluator_scores: pd.DataFrame | None = None,
    generated_at: dt.datetime | None = None,
    prepared_by: str = "",
    robustness: tuple[list[StabilityInterval], Acceptability | None] | None = None,
    envelope: str = "",
    options: OptionsResult | None = None,
    lots: AwardResult | None = None,
    lot_notes: Sequence[str] = (),
) -> bytes:
    """The award record as PDF bytes.

    ``evaluator_scores`` has the columns supplier, requirement, evaluator, score;
    ``versions``, ``files`` and ``audit`` are the PSR versions, the uploaded files
    and the audit trail as the store keeps them, already in words; ``envelope`` says
    whether the two-envelope procedure applied and how it went; ``options``, ``lots``
    and ``lot_notes`` the level options and the award across lots (section 9).
    """
    psr = evaluation.psr
    moment = _utc(generated_at)
    doc = Document(
        f"Award record: {psr.title}",
        f"PSR {psr.id} version {psr.version} · generated {moment:%Y-%m-%d %H:%M} UTC",
        moment,
    )
    doc.set_subject(f"PSR {psr.id} version {psr.version}")
    doc.set_author(prepared_by or "slm-psr")
    record = _Record(
        evaluation, doc, versions, files, audit, evaluator_scores, moment, prepared_by, robustness, envelope
    )
    record.summary()
    record.tender()
    record.method()
    record.bids()
    record.evaluators()
    record.composition()
    record.reversal()
    options_and_lots(doc, psr, options, lots, lot_notes)
    record.sources()
    record.sign_off()
    return doc.render()
