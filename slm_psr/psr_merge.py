"""Three-way merge of two people's edits to one PSR, field by field, with the clashes named.

The PSR is taken in its table form (sections of fields, lists of rows keyed by ``id``:
``{"meta": {...}, "services": [...], "requirements": [...], "evaluation": {...}}``), as
the Requirements page edits it. A field only one side changed takes that change; a
field both changed to different values is a clash that the user settles (``choices``).
Nothing either side changed is dropped without being listed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

MINE, THEIRS = "mine", "theirs"
SECTION_WORDS = {
    "meta": "tender",
    "services": "service",
    "requirements": "requirement",
    "evaluation": "evaluation",
    "lot_rows": "lot",
    "lots": "lots",
}
GONE = None  # a row that one side deleted


@dataclass(frozen=True)
class Change:
    """One field (or whole row) the colleague changed: where, in words, and from/to."""

    key: str  # stable: "requirements/SD-02/minimum", "meta/title", "services/HO" (a whole row)
    where: str  # "requirement SD-02, minimum"
    before: Any
    after: Any


@dataclass(frozen=True)
class Clash:
    """A field both sides changed, differently: ``choices[key]`` says which wins."""

    key: str
    where: str
    base: Any
    mine: Any
    theirs: Any


@dataclass
class Merge:
    tables: dict[str, Any]
    theirs: list[Change] = field(default_factory=list)  # the colleague's changes, all of them
    clashes: list[Clash] = field(default_factory=list)
    unresolved: list[Clash] = field(default_factory=list)  # clashes without a choice (mine kept so far)


def _norm(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return value


def same(a: Any, b: Any) -> bool:
    """Equal as a buyer sees it: blank, None and NaN are all 'empty'."""
    return _norm(a) == _norm(b)


def _where(section: str, row: str | None, name: str | None) -> str:
    words = SECTION_WORDS.get(section, section)
    if row is None:
        return f"{words}, {str(name).replace('_', ' ')}" if section != "meta" else str(name).replace("_", " ")
    return f"{words} {row}" + (f", {str(name).replace('_', ' ')}" if name else "")


def merge(
    base: dict[str, Any],
    mine: dict[str, Any],
    theirs: dict[str, Any],
    choices: dict[str, str] | None = None,
) -> Merge:
    """My edits (from ``base``) on top of theirs (from the same ``base``), field by field."""
    choices = choices or {}
    out = Merge(tables={})

    def pick(key: str, where: str, b: Any, m: Any, t: Any) -> Any:
        if same(m, t):
            return m
        if same(m, b):
            out.theirs.append(Change(key, where, b, t))
            return t
        if same(t, b):
            return m
        clash = Clash(key, where, b, m, t)
        out.clashes.append(clash)
        out.theirs.append(Change(key, where, b, t))
        choice = choices.get(key)
        if choice not in (MINE, THEIRS):
            out.unresolved.append(clash)
            return m
        return t if choice == THEIRS else m

    for section in dict.fromkeys([*base, *mine, *theirs]):
        b, m, t = base.get(section), mine.get(section), theirs.get(section)
        if isinstance(m, dict) or isinstance(t, dict):
            b, m, t = b or {}, m or {}, t or {}
            out.tables[section] = {
                name: pick(
                    f"{section}/{name}", _where(section, None, name), b.get(name), m.get(name), t.get(name)
                )
                for name in dict.fromkeys([*m, *t])
            }
        elif isinstance(m, list) or isinstance(t, list):
            out.tables[section] = _merge_rows(section, b or [], m or [], t or [], pick)
        else:  # a section that is empty (None) on both sides, or a single value
            out.tables[section] = pick(section, SECTION_WORDS.get(section, section), b, m, t)
    return out


def _keyed(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["id"]).strip(): r for r in rows if _norm(r.get("id")) is not None}


def _merge_rows(section: str, base: list[dict], mine: list[dict], theirs: list[dict], pick) -> list[dict]:
    """Rows matched by ID: added, deleted or edited on either side; their order, then my new rows."""
    b, m, t = _keyed(base), _keyed(mine), _keyed(theirs)
    merged: dict[str, dict | None] = {}
    for rid in dict.fromkeys([*t, *m]):
        key = f"{section}/{rid}"
        where = _where(section, rid, None)
        if rid not in m or rid not in t:
            # added by one side, or deleted by one side: a whole-row decision
            merged[rid] = pick(key, where, b.get(rid, GONE), m.get(rid, GONE), t.get(rid, GONE))
            continue
        bb = b.get(rid, {})
        merged[rid] = {
            name: pick(
                f"{key}/{name}", _where(section, rid, name), bb.get(name), m[rid].get(name), t[rid].get(name)
            )
            for name in dict.fromkeys([*m[rid], *t[rid]])
        }
    unkeyed = [r for r in mine if _norm(r.get("id")) is None]  # rows being typed, no ID yet
    return [row for row in merged.values() if row is not None] + unkeyed


def describe(value: Any) -> str:
    """A field value as the buyer reads it in the conflict panel."""
    value = _norm(value)
    if value is None:
        return "(empty)"
    if isinstance(value, dict):
        return ", ".join(f"{k} {describe(v)}" for k, v in value.items() if _norm(v) is not None) or "(empty)"
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)
