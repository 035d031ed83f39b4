"""One answer cell: what the supplier saw (its display text) and its reading for a requirement."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from typing import NamedTuple

from slm_psr.model import (
    Answer,
    Flag,
    Kind,
    Parsed,
    Requirement,
)
from slm_psr.values.coverage import (
    _COVERAGE_HINT,
    parse_coverage,
)
from slm_psr.values.durations import (
    _MIN,
    _TIME_HINT,
    _amount,
    _check_duration,
    convert_duration,
    parse_duration,
)
from slm_psr.values.languages import (
    parse_languages,
)
from slm_psr.values.numbers import (
    _check_percent,
    _times_100,
    parse_number,
    parse_percent,
)
from slm_psr.values.text import (
    _CACHE_SIZE,
    _CACHED_TEXT,
    _clean,
    _fmt,
    _q,
)
from slm_psr.values.yes_no import (
    parse_yes_no,
)

# --- one answer cell ----------------------------------------------------------------

_TIME_FORMAT = re.compile(r"\[?h+\]?:mm|mm:ss", re.IGNORECASE)
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


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
            and ("%" in number_format or _TIME_FORMAT.search(number_format))
        ):
            return _display(float(cell_value), number_format)
        try:
            return str(cell_value)
        except ValueError:  # Python refuses to print ints of more than 4300 digits
            return "a number too long to show"
    if isinstance(cell_value, float):
        if math.isnan(cell_value):
            return ""
        if abs(cell_value) < 1e6 and number_format and _TIME_FORMAT.search(number_format):
            return _display(dt.timedelta(minutes=_day_fraction_minutes(cell_value)), None)
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
    """Read one answer cell for a requirement; never raises.

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
    kind = req.kind
    unit = "%" if kind is Kind.AVAILABILITY else ""
    if kind in _KINDS_IN_REQUIREMENT_UNIT:
        unit = req.unit  # time limits are converted into it; numbers and prices are taken as in it
    # parsed may come from a cache: the answer gets its own lists, so changing them is safe.
    value = parsed.value
    return Answer(
        requirement_id=req.id,
        value=list(value) if isinstance(value, list) else value,
        raw=raw,
        unit=unit,
        flags=list(dict.fromkeys(parsed.flags)),
        notes=list(parsed.notes),
        cell=cell,
    )


_KINDS_IN_REQUIREMENT_UNIT = frozenset((Kind.TIME_LIMIT, Kind.NUMBER, Kind.PRICE))


