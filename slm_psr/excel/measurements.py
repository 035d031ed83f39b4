"""Measurement files in: outage logs, ticket exports and monthly measured values, from xlsx or CSV.

The same care as the questionnaire import: an .xlsx goes through the preflight
(`slm_psr.excel.preflight`) before python-calamine opens it; a CSV is size-checked,
its encoding (BOM, UTF-8, else Windows-1252) and delimiter (comma, semicolon, tab,
bar) detected. The header row is found by its column names, as the tools write
them (Jira Service Management, ServiceNow, OTRS/Znuny, or a hand-kept list in
German or English), so the kind of file is recognised, not declared. Every
problem names the file, the row and the column; a bad row is left out and listed,
a bad file is refused with the reason, and neither stops the others.

Records come out as DataFrames with UTC timestamps and the file row they came
from (``row``), and a stable ``record`` key (file hash and row) that corrections
and disputes refer to.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import python_calamine

from slm_psr.excel.preflight import MB, Limits, RejectedFile, display_name, preflight
from slm_psr.excel.timestamps import read_times
from slm_psr.values.csv_text import NotText, read_csv_text

OUTAGES, TICKETS, VALUES = "outages", "tickets", "values"
KIND_WORDS = {OUTAGES: "outage log", TICKETS: "ticket export", VALUES: "measured values"}

# Column names as tools and people write them, normalised (lower case, words only);
# the first alias found wins, so more specific names come first.
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    OUTAGES: {
        "service": ("service level id", "service level", "sla id", "sla", "service", "affected service",
                    "business service", "configuration item", "cmdb ci", "ci", "system", "dienst"),
        "start": ("outage start", "start", "start time", "begin", "beginn", "stoerungsbeginn", "störungsbeginn",
                  "down since", "started", "from", "von"),
        "end": ("outage end", "end", "end time", "restored", "restored at", "ende", "stoerungsende",
                "störungsende", "up since", "until", "bis", "to"),
        "planned": ("planned excluded", "excluded", "planned", "exclusion", "maintenance", "geplant",
                    "ausgenommen", "outage type", "type"),
        "reason": ("exclusion reason", "reason", "grund", "comment", "bemerkung", "description", "summary"),
        "ticket": ("ticket reference", "ticket", "incident", "incident number", "reference", "ref", "issue key"),
    },
    TICKETS: {
        "ticket": ("issue key", "ticketnumber", "ticket number", "ticket id", "ticket", "number", "key",
                   "incident", "id"),
        "priority": ("priority", "priorität", "prioritaet", "prio"),
        "service": ("service level id", "service", "business service", "service offering", "queue",
                    "component s", "components"),
        "opened": ("opened at", "opened", "created", "created at", "sys created on", "erstellt", "eröffnet",
                   "open time", "reported"),
        "responded": ("first response", "first response at", "firstresponse", "date of first response",
                      "responded at", "responded", "u first response", "erste reaktion"),
        "resolved": ("resolved at", "resolved", "resolution date", "solved", "gelöst", "geloest",
                     "closed at", "closed", "close time"),
        "paused_minutes": ("paused minutes", "pause minutes", "on hold minutes", "time on hold", "paused",
                           "pending minutes", "pausiert minuten", "pause"),
        "pause_from": ("paused from", "pause start", "on hold since", "pending since"),
        "pause_until": ("paused until", "pause end", "on hold until", "resumed at", "resumed"),
    },
    VALUES: {
        "period": ("period", "month", "monat", "zeitraum", "reporting period"),
        "level": ("service level id", "service level", "sla", "level", "requirement", "metric", "kennzahl"),
        "value": ("measured value", "value", "measured", "messwert", "wert", "result"),
        "measured_by": ("measured by", "gemessen von", "source", "who", "by"),
        "comment": ("comment", "bemerkung", "note"),
    },
}  # fmt: skip
REQUIRED = {
    OUTAGES: ("service", "start"),
    TICKETS: ("ticket", "opened"),
    VALUES: ("period", "level", "value"),
}
# When a file's headers fit two kinds, the one listed first wins (a ticket export has a
# "created" column an outage log never has).
KIND_ORDER = (TICKETS, VALUES, OUTAGES)

MAX_CSV_BYTES = 50 * MB  # a year of 100,000 outage records is about 10 MB of CSV
MAX_ROWS = 500_000
# A ticket export is longer and narrower than a questionnaire: more rows, fewer columns.
LIMITS = Limits(max_file_bytes=MAX_CSV_BYTES, max_rows=MAX_ROWS, max_cols=200)
HEADER_SEARCH_ROWS = 20

_YES = {"yes", "y", "ja", "j", "x", "true", "wahr", "1", "planned", "geplant", "maintenance", "wartung",
        "excluded", "ausgenommen", "exclusion", "planned maintenance"}  # fmt: skip
_NO = {"", "no", "n", "nein", "false", "falsch", "0", "unplanned", "ungeplant", "incident", "störung",
       "stoerung", "outage", "unplanned outage"}  # fmt: skip
_PRIORITY_WORDS = {"critical": 1, "highest": 1, "blocker": 1, "very high": 1, "sehr hoch": 1, "kritisch": 1,
                   "high": 2, "hoch": 2, "major": 2, "medium": 3, "moderate": 3, "normal": 3, "mittel": 3,
                   "low": 4, "niedrig": 4, "minor": 4, "lowest": 5, "very low": 5, "planning": 5,
                   "sehr niedrig": 5, "trivial": 5}  # fmt: skip


@dataclass
class MeasurementFile:
    """One file read: its kind, its records, and every problem named; or why it was refused."""

    filename: str
    sha256: str
    size: int
    kind: str | None = None
    records: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)  # "file, row 14, column 'End': ..."
    skipped_rows: int = 0
    rejection: str | None = None

    @property
    def accepted(self) -> bool:
        return self.rejection is None

    def summary(self) -> str:
        if self.rejection:
            return f"{self.filename}: refused. {self.rejection}"
        n = 0 if self.records is None else len(self.records)
        skipped = f", {self.skipped_rows} row(s) left out (see notes)" if self.skipped_rows else ""
        return f"{self.filename}: {KIND_WORDS[self.kind or OUTAGES]}, {n:,} record(s){skipped}"


def read_measurements(
    files: Iterable[tuple[str, bytes]], tz: str, *, limits: Limits | None = None
) -> list[MeasurementFile]:
    """Read every file; each gets its result, read or refused."""
    return [read_measurement_file(data, name, tz, limits=limits) for name, data in files]


def read_measurement_file(
    data: bytes, filename: str, tz: str, *, limits: Limits | None = None
) -> MeasurementFile:
    """Read one measurement file; never raises for a bad file (it is refused with the reason)."""
    shown = display_name(filename)
    result = MeasurementFile(shown, hashlib.sha256(data).hexdigest(), len(data))
    try:
        rows, header_at = _table(data, shown, limits, result)
        _read_rows(rows, header_at, tz, result)
    except _Refused as exc:
        result.rejection = str(exc)
    except RejectedFile as exc:
        result.rejection = exc.reason
    except Exception as exc:  # a file that passed the checks and still breaks a parser
        result.rejection = (
            f'"{shown}" could not be read ({type(exc).__name__}: {exc}); save it again as .xlsx or '
            "CSV (UTF-8) and import it again."
        )
    if result.rejection:
        result.records = None
    return result


class _Refused(Exception):
    pass


# --- the raw table ---------------------------------------------------------------------


def _table(
    data: bytes, shown: str, limits: Limits | None, result: MeasurementFile
) -> tuple[list[list[Any]], int]:
    """The cell rows of the first sheet (or the CSV) with a recognisable header, and the header's index."""
    if not data:
        raise _Refused(f'"{shown}" is empty.')
    if data[:4] == b"PK\x03\x04" or shown.lower().endswith((".xlsx", ".xlsm", ".xls")):
        report = preflight(data, shown, limits=limits or LIMITS)
        result.notes.extend(f"{shown}: {note}" for note in report.notes)
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        for sheet in report.sheets:
            if sheet.kind != "worksheet" or sheet.real_extent[0] == 0:
                continue
            rows = workbook.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
            header_at = _find_header(rows)
            if header_at is not None:
                return rows, header_at
        raise _Refused(_no_header(shown))
    rows = _csv_rows(data, shown, result)
    header_at = _find_header(rows)
    if header_at is None:
        raise _Refused(_no_header(shown))
    return rows, header_at


