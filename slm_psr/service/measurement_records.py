"""Parsed measurements as the store keeps them, and corrections to them: read, checked and applied.

A file's records are kept as gzip JSON (timestamps as UTC epoch seconds, so a reload
is exact). A correction is text, as a person types it; it is checked when made (read
as the file's column would be: a time, a number, a month or a day) and applied at
every load, so a correction that cannot be read never reaches the store.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from typing import Any

import numpy as np
import pandas as pd

from slm_psr.engine.periods import NotOnePeriod, containing, period_of_value
from slm_psr.excel.measurements import written_period
from slm_psr.excel.timestamps import read_times
from slm_psr.model import MeasurementPeriod

_TIME_COLUMNS = ("start", "end", "opened", "responded", "resolved", "pause_from", "pause_until")


class MonitoringError(ValueError):
    """A monitoring step that cannot go on, said in words (no contract yet, unknown supplier, ...).

    A ValueError, as a refused input is: the pages show it as 'Not saved: ...'."""


# What a record keeps about itself (its key, file, row, the dispute mark): not a measurement to correct.
NOT_CORRECTED = (
    "record",
    "file",
    "row",
    "disputed",
    "period_heading",
    "level_heading",
    "open_ended",
    "written",
)


def records_to_bytes(records: pd.DataFrame) -> bytes:
    """Parsed records as gzip JSON: timestamps as UTC epoch seconds, so a reload is exact."""
    columns: dict[str, list[Any]] = {}
    for name in records.columns:
        col = records[name]
        if name in _TIME_COLUMNS:
            secs = pd.DatetimeIndex(col).as_unit("s").asi8
            columns[name] = [None if t else int(v) for v, t in zip(secs, col.isna(), strict=True)]
        else:
            columns[name] = [None if pd.isna(v) else (v.item() if hasattr(v, "item") else v) for v in col]
    return gzip.compress(json.dumps(columns, ensure_ascii=False).encode("utf-8"), mtime=0)


def records_from_bytes(data: bytes) -> pd.DataFrame:
    columns = json.loads(gzip.decompress(data))
    frame = pd.DataFrame(columns)
    for name in _TIME_COLUMNS:
        if name in frame:
            frame[name] = pd.to_datetime(pd.array(frame[name], dtype="Float64"), unit="s", utc=True).as_unit(
                "s"
            )
    if "priority" in frame:
        frame["priority"] = pd.array(frame["priority"], dtype="Int64")
    return frame


def apply_corrections(
    tables: dict[str, pd.DataFrame], corrections: list[dict[str, Any]], tz: str
) -> list[str]:
    notes = []
    for c in corrections:
        for frame in tables.values():
            if frame.empty or c["field"] not in frame:
                continue
            hit = frame.index[frame["record"] == c["record"]]
            if len(hit):
                frame.loc[hit, c["field"]] = _typed(frame[c["field"]], c["field"], c["after"], tz)
                if c["field"] == "end" and "open_ended" in frame:
                    frame.loc[hit, "open_ended"] = pd.isna(frame.loc[hit, "end"]).to_numpy()
                break
        else:
            notes.append(f"correction of {c['field']} of record {c['record']} matches no record; not applied")
    return notes


def _typed(column: pd.Series, name: str, text: str | None, tz: str) -> Any:
    if name in _TIME_COLUMNS:
        return read_times(pd.Series([text], dtype=object), tz).utc.iloc[0]
    if column.dtype == bool:
        return str(text).strip().lower() in ("yes", "ja", "true", "1", "x", "planned", "excluded")
    if pd.api.types.is_numeric_dtype(column):
        return float(str(text).replace(",", ".")) if text not in (None, "") else np.nan
    return text or ""


def checked_correction(
    column: pd.Series, name: str, text: str, period: MeasurementPeriod, first: dt.date | None
) -> tuple[str, str | None]:
    """The corrected text as it will be read, and the period it moves the record to (or None);
    a MonitoringError in words when the text cannot be read as the column is. ``first``: the
    first day measured (the default anchor of fixed 30-day periods)."""
    text = str(text if text is not None else "").strip()
    if name == "period":
        written = written_period(text)
        if written is None:
            raise MonitoringError(f"'{text}' is not a month like 2027-03 nor a day like 2027-03-15")
        try:
            return written, period_of_value(period, written, first)
        except NotOnePeriod as exc:
            raise MonitoringError(str(exc)) from None
    if name in _TIME_COLUMNS:
        if not text:
            return text, None
        read = read_times(pd.Series([text], dtype=object), period.time_zone)
        problem = read.problems.iloc[0]
        problem = problem if isinstance(problem, str) else None
        if problem or pd.isna(read.utc.iloc[0]):
            raise MonitoringError(
                f"'{text}' is not a date and time like 19.05.2027 14:02"
                + (f" ({problem})" if problem else "")
            )
        day = read.utc.iloc[0].tz_convert(period.time_zone).date()
        return text, containing(period, day, first) if name in ("start", "opened") else None
    if column.dtype != bool and pd.api.types.is_numeric_dtype(column) and text:
        try:
            float(text.replace(",", "."))
        except ValueError:
            raise MonitoringError(f"'{text}' is not a number (the field {name} holds numbers)") from None
    return text, None
