"""The award across lots, for the app and the command line: from an award file, or from a PSR with lots and its bids.

An award file (JSON) is read with a size limit and every problem named; a PSR
with lots is evaluated lot by lot (``engine.award.build``) and solved exactly
(``engine.award.solve``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from slm_psr.engine.award import AwardProblem, AwardResult, load_problem, solve
from slm_psr.engine.award.build import LotEvaluation, award_problem
from slm_psr.excel.award import write_award
from slm_psr.model import PSR, Override, Response
from slm_psr.service.project import evaluator_scores
from slm_psr.store import ProjectState

MAX_AWARD_BYTES = 5 * 1024 * 1024  # an award problem of 50 suppliers x 20 lots is about 150 KB


class AwardFileError(ValueError):
    """An award file that cannot be used; ``errors`` holds one line each, for people."""

    def __init__(self, source: str, errors: list[str]):
        self.source = source
        self.errors = errors
        super().__init__(f"{source}: " + "; ".join(errors))


def load_award_file(path: str | Path, *, limit: int = MAX_AWARD_BYTES) -> AwardProblem:
    """An award problem from a JSON file; raises ``AwardFileError`` naming the file and each problem."""
    source = str(path)
    try:
        size = Path(path).stat().st_size
        if size > limit:
            raise AwardFileError(
                source,
                [f"{_size(size)}; an award file may have at most {_size(limit)}"],
            )
        text = Path(path).read_bytes()
    except FileNotFoundError:
        raise AwardFileError(source, ["no such file"]) from None
    except IsADirectoryError:
        raise AwardFileError(source, ["a folder, not an award file"]) from None
    try:
        data = json.loads(text)
    except UnicodeDecodeError:
        raise AwardFileError(source, ["not UTF-8 text; save the award file as UTF-8 JSON"]) from None
    except json.JSONDecodeError as exc:
        raise AwardFileError(
            source, [f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]
        ) from None
    if not isinstance(data, dict):
        raise AwardFileError(source, ["an award file holds one JSON object with lots, bids and rules"])
    try:
        return load_problem(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            lines.append(f"{where + ': ' if where else ''}{error['msg'].removeprefix('Value error, ')}")
        raise AwardFileError(source, lines) from None


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


@dataclass
class LotAward:
    """The lot evaluations, the award problem built from them, and its optimal award."""

    lots: LotEvaluation
    result: AwardResult

    @property
    def problem(self) -> AwardProblem:
        return self.lots.problem


def award_lots(
    psr: PSR,
    responses: list[Response],
    *,
    overrides: list[Override] | tuple[Override, ...] = (),
    evaluator_scores: pd.DataFrame | None = None,
) -> LotAward:
    """Evaluate each lot, build the award problem and solve it; ``ValueError`` when the PSR has no lots
    or the bids cannot be awarded (the message says why)."""
    built = award_problem(psr, responses, overrides=overrides, evaluator_scores=evaluator_scores)
    return LotAward(built, solve(built.problem))


def award_workbook(
    result: AwardResult, *, title: str = "Award across lots", lots: LotEvaluation | None = None
) -> bytes:
    """The award workbook (.xlsx bytes): the award per lot, each rule's price, the runner-up, the chain;
    with ``lots`` (an award built from a PSR) its notes and each lot's own evaluation too."""
    return write_award(
        result,
        title=title,
        notes=lots.notes if lots is not None else None,
        lot_tables=lots.lots if lots is not None else None,
    )


def award_of_project(state: ProjectState) -> LotAward:
    """The stored project's award across lots, with its overrides and evaluator scores."""
    return award_lots(
        state.psr,
        state.accepted_responses(),
        overrides=state.override_models(),
        evaluator_scores=evaluator_scores(state),
    )
