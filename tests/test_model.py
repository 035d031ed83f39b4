"""Validation of the PSR model: every rule gets a bad PSR and the message a buyer sees."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from slm_psr.model import (
    PSR,
    CoverageWindow,
    Direction,
    Kind,
    Method,
    Requirement,
    Rule,
    format_level,
    psr_errors,
)


def errors_for(data: dict) -> list[str]:
    with pytest.raises(ValidationError) as info:
        PSR.model_validate(data)
    return psr_errors(info.value, data)


def req(data: dict, rid: str) -> dict:
    return next(r for r in data["requirements"] if r["id"] == rid)


def test_demo_psr_is_valid_and_realistic(demo_psr):
    assert 15 <= len(demo_psr.requirements) <= 35
    assert {s.id for s in demo_psr.services} == {"SD", "HO", "RP", "CT"}
    langs = demo_psr.requirement("SD-01")
    assert langs.kind is Kind.LANGUAGES and langs.minimum == ["de", "en", "fr"]
    assert demo_psr.requirement("SD-02").minimum.hours_per_week == 168
    assert demo_psr.requirement("HO-01").minimum == 99.5
    assert demo_psr.requirement("HO-01").target > 99.5
    assert demo_psr.term_months == 36
    assert {r.price_basis.value for r in demo_psr.price_items} == {"monthly", "one_time"}


def test_minimum_stricter_than_target_names_requirement(demo_psr_dict):
    h = req(demo_psr_dict, "HO-01")
    h["minimum"], h["target"] = 99.9, 99.5
    assert "requirement HO-01: minimum 99.9 % is stricter than the target 99.5 %" in errors_for(demo_psr_dict)


def test_lower_is_better_order(demo_psr_dict):
    r = req(demo_psr_dict, "SD-04")
    r["minimum"], r["target"] = 2, 4
    assert "requirement SD-04: minimum 2 hours is stricter than the target 4 hours" in errors_for(
        demo_psr_dict
    )


def test_coverage_target_must_include_minimum(demo_psr_dict):
    r = req(demo_psr_dict, "RP-04")
    r["target"] = "Mon-Fri 09:00-17:00"
    (msg,) = errors_for(demo_psr_dict)
    assert msg.startswith("requirement RP-04: minimum Mon-Fri 08:00-18:00 is stricter than the target")


def test_service_weight_must_be_positive(demo_psr_dict):
    demo_psr_dict["services"][1]["weight"] = 0
    (msg,) = errors_for(demo_psr_dict)
    assert msg == "service HO: weight 0; service weights must be positive"


def test_duplicate_requirement_id(demo_psr_dict):
    dup = copy.deepcopy(req(demo_psr_dict, "SD-02"))
    demo_psr_dict["requirements"].append(dup)
    assert errors_for(demo_psr_dict) == ["duplicate requirement ID SD-02"]


def test_duplicate_service_id(demo_psr_dict):
    demo_psr_dict["services"].append(copy.deepcopy(demo_psr_dict["services"][0]))
    assert "duplicate service ID SD" in errors_for(demo_psr_dict)


def test_unknown_language_code(demo_psr_dict):
    req(demo_psr_dict, "SD-01")["minimum"] = ["de", "english"]
    (msg,) = errors_for(demo_psr_dict)
    assert "requirement SD-01: minimum: unknown language code 'english'" in msg


def test_missing_service(demo_psr_dict):
    req(demo_psr_dict, "HO-02")["service"] = "DB"
    (msg,) = errors_for(demo_psr_dict)
    assert msg == "requirement HO-02: service 'DB' is missing; known services: SD, HO, RP, CT"


def test_unknown_kind(demo_psr_dict):
    req(demo_psr_dict, "SD-06")["kind"] = "colour"
    (msg,) = errors_for(demo_psr_dict)
    assert "unknown kind 'colour'" in msg and "requirements[5]" in msg


def test_availability_out_of_range(demo_psr_dict):
    req(demo_psr_dict, "HO-02")["minimum"] = 0.98
    req(demo_psr_dict, "HO-02")["target"] = 150
    (msg,) = errors_for(demo_psr_dict)
    assert "requirement HO-02: target 150 is not a percentage between 0 and 100" in msg


def test_rule_must_fit_kind(demo_psr_dict):
    req(demo_psr_dict, "SD-08")["rule"] = "linear"
    (msg,) = errors_for(demo_psr_dict)
    assert msg.startswith("requirement SD-08: rule 'linear' does not fit kind yes/no")


def test_price_item_needs_basis_and_no_levels(demo_psr_dict):
    p = req(demo_psr_dict, "SD-P1")
    del p["price_basis"]
    assert errors_for(demo_psr_dict) == [
        "requirement SD-P1: a price item needs price_basis monthly or one_time"
    ]


def test_time_unit_checked(demo_psr_dict):
    req(demo_psr_dict, "SD-03")["unit"] = "fortnights"
    (msg,) = errors_for(demo_psr_dict)
    assert "requirement SD-03: unit 'fortnights' is not a time unit" in msg


def test_languages_target_lists_extras_only(demo_psr_dict):
    req(demo_psr_dict, "SD-01")["target"] = ["fr", "it"]
    (msg,) = errors_for(demo_psr_dict)
    assert "requirement SD-01" in msg and "fr is already required" in msg


def test_price_formula_parameters(demo_psr_dict):
    demo_psr_dict["evaluation"]["price_formula"] = "pro_rata_ceiling"
    assert errors_for(demo_psr_dict) == [
        "evaluation: price formula pro_rata_ceiling needs price_ceiling (Pq)"
    ]
    demo_psr_dict["evaluation"].update(price_formula="absolute", price_max=100, price_optimum=150)
    assert errors_for(demo_psr_dict) == ["evaluation: price_optimum 150 must be below price_max 100"]


def test_tolerance_at_most_ten_percent(demo_psr_dict):
    demo_psr_dict["evaluation"].update(method="ufab_extended", tolerance=0.2)
    (msg,) = errors_for(demo_psr_dict)
    assert msg.startswith("evaluation.tolerance:")


def test_no_services_and_no_prices(demo_psr_dict):
    demo_psr_dict["requirements"] = [r for r in demo_psr_dict["requirements"] if r["kind"] != "price"]
    assert errors_for(demo_psr_dict) == ["the PSR has no price items; add at least a monthly fee"]


def test_several_errors_are_all_reported(demo_psr_dict):
    demo_psr_dict["requirements"].append(copy.deepcopy(req(demo_psr_dict, "SD-02")))
    req(demo_psr_dict, "HO-02")["service"] = "DB"
    errors = errors_for(demo_psr_dict)
    assert "duplicate requirement ID SD-02" in errors
    assert any(e.startswith("requirement HO-02: service 'DB' is missing") for e in errors)


def test_enum_aliases():
    assert Direction("max") is Direction.HIGHER_IS_BETTER
    assert Direction("-") is Direction.LOWER_IS_BETTER
    assert Method("Extended") is Method.UFAB_EXTENDED
    assert Kind("percent") is Kind.AVAILABILITY


def test_defaults_follow_kind():
    r = Requirement(id="X-1", service="S", text="Resolution", kind="time_limit", minimum=8, target=4)
    assert r.direction is Direction.LOWER_IS_BETTER and r.rule is Rule.LINEAR and r.unit == "hours"
    assert format_level(r, 1.5) == "1.5 hours" and format_level(r, 1) == "1 hour"
    a = Requirement(id="X-2", service="S", text="Availability", kind="availability", minimum=99.5)
    assert a.rule is Rule.DOWNTIME and a.is_knock_out


class TestCoverageWindow:
    def test_hours_per_week(self):
        assert CoverageWindow.parse("24/7").hours_per_week == 168
        assert CoverageWindow.parse("Mon-Fri 08:00-18:00").hours_per_week == 50
        assert CoverageWindow.parse("Mon-Fri 08:00-18:00, Sat 09:00-13:00").hours_per_week == 54

    def test_over_midnight_and_week_wrap(self):
        night = CoverageWindow.parse("Sun 22:00-06:00")
        assert night.hours_per_week == 8
        assert night.intervals == ((0, 360), (6 * 1440 + 1320, 7 * 1440))
        assert CoverageWindow.parse("Sat-Mon 00:00-24:00").hours_per_week == 72

    def test_covers_is_about_the_window_not_the_hours(self):
        office = CoverageWindow.parse("Mon-Fri 08:00-18:00")
        later = CoverageWindow.parse("Mon-Sat 10:00-20:00")  # 60 h but misses 08-10
        assert later.hours_per_week > office.hours_per_week
        assert not later.covers(office)
        assert CoverageWindow.parse("24/7").covers(office)
        missing = office.missing_from(later)
        assert missing[0] == (8 * 60, 10 * 60)

    def test_canonical_text_from_intervals(self):
        w = CoverageWindow.from_intervals([(d * 1440 + 480, d * 1440 + 1080) for d in range(5)])
        assert w.text == "Mon-Fri 08:00-18:00"
        assert CoverageWindow.from_intervals([(0, 7 * 1440)]).text == "24/7"

    @pytest.mark.parametrize("bad", ["Mo-Fr 8-18", "Mon-Fri 08:00-25:00", "Mon 08:00-08:00", "always"])
    def test_bad_text(self, bad):
        with pytest.raises(ValueError):
            CoverageWindow.parse(bad)
