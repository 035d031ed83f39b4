"""The audit trail in words: each stored change as one sentence a reader of the file understands.

The store keeps an entry's before and after as JSON text; here an entry becomes
"accepted the bid of Westpark (HO-01) despite the knock-out check: the supplier
confirmed 99.5 % in writing" instead of the JSON. An action this module does not
know (a later feature's) still reads as words: its target and the fields that
changed, one "field: before → after" each.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

MAX_VALUE_CHARS = 160  # a changed value longer than this is shortened in the sentence


def _load(text: str | None) -> Any:
    if text is None or text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _value(value: Any) -> str:
    """A stored value as a reader writes it: numbers without '.0', lists joined, nothing as '(none)'."""
    if value is None or value == "":
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) if value else "(none)"
    if isinstance(value, dict):
        return "; ".join(f"{_field(k)} {_value(v)}" for k, v in value.items())
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def _field(path: str) -> str:
    """'requirements[SD-02].weight' -> 'SD-02 weight'; 'evaluation.price_weight' -> 'evaluation: price weight'."""
    path = re.sub(r"^requirements\[([^\]]+)\]\.?", r"\1 ", path)
    path = re.sub(r"^services\[([^\]]+)\]\.?", r"service \1 ", path)
    path = path.replace("evaluation.", "evaluation: ").replace(".", " ").replace("_", " ")
    return " ".join(path.split())


def _changes(before: Any, after: Any) -> str:
    """'SD-02 weight 3 → 4; evaluation: price weight 40 → 50' for two flat dicts of changed fields."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    parts = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if old is None:
            parts.append(f"{_field(key)} added: {_value(new)}")
        elif new is None:
            parts.append(f"{_field(key)} removed (was {_value(old)})")
        else:
            parts.append(f"{_field(key)} {_value(old)} → {_value(new)}")
    return "; ".join(parts)


def _digest(value: Any) -> str:
    return f"SHA-256 {value[:12]}…" if isinstance(value, str) and value else ""


def _create(target: str, before: Any, after: Any) -> str:
    a = after or {}
    return f"created {target} with PSR {a.get('psr_id', '?')} version {a.get('psr_version', '?')}"


def _copy(target: str, before: Any, after: Any) -> str:
    b, a = before or {}, after or {}
    return (
        f"created {target} (PSR version {b.get('psr_version', '?')} of the old tender becomes "
        f"version {a.get('psr_version', 1)} of PSR {a.get('psr_id', '?')})"
    )


def _settings(target: str, before: Any, after: Any) -> str:
    return f"changed the {target}: {_changes(before, after) or 'no visible difference'}"


def _save_psr(target: str, before: Any, after: Any) -> str:
    changes = _changes((before or {}).get("changes"), (after or {}).get("changes"))
    return f"saved {target}" + (f": {changes}" if changes else "")


def _response_text(r: dict[str, Any]) -> str:
    if r.get("rejection"):
        return f"refused: {r['rejection']}"
    answers = r.get("answers")
    bits = [f"{answers} answers read" if answers is not None else "read", _digest(r.get("sha256"))]
    return ", ".join(b for b in bits if b)


def _add_response(target: str, before: Any, after: Any) -> str:
    return f"uploaded {target.removeprefix('response ')}: {_response_text(after or {})}"


def _replace_response(target: str, before: Any, after: Any) -> str:
    old = before if isinstance(before, list) else [before or {}]
    names = ", ".join(str(o.get("filename", "?")) for o in old)
    return f"uploaded {target.removeprefix('response ')} in place of {names}: {_response_text(after or {})}"


def _remove_response(target: str, before: Any, after: Any) -> str:
    reason = (after or {}).get("reason")
    return f"took {target} out of the evaluation (kept on record)" + (f": {reason}" if reason else "")


def _override(target: str, before: Any, after: Any) -> str:
    a = after or {}
    supplier, requirement = a.get("supplier", "?"), a.get("requirement_id")
    verb = "accepted" if a.get("decision") == "accept" else "rejected"
    scope = f"{supplier}'s answer to {requirement}" if requirement else f"the bid of {supplier}"
    was = ""
    if before:
        was = f" (before: {'accepted' if before.get('decision') == 'accept' else 'rejected'})"
    return f"{verb} {scope} by override{was}; justification: {a.get('justification', '')}"


def _withdraw_override(target: str, before: Any, after: Any) -> str:
    why = (after or {}).get("justification", "")
    return f"withdrew the {target}" + (f"; justification: {why}" if why else "")


def _score(target: str, before: Any, after: Any) -> str:
    new = (after or {}).get("score")
    old = (before or {}).get("score") if before else None
    what = target.removeprefix("score ")
    return f"scored {what}: {_value(new)}" + (f" (was {_value(old)})" if old is not None else "")


def _withdraw_score(target: str, before: Any, after: Any) -> str:
    return f"withdrew the {target} (was {_value((before or {}).get('score'))})"


def _archive(target: str, before: Any, after: Any) -> str:
    return f"archived {target} (read-only)"


def _restore(target: str, before: Any, after: Any) -> str:
    return f"restored {target} from the archive"


_PARTY = {"buyer": "the customer", "supplier": "the supplier"}


def _review(verb: str) -> Callable[[str, Any, Any], str]:
    def sentence(target: str, before: Any, after: Any) -> str:
        a = after or {}
        where = f"{target} (version {a.get('version', 1)})"
        party = f" for {_PARTY.get(str(a.get('party')), a.get('party'))}" if a.get("party") else ""
        if verb == "action":
            due = f", due {a['due']}" if a.get("due") else ""
            return f"agreed an action in the {where}: {a.get('text', '')} (owner {a.get('owner', '?')}{due})"
        if verb == "sign_off":
            return f"signed off the {where}{party}"
        if verb == "reopen":
            return f"reopened the {target} as version {a.get('version', '?')} for a correction: {a.get('text', '')}"
        return f"commented on the {where}{party}: {a.get('text', '')}"

    return sentence


SENTENCES: dict[str, Callable[[str, Any, Any], str]] = {
    "review_comment": _review("comment"),
    "review_action": _review("action"),
    "review_sign_off": _review("sign_off"),
    "review_reopen": _review("reopen"),
    "create_project": _create,
    "copy_project": _copy,
    "archive_project": _archive,
    "restore_project": _restore,
    "set_settings": _settings,
    "save_psr": _save_psr,
    "add_response": _add_response,
    "replace_response": _replace_response,
    "remove_response": _remove_response,
    "set_override": _override,
    "withdraw_override": _withdraw_override,
    "set_evaluator_score": _score,
    "withdraw_evaluator_score": _withdraw_score,
}


def _generic(action: str, target: str, before: Any, after: Any) -> str:
    verb = action.replace("_", " ")
    if isinstance(before, dict) or isinstance(after, dict):
        changes = _changes(before, after)
    else:
        changes = f"{_value(before)} → {_value(after)}" if before is not None else _value(after)
    return f"{verb}: {target}" + (f" ({changes})" if changes and changes != "(none)" else "")


def audit_sentence(action: str, target: str, before: str | None, after: str | None) -> str:
    """One stored change in words (``before``/``after`` as the store keeps them: JSON text or None)."""
    old, new = _load(before), _load(after)
    make = SENTENCES.get(action)
    if make is None:
        return _generic(action, target, old, new)
    try:
        return make(target, old, new)
    except (AttributeError, TypeError, KeyError):
        # an entry written by an older version in another shape: still words, never a crash
        return _generic(action, target, old, new)
