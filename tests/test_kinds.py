"""slm_psr.kinds: the registry of requirement kinds, every kind end to end, and a kind added in a test.

The round trip runs every registered kind through the whole flow: the questionnaire is
written, a supplier types an answer below, at and above the minimum into the answer cell
(as a person would, with openpyxl), the workbook is read back, evaluated, and the
comparison workbook written; the qualification sheet must say what the minimum says.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pandas as pd
import pytest

from slm_psr.engine import evaluate
from slm_psr.excel.comparison import write_comparison
from slm_psr.excel.questionnaire import (
    AMOUNT_COL,
    ANSWER_COL,
    ANSWERS_SHEET,
    HEADER_ROW,
    PRICES_SHEET,
    SUPPLIER_FIRST_ROW,
    SUPPLIER_SHEET,
    how_to_answer,
    write_questionnaire,
)
from slm_psr.excel.responses import read_response
from slm_psr.kinds.availability import Availability
from slm_psr.kinds.base import BaseKind, num
from slm_psr.kinds.number import NumberKind
from slm_psr.kinds.price import Price
from slm_psr.model import (
    CELL_FORMATS,
    KIND_ATTRIBUTES,
    PSR,
    Direction,
    Kind,
    KindDefinitionError,
    KindSpec,
    Parsed,
    Requirement,
    Rule,
    find_kind,
    priced_kinds,
    register_kind,
    registered_kinds,
    unregister_kind,
)
from slm_psr.ui.tables import level_text, parse_level, psr_tables, validate_tables

# --- the registry -----------------------------------------------------------------


def test_the_built_in_kinds_are_registered_in_order():
    assert [k.value for k in Kind] == [
        "availability",
        "time_limit",
        "coverage",
        "languages",
        "yes_no",
        "number",
        "qualitative",
        "price",
        # the contract-terms kinds (issue 14), after the built-in ones by name
        "acceptance",
        "at_risk",
        "reporting_day",
    ]
    assert Kind("percent") is Kind.AVAILABILITY and Kind("Time limit") is Kind.TIME_LIMIT
    assert Kind.AVAILABILITY == "availability" and Kind.AVAILABILITY.value == "availability"


@pytest.mark.parametrize("spec", registered_kinds(), ids=lambda s: s.name)
def test_every_kind_is_whole(spec: KindSpec):
    """Every part is there and fits together (register_kind checked it; this says what it checked)."""
    for attr, wanted in KIND_ATTRIBUTES.items():
        assert isinstance(getattr(spec, attr), wanted), attr
    assert spec.default_rule in spec.rules
    assert spec.cell_format in CELL_FORMATS
    assert not KindSpec.__abstractmethods__ & {
        name for name in dir(type(spec)) if getattr(getattr(type(spec), name), "__isabstractmethod__", False)
    }
    assert Kind(spec.name).spec is spec and find_kind(spec.name) is spec


def test_an_unknown_kind_is_named_with_the_known_ones():
    with pytest.raises(
        ValueError, match=r"'ticket_backlog' is not a requirement kind; use one of availability"
    ):
        Kind("ticket_backlog")
    with pytest.raises(
        Exception, match=r"unknown kind 'ticket_backlog'; use one of availability, time_limit"
    ):
        Requirement.model_validate({"id": "X-1", "service": "S", "text": "t", "kind": "ticket_backlog"})


class _Half(BaseKind):
    """A kind that forgot how its answers are read (no read_text)."""

    name = "half"
    label = "half"
    rules = frozenset({Rule.LINEAR})
    default_rule = Rule.LINEAR
    direction = Direction.HIGHER_IS_BETTER
    answer_hint = "a number"
    cell_format = "number"

    def how_to_answer(self, req: Requirement, currency: str) -> str:
        return "A number"


def test_a_kind_without_a_reader_is_refused_when_it_is_made():
    with pytest.raises(TypeError, match="read_text"):
        _Half()  # type: ignore[abstract]


class _Whole(_Half):
    def read_text(self, unit: str, text: str, hours_per_day: float) -> Parsed:
        return Parsed()


def _refused(**parts: Any) -> str:
    spec = type("Broken", (_Whole,), parts)()
    with pytest.raises(KindDefinitionError) as caught:
        register_kind(spec)
    assert find_kind("half") is None  # nothing was registered
    return str(caught.value)


@pytest.mark.parametrize(
    ("parts", "says"),
    [
        ({"label": None}, "label is None, not a str"),
        ({"cell_format": "currency"}, "cell_format 'currency' is not one of percent, number, price, text"),
        ({"default_rule": Rule.EXTRAS}, "default_rule extras is not among its rules"),
        ({"rules": frozenset()}, "rules must be a set of Rule members"),
        ({"direction": "up"}, "direction is 'up', not a Direction"),
        ({"name": "Half Kind"}, "name 'Half Kind' must be lower-case letters"),
        ({"name": "availability"}, "a kind of that name is registered already"),
        ({"aliases": ("percent",)}, "alias 'percent' already names kind availability"),
        ({"answer_hint": " "}, "label and answer_hint must say something"),
    ],
)
def test_a_half_defined_kind_is_refused_at_registration(parts, says):
    message = _refused(**parts)
    assert message.startswith("kind ") and "is refused: " in message
    assert says in message
    assert [k.value for k in Kind][-1] == "reporting_day"  # nothing was registered


def test_a_part_missing_altogether_is_named():
    class NoHint(_Whole):
        pass

    del _Half.answer_hint  # as if the kind had never declared it
    try:
        with pytest.raises(KindDefinitionError, match="kind 'half' is refused: answer_hint is missing"):
            register_kind(NoHint())
    finally:
        _Half.answer_hint = "a number"


def test_only_a_kind_spec_can_be_registered():
    with pytest.raises(KindDefinitionError, match="is not a KindSpec"):
        register_kind(object())  # type: ignore[arg-type]


# --- every kind end to end ----------------------------------------------------------

TERM = 12


def sample_psr(requirement: dict[str, Any]) -> PSR:
    """One service, the requirement under test and a monthly fee (every PSR needs a price item)."""
    return PSR.model_validate(
        {
            "id": "KIND-1",
            "buyer": "Stadtwerke Musterstadt GmbH",
            "title": "One requirement, end to end",
            "term_months": TERM,
            "deadline": "2027-03-01",
            "services": [{"id": "SD", "name": "Service desk"}],
            "requirements": [
                {"id": "R-1", "service": "SD", "text": "What the buyer asks for", "weight": 1, **requirement},
                {
                    "id": "P-1",
                    "service": "SD",
                    "text": "Monthly fee",
                    "kind": "price",
                    "unit": "EUR/month",
                    "price_basis": "monthly",
                },
            ],
        }
    )


# Per kind: the requirement (with a minimum where the kind has one), and what a supplier
# types below, at and above it, with the qualification it must get. A new kind adds a
# line here: test_every_registered_kind_has_a_sample fails until it does.
SAMPLES: dict[str, tuple[dict[str, Any], dict[str, tuple[Any, str]]]] = {
    "availability": (
        {"kind": "availability", "minimum": 99.5, "target": 99.9},
        {"below": ("99,0 %", "disqualified"), "at": ("99.5 %", "qualified"), "above": (0.9995, "qualified")},
    ),
    "time_limit": (
        {"kind": "time_limit", "unit": "hours", "minimum": 8, "target": 4},
        {
            "below": ("12 h", "disqualified"),
            "at": ("8 Stunden", "qualified"),
            "above": ("90 min", "qualified"),
        },
    ),
    "coverage": (
        {"kind": "coverage", "minimum": "Mon-Fri 08:00-18:00", "target": "24/7"},
        {
            "below": ("Mo-Fr 9-17 Uhr", "disqualified"),
            "at": ("Mon-Fri 08:00-18:00", "qualified"),
            "above": ("24/7", "qualified"),
        },
    ),
    "languages": (
        {"kind": "languages", "minimum": ["de", "en"], "target": ["fr"]},
        {
            "below": ("Deutsch", "disqualified"),
            "at": ("DE, EN", "qualified"),
            "above": ("DE, EN, FR", "qualified"),
        },
    ),
    "yes_no": (
        {"kind": "yes_no", "minimum": True},
        {"below": ("nein", "disqualified"), "at": ("ja", "qualified"), "above": ("yes", "qualified")},
    ),
    "number": (
        {"kind": "number", "unit": "agents", "minimum": 10, "target": 20},
        {"below": (8, "disqualified"), "at": ("10", "qualified"), "above": ("25 agents", "qualified")},
    ),
    # evaluators score the text: below, at and above are their means (see EVALUATOR_MEANS)
    "qualitative": (
        {"kind": "qualitative", "minimum": 5, "target": 8},
        {
            "below": ("Our method, offer section 3", "disqualified"),
            "at": ("Our method, offer section 3", "qualified"),
            "above": ("Our method, offer section 3", "qualified"),
        },
    ),
    # a price item has no minimum: every amount is ranked, the lowest first
    "price": (
        {"kind": "price", "unit": "EUR/month", "price_basis": "one_time"},
        {"below": ("900", "qualified"), "at": ("1000 EUR", "qualified"), "above": (1100, "qualified")},
    ),
}
# the contract-terms kinds: the at-risk amount, an acceptance, the reporting day
SAMPLES |= {
    "at_risk": (
        {"kind": "at_risk", "minimum": 10, "target": 15},
        {"below": ("8 %", "disqualified"), "at": ("10", "qualified"), "above": (15, "qualified")},
    ),
    "acceptance": (
        {"kind": "acceptance", "minimum": True},
        {"below": ("nein", "disqualified"), "at": ("ja", "qualified"), "above": ("yes", "qualified")},
    ),
    "reporting_day": (
        {"kind": "reporting_day", "minimum": 5, "target": 3},
        {"below": ("7", "disqualified"), "at": (5, "qualified"), "above": ("3", "qualified")},
    ),
}
EVALUATOR_MEANS = {"below": 4.0, "at": 5.0, "above": 9.0}


def fill(questionnaire: bytes, supplier: str, answer: Any, fee: Any = 1000) -> bytes:
    """Type a supplier's name, the answer to R-1 and the monthly fee P-1, as a person does in Excel."""
    wb = openpyxl.load_workbook(io.BytesIO(questionnaire))
    wb[SUPPLIER_SHEET].cell(SUPPLIER_FIRST_ROW + 1, 2).value = supplier
    for sheet, col in ((ANSWERS_SHEET, ANSWER_COL), (PRICES_SHEET, AMOUNT_COL)):
        ws = wb[sheet]
        for row in range(HEADER_ROW + 2, ws.max_row + 1):
            typed = {"R-1": answer, "P-1": fee}.get(ws.cell(row, 1).value)
            if typed is not None:
                ws.cell(row, col + 1).value = typed
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def round_trip(requirement: dict[str, Any], cases: dict[str, tuple[Any, str]]) -> dict[str, Any]:
    """Questionnaire -> filled answers -> import -> evaluation -> comparison workbook."""
    psr = sample_psr(requirement)
    questionnaire = write_questionnaire(psr, created=dt.datetime(2027, 1, 4))
    responses = []
    for case, (typed, _) in cases.items():
        result = read_response(psr, fill(questionnaire, f"Bidder {case}", typed), f"{case}.xlsx")
        assert result.accepted, result.rejection
        responses.append(result.response)
    req = psr.requirement("R-1")
    scores = None
    if req.kind.spec.evaluated_by_people:
        scores = pd.DataFrame(
            [
                {"supplier": f"Bidder {case}", "requirement": "R-1", "evaluator": "A. Buyer", "score": mean}
                for case, mean in EVALUATOR_MEANS.items()
            ]
        )
    evaluation = evaluate(psr, responses, evaluator_scores=scores)
    workbook = openpyxl.load_workbook(io.BytesIO(write_comparison(evaluation, responses)))
    return {
        "psr": psr,
        "questionnaire": questionnaire,
        "responses": responses,
        "evaluation": evaluation,
        "wb": workbook,
    }


