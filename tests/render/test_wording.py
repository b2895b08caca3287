"""The words and rounded numbers the report puts in front of a reader (analysis/render/wording.py)."""

from __future__ import annotations

import pytest

from analysis.model.result import Component, OneTimeCost, PriceCitation
from analysis.render.wording import (
    GRADES,
    SHORT_GRADES,
    about,
    approximation_short,
    billed_quantity,
    code_spans,
    grade_of,
    human_label,
    number,
    quantity_text,
    short_url,
    value_text,
)


@pytest.mark.parametrize(
    ("identifier", "label"),
    [
        ("layer_cache_hit_ratio", "Layer cache hit ratio"),
        ("consumers.same_region", "Consumers: same region"),
        ("gc_api_calls", "GC API calls"),  # acronyms in capitals
        ("ops_hours_month", "Operations hours per month"),  # a label the word rule would read badly
        ("horizon_months", "Horizon"),
    ],
)
def test_an_identifier_reads_as_a_label(identifier: str, label: str):
    assert human_label(identifier) == label


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.847013, "0.847"),
        (1e-05, "0.00001"),
        (36, "36"),
        (1234.5, "1,230"),  # three significant figures, thousands separated
        (0, "0"),
        (float("inf"), "inf"),
    ],
)
def test_a_number_shows_three_significant_figures_without_exponent(x: float, text: str):
    assert number(x) == text


@pytest.mark.parametrize(
    ("base", "text"),
    [("0.25", "0.25"), ("True", "yes"), ("False", "no"), ("DAYS_30", "30 days"), ("never_pulled", "never pulled")],
)
def test_an_assumption_value_reads_as_words(base: str, text: str):
    assert value_text(base) == text


def test_a_value_with_capitals_or_punctuation_is_left_as_given():
    assert value_text("GLACIER_IR") == "GLACIER_IR"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (4_068.08, "4,100"),  # below 10,000: two significant figures
        (52_922.92, "52,900"),  # above: three
        (-182_465.89, "−182,000"),  # a minus sign, not a hyphen
        (7.4, "7"),  # never below the unit
        (0, "0"),
    ],
)
def test_money_is_rounded_to_what_a_decision_needs(value: float, text: str):
    assert about(value) == text


def test_money_carries_its_currency_when_given():
    assert about(4_068.08, "USD") == "USD 4,100"


def test_a_long_url_keeps_whose_and_which_file():
    url = "https://github.com/QuinnyPig/aws-price-watcher/blob/main/data/ecr.json"
    assert short_url(url) == "github.com/QuinnyPig/aws-price-watcher/…/ecr.json"
    assert short_url("https://aws.amazon.com/ecr/pricing/") == "aws.amazon.com/ecr/pricing"
    assert short_url("not a url") == "not a url"


def test_backticked_parts_become_code_and_the_rest_is_escaped():
    html = str(code_spans("set `ops_hours_month` <here>"))
    assert html == 'set <span class="mono">ops_hours_month</span> &lt;here&gt;'


@pytest.mark.parametrize(
    ("kind", "note", "grade"),
    [
        ("provider-bill", "[3P] ignored once the kind is stated", "provider-bill"),
        (None, "Compute, 2 vCPU [3P]", "third-party"),
        (None, "[DS] mixxor/eu-cloud-prices", "open-dataset"),
        (None, "[AWS-copy] of the pricing page", "provider-page"),
        (None, "[derived] 12 / 5", "derived"),
        (None, "ASSUMPTION, NOT SOURCED", "assumption"),
        (None, None, "unstated"),
    ],
)
def test_a_price_is_graded_by_its_kind_or_its_notes_tag(kind: str | None, note: str | None, grade: str):
    assert grade_of(kind, note) == grade
    assert grade in GRADES and grade in SHORT_GRADES  # every grade has words, long and short


def test_grades_rank_the_providers_own_data_first_and_assumptions_last():
    ranked = sorted(GRADES, key=lambda g: GRADES[g][0])
    assert ranked[0] == "provider-price-data"
    assert ranked[-2:] == ["assumption", "unstated"]


@pytest.mark.parametrize(
    ("quantity", "unit", "text"),
    [(3, "resources", "3 resources"), (1_769.271, "GB-month", "1,769.27 GB-month"), (2.5, None, "2.50")],
)
def test_a_count_has_no_decimals_and_a_measure_two(quantity: float, unit: str | None, text: str):
    assert quantity_text(quantity, unit) == text


def _price(unit: str, price: str = "120", currency: str = "EUR", approximation: str = "") -> PriceCitation:
    return PriceCitation(
        id="onprem.power",
        location="site-a",
        unit=unit,
        currency=currency,
        price_text=price,
        source="https://example.org/power",
        as_of="2026-11-01",
        approximation=approximation,
    )


def _component(unit: str | None, cost: float, *prices: PriceCitation) -> Component:
    return Component(
        component="Power",
        group="site",
        monthly=[cost],
        total=cost,
        quantity_month1=3,
        unit=unit,
        cost_month1=cost,
        prices=list(prices),
        note="",
    )


def test_a_line_counted_in_servers_is_restated_in_the_unit_of_its_price():
    # 3 servers priced per kW-month at EUR 120: a cost of EUR 836.40 is 836.40 / 120 = 6.97 kW
    assert billed_quantity(_component("servers", 836.40, _price("kW-month")), "EUR") == "6.97 kW"


def test_a_one_time_cost_is_restated_from_its_amount():
    # 40 engineer-days priced per labour hour at EUR 60: EUR 19,200 / 60 = 320 hours
    line = OneTimeCost(
        component="Migration", amount=19_200, quantity=40, unit="days", prices=[_price("hour-labour", "60")], note=""
    )
    assert billed_quantity(line, "EUR") == "320.00 hours"


@pytest.mark.parametrize(
    "line",
    [
        _component("hours", 600, _price("hour")),  # the units already agree
        _component("GB-month", 600, _price("TB-month")),  # the price's unit in other words
        _component("servers", 600, _price("kW-month", "tiered")),  # tiers: no one price
        _component("servers", 600, _price("kW-month"), _price("kW-month")),  # several prices
        _component("servers", 600, _price("kW-month", currency="USD")),  # another currency
        _component(None, 600, _price("kW-month")),  # no unit to restate
    ],
)
def test_no_restatement_when_the_units_agree_or_it_cannot_be_said(line: Component):
    assert billed_quantity(line, "EUR") is None


def test_an_approximation_is_shortened_to_whose_price_stands_in():
    long = "ecr.storage in eu-south-2: approximated by us-east-1's price, because no price was published"
    assert approximation_short(_price("GB-month", approximation=long)) == "approximated by us-east-1's price"
    assert approximation_short(_price("GB-month", approximation="as given")) == "as given"