def _no_header(shown: str) -> str:
    return (
        f'"{shown}" has no header row an outage log, ticket export or list of measured values would have '
        "(e.g. 'Service, Start, End' or 'Ticket, Priority, Created, Resolved' or 'Period, Service level, Value')."
    )


def _csv_rows(data: bytes, shown: str, result: MeasurementFile) -> list[list[Any]]:
    if len(data) > MAX_CSV_BYTES:
        raise _Refused(
            f'"{shown}" is {len(data) / MB:.0f} MB; a measurement CSV may be at most {MAX_CSV_BYTES // MB} MB.'
        )
    try:
        read = read_csv_text(data)
    except NotText:
        raise _Refused(f'"{shown}" is not a text file (CSV) nor an Excel workbook.') from None
    result.notes.extend(f"{shown}: {note}" for note in read.notes)
    if len(read.rows) > MAX_ROWS:
        raise _Refused(f'"{shown}" has {len(read.rows):,} rows; at most {MAX_ROWS:,} are read from one file.')
    return list(read.rows)


def normalise(header: Any) -> str:
    """A column name as compared: lower case, words separated by one space."""
    text = str(header or "").replace("_", " ").lower()
    words = " ".join(re.findall(r"[\w#]+", text))
    return words.removeprefix("custom field ")  # Jira: "Custom field (Time to first response)"


