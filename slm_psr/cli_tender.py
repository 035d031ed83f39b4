"""The command line's tender: ``questionnaire``, ``import`` of answer files, ``evaluate``, ``weights``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from slm_psr.model import PSR
from slm_psr.sanitise import clean_text

if TYPE_CHECKING:
    from slm_psr.excel.responses import ImportReport

from slm_psr.cli_shared import add_project_options, load_psr_or_none, open_project_or_none, project_ref


def cmd_questionnaire(args: argparse.Namespace) -> int:
    from slm_psr.excel.questionnaire import write_questionnaire

    psr = load_psr_or_none(args.psr)
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


def _import_into_project(args: argparse.Namespace, ref: str, paths: list[str]) -> int:
    """Read the files against the project's PSR and store them as one batch (all or none)."""
    from slm_psr.cli_users import acting_user, signed_in
    from slm_psr.excel.isolation import read_responses_isolated
    from slm_psr.store import Store, StoreError

    if not (args.user or args.login or "").strip():
        print("give --user NAME: every stored file is recorded with who added it", file=sys.stderr)
        return 1
    files, missing = _read_paths(paths)
    if missing:
        for line in missing:
            print(line, file=sys.stderr)
        print("nothing stored: every file of a batch must be readable", file=sys.stderr)
        return 1
    try:
        with Store.open(args.database) as raw:
            store = signed_in(raw, args.login)
            state = store.load(store.find_project(ref).id)
            report = read_responses_isolated(state.psr, files)
            print(clean_text(report.summary(), lines=True))
            batch = store.add_responses(
                state.id,
                [
                    (r.filename, data, r.response, r.rejection)
                    for r, (_, data) in zip(report.results, files, strict=True)
                ],
                user=acting_user(store, args.user or args.login),
                expected_revision=state.revision,
                psr_version=state.psr_version,
            )
    except StoreError as exc:
        print(f"{exc}", file=sys.stderr)
        return 1
    print(clean_text(f"project '{state.name}': {batch.message}"))
    return 1 if report.rejected else 0


def _read_paths(paths: list[str]) -> tuple[list[tuple[str, bytes]], list[str]]:
    """(file name, bytes) for each readable path, and a line for each unreadable one."""
    from slm_psr.excel.preflight import Limits

    files, missing = [], []
    too_big = Limits().max_file_bytes + 1  # enough for the preflight to refuse a larger file
    for name in paths:
        try:
            with open(name, "rb") as f:
                files.append((Path(name).name, f.read(too_big)))
        except OSError as exc:
            missing.append(f"{name}: cannot be read ({exc.strerror or exc})")
    return files, missing


def cmd_import(args: argparse.Namespace) -> int:
    import json

    ref = project_ref(args)
    if ref:  # the PSR is the project's: every positional argument is a file
        return _import_into_project(args, ref, [args.psr, *args.files])
    if not args.files:
        print(
            "give a PSR file and the filled questionnaires, or --project and the questionnaires",
            file=sys.stderr,
        )
        return 1
    psr = load_psr_or_none(args.psr)
    if psr is None:
        return 1
    report, missing = _read_answer_files(psr, args.files)
    print(clean_text(report.summary(), lines=True))
    for line in missing:
        print(clean_text(line), file=sys.stderr)
    if args.report:
        data = report.to_dict()
        data["unreadable_paths"] = missing
        Path(args.report).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"report: {args.report}")
    return 1 if report.rejected or missing else 0


