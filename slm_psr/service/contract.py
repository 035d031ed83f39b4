"""The awarded contract's SLA schedule: built from a chosen bid, stored with the project, exported.

Shared by the command line (``python -m slm_psr contract``) and, later, the pages:

    state, _ = open_project(store, "Demo: managed IT services 2027")
    stored = store_contract(store, state, user="A. Buyer")            # the winner's schedule, a draft
    stored = confirm_contract(store, state.id, stored.version, user="A. Buyer")
    data = schedule_workbook(stored)
"""

from __future__ import annotations

from slm_psr.engine import QUALIFIED, Evaluation
from slm_psr.engine.contract import build_schedule
from slm_psr.engine.options import OptionsResult, evaluate_options
from slm_psr.excel.contract import write_schedule
from slm_psr.model import PSR, Response, SLASchedule
from slm_psr.psr_file import content_hash
from slm_psr.service.project import Sealed, evaluate_project, level_options
from slm_psr.store import ProjectState, Store
from slm_psr.store.contracts import ContractStore, StoredSchedule


class ContractError(ValueError):
    """A schedule that cannot be built, said in words (no winner, unknown or excluded supplier)."""


def chosen_bid(evaluation: Evaluation, responses: list[Response], supplier: str | None = None) -> Response:
    """The bid the contract is awarded to: ``supplier`` (exact name, or the start of one), else the winner.

    Only a qualified bid can become the contract: a disqualified one missed a published
    minimum, one that needs review has answers nobody has confirmed.
    """
    names = [r.supplier for r in responses]
    if supplier is None:
        if not evaluation.winners:
            raise ContractError("no bid is ranked first yet; name the supplier the contract is awarded to")
        supplier = evaluation.winners[0]
    match = [n for n in names if n == supplier] or [
        n for n in names if n.lower().startswith(supplier.lower())
    ]
    if len(match) != 1:
        known = "; ".join(names) or "none"
        what = "no bid" if not match else "more than one bid"
        raise ContractError(f"{what} from '{supplier}'; the bids are from: {known}")
    row = evaluation.suppliers.set_index("supplier").loc[match[0]]
    if row["status"] != QUALIFIED:
        reasons = "; ".join(row["reasons"]) or str(row["status"])
        raise ContractError(
            f"{match[0]} is not qualified ({reasons}); a contract is built from a qualified bid "
            "(an override with a justification can settle a bid that needs review)"
        )
    return next(r for r in responses if r.supplier == match[0])


def schedule_for(
    psr: PSR,
    responses: list[Response],
    evaluation: Evaluation,
    supplier: str | None = None,
    *,
    options: OptionsResult | None = None,
) -> SLASchedule:
    """The SLA schedule for the chosen bid (the winner unless ``supplier`` is named).

    Where the PSR opens requirements to priced level options, the bid is taken at its best
    combination (``options``, evaluated here with the evaluation's overrides when not given):
    the options it takes are the levels committed, their price differences in the charges.
    """
    if psr.contract_terms is None:
        raise ContractError(
            f"PSR {psr.id} states no contract terms (measurement period, credit rules, termination rights); "
            "add them to the PSR first"
        )
    bid = chosen_bid(evaluation, responses, supplier)
    if options is None and any(r.options for r in psr.requirements):
        options = evaluate_options(psr, responses, overrides=evaluation.overrides)
    taken = options.options_of(bid.supplier) if options is not None else ()
    return build_schedule(psr, bid, psr_hash=content_hash(psr), options=taken)


def store_contract(
    store: Store, state: ProjectState, supplier: str | None = None, *, user: str, confirm: bool = False
) -> StoredSchedule:
    """Build the schedule from the project's current bids and store it as a new version (unless unchanged).

    Not while a team's price envelope is sealed (``state.sealed``): the schedule holds the prices.
    """
    if state.sealed:
        raise Sealed("the contract is built from the awarded bid's prices: open the price envelope first")
    options = level_options(state) if any(r.options for r in state.psr.requirements) else None
    schedule = schedule_for(
        state.psr, state.accepted_responses(), evaluate_project(state), supplier, options=options
    )
    contracts = ContractStore(store)
    version, _ = contracts.save_contract(
        state.id,
        schedule.model_dump(mode="json"),
        user=user,
        expected_revision=state.revision,
        confirm=confirm,
    )
    return contracts.contract(state.id, version)


def confirm_contract(store: Store, project_id: int, version: int, *, user: str) -> StoredSchedule:
    """Confirm a stored draft; the confirmed schedule is a new version and final."""
    contracts = ContractStore(store)
    revision = store.load(project_id).revision
    confirmed, _ = contracts.confirm_contract(project_id, version, user=user, expected_revision=revision)
    return contracts.contract(project_id, confirmed)


def schedule_workbook(stored: StoredSchedule) -> bytes:
    """The stored version's workbook, stamped with its version and status."""
    schedule = SLASchedule.model_validate(stored.schedule)
    return write_schedule(schedule, version=stored.version, status=stored.status)