def _parse_cell(req: Requirement, value: object, number_format: str | None, hours_per_day: float) -> Parsed:
    """What a cell says; the result may be shared through a cache, so it is only read, never changed."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Parsed(flags=[Flag.MISSING], notes=["no answer"])
    if isinstance(value, str):
        return _parse_text(req, value, hours_per_day)
    if req.kind is Kind.QUALITATIVE:
        return Parsed()  # evaluators read the raw text
    if isinstance(value, bool):
        if req.kind is Kind.YES_NO:
            return Parsed(value=value)
        return Parsed().flag(Flag.UNREADABLE, f"{'TRUE' if value else 'FALSE'} is not {_expected(req)}")
    if isinstance(value, (int, float)):
        number = float(value) if isinstance(value, float) or abs(value) < 10**300 else math.inf
        if number and _cacheable(hours_per_day):  # 0.0 == -0.0 would share an entry
            return _read_number_cached(req.kind, req.unit, number, number_format or "", hours_per_day)
        return _parse_number_cell(req, number, number_format or "", hours_per_day)
    if isinstance(value, (dt.timedelta, dt.time, dt.datetime)) and req.kind is Kind.TIME_LIMIT:
        return _parse_clock_cell(req, value, hours_per_day)
    return Parsed().flag(Flag.UNREADABLE, f"{_q(_display(value, number_format))} is not {_expected(req)}")


def _expected(req: Requirement | _RequirementKind) -> str:
    return _EXPECTED[req.kind]


_EXPECTED = {
    Kind.AVAILABILITY: "a percentage; write e.g. '99.5 %'",
    Kind.TIME_LIMIT: f"a time; {_TIME_HINT}",
    Kind.COVERAGE: f"a service window; {_COVERAGE_HINT}",
    Kind.LANGUAGES: "a list of languages; write e.g. 'DE, EN, FR'",
    Kind.YES_NO: "yes or no",
    Kind.NUMBER: "a number",
    Kind.PRICE: "an amount; write e.g. '1234.50'",
    Kind.QUALITATIVE: "text",
}


def _parse_number_cell(
    req: Requirement | _RequirementKind, x: float, number_format: str, hours_per_day: float
) -> Parsed:
    if not math.isfinite(x):
        return Parsed().flag(Flag.UNREADABLE, f"'{x}' is not a finite number; expected {_expected(req)}")
    if req.kind is Kind.YES_NO:
        if x in (0, 1):
            return Parsed(value=x == 1, notes=[f"'{_fmt(x)}' read as {'yes' if x == 1 else 'no'}"])
        return Parsed().flag(Flag.UNREADABLE, f"'{_fmt(x)}' is not yes or no; write 'yes' or 'no'")
    if req.kind in (Kind.COVERAGE, Kind.LANGUAGES):
        return Parsed().flag(Flag.UNREADABLE, f"'{_fmt(x)}' is not {_expected(req)}")
    percent_cell = "%" in number_format
    if req.kind is Kind.AVAILABILITY or (req.kind is Kind.NUMBER and "%" in req.unit and percent_cell):
        if not percent_cell:
            return parse_percent(_fmt(x))
        shown = f"{_fmt(_times_100(x))}%"
        if 1 < x <= 100:
            # Typed 99.5 into a cell pre-formatted as percent: Excel shows 9950 %.
            out = Parsed(value=x)
            return out.flag(
                Flag.AMBIGUOUS,
                f"the cell shows {shown}; read as {_fmt(x)} % (a percent-formatted cell holding {_fmt(x)}), "
                "please confirm",
            )
        return _check_percent(Parsed(value=_times_100(x)), shown)
    if req.kind is Kind.TIME_LIMIT:
        if _TIME_FORMAT.search(number_format):  # Excel stores times as fractions of a day
            minutes = _day_fraction_minutes(x)
            out = Parsed(notes=[f"the time cell read as {_fmt(minutes)} minutes"])
            return _duration_for(req, out, minutes, _MIN, hours_per_day)
        return _duration_for(req, Parsed(), x, "", hours_per_day, shown=_fmt(x))
    out = Parsed(value=x)
    if req.kind is Kind.PRICE and x < 0:
        out.flag(Flag.OUT_OF_RANGE, f"'{_fmt(x)}': a price cannot be negative")
    if req.kind is Kind.NUMBER and "%" in req.unit and 0 < x <= 1:
        # A share typed as a fraction (0.92) in a plain cell: 0.92 % or 92 %?
        out.flag(
            Flag.AMBIGUOUS,
            f"'{_fmt(x)}' could be {_fmt(x)} % or {_fmt(_times_100(x))} %; please confirm",
        )
    return out


def _day_fraction_minutes(x: float) -> float:
    """Excel keeps a time as a fraction of a day; round to the second it was typed to."""
    return round(x * 86400) / 60


def _parse_clock_cell(
    req: Requirement, value: dt.timedelta | dt.time | dt.datetime, hours_per_day: float
) -> Parsed:
    if isinstance(value, dt.timedelta):
        minutes = value.total_seconds() / 60
    elif isinstance(value, dt.datetime):
        # Excel durations of a day or more arrive as dates near its epoch (1899-12-30).
        if value.year > 1900:
            return Parsed().flag(Flag.UNREADABLE, f"'{value.date()}' is a date, not a time; {_TIME_HINT}")
        minutes = (value - _EXCEL_EPOCH).total_seconds() / 60
    else:
        minutes = value.hour * 60 + value.minute + value.second / 60
    out = Parsed(notes=[f"the time cell read as {_fmt(minutes)} minutes"])
    return _duration_for(req, out, minutes, _MIN, hours_per_day)


def _duration_for(
    req: Requirement | _RequirementKind,
    out: Parsed,
    amount: float,
    unit: str,
    hours_per_day: float,
    shown: str = "",
) -> Parsed:
    """Put a read duration into the requirement's unit, carrying flags and notes along."""
    if not unit:
        unit = req.unit
        out.notes.append(f"{_q(shown)} has no unit; read as {_amount(amount, unit)} (the requirement's unit)")
    converted = convert_duration(amount, unit, req.unit, hours_per_day)
    out.value = converted.value
    for f in converted.flags:
        out.flag(f)
    out.notes.extend(converted.notes)
    if Flag.OUT_OF_RANGE in out.flags:
        return out
    return _check_duration(out, shown or _fmt(amount))


