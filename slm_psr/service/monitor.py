"""Monitoring a stored project after the award: import measurements, compute a period, correct and dispute.

The use cases the CLI (`monitor`), the pages and a notebook share::

    from slm_psr.store import Store
    from slm_psr.service import monitor as m
    store = Store.open()
    m.import_measurements(store, project_id, [("outages.csv", data)], user="A. Buyer")
    report = m.monitor(store, project_id, period="2027-03")
    report.results        # one row per period and service level (attained, met, margin, budget, credit)
    report.ledger         # per period: credits owed, earned back, net, cumulative
    report.termination    # per period and right: how close the trigger is, and the notice text
    report.to_dict()      # what `monitor --json` writes (periods labelled YYYY-MM)

Everything is recomputed from what the store holds (the confirmed contract, the raw
files' parsed records, corrections, disputes); the result of each period and level
is saved for the pages and reports to read.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from slm_psr.demo import DEMO_PLAN, DEMO_PROJECT, DEMO_USER
from slm_psr.engine.ledger import Settlement, settle
from slm_psr.engine.monitoring import METRIC_WORDS, MonitoringPlan, Records, attainment, measures_for
from slm_psr.engine.periods import PERIOD_NOUNS, Periods, by_labels, covering
from slm_psr.excel.measurements import (
    OUTAGES,
    TICKETS,
    VALUES,
    MeasurementFile,
    read_measurement_file,
)
from slm_psr.excel.sheetkit import header_text, print_setup
from slm_psr.model import MeasurementPeriod, PeriodKind, SLASchedule
from slm_psr.service.contract import ContractError, store_contract
from slm_psr.service.measured_values import check_values_file, place_values
from slm_psr.service.measurement_records import (
    NOT_CORRECTED,
    MonitoringError,
    apply_corrections,
    checked_correction,
    records_from_bytes,
    records_to_bytes,
)
from slm_psr.store import NotFound, Store, StoreError
from slm_psr.store.contracts import ContractStore, StoredSchedule
from slm_psr.store.monitoring import MeasurementUpload, MonitoredContract, MonitoringStore

# --- the contract and its monitoring plan ---------------------------------------------------------


def set_monitoring_plan(store: Store, project_id: int, plan: dict[str, Any], *, user: str) -> None:
    """Store how the contract's levels are measured (see :class:`MonitoringPlan`); audited, versioned."""
    MonitoringPlan.from_dict(plan)  # refuse a malformed plan before storing it
    MonitoringStore(store).save_plan(
        project_id, plan, user=user, expected_revision=store.project(project_id).revision
    )


def confirm_contract(
    store: Store,
    project_id: int,
    supplier: str | None = None,
    *,
    plan: dict[str, Any] | None = None,
    user: str,
) -> MonitoredContract:
    """Confirm the SLA schedule of ``supplier``'s bid (default: the winner) and, when given, the monitoring plan."""
    try:
        store_contract(store, store.load(project_id), supplier, user=user, confirm=True)
    except ContractError as exc:
        raise MonitoringError(str(exc)) from None
    if plan is not None:
        set_monitoring_plan(store, project_id, plan, user=user)
    contract = MonitoringStore(store).contract(project_id)
    assert contract is not None
    return contract


def ensure_demo_contract(store: Store) -> bool:
    """Confirm the demo project's contract with its best-ranked bid and store the demo's monitoring
    plan, once; True when it did so now.

    So that `monitor --project "Demo: ..." --import data/demo/measurements/...` works on
    a fresh store, as a buyer's store would after the award.
    """
    project = next((p for p in store.list_projects(include_archived=True) if p.name == DEMO_PROJECT), None)
    if project is None:
        return False
    done = False
    raw = getattr(store, "raw", store)  # under a team's guard: the demo set-up is no account's change
    if not any(c.confirmed for c in ContractStore(raw).contracts(project.id)):
        if store.load(project.id).sealed:
            return False  # a team's demo: the award waits for the price envelope
        store = raw
        try:
            store_contract(store, store.load(project.id), user=DEMO_USER, confirm=True)
        except ContractError:
            return False  # the demo was changed so that no bid wins; nothing to monitor
        done = True
    if MonitoringStore(raw).plan(project.id) is None:
        set_monitoring_plan(
            raw, project.id, json.loads(DEMO_PLAN.read_text(encoding="utf-8")), user=DEMO_USER
        )
        done = True
    return done