def qualification_rows(wb: openpyxl.Workbook) -> dict[str, dict[str, Any]]:
    ws = wb["qualification"]
    rows = list(ws.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows) if row and row[0] == "Supplier")
    header = [str(h).split("\n")[0] if h else "" for h in rows[header_at]]
    return {row[0]: dict(zip(header, row, strict=False)) for row in rows[header_at + 1 :] if row and row[0]}


def test_every_registered_kind_has_a_sample():
    assert {spec.name for spec in registered_kinds()} <= set(SAMPLES)


@pytest.mark.parametrize("name", list(SAMPLES))
def test_every_kind_end_to_end_below_at_and_above_its_minimum(name):
    requirement, cases = SAMPLES[name]
    done = round_trip(requirement, cases)
    req, ev = done["psr"].requirement("R-1"), done["evaluation"]
    status = dict(zip(ev.suppliers["supplier"], ev.suppliers["status"], strict=True))
    sheet = qualification_rows(done["wb"])
    for case, (typed, expected) in cases.items():
        supplier = f"Bidder {case}"
        assert status[supplier] == expected, (name, case, typed, ev.explain(supplier))
        assert sheet[supplier]["Status"] == expected
        if req.is_knock_out:
            assert sheet[supplier]["R-1"] == ("pass" if expected == "qualified" else "fail")
    if req.is_knock_out:
        reason = sheet["Bidder below"]["Reasons"]
        assert reason.startswith(f"R-1 {req.kind.label}: ") and req.kind.spec.requirement_words(req) in reason
    # the questionnaire told the supplier how to answer in the kind's own words
    ws = openpyxl.load_workbook(io.BytesIO(done["questionnaire"]))[
        PRICES_SHEET if req.kind.spec.priced else ANSWERS_SHEET
    ]
    texts = {str(c) for row in ws.iter_rows(values_only=True) for c in row if c}
    if not req.kind.spec.priced:
        assert how_to_answer(req, "EUR") in texts


