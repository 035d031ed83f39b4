"""The command line: one subcommand per job, each a thin call into the core.

Each subcommand is a pair: ``add_<name>(subparsers)`` declares its arguments and
sets ``func``; the function returns the process exit code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from slm_psr import __version__
from slm_psr.model import PSR
from slm_psr.psr_file import PSRFileError, content_hash, load_psr, recorded_hash


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        psr = load_psr(args.psr)
    except FileNotFoundError:
        print(f"{args.psr}: no such file", file=sys.stderr)
        return 1
    except PSRFileError as exc:
        print(f"{exc.source}: not a valid PSR", file=sys.stderr)
        for line in exc.errors:
            print(f"  - {line}", file=sys.stderr)
        return 1
    print(f"{args.psr}: valid PSR {psr.id} version {psr.version}")
    print(f"  {psr.title} ({psr.buyer}), {psr.term_months} months, deadline {psr.deadline}")
    for service in psr.services:
        reqs = [r for r in psr.requirements if r.service == service.id]
        knock_outs = sum(r.is_knock_out for r in reqs)
        prices = sum(r.kind.spec.priced for r in reqs)
        print(
            f"  {service.id} {service.name}: weight {service.weight:g}, {len(reqs) - prices} requirements "
            f"({knock_outs} knock-outs), {prices} price items"
        )
    kinds = sorted({r.kind.label for r in psr.requirements})
    print(f"  kinds: {', '.join(kinds)}")
    ev = psr.evaluation
    print(f"  evaluation: {ev.method.value}, price formula {ev.price_formula.value}")
    digest = content_hash(psr)
    on_file = recorded_hash(Path(args.psr).read_bytes())
    print(f"  content hash {digest}")
    if on_file and on_file != digest:
        print("  note: the file was edited after it was saved (its recorded hash differs)")
    return 0


def add_validate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a PSR file and summarise it")
    p.add_argument("psr", help="PSR JSON file")
    p.set_defaults(func=cmd_validate)


def cmd_projects(args: argparse.Namespace) -> int:
    # Imported here so that the other subcommands do not pay for SQLAlchemy.
    from sqlalchemy.exc import SQLAlchemyError

    from slm_psr.store import Store, StoreError

    try:
        with Store.open(args.database) as store:
            projects = store.list_projects(include_archived=args.all)
            where = store.url
    except (StoreError, SQLAlchemyError) as exc:
        reason = getattr(exc, "orig", None) or exc
        print(f"cannot open the project store: {str(reason).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    if not projects:
        print(f"no projects in {where}")
        return 0
    rows = [("ID", "name", "PSR", "version", "responses", "updated by", "updated at (UTC)")]
    for p in projects:
        name = p.name + (" (archived)" if p.archived else "")
        when = p.updated_at.strftime("%Y-%m-%d %H:%M")
        counts = (str(p.latest_version), str(p.response_count))
        rows.append((str(p.id), name, p.psr_id, *counts, p.updated_by, when))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def add_projects(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("projects", help="list the projects in the store")
    p.add_argument(
        "--database",
        metavar="URL",
        help="sqlite:///file or postgresql://user@host/db (default: $SLM_PSR_DATABASE_URL, else var/slm_psr.sqlite3)",
    )
    p.add_argument("--all", action="store_true", help="include archived projects")
    p.set_defaults(func=cmd_projects)


def _load_psr_or_none(path: str) -> PSR | None:
    """The PSR at ``path``, or None after printing why it cannot be used."""
    try:
        return load_psr(path)
    except FileNotFoundError:
        print(f"{path}: no such file", file=sys.stderr)
    except PSRFileError as exc:
        print(f"{exc.source}: not a valid PSR", file=sys.stderr)
        for line in exc.errors:
            print(f"  - {line}", file=sys.stderr)
    return None


def _open_project_or_none(wanted: str, database: str | None):  # -> (ProjectState, audit) | None
    """A stored project by ID or exact name with its audit trail, or None after printing why not."""
    from sqlalchemy.exc import SQLAlchemyError

    from slm_psr.service import ProjectNotFound, open_project
    from slm_psr.store import Store, StoreError

    try:
        with Store.open(database) as store:
            return open_project(store, wanted)
    except ProjectNotFound as exc:
        print(exc, file=sys.stderr)
        return None
    except (StoreError, SQLAlchemyError) as exc:
        reason = getattr(exc, "orig", None) or exc
        print(f"cannot open the project store: {str(reason).strip().splitlines()[0]}", file=sys.stderr)
        return None


def cmd_questionnaire(args: argparse.Namespace) -> int:
    from slm_psr.excel.questionnaire import write_questionnaire

    psr = _load_psr_or_none(args.psr)
    if psr is None:
        return 1
    out = Path(args.output or f"questionnaire-{psr.id}-v{psr.version}.xlsx")
    out.write_bytes(write_questionnaire(psr))
    answers = len(psr.service_requirements)
    print(
        f"{out}: questionnaire for {psr.id} version {psr.version}, {answers} requirements, "
        f"{len(psr.price_items)} price items"
    )
    return 0


def add_questionnaire(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("questionnaire", help="write the supplier questionnaire (.xlsx) for a PSR")
    p.add_argument("psr", help="PSR JSON file")
    p.add_argument("-o", "--output", help="the .xlsx to write (default: questionnaire-ID-vN.xlsx)")
    p.set_defaults(func=cmd_questionnaire)


def cmd_import(args: argparse.Namespace) -> int:
    import json

    from slm_psr.excel.preflight import Limits
    from slm_psr.excel.responses import read_responses

    psr = _load_psr_or_none(args.psr)
    if psr is None:
        return 1
    files, missing = [], []
    too_big = Limits().max_file_bytes + 1  # enough for the preflight to refuse a larger file
    for name in args.files:
        try:
            with open(name, "rb") as f:
                files.append((Path(name).name, f.read(too_big)))
        except OSError as exc:
            missing.append(f"{name}: cannot be read ({exc.strerror or exc})")
    report = read_responses(psr, files)
    print(report.summary())
    for line in missing:
        print(line, file=sys.stderr)
    if args.report:
        data = report.to_dict()
        data["unreadable_paths"] = missing
        Path(args.report).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"report: {args.report}")
    return 1 if report.rejected or missing else 0


def add_import(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="read filled questionnaires; exit 1 when a file is rejected")
    p.add_argument("psr", help="PSR JSON file")
    p.add_argument("files", nargs="+", metavar="FILE", help="filled questionnaires (.xlsx)")
    p.add_argument("--report", help="write the full report (values, flags, notes) as JSON here")
    p.set_defaults(func=cmd_import)


def cmd_evaluate(args: argparse.Namespace) -> int:
    import json

    import pandas as pd
    from pydantic import ValidationError

    from slm_psr import service
    from slm_psr.engine import Override, evaluate
    from slm_psr.engine.methods import METHODS
    from slm_psr.model import Response
    from slm_psr.wording import status_word

    responses: list[Response] = []
    input_files: list[tuple[str, str]] = []  # (file name, SHA-256) for the comparison workbook
    overrides: list[Override] = []
    scores = None
    project = None
    extras = args.responses_json or args.evaluator_scores or args.overrides  # added to a project's own
    if args.project:
        if args.psr or args.files:
            print("give either a project or a PSR file with answer files, not both", file=sys.stderr)
            return 1
        project = _open_project_or_none(args.project, args.database)
        if project is None:
            return 1
        state = project[0]
        psr = state.psr
        responses = state.accepted_responses()
        input_files = service.input_files(state)
        overrides = state.override_models()
        scores = service.evaluator_scores(state)
    else:
        if not args.psr:
            print("give a PSR file and answer files, or --project", file=sys.stderr)
            return 1
        loaded = _load_psr_or_none(args.psr)
        if loaded is None:
            return 1
        psr = loaded
    try:
        if args.responses_json:
            data = json.loads(Path(args.responses_json).read_text(encoding="utf-8"))
            responses.extend(Response.model_validate(item) for item in data)
            input_files.extend((r.file, r.sha256) for r in responses if r.file)
        if args.files:
            from slm_psr.excel.responses import read_responses

            report = read_responses(psr, [(Path(f).name, Path(f).read_bytes()) for f in args.files])
            input_files.extend((r.filename, r.sha256) for r in report.results)  # rejected ones too
            for result in report.results:
                if result.response is None:
                    print(f"{result.filename}: not evaluated: {result.rejection}", file=sys.stderr)
                else:
                    responses.append(result.response)
        if args.evaluator_scores:
            scores = pd.read_csv(args.evaluator_scores)
        if args.overrides:
            overrides += [
                Override.model_validate(o)
                for o in json.loads(Path(args.overrides).read_text(encoding="utf-8"))
            ]
        if project is not None and not extras:
            result = service.evaluate_project(project[0])  # as the app evaluates it
        else:
            result = evaluate(psr, responses, overrides=overrides, evaluator_scores=scores)
    except (OSError, ValueError, ValidationError) as exc:
        print(f"cannot evaluate: {exc}", file=sys.stderr)
        return 1
    print(
        f"{psr.id} version {psr.version}: {len(responses)} bids, {METHODS[result.settings.method].words(result.settings)}"
    )
    width = max([len("supplier"), *(len(s) for s in result.suppliers["supplier"])])
    print(f"{'rank':>4}  {'supplier':<{width}}  {'status':<13} {'total':>9} {'price total':>16}")
    for row in result.suppliers.itertuples():
        rank = "-" if pd.isna(row.rank) else str(row.rank)
        total = "-" if pd.isna(row.total) else f"{row.total:.2f}"
        status = status_word(row.status)
        print(f"{rank:>4}  {row.supplier:<{width}}  {status:<13} {total:>9} {row.price_total:>16,.2f}")
        for reason in row.reasons:
            print(f"{'':6}- {reason}")
    for warning in result.warnings:
        print(f"warning: {warning}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"result: {args.json}")
    if args.output:
        from slm_psr.excel.comparison import write_comparison

        if project is not None and not extras:  # the app's workbook, audit trail included
            data = service.comparison_workbook(*project, evaluation=result)
        else:
            audit = service.audit_rows(project[1]) if project is not None else None
            data = write_comparison(result, responses, files=input_files or None, audit=audit)
        Path(args.output).write_bytes(data)
        print(f"comparison: {args.output}")
    return 0


def add_evaluate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="qualify, score and rank the bids; print the ranking")
    p.add_argument("psr", nargs="?", help="PSR JSON file (not with --project)")
    p.add_argument("files", nargs="*", metavar="FILE", help="filled questionnaires (.xlsx)")
    p.add_argument(
        "--project",
        metavar="ID_OR_NAME",
        help="evaluate a stored project (its latest PSR, current responses, overrides, scores)",
    )
    p.add_argument("--database", metavar="URL", help="the store (default: $SLM_PSR_DATABASE_URL or SQLite)")
    p.add_argument("--responses-json", help="a JSON list of responses (as Response.model_dump)")
    p.add_argument("--evaluator-scores", help="CSV with columns supplier, requirement, evaluator, score")
    p.add_argument("--overrides", help="a JSON list of overrides (supplier, decision, justification, ...)")
    p.add_argument("--json", help="write the result (status, reasons, total, rank, method) as JSON here")
    p.add_argument("-o", "--output", metavar="XLSX", help="write the comparison workbook (.xlsx) here")
    p.set_defaults(func=cmd_evaluate)


# Subcommands in the order `--help` lists them.
COMMANDS = [add_validate, add_projects, add_questionnaire, add_import, add_evaluate]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m slm_psr",
        description="slm-psr: service level requirements, supplier questionnaires and comparison.",
    )
    parser.add_argument("--version", action="version", version=f"slm-psr {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