def contract_in_force(store: Store, project_id: int) -> tuple[StoredSchedule, SLASchedule, MonitoringPlan]:
    """The confirmed SLA schedule monitored, with its monitoring plan; a worded error before a confirmation."""
    try:
        contract = ContractStore(store).contract(project_id, confirmed=True)
    except NotFound:
        name = store.project(project_id).name
        raise MonitoringError(
            f"project '{name}' has no confirmed contract yet: confirm the awarded bid's SLA schedule first "
            f"(python -m slm_psr contract --project ... --confirm)"
        ) from None
    stored_plan = MonitoringStore(store).plan(project_id)
    plan = MonitoringPlan.from_dict(stored_plan.plan if stored_plan else None)
    return contract, SLASchedule.model_validate(contract.schedule), plan


# --- measurements -------------------------------------------------------------------------------


def import_measurements(
    store: Store, project_id: int, files: Iterable[tuple[str, bytes]], *, user: str
) -> list[MeasurementFile]:
    """Read every file and keep them all as one batch (refused ones too, with the reason).

    One bad file never stops the others: it is kept with its reason. The batch is one
    decision: every file goes in, or (the store refused, e.g. archived or full) none,
    and then each result says so; a file imported before is not stored twice.
    """
    from slm_psr.service.closed import closed_notes  # it builds on this module

    _, schedule, _ = contract_in_force(store, project_id)
    tz = schedule.period.time_zone
    files = list(files)
    read = [read_measurement_file(data, name, tz) for name, data in files]
    fixed = schedule.period.kind is PeriodKind.FIXED_30_DAYS and schedule.period.start is None
    values = any(r.kind == VALUES and r.records is not None for r in read)
    first = _first_day_with(store, project_id, tz, read) if fixed and values else None
    results, uploads = [], []
    for (_, data), result in zip(files, read, strict=True):
        check_values_file(result, schedule.period, first, [lv.requirement_id for lv in schedule.levels])
        result.notes.extend(closed_notes(store, project_id, result, schedule.period))
        records = records_to_bytes(result.records) if result.records is not None else None
        uploads.append(
            MeasurementUpload(
                result.filename, data, result.sha256, result.kind, records, result.notes, result.rejection
            )
        )
        results.append(result)
    if not uploads:
        return results
    try:
        _, repeats = MonitoringStore(store).add_measurement_files(
            project_id, uploads, user=user, expected_revision=store.project(project_id).revision
        )
    except StoreError as exc:  # BatchNotStored names every file: none went in
        repeats = [str(exc)] * len(results)
    for result, repeat in zip(results, repeats, strict=True):
        if repeat is not None:
            result.rejection, result.records = repeat, None
    return results


def _first_day_with(store: Store, project_id: int, tz: str, read: list[MeasurementFile]) -> dt.date | None:
    """The first day measured once ``read`` is in (the default anchor of fixed 30-day periods)."""
    stored, _ = load_records(store, project_id, tz)
    days = [span[0] for span in [record_days(stored, tz)] if span]
    for result in read:
        if result.records is not None and result.kind in (OUTAGES, TICKETS, VALUES):
            span = record_days(Records(**{result.kind: result.records}), tz)
            days += [span[0]] if span else []
    return min(days) if days else None