def _find_header(rows: list[list[Any]]) -> int | None:
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        names = {normalise(c) for c in row}
        for kind in KIND_ORDER:
            if all(any(a in names for a in FIELDS[kind][f]) for f in REQUIRED[kind]):
                return i
    return None


def _columns(header: list[Any]) -> tuple[str, dict[str, int]]:
    names = [normalise(c) for c in header]
    for kind in KIND_ORDER:
        found: dict[str, int] = {}
        for name, aliases in FIELDS[kind].items():
            for alias in aliases:
                if alias in names and names.index(alias) not in found.values():
                    found[name] = names.index(alias)
                    break
        if all(f in found for f in REQUIRED[kind]):
            return kind, found
    raise AssertionError("header was recognised but no kind fits")  # _find_header checked


# --- rows to records -------------------------------------------------------------------


def _read_rows(rows: list[list[Any]], header_at: int, tz: str, result: MeasurementFile) -> None:
    header = rows[header_at]
    kind, cols = _columns(header)
    result.kind = kind
    body = rows[header_at + 1 :]
    width = len(header)
    body = [r + [None] * (width - len(r)) if len(r) < width else r for r in body]
    frame = pd.DataFrame(
        body, columns=range(max(width, max((len(r) for r in body), default=0))), dtype=object
    )
    frame.index = np.arange(header_at + 2, header_at + 2 + len(frame))  # file row numbers (1-based)
    blank = frame.map(lambda v: v is None or (isinstance(v, str) and not v.strip())).all(axis=1)
    frame = frame[~blank]
    label = {f: str(header[c]).strip() for f, c in cols.items()}
    bad = pd.Series(False, index=frame.index)

    def note(row: int, fieldname: str, text: str) -> None:
        result.notes.append(f"{result.filename}, row {row}, column '{label[fieldname]}': {text}")

    def times(fieldname: str, required: bool = False) -> pd.Series:
        if fieldname not in cols:
            return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s, UTC]")
        read = read_times(frame[cols[fieldname]], tz)
        for text in read.notes:
            result.notes.append(f"{result.filename}, column '{label[fieldname]}': {text}")
        for row, problem in read.problems.dropna().items():
            note(row, fieldname, problem + ("; row left out" if required else "; read as empty"))
            if required:
                bad[row] = True
        if required:
            for row in read.utc.index[read.utc.isna() & read.problems.isna()]:
                note(row, fieldname, "is empty; a date and time is needed here; row left out")
                bad[row] = True
        return read.utc

    def text(fieldname: str) -> pd.Series:
        if fieldname not in cols:
            return pd.Series("", index=frame.index, dtype=object)
        return frame[cols[fieldname]].map(lambda v: "" if v is None else _cell_text(v))

    out: dict[str, Any] = {"row": frame.index.to_numpy()}
    if kind == OUTAGES:
        service = text("service")
        for row in service.index[service == ""]:
            note(row, "service", "is empty; which service or service level was down is needed; row left out")
            bad[row] = True
        start, end = times("start", required=True), times("end")
        planned = text("planned").str.lower()
        excluded = planned.isin(_YES) | planned.str.startswith(("planned", "geplant", "maint", "wartung"))
        odd = ~excluded & ~planned.isin(_NO)
        for row in planned.index[odd]:
            note(row, "planned", f"'{planned[row]}' is not yes/no or planned/unplanned; counted as unplanned")
        backwards = end.notna() & start.notna() & (end < start)
        for row in end.index[backwards]:
            note(row, "end", "is before the start; row left out")
            bad[row] = True
        open_ended = end.isna()
        for row in end.index[open_ended & ~bad]:
            note(
                row,
                "end",
                "is empty: the outage is open-ended and counts until the end of the period computed",
            )
        out |= {"service": service, "start": start, "end": end, "excluded": excluded.to_numpy(bool),
                "reason": text("reason"), "ticket": text("ticket"), "open_ended": open_ended.to_numpy(bool)}  # fmt: skip
    elif kind == TICKETS:
        ticket = text("ticket")
        for row in ticket.index[ticket == ""]:
            note(row, "ticket", "is empty; a ticket number is needed; row left out")
            bad[row] = True
        priority_text = text("priority")
        priority = priority_text.map(_priority)
        for row in priority.index[priority.isna() & (priority_text != "")]:
            note(row, "priority", f"'{priority_text[row]}' is not a priority like P1, 1 - Critical or High")
        opened = times("opened", required=True)
        responded, resolved = times("responded"), times("resolved")
        for name, stop in (("responded", responded), ("resolved", resolved)):
            for row in stop.index[stop.notna() & opened.notna() & (stop < opened)]:
                note(row, name, "is before the ticket was opened; row left out")
                bad[row] = True
        paused = _minutes(frame[cols["paused_minutes"]]) if "paused_minutes" in cols else None
        if paused is not None:
            for row in paused.index[paused.isna() & text("paused_minutes").ne("")]:
                note(row, "paused_minutes", "is not a number of minutes (like 90 or 1:30); read as no pause")
        out |= {"ticket": ticket, "service": text("service"), "priority": priority.astype("Int64"),
                "priority_text": priority_text, "opened": opened, "responded": responded, "resolved": resolved,
                "paused_minutes": (paused.fillna(0.0) if paused is not None else 0.0),
                "pause_from": times("pause_from"), "pause_until": times("pause_until")}  # fmt: skip
    else:
        period = frame[cols["period"]].map(written_period)
        for row in period.index[period.isna()]:
            note(
                row,
                "period",
                f"'{_cell_text(frame.at[row, cols['period']])}' is not a month like 2027-03 nor a day like "
                "2027-03-15; row left out",
            )
            bad[row] = True
        level = text("level")
        for row in level.index[level == ""]:
            note(row, "level", "is empty; the service level ID is needed; row left out")
            bad[row] = True
        value = _numbers(frame[cols["value"]])
        for row in value.index[value.isna()]:
            note(row, "value", f"'{_cell_text(frame.at[row, cols['value']])}' is not a number; row left out")
            bad[row] = True
        out |= {"period": period, "level": level, "value": value, "measured_by": text("measured_by"),
                "comment": text("comment"),
                # the headings as the file wrote them: a note at computation names the column too
                "period_heading": label["period"], "level_heading": label["level"]}  # fmt: skip
    records = pd.DataFrame(out, index=frame.index)[~bad.to_numpy()].reset_index(drop=True)
    records.insert(0, "record", [f"{result.sha256[:12]}:{r}" for r in records["row"]])
    result.records = records
    result.skipped_rows = int(bad.sum())
    if records.empty:
        raise _Refused(f'"{result.filename}" has a header but no readable rows; see the notes for each row.')


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _priority(text: str) -> float:
    low = text.lower().strip()
    if not low:
        return np.nan
    words = re.sub(r"^\s*(?:p\s*)?\d\s*[-–:.]?\s*", "", low).strip()
    if words in _PRIORITY_WORDS:
        return float(_PRIORITY_WORDS[words])
    match = re.fullmatch(r"(?:p|prio\s*|priority\s*)?\s*([1-5])\b.*", low)
    return float(match.group(1)) if match else np.nan


