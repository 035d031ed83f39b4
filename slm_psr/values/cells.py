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
from slm_psr.model.response import Value
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


class BatchReadings:
    """``parse_answer`` for one import batch: a cell value repeated across its files is read once.

    A reading depends on nothing but the requirement's kind and units, the cell's
    value (with its type), its number format and the hours per business day; those
    are the key. One instance lives for one batch (``read_responses``, one isolated
    worker), so nothing read in one import is handed to another. The first answer
    for a key is built by ``parse_answer`` and validated by pydantic; later ones are
    new ``Answer``s with their own lists, validated too: ``Answer.model_construct``
    would skip validation but is slower than validating (pydantic 2.14, measured).
    """

    MAX_ENTRIES = 50_000  # a batch of 100 files x 300 requirements has a few thousand

    def __init__(self) -> None:
        self._seen: dict[tuple[object, ...], tuple[Value, str, str, tuple[Flag, ...], tuple[str, ...]]] = {}

    def read(
        self,
        req: Requirement,
        cell_value: object,
        number_format: str | None = None,
        *,
        cell: str = "",
        hours_per_business_day: float = 10.0,
    ) -> Answer:
        """The same ``Answer`` as ``parse_answer`` with these arguments."""
        key = _reading_key(req, cell_value, number_format, hours_per_business_day)
        seen = self._seen.get(key) if key is not None else None
        if seen is None:
            answer = parse_answer(
                req, cell_value, number_format, cell=cell, hours_per_business_day=hours_per_business_day
            )
            if key is not None and len(self._seen) < self.MAX_ENTRIES:
                value = answer.value  # copied: the reader may change the answer's own list
                self._seen[key] = (
                    list(value) if isinstance(value, list) else value,
                    answer.raw,
                    answer.unit,
                    tuple(answer.flags),
                    tuple(answer.notes),
                )
            return answer
        value, raw, unit, flags, notes = seen
        return Answer(
            requirement_id=req.id,
            value=list(value) if isinstance(value, list) else value,
            raw=raw,
            unit=unit,
            flags=list(flags),
            notes=list(notes),
            cell=cell,
        )


def _reading_key(
    req: Requirement, value: object, number_format: str | None, hours_per_day: float
) -> tuple[object, ...] | None:
    """What a reading depends on; None where a key could mix up two readings or is not worth keeping."""
    kind = type(value)
    if kind is str:
        if len(value) > _CACHED_TEXT:  # type: ignore[arg-type]
            return None
    elif kind is float or kind is int:
        # 0.0 == -0.0 (shown differently) and NaN != NaN: not kept
        if not value or value != value:
            return None
    else:
        return None
    if not _cacheable(hours_per_day):
        return None
    return (
        req.kind,
        req.unit,
        req.kind.spec.answer_unit(req),
        kind,
        value,
        number_format,
        type(hours_per_day),
        hours_per_day,
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