def _parse_text(req: Requirement, text: str, hours_per_day: float) -> Parsed:
    if len(text) > _CACHED_TEXT or not _cacheable(hours_per_day):
        return _read_text(req.kind, req.unit, text, hours_per_day)
    return _read_text_cached(req.kind, req.unit, text, hours_per_day)


def _read_text(kind: Kind, req_unit: str, text: str, hours_per_day: float) -> Parsed:
    """Read a text cell; depends on nothing but its arguments, so it can be cached."""
    req = _RequirementKind(kind, req_unit)
    if req.kind is Kind.QUALITATIVE:
        if _clean(text):
            return Parsed()  # free text: evaluators score it later, raw keeps it
        return Parsed(flags=[Flag.MISSING], notes=["no answer"])
    if req.kind is Kind.YES_NO:
        return parse_yes_no(text)
    if req.kind is Kind.COVERAGE:
        return parse_coverage(text)
    if req.kind is Kind.LANGUAGES:
        return parse_languages(text)
    if req.kind is Kind.AVAILABILITY:
        return parse_percent(text)
    if req.kind is Kind.TIME_LIMIT:
        found = parse_duration(text)
        if found.value is None:
            return found
        amount, unit = float(found.value), found.unit  # type: ignore[arg-type]
        result = Parsed(flags=list(found.flags), notes=list(found.notes))
        return _duration_for(req, result, amount, unit, hours_per_day, shown=_clean(text))
    if req.kind is Kind.NUMBER and "%" in req.unit:
        found = parse_number(text)
        if found.value is None and len(found.readings) == 2 and found.flags == [Flag.AMBIGUOUS]:
            percent = parse_percent(text)
            if percent.value is not None:
                return percent
        return found
    return _for_kind(req, parse_number(text))


def _for_kind(req: Requirement | _RequirementKind, found: Parsed) -> Parsed:
    """Context a helper lacks: a price '1.000' is 1000, a price in CHF for a EUR item."""
    if req.kind is not Kind.PRICE or Flag.MISSING in found.flags or Flag.UNREADABLE in found.flags:
        return found
    if found.value is None and len(found.readings) == 2:
        # Prices carry two decimals, never three: '12.500' is twelve thousand five hundred.
        found.value = found.readings[0]
        found.notes.append(f"read as {_fmt(found.value)}: a price has at most two decimals, not three")
    if found.value is None:
        return found
    wanted = req.unit[:3].upper()
    if found.unit and wanted.isalpha() and len(wanted) == 3 and found.unit != wanted:
        found.flag(Flag.NEEDS_REVIEW, f"the amount is in {found.unit}; the price item asks for {req.unit}")
    if found.rest and not _HARMLESS_PRICE_WORDS.fullmatch(found.rest.lower()):
        found.flag(Flag.NEEDS_REVIEW, f"the price comes with '{found.rest}'; please check what it includes")
    if isinstance(found.value, float) and found.value < 0:
        found.flag(Flag.OUT_OF_RANGE, "a price cannot be negative")
    return found


class _RequirementKind(NamedTuple):
    """What reading a cell needs from a requirement: its kind and unit."""

    kind: Kind
    unit: str


def _read_number(kind: Kind, req_unit: str, x: float, number_format: str, hours_per_day: float) -> Parsed:
    """Read a number cell; depends on nothing but its arguments, so it can be cached."""
    return _parse_number_cell(_RequirementKind(kind, req_unit), x, number_format, hours_per_day)


def _cacheable(hours_per_day: object) -> bool:
    """A plain, non-zero number of hours: 0 and -0.0 are equal keys but are shown differently."""
    return type(hours_per_day) in (float, int) and bool(hours_per_day)


# typed: 10 and 10.0 hours per business day are kept apart.
_read_text_cached = functools.lru_cache(maxsize=_CACHE_SIZE, typed=True)(_read_text)
_read_number_cached = functools.lru_cache(maxsize=_CACHE_SIZE, typed=True)(_read_number)


# Words next to a price that do not change it.
_HARMLESS_PRICE_WORDS = re.compile(
    r"(?:(?:netto|net|zzgl\.? mwst\.?|zzgl\.? ust\.?|excl\.? vat|exkl\.? mwst\.?|plus vat|pro monat|"
    r"per month|monatlich|monthly|/ ?monat|/ ?month|p\.? ?m\.?|mtl\.?|pauschal|flat|fix|einmalig|"
    r"one-time|once|\.-|,-)\s*)+"
)
