"""A bid admitted by override below a minimum earns no points for that requirement (issue 13)."""

from __future__ import annotations

import pytest

from slm_psr.demo import DEMO_RESPONSES
from slm_psr.engine import QUALIFIED, evaluate
from slm_psr.excel.responses import read_response
from slm_psr.model import Override

ALPENBLICK = "Alpenblick Digital GmbH"


@pytest.fixture(scope="module")
def demo_responses():
    from slm_psr.demo import DEMO_PSR
    from slm_psr.psr_file import load_psr

    psr = load_psr(DEMO_PSR)
    return [
        read_response(psr, p.read_bytes(), p.name).response for p in sorted(DEMO_RESPONSES.glob("*.xlsx"))
    ]


def test_languages_below_the_minimum_score_zero_after_an_override(demo_psr, demo_responses):
    """Hand calculation: SD-01 requires DE, EN, FR (minimum) and counts IT as the one desirable
    extra (target). Alpenblick offers DE, EN, IT: under the extras rule that is 1 of 1 extras,
    10 points, although French is missing. Admitted by override, it must earn 0, with the reason."""
    override = Override(
        supplier=ALPENBLICK, decision="accept", justification="French via a partner", requirement_id="SD-01"
    )
    ev = evaluate(demo_psr, demo_responses, overrides=[override])
    scores = ev.scores.set_index(["supplier", "requirement"])
    cell = scores.loc[(ALPENBLICK, "SD-01")]
    assert cell.offered == "DE, EN, IT" and cell.gate == "accepted"
    assert cell.points == 0
    bidder = ev.suppliers.set_index("supplier").loc[ALPENBLICK]
    assert bidder.status == QUALIFIED
    assert any("missing FR" in r and "0 points" in r for r in bidder.reasons)


def test_a_bid_meeting_the_minimum_keeps_its_points(demo_psr, demo_responses):
    ev = evaluate(demo_psr, demo_responses)
    nordwind = ev.scores.set_index(["supplier", "requirement"]).loc[("Nordwind IT Services AG", "SD-01")]
    assert nordwind.met_minimum and nordwind.points > 0
