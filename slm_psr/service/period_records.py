"""The measurement records of a period, each in words, so a person can pick one to correct or dispute.

A record belongs to the period its outage starts in, its ticket is opened in, or its
measured value is for (a rolling window: the one assessed at the end of that month, as
``slm_psr.engine.periods.containing`` says). The Monitoring page lists a period's
records from here; disputes use the same assignment to know which period a record is
about (and whether that period is closed).
"""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd

from slm_psr.engine.monitoring import Records
from slm_psr.engine.periods import containing
from slm_psr.model import MeasurementPeriod
from slm_psr.service.measured_values import place_values
from slm_psr.service.measurement_records import NOT_CORRECTED
from slm_psr.service.monitor import contract_in_force, load_records, record_days
from slm_psr.store import Store

COLUMNS = ["record", "period", "what", "file", "row", "description", "disputed", "fields"]
_WHEN = "%d.%m.%Y %H:%M"  # as the files write them, in the contract's time zone


def periods_of(
    loaded: Records, period: MeasurementPeriod, records: Collection[str] | None = None
) -> dict[str, str]:
    """The period label of each record (of ``records`` only, when given)."""
    tz = period.time_zone
    span = record_days(loaded, tz)
    first = span[0] if span else None
    out: dict[str, str] = {}
    for frame, column in ((loaded.outages, "start"), (loaded.tickets, "opened")):
        if frame.empty:
            continue
        hit = frame if records is None else frame[frame["record"].isin(records)]
        for record, when in zip(hit["record"], hit[column].dt.tz_convert(tz), strict=True):
            if not pd.isna(when):
                out[record] = containing(period, when.date(), first)
    if not loaded.values.empty:
        hit = loaded.values if records is None else loaded.values[loaded.values["record"].isin(records)]
        placed, _ = place_values(hit, period, first)
        out.update(zip(placed["record"], placed["period"].astype(str), strict=True))
    return out


def period_records(store: Store, project_id: int, label: str) -> pd.DataFrame:
    """The records of period ``label``, one row each (:data:`COLUMNS`): the record's key, what it is,
    its file and row, a description in words, whether it is disputed, and the fields a correction may change."""
    _, schedule, _ = contract_in_force(store, project_id)
    tz = schedule.period.time_zone
    loaded, _ = load_records(store, project_id, tz)
    labels = periods_of(loaded, schedule.period)
    rows: list[dict] = []
    for what, frame, describe in (
        ("outage", loaded.outages, _outage),
        ("ticket", loaded.tickets, _ticket),
        ("measured value", loaded.values, _value),
    ):
        if frame.empty:
            continue
        fields = [c for c in frame.columns if c not in NOT_CORRECTED]
        mine = frame[frame["record"].map(labels.get) == label]
        for row in mine.to_dict("records"):
            rows.append(
                {
                    "record": row["record"],
                    "period": label,
                    "what": what,
                    "file": row.get("file", ""),
                    "row": int(row["row"]),
                    "description": describe(row, tz),
                    "disputed": bool(row.get("disputed", False)),
                    "fields": fields,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _time(value: object, tz: str) -> str:
    return "open" if pd.isna(value) else pd.Timestamp(value).tz_convert(tz).strftime(_WHEN)


def _outage(row: dict, tz: str) -> str:
    excluded = " (planned, excluded)" if row.get("excluded") else ""
    return f"{row['service']} down {_time(row['start'], tz)} to {_time(row.get('end'), tz)}{excluded}"


def _ticket(row: dict, tz: str) -> str:
    priority = row.get("priority_text") or (f"P{row['priority']}" if not pd.isna(row.get("priority")) else "")
    return (
        f"ticket {row['ticket']} {priority}".rstrip()
        + f": opened {_time(row['opened'], tz)}, first response {_time(row.get('responded'), tz)}, "
        f"resolved {_time(row.get('resolved'), tz)}"
    )


def _value(row: dict, tz: str) -> str:
    del tz
    by = f", measured by {row['measured_by']}" if row.get("measured_by") else ""
    return f"{row['level']}: {row['value']:g} for {row.get('written') or row['period']}{by}"
