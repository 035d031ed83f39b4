"""The monthly service report: one period of the awarded contract as a PDF both parties file and sign.

``service_report_pdf`` takes the contract's SLA schedule and the period's computed
results (the monitoring service's frames, plain data) and returns PDF bytes. The
buyer and the supplier download the same document: the figures come from one
computation, never a second one here. Sections: summary, per service level the
figure and how it was computed, credits with the rule and the arithmetic, the
ledger and earn-back, termination status, the measurement files, comments and
agreed actions, sign-off by both parties.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from slm_psr import charts
from slm_psr.engine.periods import PERIOD_NOUNS, REPORT_TITLES
from slm_psr.model import SLASchedule
from slm_psr.reports.document import Col, Document, money, num

# Colour-blind-safe result words: a mark and a word, never colour alone.
MET, MISSED, NOTHING = "✓ met", "✗ missed", "– nothing to measure"


def verdict(met: Any) -> str:
    """'✓ met', '✗ missed' or '– nothing to measure' (NaN)."""
    if met is None or met is pd.NA or (isinstance(met, float) and math.isnan(met)):
        return NOTHING
    return MET if bool(met) else MISSED


def computation(row: dict[str, Any]) -> str:
    """How the figure was reached, in words: minutes for availability, ticket counts, the source for values."""
    metric = row["metric"]
    if metric == "availability" and not pd.isna(row.get("scheduled_minutes")):
        scheduled, excluded, down = row["scheduled_minutes"], row["excluded_minutes"], row["down_minutes"]
        counted = scheduled - excluded
        return (
            f"{scheduled:,.0f} scheduled minutes - {excluded:,.0f} excluded (planned) = {counted:,.0f}; "
            f"downtime {down:,.0f} min; ({counted:,.0f} - {down:,.0f}) / {counted:,.0f} = {row['attained']:.3f} %"
        )
    if metric in ("response", "resolution") and not pd.isna(row.get("tickets")):
        pending = int(row["pending"]) if not pd.isna(row.get("pending")) else 0
        text = f"{int(row['within'])} of {int(row['tickets'])} tickets within the limit"
        return text + (f"; {pending} still open" if pending else "")
    if metric == "value":
        return f"measured value, source: {row.get('measured_by') or 'not stated'}"
    return ""


def _unit(metric: str) -> str:
    return "" if metric == "value" else " %"


class _Report:
    def __init__(
        self,
        schedule: SLASchedule,
        period: str,
        results: pd.DataFrame,
        ledger: pd.DataFrame,
        termination: pd.DataFrame,
        history: pd.DataFrame | None,
        files: Sequence[dict[str, Any]],
        doc: Document,
    ):
        self.s, self.period, self.doc = schedule, period, doc
        self.results = results[results["period"] == period].reset_index(drop=True)
        self.ledger_all = ledger
        line = ledger[ledger["period"] == period]
        self.ledger = line.iloc[0] if len(line) else None
        self.termination = termination[termination["period"] == period].reset_index(drop=True)
        self.history = history
        self.files = files
        self.cur = schedule.currency

    def summary(self) -> None:
        doc, s = self.doc, self.s
        doc.add_page()
        doc.heading(f"{REPORT_TITLES[s.period.kind]} {self.period}", level=0)
        doc.para(s.title, size=12, bold=True)
        doc.para(f"{s.buyer} (customer) and {s.supplier} (supplier)", muted=True)
        met = int((self.results["met"] == True).sum())  # noqa: E712 (NaN is neither)
        missed = int((self.results["met"] == False).sum())  # noqa: E712
        owed = self.ledger["owed"] if self.ledger is not None else 0.0
        net = self.ledger["net"] if self.ledger is not None else 0.0
        triggered = self.termination[self.termination["triggered"] == True]  # noqa: E712
        close = self.termination[self.termination["within_one"] == True]  # noqa: E712
        doc.pairs(
            [
                ("Period", f"{self.period}: {s.period_text}"),
                ("Contract", f"PSR {s.psr_id} version {s.psr_version}, {s.term_months} months"),
                ("Service levels", f"{len(self.results)}: {met} met, {missed} missed"),
                ("Credits this period", f"owed {money(owed, self.cur)}, net {money(net, self.cur)}"),
                (
                    "Credits to date",
                    money(self.ledger["cumulative"], self.cur) if self.ledger is not None else "-",
                ),
                (
                    "Termination rights",
                    f"{len(triggered)} triggered, {len(close)} one miss away"
                    if len(self.termination)
                    else "none",
                ),
            ]
        )
        doc.heading("Service levels at a glance", level=2)
        doc.table_of(
            [
                Col("Level", 10),
                Col("Service level", 46),
                Col("Committed", 14, "R"),
                Col("Attained", 14, "R"),
                Col("Result", 18),
            ],
            [
                (
                    r["level"],
                    r["name"],
                    f"{num(r['committed'], 2)}{_unit(r['metric'])}",
                    f"{num(r['attained'], 2)}{_unit(r['metric'])}",
                    verdict(r["met"]),
                )
                for r in self.results.to_dict("records")
            ],
        )
        doc.para(
            "✓ met · ✗ missed · – nothing to measure: the result is in words, not colour alone.",
            size=8,
            muted=True,
        )

    def levels(self) -> None:
        doc = self.doc
        doc.add_page()
        doc.heading("1 Each service level: the figure and how it was computed")
        rows = []
        for r in self.results.to_dict("records"):
            budget = (
                "" if pd.isna(r.get("budget")) else f"{num(r['budget'])} {r.get('budget_unit') or ''}".strip()
            )
            disputed = int(r["disputed"]) if not pd.isna(r.get("disputed")) else 0
            rows.append(
                (
                    f"{r['level']}\n{r['name']}",
                    f"{num(r['attained'], 3)}{_unit(r['metric'])} against {num(r['committed'], 2)}{_unit(r['metric'])}\n{verdict(r['met'])}",
                    computation(r)
                    + (f"\n{disputed} disputed record(s) counted as recorded" if disputed else ""),
                    budget,
                )
            )
        doc.table_of(
            [
                Col("Service level", 34),
                Col("Figure", 30),
                Col("Computation", 58),
                Col("Remaining budget", 22),
            ],
            rows,
            size=8,
        )
        if self.history is not None and len(self.history):
            doc.chart(
                charts.attainment_lines(self.history, up_to=self.period).properties(width=440),
                note="Each level's attained figure per month (a line with its own shape); dashed: the committed level.",
            )

    def credits(self) -> None:
        doc, s = self.doc, self.s
        doc.heading("2 Credits: the rule and the arithmetic")
        by_level = {lvl.requirement_id: lvl for lvl in s.levels}
        rows = []
        for r in self.results.to_dict("records"):
            level = by_level.get(r["level"])
            uncapped, credit = r.get("credit_uncapped") or 0.0, r.get("credit") or 0.0
            arithmetic = money(credit, self.cur)
            if uncapped and not math.isclose(uncapped, credit):
                arithmetic = f"{money(uncapped, self.cur)}, capped to {money(credit, self.cur)}"
            rows.append((r["level"], level.credit_rule if level else "-", verdict(r["met"]), arithmetic))
        doc.table_of(
            [Col("Level", 10), Col("Credit rule", 70), Col("Result", 16), Col("Credit", 28, "R")],
            rows,
            size=8,
        )
        doc.pairs(
            [
                ("Cap", s.cap_text),
                ("Earn-back", s.earn_back),
                ("Monthly invoice", money(s.monthly_invoice, self.cur)),
            ]
        )
        doc.heading("Credit ledger and earn-back", level=2)
        led = self.ledger_all[self.ledger_all["period"] <= self.period]
        doc.table_of(
            [
                Col(PERIOD_NOUNS[self.s.period.kind], 12),
                Col("Owed", 18, "R"),
                Col("Earned back", 18, "R"),
                Col("Net", 18, "R"),
                Col("Running total", 20, "R"),
            ],
            [
                (r["period"], num(r["owed"]), num(r["earned_back"]), num(r["net"]), num(r["cumulative"]))
                for r in led.to_dict("records")
            ],
            size=8,
        )
        doc.para(f"Amounts in {self.cur}.", size=8, muted=True)

    def rights(self) -> None:
        doc = self.doc
        doc.heading("3 Termination rights: how close each trigger is")
        doc.table_of(
            [Col("Right", 8), Col("Trigger", 46), Col("Status", 46), Col("State", 20)],
            [
                (
                    r["right"],
                    r["trigger"],
                    r["status"],
                    "TRIGGERED"
                    if r["triggered"]
                    else ("one miss away" if r["within_one"] else "not triggered"),
                )
                for r in self.termination.to_dict("records")
            ],
            size=8,
        )

    def sources(self) -> None:
        doc = self.doc
        doc.heading("4 Measurement files and their SHA-256")
        doc.table_of(
            [Col("File", 30), Col("Kind", 16), Col("Read", 20), Col("SHA-256", 110, mono=True)],
            [
                (
                    f["file"],
                    f["kind"],
                    f"refused: {f['refused']}" if f.get("refused") else "read",
                    f["sha256"],
                )
                for f in self.files
            ],
            size=8,
        )

    def sign_off(
        self, entries: Sequence[tuple[str, str, str, str]], signed: Sequence[str], version: int
    ) -> None:
        doc = self.doc
        doc.heading("5 Comments and agreed actions")
        if entries:
            doc.para(f"As recorded in the service review of {self.period} (version {version}).", muted=True)
        else:
            doc.para(
                "To be completed at the service review: each party's comments, disputed records with reasons, "
                "and agreed actions with owner and date.",
                muted=True,
            )
        rows = list(entries) or [("Customer", "", "", ""), ("Supplier", "", "", ""), ("Action", "", "", "")]
        doc.table_of(
            [Col("Party", 16), Col("Comment, dispute or action", 80), Col("Owner", 20), Col("Due", 14)], rows
        )
        doc.heading("6 Sign-off")
        if signed:
            doc.bullets(signed)
        doc.sign_off(
            (f"For the customer ({self.s.buyer})", f"For the supplier ({self.s.supplier})"),
            f"Both parties have received this report for {self.period} with the same figures and agree "
            "the results and credits above, subject to the comments recorded.",
        )


def service_report_pdf(
    schedule: SLASchedule,
    period: str,
    *,
    results: pd.DataFrame,
    ledger: pd.DataFrame,
    termination: pd.DataFrame,
    files: Sequence[dict[str, Any]] = (),
    review: Sequence[tuple[str, str, str, str]] = (),
    signed: Sequence[str] = (),
    review_version: int = 1,
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The report for ``period`` (``YYYY-MM``) as PDF bytes.

    ``results``, ``ledger`` and ``termination`` are the monitoring service's frames
    over all periods computed so far (the chart and the ledger show the months up to
    ``period``); ``review`` the service review's comments and actions as (party or
    "Action", text, owner, due), ``signed`` its sign-offs in words.
    """
    if period not in set(results["period"]):
        known = ", ".join(sorted(set(results["period"]))) or "none"
        raise ValueError(f"no results for the period {period}; computed periods: {known}")
    moment = generated_at or dt.datetime.now(dt.UTC)
    doc = Document(
        f"{REPORT_TITLES[schedule.period.kind]} {period}: {schedule.title}",
        f"{schedule.supplier} · contract PSR {schedule.psr_id} v{schedule.psr_version} · "
        f"generated {moment:%Y-%m-%d %H:%M} UTC",
        moment,
    )
    report = _Report(schedule, period, results, ledger, termination, results, files, doc)
    report.summary()
    report.levels()
    report.credits()
    report.rights()
    report.sources()
    report.sign_off(review, signed, review_version)
    return doc.render()
