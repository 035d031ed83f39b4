"""Service-credit arithmetic against published credit schedules and hand calculations.

Sources:
- [AWS-CO] AWS Compute Optimizer Service Level Agreement, last updated 4 May 2022,
  https://aws.amazon.com/compute-optimizer/sla/ : monthly uptime below 99.9 % but at least
  99.0 % -> 10 % service credit; below 99.0 % but at least 95.0 % -> 25 %; below 95.0 % -> 100 %,
  as a percentage of the charges for the monthly billing cycle.
- [DS] Digital Samba service level policy (quoted at https://lawinsider.com/clause/service-commitments-and-service-credits):
  below 99.9 % but at least 99.0 % -> 10 %; below 99.0 % -> 30 %.
- [DIR] Texas Department of Information Resources, Data Center Services Master Services Agreement,
  Exhibit 3 (service level credits), quoted at https://lawinsider.com/clause/service-level-credits/_2
  and https://www.lawinsider.com/dictionary/pool-percentage : invoice $100,000, at-risk amount 10 %,
  allocation of pool percentage 50 %, service level credit allocation 40 % -> credit $2,000;
  the credits of one month never exceed the at-risk amount; the level allocations may not
  exceed the pool percentage available for allocation.
Where no published example exists (earn-back, termination triggers, a DST month) the test
writes out an independent hand calculation in its docstring and says so.
"""

from __future__ import annotations

import pytest

from slm_psr.engine.credits import (
    CREDIT_RULES,
    BandsCredit,
    CreditContext,
    CreditRuleSpec,
    allocation_errors,
    at_risk_amount,
    band_credit,
    band_percent,
    cap_credits,
    credit_spec,
    credit_total_status,
    earn_back,
    floor_status,
    level_met,
    pool_credit,
    register_credit_rule,
    repeated_miss_status,
    rule_credit,
)
from slm_psr.model import Band, BandsRule, MeasurementPeriod, PeriodKind, PoolRule

AWS_CO = [Band(below=99.9, credit=10), Band(below=99.0, credit=25), Band(below=95.0, credit=100)]
DIGITAL_SAMBA = [Band(below=99.9, credit=10), Band(below=99.0, credit=30)]


@pytest.mark.parametrize(
    ("uptime", "percent"),
    [
        (100.0, 0),
        (99.95, 0),
        (99.9, 0),  # "less than 99.9 %": 99.9 itself owes nothing
        (99.89, 10),
        (99.0, 10),  # "equal to or greater than 99.0 %" is still the 10 % band
        (98.99, 25),
        (95.0, 25),
        (94.99, 100),
        (0.0, 100),
    ],
)
def test_bands_follow_the_aws_compute_optimizer_schedule(uptime, percent):
    """[AWS-CO]: the band boundaries, including both edges of every band."""
    assert band_percent(uptime, AWS_CO) == percent


def test_band_credit_in_money_digital_samba():
    """[DS] bands on a monthly bill; the amounts are a hand calculation: a bill of 2,500.00 at
    99.5 % owes 10 % = 250.00, at 98.0 % owes 30 % = 750.00, at 99.95 % nothing."""
    assert band_credit(99.5, DIGITAL_SAMBA, 2_500.0) == pytest.approx(250.0)
    assert band_credit(98.0, DIGITAL_SAMBA, 2_500.0) == pytest.approx(750.0)
    assert band_credit(99.95, DIGITAL_SAMBA, 2_500.0) == 0.0
    # a cap below the band: 30 % capped at 20 % -> 500.00 (hand calculation)
    assert band_credit(98.0, DIGITAL_SAMBA, 2_500.0, cap_percent=20) == pytest.approx(500.0)


def test_bands_rule_sorts_and_refuses_falling_credits():
    rule = BandsRule(requirement="HO-01", bands=[Band(below=95, credit=100), Band(below=99.9, credit=10)])
    assert [b.below for b in rule.bands] == [99.9, 95]
    with pytest.raises(ValueError, match="rising credits"):
        BandsRule(requirement="HO-01", bands=[Band(below=99.9, credit=50), Band(below=99.0, credit=10)])


