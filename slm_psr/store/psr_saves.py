"""Saving a PSR while colleagues save theirs: edits that do not overlap are merged, field by field.

Anna edits SD-02's target while Ben changes the price weight; both started from
version 3. Ben saves version 4 first. Anna's save (``Store.save_psr`` with
``base_version=3``) is not refused: inside the save's transaction, under the
project's lock, her edits are laid on version 4 field by field (``slm_psr.psr_merge``,
the three-way merge the Requirements page shows), checked as a PSR, and saved as
version 5. Only a field both changed to different values stops it (``PSRClash``,
naming each field in words), and then nothing is saved. Merging under the lock
means a busy project cannot starve a PSR save: there is no window to lose.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from slm_psr.model import PSR
from slm_psr.psr_merge import Clash, describe, merge
from slm_psr.store.errors import StoreError

ROWS = ("services", "requirements")  # lists of rows keyed by their ID
SKIP = ("schema_version", "version")  # set by the file format and by the store


class PSRClash(StoreError):
    """The colleague changed some of the same fields differently: nothing was saved."""

    def __init__(self, by: str, version: int, clashes: list[Clash]):
        self.clashes = clashes
        fields = "; ".join(
            f"{c.where}: yours {describe(c.mine)}, {by}'s {describe(c.theirs)}" for c in clashes
        )
        super().__init__(
            f"{by} saved PSR version {version} meanwhile and changed {len(clashes)} field(s) you changed too "
            f"({fields}): nothing was saved. Open the Requirements page to choose which wins"
        )


def sections(psr: PSR) -> dict[str, Any]:
    """A PSR in the merge's form: the tender's fields, service and requirement rows, the evaluation."""
    data = psr.model_dump(mode="json")
    out: dict[str, Any] = {"meta": {}, "evaluation": data.pop("evaluation")}
    for key, value in data.items():
        if key in ROWS:
            out[key] = value
        elif key not in SKIP:
            out["meta"][key] = value  # contract terms included: compared as a whole
    return out


def from_sections(tables: dict[str, Any], version: int) -> PSR:
    """The PSR the merged sections make (``StoreError`` in words if they do not make one)."""
    data = {**tables["meta"], "services": tables["services"], "requirements": tables["requirements"]}
    data |= {"evaluation": tables["evaluation"], "version": version}
    try:
        return PSR.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise StoreError(
            f"your edits and a colleague's, merged, do not make a valid PSR ({problems}): nothing was saved"
        ) from None


def merged(base: PSR, mine: PSR, theirs: PSR, by: str) -> tuple[PSR, list[str]]:
    """My edits (from ``base``) laid on ``theirs``; the colleague's changes kept, in words. ``PSRClash`` if both changed a field."""
    result = merge(sections(base), sections(mine), sections(theirs))
    if result.clashes:
        raise PSRClash(by, theirs.version, result.clashes)
    kept = [f"{c.where}: {describe(c.before)} -> {describe(c.after)}" for c in result.theirs]
    return from_sections(result.tables, theirs.version), kept