def load_records(store: Store, project_id: int, tz: str) -> tuple[Records, list[str]]:
    """The records of every read file, corrections applied and open disputes marked; with notes."""
    ms = MonitoringStore(store)
    frames: dict[str, list[pd.DataFrame]] = {OUTAGES: [], TICKETS: [], VALUES: []}
    for stored in ms.measurement_files(project_id):
        if stored.records is not None and stored.kind in frames:
            frame = records_from_bytes(stored.records)
            frame.insert(1, "file", stored.filename)
            frames[stored.kind].append(frame)
    tables = {k: pd.concat(v, ignore_index=True) if v else pd.DataFrame() for k, v in frames.items()}
    notes = apply_corrections(tables, ms.corrections(project_id), tz)
    disputed = {d["record"] for d in ms.disputes(project_id, open_only=True)}
    for frame in tables.values():
        if not frame.empty:
            frame["disputed"] = frame["record"].isin(disputed).to_numpy()
    tickets, repeated = latest_tickets(tables[TICKETS])
    return Records(outages=tables[OUTAGES], tickets=tickets, values=tables[VALUES]), notes + repeated


def latest_tickets(tickets: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Each ticket once: the row of the latest file (its newer state), with a note when rows were dropped.

    Ticket exports overlap (this month's export holds last month's open tickets, now
    resolved); counting both rows would count the ticket twice, once still open. Outages
    need no such step (their union is counted) and a later measured value already
    replaces an earlier one. A dispute of a dropped row stays with the row that counts.
    """
    if tickets.empty:
        return tickets, []
    codes, _ = pd.factorize(tickets["ticket"].astype(str).str.strip().str.casefold())  # 'SD-1 ' is 'sd-1'
    dropped = pd.Series(codes).duplicated(keep="last").to_numpy()
    if not dropped.any():
        return tickets, []
    if "disputed" in tickets:
        disputed = np.zeros(codes.max() + 1, bool)
        np.logical_or.at(disputed, codes, tickets["disputed"].to_numpy(bool))
        tickets = tickets.assign(disputed=disputed[codes])
    first = int(np.flatnonzero(dropped)[0])
    old, new = tickets.iloc[first], tickets.iloc[int(np.flatnonzero(~dropped & (codes == codes[first]))[0])]
    note = (
        f"{int(dropped.sum()):,} ticket row(s) repeat a ticket that a later row holds (exports overlap); "
        f"each ticket counts once, as its latest row says: e.g. ticket {old['ticket']} of {old['file']} row "
        f"{old['row']} gives way to {new['file']} row {new['row']}"
    )
    return tickets[~dropped].reset_index(drop=True), [note]


def correct_measurement(
    store: Store, project_id: int, record: str, field_name: str, value: str, reason: str, *, user: str
) -> None:
    """Correct one field of one record (its reason goes on record beside the old and new value).

    The new value is read as the file's column is (a time, a number, a month or day) and
    refused in words when it cannot be; a record of a month both parties signed off (or
    moved into one) waits until that month is reopened (``slm_psr.service.closed``).
    """
    from slm_psr.service.closed import refuse_if_closed  # both build on this module
    from slm_psr.service.disputes import record_periods

    _, schedule, _ = contract_in_force(store, project_id)
    tz = schedule.period.time_zone
    records, _ = load_records(store, project_id, tz)
    for frame in (records.outages, records.tickets, records.values):
        if not frame.empty and (frame["record"] == record).any():
            break
    else:
        raise MonitoringError(f"no measurement record '{record}' (records are named by file and row)")
    fields = [c for c in frame.columns if c not in NOT_CORRECTED]
    if field_name not in fields:
        raise MonitoringError(
            f"record {record} has no field '{field_name}' to correct; its fields: {', '.join(fields)}"
        )
    before = str(frame.loc[frame["record"] == record, field_name].iloc[0])
    span = record_days(records, tz)
    value, moved_to = checked_correction(
        frame[field_name], field_name, value, schedule.period, span[0] if span else None
    )
    periods = [*record_periods(store, project_id, [record]).values(), moved_to]
    refuse_if_closed(store, project_id, periods, f"correcting {field_name} of record {record}")
    MonitoringStore(store).correct(
        project_id, record, field_name, before, value, reason, user=user,
        expected_revision=store.project(project_id).revision,
    )  # fmt: skip


# --- computing ------------------------------------------------------------------------------------


@dataclass
class MonitoringReport:
    """One computation: the result frames and what they rest on."""

    project: str
    supplier: str
    currency: str
    contract_version: int
    time_zone: str
    periods: list[str]
    results: pd.DataFrame  # per period and level: RESULT_COLUMNS + credit_uncapped, credit, earned_back
    ledger: pd.DataFrame
    termination: pd.DataFrame
    files: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    period_noun: str = "Month"  # what the contract's period is called (engine.periods.PERIOD_NOUNS)

    def period(self, label: str) -> MonitoringReport:
        """The same report narrowed to one period (the ledger's cumulative column still counts from the start)."""
        keep = [label]
        return MonitoringReport(
            self.project, self.supplier, self.currency, self.contract_version, self.time_zone, keep,
            self.results[self.results["period"] == label].reset_index(drop=True),
            self.ledger[self.ledger["period"] == label].reset_index(drop=True),
            self.termination[self.termination["period"] == label].reset_index(drop=True),
            self.files, self.notes, self.period_noun,
        )  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: per period (``YYYY-MM``) the levels, the ledger line and the termination status."""
        out: dict[str, Any] = {
            "project": self.project,
            "supplier": self.supplier,
            "currency": self.currency,
            "contract_version": self.contract_version,
            "time_zone": self.time_zone,
            "periods": [],
            "files": self.files,
            "notes": self.notes,
        }
        for label in self.periods:
            levels = self.results[self.results["period"] == label]
            ledger = self.ledger[self.ledger["period"] == label]
            rights = self.termination[self.termination["period"] == label]
            out["periods"].append(
                {
                    "period": label,
                    "levels": [_plain(row) for row in levels.drop(columns="period").to_dict("records")],
                    "credits": _plain(ledger.drop(columns="period").iloc[0].to_dict()) if len(ledger) else {},
                    "termination": [_plain(r) for r in rights.drop(columns="period").to_dict("records")],
                }
            )
        return out

    def lines(self) -> list[str]:
        """What `monitor` prints: per period and level the attained value, met/missed, the credit; then the rights."""
        cur = self.currency
        out = [
            f"{self.project}: contract with {self.supplier} (version {self.contract_version}), {self.time_zone}"
        ]
        for label in self.periods:
            ledger = self.ledger[self.ledger["period"] == label].iloc[0]
            out.append(
                f"{label}: credits owed {_money(ledger['owed'], cur)}, earned back "
                f"{_money(ledger['earned_back'], cur)}, net {_money(ledger['net'], cur)} "
                f"(running total {_money(ledger['cumulative'], cur)})"
            )
            for row in self.results[self.results["period"] == label].itertuples():
                out.append(f"  {row.level:<7} {describe_result(row._asdict(), cur)}")
        last = self.periods[-1] if self.periods else None
        for row in self.termination[self.termination["period"] == last].itertuples():
            state = "TRIGGERED" if row.triggered else ("one miss away" if row.within_one else "not triggered")
            out.append(f"termination right {row.right} ({row.trigger}): {state}; {row.status}")
            if row.triggered or row.within_one:
                out.append(f"  notice: {row.notice}")
        return out

    def to_xlsx(self) -> bytes:
        """The report as a workbook: results, credit ledger, termination status, measurement files."""
        results = self.results.assign(
            metric=self.results["metric"].map(METRIC_WORDS),
            met=self.results["met"].map(lambda v: "" if pd.isna(v) else ("met" if v else "missed")),
        )
        termination = self.termination.assign(
            triggered=self.termination["triggered"].map({True: "yes", False: "no"}),
            within_one=self.termination["within_one"].map({True: "yes", False: "no"}),
        )
        buffer = io.BytesIO()
        options = {"options": {"strings_to_formulas": False, "strings_to_urls": False}}
        words = {**COLUMN_WORDS, "period": self.period_noun}
        sheets = {
            "Results": results.rename(columns=words),
            "Credit ledger": self.ledger.rename(columns=words),
            "Termination": termination.rename(columns=words),
            "Files": pd.DataFrame(self.files or [{"file": "(none)"}]),
            "Notes": pd.DataFrame({"note": self.notes or ["(none)"]}),
        }
        footer = header_text(
            f"{self.project}: contract with {self.supplier}, version {self.contract_version}", 160
        )
        with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs=options) as writer:
            for name, frame in sheets.items():
                frame.to_excel(writer, sheet_name=name, index=False)
                ws = writer.sheets[name]
                # printed and filed by both parties: A4 landscape, one page wide, the header row on every page
                print_setup(ws, footer=f"&L{footer}&R{name}, page &P of &N", repeat_rows=0)
                ws.freeze_panes(1, 0)
                for j, column in enumerate(frame.columns):
                    longest = max([len(str(column)), *(len(str(v)) for v in frame[column].head(200))])
                    ws.set_column(j, j, min(max(10, longest + 2), 60))
        return buffer.getvalue()


# Column headings of the workbook, in words.
COLUMN_WORDS = {
    "period": "Period", "level": "Service level", "name": "What", "metric": "Measured as", "attained": "Attained",
    "committed": "Committed", "met": "Met", "margin": "Margin", "budget": "Remaining budget",
    "budget_unit": "Budget in", "scheduled_minutes": "Scheduled minutes", "excluded_minutes": "Excluded minutes",
    "down_minutes": "Minutes down", "open_outages": "Open outages", "tickets": "Tickets counted",
    "within": "Within the limit", "pending": "Pending (open, within the limit)", "disputed": "Disputed records",
    "measured_by": "Measured by", "credit_uncapped": "Credit before the cap", "credit": "Credit",
    "earned_back": "Earned back", "uncapped": "Credits before the cap", "owed": "Credits owed",
    "forfeited": "Taken off by the cap", "net": "Net credit", "cumulative": "Running total",
    "charges": "Monthly charges", "right": "Termination right", "trigger": "Trigger", "status": "Status",
    "count": "Count", "limit": "Limit", "triggered": "Triggered", "first_period": "First triggered in",
    "within_one": "One miss away", "notice": "Notice text", "dispute": "Figure disputed",
}  # fmt: skip


def describe_result(row: dict[str, Any], currency: str) -> str:
    """One level in one period in words: '99.73 % of 99.9 % committed: missed, credit 1,234.00 EUR'."""
    metric = METRIC_WORDS.get(row["metric"], row["metric"])
    if pd.isna(row["met"]):
        return f"{metric}: nothing to measure this period"
    unit = "" if row["metric"] == "value" else " %"
    verdict = "met" if row["met"] else "MISSED"
    text = f"{metric} {row['attained']:.2f}{unit} against {row['committed']:g}{unit}: {verdict}"
    if row["metric"] in ("response", "resolution"):
        text += f" ({int(row['within'])} of {int(row['tickets'])} tickets within the limit)"
    if row.get("credit", 0) > 0:
        text += f", credit {_money(row['credit'], currency)}"
    if row.get("earned_back", 0) > 0:
        text += f", earned back {_money(row['earned_back'], currency)}"
    if row.get("disputed", 0):
        text += f" [{int(row['disputed'])} disputed record(s) counted]"
    if row.get("dispute"):
        text += f" [figure {row['dispute']}]"
    return text


def _money(amount: float, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is pd.NA or (isinstance(value, float) and np.isnan(value)):
            out[key] = None
        elif hasattr(value, "item"):
            out[key] = value.item()
        else:
            out[key] = value
    return out


def record_days(records: Records, tz: str) -> tuple[dt.date, dt.date] | None:
    """The first and the last local day measured (outage starts, tickets opened, months of measured values)."""
    days: list[dt.date] = []
    for frame, column in ((records.outages, "start"), (records.tickets, "opened")):
        if not frame.empty:
            stamps = frame[column].dropna().dt.tz_convert(tz)
            if len(stamps):
                days += [stamps.min().date(), stamps.max().date()]
    if not records.values.empty:
        days += [d for w in records.values["period"].astype(str) for d in _written_days(w)]
    return (min(days), max(days)) if days else None


def _written_days(written: str) -> tuple[dt.date, ...]:
    """The first and last day of a measured value's month, or its one day; none for a written text that is neither."""
    try:
        if len(written) == 10:
            return (dt.date.fromisoformat(written),)
        month = pd.Period(written, "M")
    except ValueError:
        return ()
    return month.start_time.date(), month.end_time.date()


def contract_periods(
    period: MeasurementPeriod,
    records: Records,
    *,
    wanted: str | None = None,
    labels: Sequence[str] | None = None,
) -> Periods:
    """The contract's periods from the first to the last day measured (and up to ``wanted``, a label).

    Every period is computed, not only ``wanted``: credits and earn-back need the history.
    """
    if labels:
        return by_labels(period, labels)
    span = record_days(records, period.time_zone)
    if wanted is not None:
        by_labels(period, [wanted])  # a label this contract's periods can have, or a worded ValueError
        asked = _first_day(wanted)
        span = (min(span[0], asked), max(span[1], asked)) if span else (asked, asked)
    if span is None:
        raise MonitoringError("no measurements imported yet: nothing to compute")
    every = covering(period, *span)
    if wanted is not None and wanted not in every.labels:
        raise MonitoringError(
            f"no period '{wanted}' in this contract ({period.describe()}); its periods are "
            f"{', '.join(every.labels[:3])}{' ...' if len(every) > 3 else ''}"
        )
    return every


def _first_day(label: str) -> dt.date:
    # a label's own first day: a month's 1st, a fixed period's first day, a rolling window's month
    return dt.date.fromisoformat(label if len(label) == 10 else f"{label}-01")


def monitor(
    store: Store,
    project_id: int,
    *,
    period: str | None = None,
    periods: Sequence[str] | None = None,
    as_of: dt.datetime | None = None,
    user: str = "slm-psr (monitor)",
    save: bool = True,
) -> MonitoringReport:
    """Compute every period from the first measured month (credits and earn-back need the history);
    the report shows ``period`` only when given. Saves the results per period and level."""
    contract, schedule, plan = contract_in_force(store, project_id)
    psr = store.load_psr(project_id, schedule.psr_version)
    tz = schedule.period.time_zone
    records, notes = load_records(store, project_id, tz)
    spans = contract_periods(schedule.period, records, wanted=period, labels=periods)
    every = spans.labels
    # each measured value in the contract period it is for (a month or a day as written)
    records.values, value_notes = place_values(records.values, schedule.period, spans.first_day)
    notes += value_notes
    years = list(range(spans.first_day.year, spans.last_day.year + 2))
    measures, plan_notes = measures_for(schedule, psr, plan, years)
    if schedule.period.kind is PeriodKind.FIXED_30_DAYS and schedule.period.start is None:
        notes.append(
            f"periods of 30 days counted from {every[0]}, the first day measured; the contract terms' "
            "period 'start' fixes the first day"
        )
    frame = attainment(measures, records, spans, tz, as_of=as_of)
    settlement: Settlement = settle(frame, schedule)
    from slm_psr.service.disputes import open_figures  # here: disputes builds on this module

    figures = open_figures(store, project_id)
    settlement.results["dispute"] = [
        "; ".join(figures.get((p, lv), []))
        for p, lv in zip(settlement.results["period"], settlement.results["level"], strict=True)
    ]
    files = [
        {
            "file": f.filename,
            "sha256": f.sha256,
            "kind": f.kind,
            "refused": f.rejection,
            "notes": len(f.notes),
        }
        for f in MonitoringStore(store).measurement_files(project_id, with_records=False)
    ]
    report = MonitoringReport(
        store.project(project_id).name, schedule.supplier, schedule.currency, contract.version, tz, every,
        settlement.results, settlement.ledger, settlement.termination, files, plan_notes + notes,
        PERIOD_NOUNS[schedule.period.kind],
    )  # fmt: skip
    if save:
        rows = [(r["period"], r["level"], _plain(r)) for r in settlement.results.to_dict("records")]
        MonitoringStore(store).save_results(project_id, contract.version, rows, user=user)
    return report.period(period) if period else report