def test_pool_credit_dir_worked_example():
    """[DIR]: invoice $100,000, at-risk 10 % -> $10,000; x pool allocation 50 % x level 40 % = $2,000."""
    at_risk = at_risk_amount(100_000, 10)
    assert at_risk == pytest.approx(10_000)
    assert pool_credit(at_risk, 50, 40) == pytest.approx(2_000)


def test_pool_cap_is_the_at_risk_amount_dir():
    """[DIR] item 3: the credits of one month never exceed the at-risk amount. Hand calculation:
    six defaults of $2,000 each = $12,000 uncapped; the cap $10,000 is owed, $2,000 forfeited."""
    capped = cap_credits([2_000] * 6, cap=10_000)
    assert capped.uncapped == pytest.approx(12_000)
    assert capped.owed == pytest.approx(10_000)
    assert capped.forfeited == pytest.approx(2_000)
    assert cap_credits([2_000, 1_000], cap=None).owed == pytest.approx(3_000)


def test_allocations_may_not_exceed_the_pool_dir():
    """[DIR]: the allocations may not exceed the pool percentage available for allocation."""
    assert allocation_errors({"SD": 60, "HO": 40}, {"SD": {"SD-03": 50, "SD-04": 50}}) == []
    errors = allocation_errors({"SD": 60, "HO": 50}, {"SD": {"SD-03": 70, "SD-04": 40}})
    assert errors == [
        "category allocations add up to 110 %, more than the 100 % available",
        "levels of category SD add up to 110 % of its allocation, more than 100 %",
    ]
    assert allocation_errors({"SD": 150, "HO": 100}, {}, available=250) == []


def test_rule_credit_only_when_the_committed_level_is_missed():
    """Hand calculation: committed 99.95 %, bands of [AWS-CO] on a hosting charge of 42,000.00.
    Attained 99.92 % misses the commitment but is above every band: 0. Attained 99.5 %: 10 % =
    4,200.00. A pool level (allocation 25 %) on an at-risk amount of 14,076.00 in a category
    allocated 60 %: 14,076.00 x 60 % x 25 % = 2,111.40 when missed, 0 when met."""
    bands = BandsRule(requirement="HO-01", bands=AWS_CO)
    assert rule_credit(bands, 99.96, 99.95, monthly_charge=42_000) == 0.0
    assert rule_credit(bands, 99.92, 99.95, monthly_charge=42_000) == 0.0
    assert rule_credit(bands, 99.5, 99.95, monthly_charge=42_000) == pytest.approx(4_200)
    pool = PoolRule(requirement="SD-03", category="SD", allocation=25)
    kw = {"at_risk": 14_076.0, "category_allocation": 60.0}
    assert rule_credit(pool, 20, 15, higher_is_better=False, **kw) == pytest.approx(2_111.40)
    assert rule_credit(pool, 15, 15, higher_is_better=False, **kw) == 0.0
    assert level_met(480.0000001, 480, higher_is_better=False)  # unit conversions do not fail on rounding


def test_earn_back_after_n_good_periods():
    """Independent hand calculation (no published example found): earn-back after 3 periods.
    Credits by period [0, 500, 0, 0, 0, 300, 0, 200, 0]; met [T, F, T, T, T, F, T, F, T].
    The 500 of period 1 is returned in period 4 (periods 2, 3, 4 all met). The 300 of period 5
    is not: period 7 misses within its window (6, 7, 8). The 200 of period 7 needs 8, 9, 10;
    the sequence ends at 8, so it is not returned yet."""
    credits = [0, 500, 0, 0, 0, 300, 0, 200, 0]
    met = [True, False, True, True, True, False, True, False, True]
    assert earn_back(credits, met, 3) == [0, 0, 0, 0, 500, 0, 0, 0, 0]
    with pytest.raises(ValueError):
        earn_back([1, 2], [True], 1)


