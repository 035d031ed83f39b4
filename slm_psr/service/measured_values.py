"""Measured values in the contract's periods: each value's month or day placed in the one period it is for.

A list of measured values (a report's delivery day, a satisfaction score) is written
per month (``2027-03``) or per day (``2027-03-15``, a period's first day) by whoever
measured it; the contract may count calendar months, fixed 30-day periods or rolling
windows. :func:`place_values` gives every value its contract period, via
``slm_psr.engine.periods.period_of_value``; a value that falls in no period, or in two,
is left out with a note naming the file, the row and the column, and never stops the
others. The import checks each file with the same function (:func:`check_values_file`),
so what the import accepts is what the computation counts.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from slm_psr.engine.periods import NotOnePeriod, period_of_value
from slm_psr.excel.measurements import MeasurementFile
from slm_psr.model import MeasurementPeriod


def place_values(
    values: pd.DataFrame, period: MeasurementPeriod, first: dt.date | None
) -> tuple[pd.DataFrame, list[str]]:
    """``values`` with ``period`` set to the contract period's label (``written`` keeps what the file
    said); rows in no period or in two left out, each with a note. ``first``: the first day measured."""
    if values.empty:
        return values, []
    notes: list[str] = []
    labels: list[str | None] = []
    for row in values.itertuples(index=False):
        written = str(getattr(row, "period", ""))
        try:
            labels.append(period_of_value(period, written, first))
        except NotOnePeriod as exc:
            labels.append(None)
            notes.append(f"{_where(row)}: {exc}; the value is left out")
    placed = values.assign(written=values["period"].astype(str), period=labels)
    placed = placed[placed["period"].notna()]
    notes += _twice(placed)
    return placed.reset_index(drop=True), notes


def _where(row: object) -> str:
    file = getattr(row, "file", None) or "measured values"
    heading = getattr(row, "period_heading", None) or "Period"
    return f"{file}, row {getattr(row, 'row', '?')}, column '{heading}'"


def _twice(placed: pd.DataFrame) -> list[str]:
    """A note for each level given two values for one period in one file (the later row counts)."""
    if placed.empty:
        return []
    keys = ["file", "level", "period"] if "file" in placed else ["level", "period"]
    notes = []
    for key, group in placed.groupby(keys, sort=False):
        if len(group) > 1:
            *_, level, label = key
            rows = ", ".join(str(r) for r in group["row"])
            file = group["file"].iloc[0] if "file" in group else "measured values"
            notes.append(
                f"{file}, rows {rows}: {len(group)} values of {level} for the period {label}; the last row counts"
            )
    return notes


def check_values_file(
    result: MeasurementFile, period: MeasurementPeriod, first: dt.date | None, levels: list[str]
) -> None:
    """Leave out, with a note each, the rows of a read measured-values file that fall in no contract
    period or in two; refuse the file when no row is left. A row naming no service level of the
    contract (``levels``) is kept, with a note: it counts for no level until corrected."""
    if result.records is None or result.kind != "values":
        return
    named = result.records.assign(file=result.filename)
    placed, notes = place_values(named, period, first)
    known = {lv.casefold() for lv in levels}
    for row in placed.itertuples(index=False):
        if str(row.level).casefold() not in known:
            notes.append(
                f"{result.filename}, row {row.row}, column '{row.level_heading}': '{row.level}' is not a service "
                f"level of this contract (its levels: {', '.join(levels)}); the value counts for no level until "
                "it is corrected"
            )
    result.notes.extend(notes)
    kept = result.records["record"].isin(placed["record"])
    result.skipped_rows += int((~kept).sum())
    result.records = result.records[kept].reset_index(drop=True)
    if result.records.empty:
        result.rejection = (
            f'"{result.filename}" has no value in a period of this contract ({period.describe()}); '
            "see the notes for each row."
        )
        result.records = None
