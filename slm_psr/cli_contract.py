"""The command line's contract: its SLA ``contract`` schedule and the ``monitor`` of measurements, reviews and disputes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

from slm_psr.cli_shared import load_psr_or_none, open_project_or_none


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

            if open_project_or_none(args.project, args.database, args.login) is None:
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
            psr = load_psr_or_none(args.psr)
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