def test_prices_of_a_price_kind_rank_the_bids():
    """A one-time item of 900 / 1,000 / 1,100 plus a 1,000 monthly fee over 12 months: hand sums."""
    requirement, cases = SAMPLES["price"]
    ev = round_trip(requirement, cases)["evaluation"]
    totals = dict(zip(ev.suppliers["supplier"], ev.suppliers["price_total"], strict=True))
    assert totals == {"Bidder below": 12_900.0, "Bidder at": 13_000.0, "Bidder above": 13_100.0}
    assert list(ev.suppliers["supplier"]) == ["Bidder below", "Bidder at", "Bidder above"]


# --- a kind added in one place: the "ticket_backlog" -------------------------


class TicketBacklog(NumberKind):
    """Open tickets at a month's end: a number-like kind with a maximum (lower is better)."""

    name = "ticket_backlog"
    label = "ticket backlog"
    aliases = ("backlog",)
    direction = Direction.LOWER_IS_BETTER
    answer_hint = "a number of open tickets; write e.g. '30'"

    def format_level(self, req: Requirement, level: Any) -> str:
        return f"{num(level)} tickets"

    def how_to_answer(self, req: Requirement, currency: str) -> str:
        return "The most open tickets at any month's end, e.g. 30"


@pytest.fixture
def ticket_backlog():
    spec = register_kind(TicketBacklog())
    try:
        yield spec
    finally:
        unregister_kind(spec.name)
    assert find_kind("ticket_backlog") is None


