"""Durations ('4 h', '30 Minuten', '1 Werktag') and their conversion into a requirement's time unit."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

from slm_psr.model import (
    Flag,
    Parsed,
    TimeUnit,
)
from slm_psr.values.numbers import (
    _NUMBER,
    _exact,
    _number_readings,
    _rest,
    _strip_qualifiers,
    _two_readings,
    parse_number,
)
from slm_psr.values.text import (
    _clean,
    _fmt,
    _missing,
    _q,
    _too_long,
)

# --- durations --------------------------------------------------------------------

_MIN, _HOUR, _BDAY = TimeUnit.MINUTES.value, TimeUnit.HOURS.value, TimeUnit.BUSINESS_DAYS.value
_CALENDAR_DAYS = "days"  # not a TimeUnit: '2 Tage' does not say business or calendar days

_DURATION_WORDS: dict[str, str] = {
    **dict.fromkeys(("m", "min", "min.", "mins", "minute", "minutes", "minuten", "minute(n)"), _MIN),
    **dict.fromkeys(("h", "h.", "hr", "hrs", "hour", "hours", "std", "std.", "stunde", "stunden"), _HOUR),
    **dict.fromkeys(
        (
            "bd",
            "business day",
            "business days",
            "working day",
            "working days",
            "werktag",
            "werktage",
            "werktagen",
            "arbeitstag",
            "arbeitstage",
            "arbeitstagen",
            "geschäftstag",
            "geschäftstage",
            "geschäftstagen",
            "wt",
        ),
        _BDAY,
    ),
    **dict.fromkeys(
        ("d", "day", "days", "tag", "tage", "tagen", "kalendertag", "kalendertage"), _CALENDAR_DAYS
    ),
}
_DURATION_UNIT = "|".join(re.escape(w) for w in sorted(_DURATION_WORDS, key=len, reverse=True))
_DURATION_PAIR = re.compile(
    r"(?<![\w.,])(?P<sign>-)?(?P<digits>\d+(?:[.,]\d+)*)\s*(?P<unit>" + _DURATION_UNIT + r")(?![\w])",
    re.IGNORECASE,
)
_NEXT_BUSINESS_DAY = re.compile(
    r"^(?:nbd|next business day|next working day|(?:am )?nächsten werktag|nächster werktag|"
    r"folgender werktag|am folgenden werktag)$",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"^(?P<sign>-)?(?P<h>\d{1,3}):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?(?:\s*(?:h|std\.?))?$")
_ZERO, _ONE, _SIXTY = Fraction(0), Fraction(1), Fraction(60)
_UNIT_WORD = {_MIN: "minutes", _HOUR: "hours", _BDAY: "business days", _CALENDAR_DAYS: "days"}


def _amount(x: float, unit: str) -> str:
    """'4 hours', '1 business day', '30 minutes'."""
    word = _UNIT_WORD[unit]
    return f"{_fmt(x)} {word[:-1] if x == 1 else word}"


_TIME_HINT = "write e.g. '4 h' or '30 min'"


_PLAIN_DURATION = re.compile(r"\d+(?:\.\d+)?\s?(?:h|min)")
_COMPOUND_JOIN = re.compile(r"\s*(?:und|and|,)?\s*", re.IGNORECASE)


def parse_duration(text: str) -> Parsed:
    """Read a response or resolution time: '4 h', '30 Min.', '1,5 h', 'NBD', '00:30', '4'.

    ``value`` is the amount in ``unit`` as written (minutes, hours, business_days, or
    'days' for calendar days); ``unit`` is '' for a bare number, which the caller reads
    in the requirement's unit. Use :func:`convert_duration` to change units.
    """
    clean = _clean(text)
    if found := _missing(clean) or _too_long(clean, "a time like '4 h'"):
        return found
    qualifier, body = _strip_qualifiers(clean)
    out = Parsed()
    if qualifier:
        out.notes.append(f"'{qualifier}' in {_q(clean)} is not part of the value")
    if _NEXT_BUSINESS_DAY.match(body):
        out.value, out.unit = 1.0, _BDAY
        out.notes.insert(0, f"{_q(clean)} read as 1 business day")
        return out
    if m := _CLOCK.match(body):
        minutes = int(m["h"]) * 60 + int(m["m"]) + int(m["s"] or 0) / 60
        out.value, out.unit = (-minutes if m["sign"] else float(minutes)), _MIN
        out.notes.insert(0, f"{_q(clean)} read as {_fmt(minutes)} minutes (hh:mm)")
        return _check_duration(out, clean)
    pairs = list(_DURATION_PAIR.finditer(body))
    leftover = _DURATION_PAIR.sub(" ", body)
    if not pairs:
        # A bare number: the caller reads it in the requirement's unit and says so.
        number = parse_number(body)
        if number.value is None and Flag.AMBIGUOUS in number.flags:
            return number
        if number.value is None or number.unit or number.rest:
            return Parsed().flag(Flag.UNREADABLE, f"{_q(clean)} is not a time; {_TIME_HINT}")
        out.value = number.value
        for f in number.flags:
            out.flag(f)
        return _check_duration(out, clean)
    if _NUMBER.search(leftover) or (len(pairs) > 1 and not _compound(pairs, body)):
        return Parsed().flag(
            Flag.AMBIGUOUS, f"{_q(clean)} gives a range or more than one time; write one value, e.g. '4 h'"
        )
    total = _ZERO
    for pair in pairs:
        readings = _number_readings(pair["digits"])
        unit = _DURATION_WORDS[pair["unit"].lower()]
        if not readings:
            return Parsed().flag(Flag.UNREADABLE, f"{_q(clean)} is not a time; {_TIME_HINT}")
        if len(readings) == 2:
            return Parsed(unit=unit, readings=readings).flag(
                Flag.AMBIGUOUS, _two_readings(clean, readings, _UNIT_WORD[unit])
            )
        amount = -_exact(readings[0]) if pair["sign"] else _exact(readings[0])
        if len(pairs) > 1:  # '1 h 30 min': add up in minutes
            amount = amount * (60 if unit == _HOUR else 1)
            unit = _MIN
        total += amount
        out.unit = unit
    out.value = float(total)
    rest = _rest(leftover)
    if rest:
        out.rest = rest
        out.notes.append(f"the rest, '{rest}', is kept as a comment")
    if not _PLAIN_DURATION.fullmatch(clean) and clean.lower() != _amount(out.value, out.unit):
        out.notes.insert(0, f"{_q(clean)} read as {_amount(out.value, out.unit)}")
    return _check_duration(out, clean)


def _compound(pairs: list[re.Match[str]], body: str) -> bool:
    """'1 h 30 min' (hours then minutes, nothing but 'and' between) adds up; others do not."""
    units = [_DURATION_WORDS[p["unit"].lower()] for p in pairs]
    if units != [_HOUR, _MIN]:
        return False
    between = body[pairs[0].end() : pairs[1].start()]
    return bool(_COMPOUND_JOIN.fullmatch(between))


def _check_duration(out: Parsed, shown: str) -> Parsed:
    if isinstance(out.value, float) and out.value < 0:
        out.flag(Flag.OUT_OF_RANGE, f"{_q(shown)}: a time cannot be negative")
    return out


def convert_duration(
    amount: float, from_unit: str, to_unit: str, hours_per_business_day: float = 10.0
) -> Parsed:
    """Express a duration in another unit; minutes and hours convert exactly.

    Business days to clock time (and back) rest on ``hours_per_business_day`` and are
    flagged NEEDS_REVIEW with the assumption in the note; calendar 'days' are flagged
    AMBIGUOUS (calendar or business days?).
    """
    out = Parsed(unit=to_unit)
    if from_unit == to_unit:
        out.value = float(amount)
        return out
    day = _exact(float(hours_per_business_day)) * 60
    if from_unit == _CALENDAR_DAYS:
        if to_unit == _BDAY:
            out.value = float(amount)
            return out.flag(
                Flag.AMBIGUOUS,
                f"{_amount(amount, _CALENDAR_DAYS)} does not say business or calendar days; read as {_fmt(amount)} business days",
            )
        minutes = _exact(float(amount)) * 1440
        out.value = float(minutes / (60 if to_unit == _HOUR else 1))
        as_business = float(_exact(float(amount)) * day / (60 if to_unit == _HOUR else 1))
        return out.flag(
            Flag.AMBIGUOUS,
            f"{_amount(amount, _CALENDAR_DAYS)} does not say business or calendar days; read as calendar days "
            f"({_amount(out.value, to_unit)}); as business days it would be {_amount(as_business, to_unit)}",
        )
    per_unit = {_MIN: _ONE, _HOUR: _SIXTY, _BDAY: day}
    minutes = _exact(float(amount)) * per_unit[from_unit]
    out.value = float(minutes / per_unit[to_unit])
    if _BDAY in (from_unit, to_unit):
        out.flag(
            Flag.NEEDS_REVIEW,
            f"{_amount(amount, from_unit)} read as {_amount(out.value, to_unit)}, "
            f"assuming {_fmt(hours_per_business_day)} hours per business day",
        )
    return out


# --- cells that hold a time ---------------------------------------------------------

TIME_FORMAT = re.compile(r"\[?h+\]?:mm|mm:ss", re.IGNORECASE)  # an Excel time or duration format
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


def excel_time_minutes(x: float) -> float:
    """Excel keeps a time as a fraction of a day; round to the second it was typed to."""
    return round(x * 86400) / 60


def read_clock_cell(value: object, req_unit: str, hours_per_day: float) -> Parsed:
    """A time, duration or (near Excel's epoch) datetime cell, in the requirement's unit."""
    if isinstance(value, dt.timedelta):
        minutes = value.total_seconds() / 60
    elif isinstance(value, dt.datetime):
        # Excel durations of a day or more arrive as dates near its epoch (1899-12-30).
        if value.year > 1900:
            return Parsed().flag(Flag.UNREADABLE, f"'{value.date()}' is a date, not a time; {_TIME_HINT}")
        minutes = (value - _EXCEL_EPOCH).total_seconds() / 60
    elif isinstance(value, dt.time):
        minutes = value.hour * 60 + value.minute + value.second / 60
    else:
        raise TypeError(f"not a time: {value!r}")
    out = Parsed(notes=[f"the time cell read as {_fmt(minutes)} minutes"])
    return in_unit(out, minutes, _MIN, req_unit, hours_per_day)


def in_unit(
    out: Parsed, amount: float, unit: str, req_unit: str, hours_per_day: float, shown: str = ""
) -> Parsed:
    """Put a read duration into the requirement's unit, carrying flags and notes along."""
    if not unit:
        unit = req_unit
        out.notes.append(f"{_q(shown)} has no unit; read as {_amount(amount, unit)} (the requirement's unit)")
    converted = convert_duration(amount, unit, req_unit, hours_per_day)
    out.value = converted.value
    for f in converted.flags:
        out.flag(f)
    out.notes.extend(converted.notes)
    if Flag.OUT_OF_RANGE in out.flags:
        return out
    return _check_duration(out, shown or _fmt(amount))