def _read_answer_files(psr: PSR, paths: Sequence[str]) -> tuple[ImportReport, list[str]]:
    """Read answer files in a worker process (see ``excel.isolation``); a file too large is refused by its size."""
    import hashlib

    from slm_psr.excel.isolation import read_responses_isolated
    from slm_psr.excel.preflight import Limits, too_large
    from slm_psr.excel.responses import ImportReport, ImportResult

    limit = Limits().max_file_bytes
    slots: list[ImportResult | int] = []  # a refusal by size, or the index of a file to read
    to_read: list[tuple[str, bytes]] = []
    missing: list[str] = []
    for name in paths:
        try:
            with open(name, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                if size > limit:  # never read whole; its real size goes into the refusal
                    refusal = too_large(Path(name).name, size, limit)
                    digest = hashlib.file_digest(f, "sha256").hexdigest()
                    slots.append(
                        ImportResult(
                            Path(name).name,
                            digest,
                            rejection=refusal.reason,
                            rejection_code=str(refusal.code),
                        )
                    )
                else:
                    slots.append(len(to_read))
                    to_read.append((Path(name).name, f.read(limit + 1)))
        except OSError as exc:
            missing.append(f"{name}: cannot be read ({exc.strerror or exc})")
    read = read_responses_isolated(psr, to_read).results
    results = [read[slot] if isinstance(slot, int) else slot for slot in slots]
    return ImportReport(psr.id, psr.version, results), missing


def add_import(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="read filled questionnaires (with --project: and store them, all or none); exit 1 when a file is rejected",
    )
    p.add_argument("psr", help="PSR JSON file (with --project: the first questionnaire)")
    p.add_argument("files", nargs="*", metavar="FILE", help="filled questionnaires (.xlsx)")
    add_project_options(p, "store the files in this project as one batch, read against its PSR")
    p.add_argument("--database", metavar="URL", help="the store (default: $SLM_PSR_DATABASE_URL or SQLite)")
    p.add_argument("--user", metavar="NAME", help="who is adding the files (recorded; needed with --project)")
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
    ref = project_ref(args)
    if ref:
        if args.psr or args.files:
            print("give either a project or a PSR file with answer files, not both", file=sys.stderr)
            return 1
        project = open_project_or_none(ref, args.database, args.login)
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
        loaded = load_psr_or_none(args.psr)
        if loaded is None:
            return 1
        psr = loaded
    try:
        if args.responses_json:
            data = json.loads(Path(args.responses_json).read_text(encoding="utf-8"))
            responses.extend(Response.model_validate(item) for item in data)
            input_files.extend((r.file, r.sha256) for r in responses if r.file)
        if args.files:
            report, missing = _read_answer_files(psr, args.files)
            if missing:
                raise OSError("; ".join(missing))
            input_files.extend((r.filename, r.sha256) for r in report.results)  # rejected ones too
            for read in report.results:
                if read.response is None:
                    print(clean_text(f"{read.filename}: not evaluated: {read.rejection}"), file=sys.stderr)
                else:
                    responses.append(read.response)
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
    # Supplier text through the one sanitiser (also for responses given as JSON, never read by us).
    names = [clean_text(s) for s in result.suppliers["supplier"]]
    width = max([len("supplier"), *map(len, names)])
    print(f"{'rank':>4}  {'supplier':<{width}}  {'status':<13} {'total':>9} {'price total':>16}")
    for name, row in zip(names, result.suppliers.itertuples(), strict=True):
        rank = "-" if pd.isna(row.rank) else str(row.rank)
        total = "-" if pd.isna(row.total) else f"{row.total:.2f}"
        status = status_word(row.status)
        price = "sealed" if project is not None and project[0].sealed else f"{row.price_total:,.2f}"
        print(f"{rank:>4}  {name:<{width}}  {status:<13} {total:>9} {price:>16}")
        for reason in row.reasons:
            print(f"{'':6}- {clean_text(reason)}")
    if "credit_at_minimums" in result.suppliers.columns:
        print(f"credit exposure per month ({psr.currency}): at risk; owed if every level fell to the minimum")
        for row in result.suppliers.itertuples():
            print(
                f"{'':6}{clean_text(row.supplier):<{width}}  {row.at_risk_amount:>12,.2f} {row.credit_at_minimums:>12,.2f}"
            )
    for warning in result.warnings:
        print(f"warning: {clean_text(warning)}")
    if args.json:
        from slm_psr.engine.robustness import robustness

        data = {**result.to_dict(), **robustness(result, scores)}
        Path(args.json).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"result: {args.json}")
    if args.output and project is not None and project[0].sealed:
        print(
            "comparison workbook not written: it holds the prices, and the price envelope is sealed "
            "until the lead buyer opens it",
            file=sys.stderr,
        )
        return 1
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
    add_project_options(p, "evaluate a stored project (its latest PSR, current responses, overrides, scores)")
    p.add_argument("--database", metavar="URL", help="the store (default: $SLM_PSR_DATABASE_URL or SQLite)")
    p.add_argument("--responses-json", help="a JSON list of responses (as Response.model_dump)")
    p.add_argument("--evaluator-scores", help="CSV with columns supplier, requirement, evaluator, score")
    p.add_argument("--overrides", help="a JSON list of overrides (supplier, decision, justification, ...)")
    p.add_argument("--json", help="write the result (status, reasons, total, rank, method) as JSON here")
    p.add_argument("-o", "--output", metavar="XLSX", help="write the comparison workbook (.xlsx) here")
    p.set_defaults(func=cmd_evaluate)


def cmd_weights(args: argparse.Namespace) -> int:
    import json

    from slm_psr.engine.robustness import ahp
    from slm_psr.pairwise_file import PairwiseFileError, load_pairwise

    try:
        matrix, names = load_pairwise(args.pairwise)
        result = ahp(matrix, names)
    except FileNotFoundError:
        print(f"{args.pairwise}: no such file", file=sys.stderr)
        return 1
    except PairwiseFileError as exc:
        print(f"{exc.source}: cannot read the judgements", file=sys.stderr)
        for line in exc.errors:
            print(f"  - {line}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"{args.pairwise}: {exc}", file=sys.stderr)
        return 1
    print(f"AHP weights from {len(names)} items ({Path(args.pairwise).name}):")
    for line in result.sentences():
        print(f"  {line}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(f"weights: {args.json}")
    return 0


def add_weights(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "weights", help="AHP: weights and consistency ratio from pairwise judgements (CSV matrix or pairs)"
    )
    p.add_argument(
        "pairwise",
        metavar="PAIRWISE.csv",
        help="a square matrix (names in the first row and column) or rows a, b, how many times more important",
    )
    p.add_argument("--json", help='write {"weights": {name: weight}, "consistency_ratio": ...} here')
    p.set_defaults(func=cmd_weights)
