"""One answer cell: what the supplier saw (its display text) and its reading for a requirement."""

from __future__ import annotations

import datetime as dt
import functools
import math

from slm_psr.model import (
    Answer,
    Flag,
    Kind,
    Parsed,
    Requirement,
)
from slm_psr.values.durations import (
    TIME_FORMAT,
    excel_time_minutes,
)
from slm_psr.values.numbers import (
    _times_100,
)
from slm_psr.values.text import (
    _CACHE_SIZE,
    _CACHED_TEXT,
    _fmt,
)

# --- one answer cell ----------------------------------------------------------------


def _display(cell_value: object, number_format: str | None) -> str:
    """The cell as the supplier saw it, for ``Answer.raw``."""
    if cell_value is None:
        return ""
    if isinstance(cell_value, str):
        return cell_value
    if isinstance(cell_value, bool):
        return "TRUE" if cell_value else "FALSE"
    if isinstance(cell_value, int):
        if (
            abs(cell_value) < 10**15
            and number_format
            and ("%" in number_format or TIME_FORMAT.search(number_format))
        ):
            return _display(float(cell_value), number_format)
        try:
            return str(cell_value)
        except ValueError:  # Python refuses to print ints of more than 4300 digits
            return "a number too long to show"
    if isinstance(cell_value, float):
        if math.isnan(cell_value):
            return ""
        if abs(cell_value) < 1e6 and number_format and TIME_FORMAT.search(number_format):
            return _display(dt.timedelta(minutes=excel_time_minutes(cell_value)), None)
        if math.isfinite(cell_value) and number_format and "%" in number_format:
            return f"{_fmt(_times_100(cell_value))}%"
        return _fmt(cell_value)
    if isinstance(cell_value, dt.timedelta):
        seconds = int(cell_value.total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        h, rem = divmod(seconds, 3600)
        m, s = divmod(rem, 60)
        return f"{sign}{h}:{m:02d}" + (f":{s:02d}" if s else "")
    if isinstance(cell_value, dt.time):
        return cell_value.strftime("%H:%M:%S" if cell_value.second else "%H:%M")
    if isinstance(cell_value, (dt.datetime, dt.date)):
        return (
            cell_value.isoformat(sep=" ") if isinstance(cell_value, dt.datetime) else cell_value.isoformat()
        )
    return str(cell_value)


def parse_answer(
    req: Requirement,
    cell_value: object,
    number_format: str | None = None,
    *,
    cell: str = "",
    hours_per_business_day: float = 10.0,
) -> Answer:
    """Read one answer cell for a requirement, as its kind reads it; never raises.

    ``cell_value`` is what the spreadsheet reader returned, ``number_format`` the cell's
    Excel number format when known ('0.0%', 'h:mm', 'General').
    """
    raw = ""
    try:
        raw = _display(cell_value, number_format)
        parsed = _parse_cell(req, cell_value, number_format, hours_per_business_day)
    except Exception as exc:  # an import must go on: a bug here becomes a flagged answer
        parsed = Parsed().flag(
            Flag.UNREADABLE, f"the answer could not be read ({type(exc).__name__}); please check the cell"
        )
    # parsed may come from a cache: the answer gets its own lists, so changing them is safe.
    value = parsed.value
    return Answer(
        requirement_id=req.id,
        value=list(value) if isinstance(value, list) else value,
        raw=raw,
        unit=req.kind.spec.answer_unit(req),
        flags=list(dict.fromkeys(parsed.flags)),
        notes=list(parsed.notes),
        cell=cell,
    )


def _parse_cell(req: Requirement, value: object, number_format: str | None, hours_per_day: float) -> Parsed:
    """What a cell says; the result may be shared through a cache, so it is only read, never changed."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Parsed(flags=[Flag.MISSING], notes=["no answer"])
    if isinstance(value, str):
        if len(value) > _CACHED_TEXT or not _cacheable(hours_per_day):
            return req.kind.spec.read_text(req.unit, value, hours_per_day)
        return _read_text_cached(req.kind, req.unit, value, hours_per_day)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value) if isinstance(value, float) or abs(value) < 10**300 else math.inf
        if number and _cacheable(hours_per_day):  # 0.0 == -0.0 would share an entry
            return _read_number_cached(req.kind, req.unit, number, number_format or "", hours_per_day)
        return req.kind.spec.read_number(req.unit, number, number_format or "", hours_per_day)
    return req.kind.spec.read_other(req.unit, value, _display(value, number_format), hours_per_day)


def _read_text(kind: Kind, req_unit: str, text: str, hours_per_day: float) -> Parsed:
    """Read a text cell; depends on nothing but its arguments, so it can be cached."""
    return kind.spec.read_text(req_unit, text, hours_per_day)


def _read_number(kind: Kind, req_unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
    """Read a number cell; depends on nothing but its arguments, so it can be cached."""
    return kind.spec.read_number(req_unit, x, number_format, hours_per_day)


def _cacheable(hours_per_day: object) -> bool:
    """A plain, non-zero number of hours: 0 and -0.0 are equal keys but are shown differently."""
    return type(hours_per_day) in (float, int) and bool(hours_per_day)


# typed: 10 and 10.0 hours per business day are kept apart.
_read_text_cached = functools.lru_cache(maxsize=_CACHE_SIZE, typed=True)(_read_text)
_read_number_cached = functools.lru_cache(maxsize=_CACHE_SIZE, typed=True)(_read_number)
