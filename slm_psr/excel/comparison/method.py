"""The method and answers sheets: how the bids were compared, with which weights, from which files, and every answer as submitted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from slm_psr import __version__
from slm_psr.engine.methods import CRITERION_WORDS, METHODS
from slm_psr.engine.price import FORMULAS
from slm_psr.excel.comparison.context import Context
from slm_psr.excel.sheetkit import (
    Column,
    Sheet,
    Styled,
    plain,
)
from slm_psr.model import Response
from slm_psr.psr_file import content_hash
from slm_psr.wording import flag_words

if TYPE_CHECKING:
    pass


# --- method: how, with which weights, from which files ------------------------------

_METHOD_WIDTHS = (32, 72, 30, 36, 14, 14, 14)


def write_method(
    sheet: Sheet,
    ctx: Context,
    files: Sequence[tuple[str, str]],
    responses: Sequence[Response] | None,
    audit: Sequence[dict[str, Any]] | None,
    moment: dt.datetime,
) -> None:
    ev, psr, settings = ctx.ev, ctx.psr, ctx.ev.settings
    sheet.title("Method and sources", f"How the bids were compared, and from which files ({psr.id})")
    # Several tables share these columns: B is the wide one (descriptions, names, hashes).
    sheet.widths = False
    for col, width in enumerate(_METHOD_WIDTHS):
        sheet.ws.set_column(col, col, width)

    sheet.line("Tender", "section")
    sheet.pairs(
        [
            ("Title", psr.title),
            ("Buyer", psr.buyer),
            ("PSR ID", psr.id),
            ("PSR version", Styled(psr.version, "integer")),
            ("PSR content hash (SHA-256)", Styled(content_hash(psr), "mono")),
            ("Currency", psr.currency),
            ("Contract term (months)", Styled(psr.term_months, "integer")),
            ("Deadline", psr.deadline.isoformat()),
        ]
    )

    sheet.line("Method", "section")
    for line in ev.method_description().split("\n"):
        sheet.wrapped(1, line, _METHOD_WIDTHS[1])
    sheet.row += 1
    typed_total = settings.quality_weight + settings.price_weight
    method = METHODS[settings.method]
    params: list[tuple[str, Any]] = [("Method", method.label)]
    if method.uses_price_points:
        params += [
            ("Quality weight (as typed)", Styled(settings.quality_weight, "weight")),
            ("Quality weight (normalised)", Styled(settings.quality_weight / typed_total, "percent")),
            ("Price weight (as typed)", Styled(settings.price_weight, "weight")),
            ("Price weight (normalised)", Styled(settings.price_weight / typed_total, "percent")),
            ("Price formula", FORMULAS[settings.price_formula].title),
        ]
        if settings.price_ceiling is not None:
            params.append(("Price ceiling Pq", Styled(settings.price_ceiling, "money")))
        if settings.price_max is not None:
            params.append(("Price maximum Pmax", Styled(settings.price_max, "money")))
        if settings.price_optimum is not None:
            params.append(("Price optimum Popt", Styled(settings.price_optimum, "money")))
    params += [
        ("Maximum points", Styled(settings.max_points, "weight")),
        ("Tolerance band s (UfAB extended)", Styled(settings.tolerance, "percent")),
        (
            "Decision criterion (UfAB extended)",
            CRITERION_WORDS[settings.decision_criterion].removeprefix("the "),
        ),
        ("Hours per business day", Styled(settings.hours_per_business_day, "weight")),
        ("Relative method", "yes: adding or removing a bid can change the ranking" if ev.relative else "no"),
    ]
    sheet.pairs(params)

    sheet.line("Weights", "section")
    w = ev.weights
    sheet.table(
        [
            Column("Level", 32),
            Column("Name", 72, "wrap"),
            Column("ID", 30),
            Column("Service", 36),
            Column("Weight as typed", 14, "weight"),
            Column("Normalised (within its level)", 14, "percent"),
            Column("Effective share of the total", 14, "percent"),
        ],
        zip(
            w["level"].tolist(),
            w["name"].tolist(),
            w["id"].tolist(),
            w["service"].tolist(),
            w["weight"].tolist(),
            w["normalised"].tolist(),
            w["effective"].tolist(),
            strict=True,
        ),
        autofilter=False,
    )

    loo = ev.leave_one_out
    if len(loo):
        sheet.line("Ranking with each qualified bid left out", "section")
        sheet.table(
            [
                Column("Left out", 32),
                Column("Note", 72, "wrap"),
                Column("Winner", 30),
                Column("Winner without it", 36),
                Column("Winner changes", 14, "center"),
            ],
            zip(
                loo["left_out"].tolist(),
                loo["note"].tolist(),
                loo["winner"].tolist(),
                loo["winner_without"].tolist(),
                loo["winner_changes"].tolist(),
                strict=True,
            ),
            autofilter=False,
        )

    sheet.line("Input files", "section")
    by_file = {r.file: r for r in responses or ()}
    if not files:
        files = (
            [(r.file, r.sha256) for r in responses]
            if responses
            else [(f, "") for f in ev.suppliers["file"].tolist() if f]
        )
    supplier_by_file = dict(
        zip(ev.suppliers["file"].tolist(), ev.suppliers["supplier"].tolist(), strict=True)
    )
    file_rows = []
    for name, digest in files:
        response = by_file.get(name)
        file_rows.append(
            [
                name,
                Styled(digest, "mono") if digest else None,
                response.supplier if response else supplier_by_file.get(name),
                "\n".join(f"{k}: {v}" for k, v in response.contact.items()) if response else None,
                "\n".join(response.notes) if response else None,
            ]
        )
    sheet.table(
        [
            Column("File", 32),
            Column("SHA-256", 72),
            Column("Supplier", 30),
            Column("Contact", 36, "wrap"),
            Column("Import notes", 50, "wrap"),
        ],
        file_rows,
        autofilter=False,
    )

    sheet.line("Generation", "section")
    sheet.pairs(
        [
            ("Generated (UTC)", moment.strftime("%Y-%m-%d %H:%M:%S")),
            ("slm-psr version", __version__),
        ]
    )
    if audit:
        # One row per entry: its first field (the time) in A, the other fields one per
        # line in the wide column B (entries differ in shape; before/after texts are long).
        sheet.line("Audit trail", "section")
        keys: list[str] = []
        for entry in audit:
            keys.extend(k for k in entry if k not in keys)
        first, rest = keys[0], keys[1:]
        sheet.table(
            [
                Column(str(first).replace("_", " ").capitalize(), _METHOD_WIDTHS[0]),
                Column("Entry", _METHOD_WIDTHS[1], "wrap"),
            ],
            (
                [
                    plain(entry.get(first)),
                    "\n".join(
                        f"{k}: {plain(entry[k])}"
                        for k in rest
                        if entry.get(k) is not None and entry.get(k) != ""
                    ),
                ]
                for entry in audit
            ),
            autofilter=False,
        )


# --- answers as submitted ---------------------------------------------------------------


def write_answers(sheet: Sheet, ctx: Context, responses: Sequence[Response] | None) -> None:
    psr = ctx.psr
    sheet.title(
        "Answers as submitted",
        "Each supplier's answers exactly as typed, with what the import noticed "
        "(the value read from each answer is on 'scores').",
    )
    columns = [
        Column("Supplier", 28),
        Column("Req. ID", 10),
        Column("Service", 16),
        Column("Requirement", 44),
        Column("Answer as submitted", 44, "wrap"),
        Column("Flags", 16),
        Column("Notes", 40, "wrap"),
        Column("Comment", 32, "wrap"),
        Column("Cell", 11),
    ]
    services = {s.id: s.name for s in psr.services}
    requirements = {r.id: r for r in psr.requirements}
    order = {r.id: i for i, r in enumerate(psr.requirements)}

    def rows() -> Iterable[tuple[Any, ...]]:
        if responses is None:  # only the result: its raw answers and flags
            sc = ctx.ev.scores
            for s, rid, raw, flags in zip(
                sc["supplier"].tolist(),
                sc["requirement"].tolist(),
                sc["raw"].tolist(),
                sc["flags"].tolist(),
                strict=True,
            ):
                req = requirements.get(rid)
                yield (
                    s,
                    rid,
                    services.get(req.service) if req else None,
                    req.text if req else None,
                    raw,
                    flag_words(flags) if flags is not None and len(flags) else None,
                )
            return
        for response in responses:
            answers = sorted(
                response.answers.values(),
                key=lambda a: (order.get(a.requirement_id, len(order)), a.requirement_id),
            )
            for a in answers:
                req = requirements.get(a.requirement_id)
                yield (
                    response.supplier,
                    a.requirement_id,
                    services.get(req.service) if req else None,
                    req.text if req else "(not in this PSR)",
                    a.raw,
                    flag_words(a.flags) if a.flags else None,
                    "\n".join(a.notes) if a.notes else None,
                    a.comment,
                    a.cell,
                )

    sheet.table(columns, rows(), freeze_cols=2)
