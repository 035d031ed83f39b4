"""Which saves overlap: a save made on an older revision goes in unless a change since touched its part.

Two people work on one project at once (Anna scores SD-09, Ben sets an override on
Beta): each passes the revision they loaded, and the second save finds the revision
moved. It is not refused for that alone: the store reads the audit entries written
since that revision (each carries the revision it made, migration ``record``), says
what each touched (``touched``) and lets the save through when none touched what the
save touches (its ``touches`` keys). Otherwise the save is a ``Conflict``, as before.

Keys are plain strings: ``psr``, ``settings``, ``requirement:SD-09``,
``supplier:beta``, ``override:beta/HO-06``, ``score:acme/SD-09/eva``,
``value:acme/HO-01``, ``ack:3``, ``responses``, ``measurements``, and ``project`` (archiving, which
every save reads). An action this module does not know touches everything (``*``),
so a new action is safe before it is listed here: it only blocks merging.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from slm_psr.store.text import name_key

EVERYTHING = "*"
PROJECT = "project"  # archived or restored: every save reads it
PSR = "psr"
SETTINGS = "settings"
RESPONSES = "responses"
MEASUREMENTS = "measurements"  # imported measurement files

# "requirements[SD-02].weight" (a path of save_psr's changes) -> SD-02
_REQUIREMENT_PATH = re.compile(r"^requirements\[([^\]]+)\]")


def supplier(name: str | None) -> str:
    return f"supplier:{name_key(name or '')}"


def requirement(requirement_id: str | None) -> str:
    return f"requirement:{requirement_id or ''}"


def _override_key(name: str, requirement_id: str | None) -> str:
    return f"override:{name_key(name)}/{requirement_id or ''}"


def _score_key(name: str, requirement_id: str, evaluator: str) -> str:
    return f"score:{name_key(name)}/{requirement_id}/{name_key(evaluator)}"


def _value_key(name: str, requirement_id: str) -> str:
    return f"value:{name_key(name)}/{requirement_id}"


# What a save touches is what it writes and what it was decided on: an override, a
# score or a value decision depends on the supplier's bid and on the requirement as
# the PSR words it, so a new upload of that bid or a PSR save changing that
# requirement since blocks it; another override, score or decision does not.


def override(name: str, requirement_id: str | None) -> frozenset[str]:
    """What an override of ``name`` (on one requirement, or the whole bid) writes and depends on."""
    keys = {_override_key(name, requirement_id), supplier(name)}
    if requirement_id:
        keys.add(requirement(requirement_id))
    return frozenset(keys)


def score(name: str, requirement_id: str, evaluator: str) -> frozenset[str]:
    return frozenset(
        {_score_key(name, requirement_id, evaluator), supplier(name), requirement(requirement_id)}
    )


def value(name: str, requirement_id: str) -> frozenset[str]:
    return frozenset({_value_key(name, requirement_id), supplier(name), requirement(requirement_id)})


def ack(version: int) -> frozenset[str]:
    return frozenset({f"ack:{version}"})


def _object(text: str | None) -> Any:
    return json.loads(text) if text else None


def _suppliers(*summaries: Any) -> set[str]:
    found = set()
    for summary in summaries:
        for item in summary if isinstance(summary, list) else [summary]:
            if isinstance(item, dict) and item.get("supplier"):
                found.add(supplier(item["supplier"]))
    return found


def touched(action: str, before_text: str | None, after_text: str | None) -> set[str]:
    """The keys one recorded change wrote (from its audit entry's action, before and after)."""
    before, after = _object(before_text), _object(after_text)
    either = after if isinstance(after, dict) and after.get("supplier") else before
    either = either if isinstance(either, dict) else {}
    if action == "save_psr":
        changes = [*(before or {}).get("changes", {}), *(after or {}).get("changes", {})]
        return {PSR} | {requirement(m.group(1)) for path in changes if (m := _REQUIREMENT_PATH.match(path))}
    if action == "set_settings":
        return {SETTINGS}
    if action in ("add_response", "replace_response", "remove_response"):
        return {RESPONSES} | _suppliers(before, after)
    if action in ("set_override", "withdraw_override"):
        return {_override_key(either["supplier"], either.get("requirement_id"))}
    if action in ("set_evaluator_score", "withdraw_evaluator_score"):
        return {_score_key(either["supplier"], either["requirement_id"], either["evaluator"])}
    if action in ("set_value_decision", "withdraw_value_decision"):
        return {_value_key(either["supplier"], either["requirement_id"])}
    if action == "import_measurements":
        return {MEASUREMENTS}
    if action == "acknowledge_psr_change":
        return set(ack(after["version"]))
    if action in ("archive_project", "restore_project", "create_project", "copy_project"):
        return {PROJECT}
    return {EVERYTHING}


def blocking(entries: Iterable[tuple[str, str | None, str | None]], touches: frozenset[str]) -> bool:
    """True when one of the changes since (action, before, after) touched what the save touches."""
    mine = touches | {PROJECT}
    for action, before, after in entries:
        theirs = touched(action, before, after)
        if EVERYTHING in theirs or theirs & mine:
            return True
    return False
