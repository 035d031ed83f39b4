"""The command line: one subcommand per job, each a thin call into the core.

Each subcommand is a pair: ``add_<name>(subparsers)`` declares its arguments and
sets ``func``; the function returns the process exit code.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from slm_psr import __version__
from slm_psr.cli_users import add_users
from slm_psr.model import PSR
from slm_psr.psr_file import PSRFileError, content_hash, load_psr, recorded_hash
from slm_psr.sanitise import clean_text

if TYPE_CHECKING:
    from slm_psr.excel.responses import ImportReport


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


def _store_failed(exc: Exception) -> int:
    """Print a store failure as one clear line (the store words every database failure)."""
    from slm_psr.service.accounts import Refused

    if isinstance(exc, Refused):  # a team rule (sign-in, role, sealed envelope), not a broken store
        print(exc, file=sys.stderr)
        return 1
    reason = getattr(exc, "orig", None) or exc
    print(f"cannot open the project store: {str(reason).strip().splitlines()[0]}", file=sys.stderr)
    return 1


def _project_ref(args: argparse.Namespace) -> str | None:
    """``--project NAME`` or ``--project '#ID'``, or ``--project-id N`` as '#N'; never a guess."""
    project_id = getattr(args, "project_id", None)
    if project_id is not None:
        return f"#{project_id}"
    return args.project


def _add_project_options(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--project", metavar="NAME_OR_#ID", help=f"{what}: its name, or #ID (e.g. '#3')")
    p.add_argument(
        "--project-id", type=int, metavar="N", help="the project with this ID (same as --project '#N')"
    )


def cmd_projects(args: argparse.Namespace) -> int:
    # Imported here so that the other subcommands do not pay for SQLAlchemy.
    from sqlalchemy.exc import SQLAlchemyError

    from slm_psr.store import Store, StoreError

    try:
        with Store.open(args.database) as store:
            projects = store.list_projects(include_archived=args.all)
            where = store.url
    except (StoreError, SQLAlchemyError) as exc:
        return _store_failed(exc)
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


def _open_project_or_none(
    wanted: str, database: str | None, login: str | None = None
):  # -> (ProjectState, audit) | None
    """A stored project by name or '#ID' with its audit trail, or None after printing why not.

    A store with accounts needs ``login`` (``--login``): the project is then as that account may see it.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from slm_psr.cli_users import signed_in
    from slm_psr.service import ProjectNotFound, open_project
    from slm_psr.store import Store, StoreError, Tampered

    try:
        with Store.open(database) as store:
            return open_project(signed_in(store, login), wanted)
    except (ProjectNotFound, Tampered) as exc:
        print(exc, file=sys.stderr)
        return None
    except (StoreError, SQLAlchemyError) as exc:
        _store_failed(exc)
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

    ref = _project_ref(args)
    if ref:  # the PSR is the project's: every positional argument is a file
        return _import_into_project(args, ref, [args.psr, *args.files])
    if not args.files:
        print(
            "give a PSR file and the filled questionnaires, or --project and the questionnaires",
            file=sys.stderr,
        )
        return 1
    psr = _load_psr_or_none(args.psr)
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
    _add_project_options(p, "store the files in this project as one batch, read against its PSR")
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
    ref = _project_ref(args)
    if ref:
        if args.psr or args.files:
            print("give either a project or a PSR file with answer files, not both", file=sys.stderr)
            return 1
        project = _open_project_or_none(ref, args.database, args.login)
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
    _add_project_options(
        p, "evaluate a stored project (its latest PSR, current responses, overrides, scores)"
    )
    p.add_argument("--database", metavar="URL", help="the store (default: $SLM_PSR_DATABASE_URL or SQLite)")
    p.add_argument("--responses-json", help="a JSON list of responses (as Response.model_dump)")
    p.add_argument("--evaluator-scores", help="CSV with columns supplier, requirement, evaluator, score")
    p.add_argument("--overrides", help="a JSON list of overrides (supplier, decision, justification, ...)")
    p.add_argument("--json", help="write the result (status, reasons, total, rank, method) as JSON here")
    p.add_argument("-o", "--output", metavar="XLSX", help="write the comparison workbook (.xlsx) here")
    p.set_defaults(func=cmd_evaluate)


def cmd_award_record(args: argparse.Namespace) -> int:
    import re

    from sqlalchemy.exc import SQLAlchemyError

    from slm_psr import service
    from slm_psr.cli_users import signed_in
    from slm_psr.store import Store, StoreError

    try:
        with Store.open(args.database) as raw:
            store = signed_in(raw, args.login)
            service.team.require(getattr(store, "actor", None), "export")
            state, _ = service.open_project(store, args.project)
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
        return _store_failed(exc)
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


