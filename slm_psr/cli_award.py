"""The command line's award: the ``award-record`` of an evaluated project and the lot ``award`` (exact MILP)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

from slm_psr.cli_shared import load_psr_or_none, store_failed


def cmd_award_record(args: argparse.Namespace) -> int:
    import re

    from sqlalchemy.exc import SQLAlchemyError

    from slm_psr import service
    from slm_psr.cli_users import signed_in
    from slm_psr.store import Store, StoreError

    try:
        with Store.open(args.database) as raw:
            store = signed_in(raw, args.login)
            state, _ = service.open_project(store, args.project)
            # the role on this project (it can differ from the account's usual one)
            service.team.require(getattr(store, "actor", None), "export", raw, state.id)
            evaluation = service.evaluate_project(state)
            data = service.award_record(
                store, state, evaluation=evaluation, prepared_by=args.prepared_by or ""
            )
    except service.ProjectNotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"cannot evaluate project '{args.project}': {exc}", file=sys.stderr)
        return 1
    except (StoreError, SQLAlchemyError) as exc:
        return store_failed(exc)
    psr = state.psr
    safe_id = re.sub(r"[^A-Za-z0-9._-]+", "_", psr.id)
    out = Path(args.output or f"award-record-{safe_id}-v{psr.version}.pdf")
    out.write_bytes(data)
    winners = " and ".join(evaluation.winners) or "no bid ranked yet"
    print(
        f"{out}: award record for {psr.id} version {psr.version} ({len(evaluation.suppliers)} bids; first: {winners})"
    )
    return 0


def add_award_record(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("award-record", help="write a stored project's award record (PDF) to file and sign")
    p.add_argument(
        "--project", required=True, metavar="ID_OR_NAME", help="the stored project (ID or exact name)"
    )
    p.add_argument("--database", metavar="URL", help="the store (default: $SLM_PSR_DATABASE_URL or SQLite)")
    p.add_argument("--prepared-by", metavar="NAME", help="the name printed as the record's author")
    p.add_argument(
        "-o", "--output", metavar="PDF", help="the .pdf to write (default: award-record-ID-vN.pdf)"
    )
    p.set_defaults(func=cmd_award_record)


def cmd_award(args: argparse.Namespace) -> int:
    import json

    import pandas as pd

    from slm_psr.service.lots import AwardFileError, award_lots, award_workbook, load_award_file

    notes: list[str] = []
    lots = None  # the lot evaluations, when the award is built from a PSR and its answers
    title = f"award file {Path(args.problem).name}"
    if args.files:  # a PSR with lots and the suppliers' answers
        psr = load_psr_or_none(args.problem)
        if psr is None:
            return 1
        from slm_psr.excel.responses import read_responses

        files = []
        for name in args.files:
            try:
                files.append((Path(name).name, Path(name).read_bytes()))
            except OSError as exc:
                print(f"{name}: cannot be read ({exc.strerror})", file=sys.stderr)
        report = read_responses(psr, files)
        for read in report.rejected:
            print(f"{read.filename}: not evaluated: {read.rejection}", file=sys.stderr)
        scores = pd.read_csv(args.evaluator_scores) if args.evaluator_scores else None
        try:
            lot_award = award_lots(psr, report.responses, evaluator_scores=scores)
        except ValueError as exc:
            print(f"{args.problem}: cannot award the lots: {exc}", file=sys.stderr)
            return 1
        result, notes, lots, title = lot_award.result, lot_award.lots.notes, lot_award.lots, psr.title
    else:
        try:
            problem = load_award_file(args.problem)
        except AwardFileError as exc:
            print(f"{exc.source}: not a valid award problem", file=sys.stderr)
            for line in exc.errors:
                print(f"  - {line}", file=sys.stderr)
            return 1
        from slm_psr.engine.award import solve

        result = solve(problem)
    for line in [*result.sentences(), *notes]:
        print(line)
    if args.json:
        data = result.to_dict()
        data["problem"] = result.problem.model_dump(mode="json")  # the award file, for the record
        Path(args.json).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"award: {args.json}")
    if args.output:
        Path(args.output).write_bytes(award_workbook(result, title=title, lots=lots))
        print(f"award workbook: {args.output}")
    return 0 if result.best.feasible else 1


def add_award(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "award", help="the best award across lots and suppliers (exact MILP), each rule's price, the chain"
    )
    p.add_argument(
        "problem",
        metavar="AWARD.json | PSR.json",
        help="an award file (lots, lot bids, bundle bids, rules, chain), or a PSR with lots followed by answer files",
    )
    p.add_argument(
        "files", nargs="*", metavar="FILE", help="filled questionnaires (.xlsx), with a PSR with lots"
    )
    p.add_argument(
        "--evaluator-scores", metavar="CSV", help="evaluators' scores (supplier,requirement,evaluator,score)"
    )
    p.add_argument(
        "--json", help="write the award (winners, value, price, rule prices, runner-up, problem) here"
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="XLSX",
        help="write the award workbook (.xlsx) here: the award per lot, each rule's price, the runner-up, the chain",
    )
    p.set_defaults(func=cmd_award)


# Subcommands in the order `--help` lists them.