def test_a_kind_added_by_one_registered_spec_works_end_to_end(ticket_backlog):
    """The issue's repro: 30 tickets against a maximum of 50 passes (it was disqualified)."""
    cases = {
        "below": ("60 tickets", "disqualified"),
        "at": ("50", "qualified"),
        "above": (30, "qualified"),
    }
    done = round_trip({"kind": "backlog", "minimum": 50, "target": 20}, cases)
    req, ev = done["psr"].requirement("R-1"), done["evaluation"]
    assert req.kind is Kind.TICKET_BACKLOG and req.rule is Rule.LINEAR
    status = dict(zip(ev.suppliers["supplier"], ev.suppliers["status"], strict=True))
    assert status == {"Bidder below": "disqualified", "Bidder at": "qualified", "Bidder above": "qualified"}
    # linear from the maximum 50 (0 points) to the target 20 (10 points): 30 tickets earn 10 * 20/30
    points = ev.scores.set_index(["supplier", "requirement"])["points"]
    assert points["Bidder above", "R-1"] == pytest.approx(10 * 20 / 30)
    assert points["Bidder at", "R-1"] == pytest.approx(0.0)
    reasons = qualification_rows(done["wb"])["Bidder below"]["Reasons"]
    assert reasons == "R-1 ticket backlog: offered 60 tickets, maximum allowed 50 tickets"
    texts = {
        str(c)
        for row in openpyxl.load_workbook(io.BytesIO(done["questionnaire"]))[ANSWERS_SHEET].iter_rows(
            values_only=True
        )
        for c in row
        if c
    }
    assert "The most open tickets at any month's end, e.g. 30" in texts
    assert not any("Amount in" in t for t in texts)
    # the Requirements page's table reads and writes its levels
    assert level_text(req.kind, 50.0) == "50" and parse_level(req.kind, "50", "x") == 50.0
    psr, errors = validate_tables(psr_tables(done["psr"]))
    assert errors == [] and psr == done["psr"]