def cmd_verify(args: argparse.Namespace) -> int:
    from slm_psr.store import Store, StoreError

    try:
        with Store.open(args.database) as store:
            ref = _project_ref(args)
            checks = store.verify(store.find_project(ref).id if ref else None)
            where = store.url
    except StoreError as exc:
        return _store_failed(exc)
    for check in checks:
        if check.ok:
            print(
                f"ok      #{check.project_id} {check.name}: {check.entries} history rows, head {check.head}"
            )
            continue
        print(f"ALTERED #{check.project_id} {check.name}: {check.breaks[0]}")
        for line in check.breaks[1:]:
            print(f"        - {line}")
    broken = [c for c in checks if not c.ok]
    summary = f"{len(checks)} project(s) in {where} checked"
    print(f"{summary}: {len(broken)} with altered history" if broken else f"{summary}: history intact")
    return 1 if broken else 0


def add_verify(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "verify", help="check the stored history (hash chain, content hashes); exit 1 on any break"
    )
    _add_project_options(p, "check only this project")
    p.add_argument("--database", metavar="URL", help="the store (default: $SLM_PSR_DATABASE_URL or SQLite)")
    p.set_defaults(func=cmd_verify)


def cmd_migrate(args: argparse.Namespace) -> int:
    from slm_psr.store import Store, StoreError

    try:
        with Store.open(args.database, app_role=args.app_role) as store:
            where = store.url
    except StoreError as exc:
        return _store_failed(exc)
    granted = f"; role {args.app_role} may read and insert history, not change it" if args.app_role else ""
    print(f"{where}: schema up to date{granted}")
    return 0


def add_migrate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="create or upgrade the store's schema (as the migration role)")
    p.add_argument("--database", metavar="URL", help="the store (default: $SLM_PSR_DATABASE_URL or SQLite)")
    p.add_argument(
        "--app-role", metavar="ROLE", help="PostgreSQL: grant this role the app's rights (README, 'A team')"
    )
    p.set_defaults(func=cmd_migrate)