def test_repeated_miss_trigger():
    """Hand calculation: 3 misses in 6 consecutive periods. met = T F T F T T F: misses in
    periods 1, 3, 6; the window 1..6 holds 3 misses, so the right triggers in period 6; the
    latest window (periods 1..6) counts 3."""
    status = repeated_miss_status([True, False, True, False, True, True, False], misses=3, window=6)
    assert status.triggered and status.first_period == 6 and status.count == 3
    calm = repeated_miss_status([True, False, True, True, True, True, True, False], misses=3, window=6)
    assert not calm.triggered and calm.count == 1
    assert calm.text == "1 of 3 misses in the last 6 of 6 periods"


def test_floor_and_credit_total_triggers():
    """Hand calculation: a floor of 98.0 %: months 99.7, 97.9 -> triggered in period 1.
    Credits 3,000 + 9,000 + 4,000 over charges of 40,000 each: the rolling 3-period share is
    7.5 %, 15 %, 13.33 %; a limit of 12 % triggers in period 1 (15 % > 12 %)."""
    floor = floor_status([99.7, 97.9, 99.9], 98.0)
    assert floor.triggered and floor.first_period == 1 and floor.count == 97.9
    total = credit_total_status([3_000, 9_000, 4_000], [40_000] * 3, percent=12, window=3)
    assert total.triggered and total.first_period == 1
    assert total.count == pytest.approx(100 * 16_000 / 120_000)


def test_calendar_month_minutes_follow_the_time_zone():
    """Hand calculation: Europe/Berlin switches to summer time on Sunday 28 March 2027 (02:00 ->
    03:00), so March has 31 x 1,440 - 60 = 44,580 minutes; October (back on 31 October 2027)
    31 x 1,440 + 60 = 44,700; February 2027 28 x 1,440 = 40,320; in UTC March is 44,640.
    A fixed month is 30 x 1,440 = 43,200; without a date a calendar month counts its average
    30.4375 days = 43,830 minutes."""
    berlin = MeasurementPeriod(time_zone="Europe/Berlin")
    assert berlin.minutes(2027, 3) == 44_580
    assert berlin.minutes(2027, 10) == 44_700
    assert berlin.minutes(2027, 2) == 40_320
    assert MeasurementPeriod().minutes(2027, 3) == 44_640
    assert MeasurementPeriod(kind=PeriodKind.FIXED_30_DAYS).minutes() == 43_200
    assert berlin.minutes() == 43_830
    assert MeasurementPeriod(kind="rolling_days", days=7).minutes() == 7 * 1440


def test_time_zone_and_period_errors_are_worded():
    with pytest.raises(ValueError, match="did you mean Europe/Berlin"):
        MeasurementPeriod(time_zone="berlin")
    with pytest.raises(ValueError, match="rolling window needs 'days'"):
        MeasurementPeriod(kind="rolling_days")


def test_each_credit_rule_family_is_one_registry_entry():
    """The model's rule classes and the registry agree; a spec without a model class, or twice, is refused.
    The entries price a rule: the [DIR] example through the pool entry, [AWS-CO] through bands."""
    assert set(CREDIT_RULES) == {"bands", "pool"}
    pool = PoolRule(requirement="SD-03", category="SD", allocation=40)
    assert credit_spec(pool).pooled
    ctx = CreditContext(at_risk=10_000, category_allocation=50)
    assert credit_spec(pool).credit(pool, 0.0, ctx) == pytest.approx(2_000)
    bands = BandsRule(requirement="HO-01", bands=AWS_CO)
    assert credit_spec(bands).credit(bands, 98.5, CreditContext(monthly_charge=1_000)) == pytest.approx(250)

    class Ladder(BandsCredit):
        name = "ladder"

    with pytest.raises(TypeError, match="has no model class"):
        register_credit_rule(Ladder())
    with pytest.raises(TypeError, match="registered already"):
        register_credit_rule(BandsCredit())
    assert issubclass(BandsCredit, CreditRuleSpec)