# --- a second priced kind: every layer asks the registry which kinds are prices ----------


class SetupFee(Price):
    """A one-time set-up fee worded as a kind of its own; priced like 'price'."""

    name = "setup_fee"
    label = "set-up fee"
    aliases = ("setup",)


@pytest.fixture
def setup_fee():
    spec = register_kind(SetupFee())
    try:
        yield spec
    finally:
        unregister_kind(spec.name)


def sheet_rows(wb: openpyxl.Workbook, name: str) -> list[tuple[Any, ...]]:
    return [row for row in wb[name].iter_rows(values_only=True) if any(c is not None for c in row)]


def test_a_second_priced_kind_is_on_the_prices_sheet_not_the_scores_sheet(setup_fee):
    """Set-up fees of 900 / 1,000 / 1,100 once plus the 1,000 monthly fee over 12 months: hand sums
    12,900 / 13,000 / 13,100 (as for 'price'); the amounts stand in the prices sheet's R-1 column."""
    assert TERM == 12 and "setup_fee" in priced_kinds() and "price" in priced_kinds()
    cases = {"below": ("900", "qualified"), "at": ("1000 EUR", "qualified"), "above": (1100, "qualified")}
    done = round_trip({"kind": "setup", "unit": "EUR", "price_basis": "one_time"}, cases)
    ev, wb = done["evaluation"], done["wb"]
    totals = dict(zip(ev.suppliers["supplier"], ev.suppliers["price_total"], strict=True))
    assert totals == {"Bidder below": 12_900.0, "Bidder at": 13_000.0, "Bidder above": 13_100.0}
    prices = sheet_rows(wb, "prices")
    header_at = next(i for i, row in enumerate(prices) if row[1] == "Supplier")
    header = [str(h or "").split(" ")[0] for h in prices[header_at]]
    amounts = {row[1]: row[header.index("R-1")] for row in prices[header_at + 1 :] if row[1]}
    assert amounts == {"Bidder below": 900, "Bidder at": 1000, "Bidder above": 1100}
    scored = {c for row in sheet_rows(wb, "scores") for c in row if isinstance(c, str)}
    assert "R-1" not in scored and "P-1" not in scored  # prices are not scored


# --- a second share-of-time kind: the chain and the SLA schedule ask the registry -----------


class PlatformUptime(Availability):
    """Availability worded as a kind of its own: a share of time like 'availability'."""

    name = "platform_uptime"
    label = "platform uptime"
    aliases = ("uptime",)


def test_a_second_share_of_time_kind_stands_for_its_lot_in_the_chain():
    """The lots demo's network lot (NW) is in the chain through its availability NW-01; worded
    as 'platform uptime' it still stands for the lot, and a lot without one has none."""
    import json

    from slm_psr.engine.award.build import lot_availability
    from slm_psr.model import PSR
    from tests.conftest import DEMO

    spec = register_kind(PlatformUptime())
    try:
        data = json.loads((DEMO / "lots" / "psr.json").read_text(encoding="utf-8"))
        for req in data["requirements"]:
            if req["id"] == "NW-01":
                req["kind"] = "uptime"
        data.pop("content_hash", None)  # the file's own hash, written beside the PSR
        psr = PSR.model_validate(data)
        assert psr.requirement("NW-01").kind.spec is spec  # type: ignore[union-attr]
        lots = {lot.id: lot for lot in psr.lots.lots}  # type: ignore[union-attr]
        assert lot_availability(psr, lots["NW"]) == "NW-01"
        assert lot_availability(psr, lots["HO"]) == "HO-01"
        assert lot_availability(psr, lots["SD"]) is None
    finally:
        unregister_kind(spec.name)