def cmd_contract(args: argparse.Namespace) -> int:
    import json

    from slm_psr.service.contract import ContractError, schedule_for, schedule_workbook, store_contract

    stored = None
    try:
        if args.project:
            if args.psr or args.files:
                print("give either a project or a PSR file with answer files, not both", file=sys.stderr)
                return 1
            from slm_psr.cli_users import acting_user, signed_in
            from slm_psr.service import open_project
            from slm_psr.store import Store, StoreError

            if _open_project_or_none(args.project, args.database, args.login) is None:
                return 1
            with Store.open(args.database) as raw:
                store = signed_in(raw, args.login)
                args.user = acting_user(store, args.user)
                state, _ = open_project(store, args.project)
                try:
                    stored = store_contract(store, state, args.supplier, user=args.user, confirm=args.confirm)
                except StoreError as exc:
                    print(f"cannot store the contract schedule: {exc}", file=sys.stderr)
                    return 1
            from slm_psr.model import SLASchedule

            schedule = SLASchedule.model_validate(stored.schedule)
        else:
            if not args.psr or not args.files:
                print("give a PSR file and answer files, or --project", file=sys.stderr)
                return 1
            psr = _load_psr_or_none(args.psr)
            if psr is None:
                return 1
            from slm_psr.engine import evaluate
            from slm_psr.excel.responses import read_responses

            report = read_responses(psr, [(Path(f).name, Path(f).read_bytes()) for f in args.files])
            for result in report.results:
                if result.response is None:
                    print(f"{result.filename}: not read: {result.rejection}", file=sys.stderr)
            schedule = schedule_for(psr, report.responses, evaluate(psr, report.responses), args.supplier)
    except (ContractError, OSError, ValueError) as exc:
        print(f"cannot build the contract schedule: {exc}", file=sys.stderr)
        return 1
    _print_schedule(schedule, stored)
    if args.json:
        Path(args.json).write_text(
            json.dumps(schedule.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        print(f"schedule: {args.json}")
    if args.output:
        from slm_psr.excel.contract import write_schedule

        data = schedule_workbook(stored) if stored is not None else write_schedule(schedule)
        Path(args.output).write_bytes(data)
        print(f"workbook: {args.output}")
    return 0


def _print_schedule(schedule, stored) -> None:  # (SLASchedule, StoredSchedule | None)
    cur = schedule.currency
    where = f"; stored as version {stored.version} ({stored.status})" if stored is not None else ""
    print(f"SLA schedule {schedule.psr_id} version {schedule.psr_version}: {schedule.supplier}{where}")
    print(f"  measured per {schedule.period_text}")
    print(f"  monthly invoice {schedule.monthly_invoice:,.2f} {cur}; {schedule.cap_text}")
    for level in schedule.levels:
        print(f"  {level.requirement_id:<7} {level.committed:<22} {level.basis_text}")
        for figure in level.worked:
            print(f"{'':10}{figure.case}: {figure.calculation} = {figure.amount:,.2f} {cur}")
    for right in schedule.termination:
        print(f"  {right.id}: {right.trigger} (supplier: {right.accepted})")
    for note in schedule.notes:
        print(f"  note: {note}")


def add_contract(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "contract", help="build the awarded contract's SLA schedule from a bid; store it with --project"
    )
    p.add_argument("psr", nargs="?", help="PSR JSON file (not with --project)")
    p.add_argument("files", nargs="*", metavar="FILE", help="filled questionnaires (.xlsx)")
    p.add_argument(
        "--project", metavar="ID_OR_NAME", help="a stored project: the schedule is stored as a new version"
    )
    p.add_argument("--database", metavar="URL", help="the store (default: $SLM_PSR_DATABASE_URL or SQLite)")
    p.add_argument("--supplier", help="the bid the contract is awarded to (default: the winner)")
    p.add_argument("--confirm", action="store_true", help="store it confirmed (final) rather than as a draft")
    p.add_argument("--user", default="slm-psr command line", help="who stores it (goes on record)")
    p.add_argument("--json", help="write the schedule as JSON here")
    p.add_argument("-o", "--output", metavar="XLSX", help="write the schedule workbook (.xlsx) here")
    p.set_defaults(func=cmd_contract)


def cmd_monitor(args: argparse.Namespace) -> int:
    import json

    from sqlalchemy.exc import SQLAlchemyError

    from slm_psr.cli_users import acting_user, signed_in
    from slm_psr.service import ProjectNotFound, open_project
    from slm_psr.service import monitor as m
    from slm_psr.store import Store, StoreError

    status = 0
    try:
        with Store.open(args.database) as raw:
            store = signed_in(raw, args.login)
            args.user = acting_user(store, args.user)
            state, _ = open_project(store, args.project)  # creates the demo project on first use
            pid = state.id
            m.ensure_demo_contract(store)  # the demo's contract, confirmed once (nothing for other projects)
            if args.plan:
                m.set_monitoring_plan(
                    store, pid, json.loads(Path(args.plan).read_text(encoding="utf-8")), user=args.user
                )
                print(f"monitoring plan from {args.plan} stored")
            if args.import_files:
                files = []
                for name in args.import_files:
                    try:
                        files.append((Path(name).name, Path(name).read_bytes()))
                    except OSError as exc:
                        print(f"{name}: cannot be read ({exc.strerror})", file=sys.stderr)
                        status = 1
                for result in m.import_measurements(store, pid, files, user=args.user):
                    print(result.summary())
                    for note in result.notes[:20]:
                        print(f"  - {note}")
                    if len(result.notes) > 20:
                        print(f"  - ... and {len(result.notes) - 20} more notes")
                    status = status if result.accepted else 1
            if args.correct:
                record, field_name, value = args.correct
                m.correct_measurement(
                    store, pid, record, field_name, value, args.reason or "", user=args.user
                )
                print(f"record {record}: {field_name} corrected to {value!r}")
            changed = _disputes(args, store, pid)
            computing = (
                args.period
                or args.json
                or args.output
                or not (args.import_files or args.correct or changed or args.plan)
            )
            if computing:
                report = m.monitor(store, pid, period=args.period, user=args.user)
                for line in report.lines():
                    print(line)
                if args.json:
                    Path(args.json).write_text(
                        json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n",
                        encoding="utf-8",
                    )
                    print(f"result: {args.json}")
                if args.output:
                    Path(args.output).write_bytes(report.to_xlsx())
                    print(f"report: {args.output}")
            if args.pdf:
                from slm_psr.service import service_report

                if not args.period:
                    print(
                        "--pdf needs --period YYYY-MM: the monthly report is for one month", file=sys.stderr
                    )
                    return 1
                pdf, _ = service_report(store, pid, args.period)
                Path(args.pdf).write_bytes(pdf)
                print(f"monthly service report {args.period}: {args.pdf}")
    except ProjectNotFound as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except (m.MonitoringError, StoreError, ValueError, OSError) as exc:
        print(f"cannot monitor: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        print(f"cannot open the project store: {str(reason).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    return status


def _disputes(args: argparse.Namespace, store, pid: int) -> bool:  # (args, Store, project ID)
    """Raise, settle or list disputes as the monitor command's options ask; True when one was asked for."""
    from slm_psr.service import disputes as d

    if args.dispute:
        number = d.dispute_record(store, pid, args.dispute, args.party, args.reason or "", user=args.user)
        print(f"dispute #{number}: record {args.dispute} disputed by {d.PARTY_WORDS[args.party]}")
    if args.dispute_figure:
        if not args.period:
            raise ValueError("--dispute-figure needs --period: the figure of which period")
        number = d.dispute_figure(
            store, pid, args.period, args.dispute_figure, args.party, args.reason or "", user=args.user
        )
        print(
            f"dispute #{number}: the {args.period} figure of {args.dispute_figure} disputed by "
            f"{d.PARTY_WORDS[args.party]}"
        )
    if args.settle_dispute is not None:
        d.settle(store, pid, args.settle_dispute, args.resolution or "", user=args.user)
        print(f"dispute #{args.settle_dispute} settled: {args.resolution}")
    if args.disputes:
        found = d.disputes(store, pid, period=args.period)
        for dispute in found:
            print(dispute.describe())
        if not found:
            print("no disputes" + (f" about {args.period}" if args.period else ""))
    return bool(args.dispute or args.dispute_figure or args.settle_dispute is not None or args.disputes)


def add_monitor(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "monitor",
        help="after the award: import measurements; per month and service level attainment, credits, termination",
    )
    p.add_argument("--project", required=True, metavar="ID_OR_NAME", help="the stored project")
    p.add_argument("--database", metavar="URL", help="the store (default: $SLM_PSR_DATABASE_URL or SQLite)")
    p.add_argument("--import", dest="import_files", nargs="+", metavar="FILE",
                   help="outage logs, ticket exports or measured values (.xlsx or .csv) to import")  # fmt: skip
    p.add_argument(
        "--plan", metavar="JSON", help="store the monitoring plan (which records measure which level)"
    )
    p.add_argument("--period", metavar="YYYY-MM", help="show this month only (all months are computed)")
    p.add_argument(
        "--correct", nargs=3, metavar=("RECORD", "FIELD", "VALUE"), help="correct a record (needs --reason)"
    )
    p.add_argument("--dispute", metavar="RECORD", help="mark a record disputed (needs --party and --reason)")
    p.add_argument(
        "--dispute-figure",
        metavar="LEVEL",
        help="dispute a service level's figure of --period (with --party, --reason)",
    )
    p.add_argument("--party", choices=("buyer", "supplier"), default="buyer", help="who disputes")
    p.add_argument("--reason", help="why a record is corrected or disputed")
    p.add_argument("--settle-dispute", type=int, metavar="ID", help="settle a dispute (needs --resolution)")
    p.add_argument("--resolution", help="how a dispute was settled, in words")
    p.add_argument("--disputes", action="store_true", help="list the disputes (of --period, if given)")
    p.add_argument("--user", default="command line", help="your name, for the audit trail")
    p.add_argument("--json", help="write the results (periods labelled YYYY-MM) as JSON here")
    p.add_argument("-o", "--output", metavar="XLSX", help="write the monitoring report workbook (.xlsx) here")
    p.add_argument("--pdf", metavar="PDF", help="write the monthly service report (PDF) of --period here")
    p.set_defaults(func=cmd_monitor)


def cmd_award(args: argparse.Namespace) -> int:
    import json

    import pandas as pd

    from slm_psr.service.lots import AwardFileError, award_lots, load_award_file

    notes: list[str] = []
    if args.files:  # a PSR with lots and the suppliers' answers
        psr = _load_psr_or_none(args.problem)
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
        result, notes = lot_award.result, lot_award.lots.notes
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
    p.set_defaults(func=cmd_award)


# Subcommands in the order `--help` lists them.
COMMANDS = [
    add_validate,
    add_projects,
    add_questionnaire,
    add_import,
    add_evaluate,
    add_contract,
    add_award_record,
    add_monitor,
    add_weights,
    add_verify,
    add_migrate,
    add_award,
    add_users,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m slm_psr",
        description="slm-psr: service level requirements, supplier questionnaires and comparison.",
    )
    parser.add_argument("--version", action="version", version=f"slm-psr {__version__}")
    parser.add_argument(
        "--login",
        metavar="NAME",
        default=os.environ.get("SLM_PSR_USER") or None,
        help="sign in as this account (a store with accounts needs it; default $SLM_PSR_USER); "
        "the password is asked for or read from SLM_PSR_LOGIN_PASSWORD",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