def _numbers(values: pd.Series) -> pd.Series:
    def one(v: Any) -> float:
        if isinstance(v, int | float) and not isinstance(v, bool):
            return float(v)
        text = str(v or "").strip().replace("%", "").replace("\u00a0", "").replace(" ", "")
        if re.fullmatch(r"-?\d+,\d+", text):
            text = text.replace(",", ".")
        try:
            return float(text)
        except ValueError:
            return np.nan

    return values.map(one).astype(float)


def _minutes(values: pd.Series) -> pd.Series:
    """Minutes as a number (90, 90,5) or as h:mm (1:30)."""
    hm = values.astype(str).str.extract(r"^\s*(\d+):(\d{2})\s*$")
    numbers = _numbers(values)
    clock = hm[0].astype(float) * 60 + hm[1].astype(float)
    return numbers.where(numbers.notna(), clock)


_MONTH_NAMES = {"jan": 1, "feb": 2, "mar": 3, "mär": 3, "apr": 4, "may": 5, "mai": 5, "jun": 6, "jul": 7,
                "aug": 8, "sep": 9, "oct": 10, "okt": 10, "nov": 11, "dec": 12, "dez": 12}  # fmt: skip


def written_period(value: Any) -> str | None:
    """The period a measured value is for, as written: a month ``YYYY-MM`` (from 2027-03, 03/2027,
    03.2027, März 2027, Mar-27) or a day ``YYYY-MM-DD`` (from a date cell, 2027-03-15, 15.03.2027).

    A day is kept a day: under fixed 30-day periods it names the period, where a month may
    run into two (``slm_psr.engine.periods.period_of_value`` decides).
    """
    if hasattr(value, "year") and hasattr(value, "month"):
        if hasattr(value, "day"):
            return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value or "").strip().lower()
    day = None
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ][\d:.]+)?", text):
        y, mo, day = int(m[1]), int(m[2]), int(m[3])
    elif m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text):
        y, mo, day = int(m[3]), int(m[2]), int(m[1])
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        y, mo = int(m[1]), int(m[2])
    elif m := re.fullmatch(r"(\d{1,2})[./](\d{4})", text):
        y, mo = int(m[2]), int(m[1])
    elif m := re.fullmatch(r"([a-zäö]{3})[a-zäö]*\.?[\s-]*(\d{2}|\d{4})", text):
        mo, y = _MONTH_NAMES.get(m[1], 0), int(m[2])
        y = y + 2000 if y < 100 else y
    else:
        return None
    if not 1 <= mo <= 12:
        return None
    if day is None:
        return f"{y:04d}-{mo:02d}"
    try:
        return dt.date(y, mo, day).isoformat()
    except ValueError:  # 31.02.2027
        return None
