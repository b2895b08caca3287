"""What the HTML and PDF reports say, before either is laid out (analysis/render/document.py): which sections
there are, the headline, how sure the estimate is and what would flip it, the one migration effort, the
assumptions with the catalog's numbers, the prices graded, and the paper the page is set for.

A usage file's estimate (tests/fixtures/usage/golden.yaml) through `context` and `render_document`: no browser."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from markupsafe import Markup

from analysis.model.result import EstimateResult
from analysis.pipeline.request import EstimateRequest
from analysis.pipeline.result import run
from analysis.render import Result
from analysis.render.charts import figures
from analysis.render.document import break_even, context, count, days, gib, pct, render_document, wave_rows, when
from analysis.render.inputs import WaveView
from analysis.render.wording import GRADES

USAGE = Path(__file__).resolve().parents[1] / "fixtures" / "usage" / "golden.yaml"
TARGET = "harbor-eu-cloud"


@pytest.fixture(scope="module")
def result() -> Result:
    return run(EstimateRequest(usage=USAGE, scenarios=("ecr", TARGET), draws=200))


def _with(result: Result, estimate: EstimateResult) -> Result:
    return result.model_copy(update={"estimate": estimate})


def _charts(result: Result) -> dict[str, Markup]:
    return {name: Markup(f'<div class="chart-{name}"></div>') for name in figures(result.estimate)}


def test_formatters():
    assert gib(1.5 * 2**30) == "1.5"
    assert pct(0.3227) == "32%"
    assert count(12_345.6) == "12,346"
    assert days(12.4) == "12.4" and days(12.0) == "12" and days(1_234.5) == "1,234.5"
    assert when(datetime(2026, 12, 5, 7, 30, tzinfo=UTC)) == "2026-12-05 07:30 UTC" and when(None) == "—"


def test_break_even_reads_as_a_month_or_says_there_is_none(result: Result):
    target = result.estimate.scenario(TARGET)
    assert break_even(result.estimate.scenario("ecr"), "ecr") == "baseline"
    assert break_even(target.model_copy(update={"break_even_month": 9}), "ecr") == "month 9"
    assert break_even(target.model_copy(update={"break_even_month": None}), "ecr") == "not within horizon"


def test_a_usage_file_report_has_no_plan_or_data_quality_sections(result: Result):
    ids = [s.id for s in context(result, "html", {})["sections"]]
    assert ids == ["summary", "spend", "comparison", "uncertainty", "details", "assumptions", "method"]
    no_draws = _with(result, result.estimate.model_copy(update={"uncertainty": None}))
    assert "uncertainty" not in [s.id for s in context(no_draws, "html", {})["sections"]]


def test_the_headline_stays_on_ecr_when_nothing_is_cheaper(result: Result):
    assert context(result, "html", {})["headline"] == "Stay on ECR: no alternative is cheaper over 36 months"


def test_the_headline_of_a_move_rounds_the_savings_and_gives_the_payback(result: Result):
    r = result.estimate
    moved = r.model_copy(
        update={
            "recommendation": r.recommendation.model_copy(update={"scenario": TARGET}),
            "scenarios": [
                s.model_copy(update={"savings_vs_baseline": 12_345.6, "break_even_month": 9}) if s.name == TARGET else s
                for s in r.scenarios
            ],
        }
    )
    # 12,345.6 saved of the baseline's 38,150.58 over 36 months = 32%; rounded to three figures: 12,300
    assert r.scenario("ecr").horizon_tco == pytest.approx(38_150.58, abs=0.01)
    assert context(_with(result, moved), "html", {})["headline"] == (
        "Harbor on a European cloud (Hetzner, Falkenstein): saves about USD 12,300 (32%) over 36 months, "
        "paying back in month 9"
    )


def test_how_sure_names_the_assumption_that_moves_the_savings_most_when_none_flips_it(result: Result):
    sure = context(result, "html", {})["sure"]
    u = result.estimate.uncertainty
    assert u is not None and u.tornado_scenario == TARGET
    assert sure.title == "Harbor on a European cloud (Hetzner, Falkenstein)" and sure.baseline == "Stay on ECR"
    assert not sure.moves and sure.draws == 200 and sure.ranged == len(u.ranged_assumptions)
    # every end of every bar still loses money against ECR, so nothing flips the decision
    assert all(b.savings_at_low < 0 and b.savings_at_high < 0 for b in u.tornado)
    assert sure.flip.startswith("No single assumption flips it within its range. The one that moves it most, ")


def test_how_sure_names_the_end_of_a_range_that_flips_the_decision(result: Result):
    r = result.estimate
    assert r.uncertainty is not None
    top = r.uncertainty.tornado[0].model_copy(
        update={"assumption": "vpc_endpoint_share", "low": 0.0, "high": 1.0, "savings_at_high": 4_012.5}
    )
    flipped = r.model_copy(update={"uncertainty": r.uncertainty.model_copy(update={"tornado": [top]})})
    sure = context(_with(result, flipped), "html", {})["sure"]
    # at the high end (1 fraction) the target saves 4,012.5, rounded to two figures: 4,000
    assert sure.flip == (
        "VPC endpoint share at the high end of its range (1 fraction): Harbor on a European cloud (Hetzner, "
        "Falkenstein) would save USD 4,000 against Stay on ECR, and moving would pay."
    )


def test_the_effort_comes_from_the_scenarios_assumptions_without_a_plan(result: Result):
    effort = context(result, "html", {})["effort"]
    assert (effort.days, effort.source, effort.from_plan, effort.differing) == (
        12.4,
        "the scenario's assumptions",
        False,
        [],
    )


def test_assumptions_left_to_the_catalog_show_the_catalogs_numbers(result: Result):
    shown = {a.identifier: a for a in context(result, "html", {})["assumptions"]}
    # data/pricing/labour.yaml: harbor.ops.hours_per_month low 4, base 10, high 20
    ops = shown["ops_hours_month"]
    assert (ops.label, ops.value, ops.range, ops.applies_to) == ("Operations hours per month", "10", "4 – 20", "all")
    assert shown["labour_rate"].value == "per site"  # a price the scenario's labour site picks
    assert shown["cleanup_archives_never_pulled"].value == "no"


def test_prices_are_listed_once_the_most_reliable_sources_first(result: Result):
    c = context(result, "html", {})
    ranks = [GRADES[v.grade][0] for v in c["prices"]]
    assert ranks == sorted(ranks)
    keys = [(v.p.id, v.p.location, v.p.approximation) for v in c["prices"]]
    assert len(keys) == len(set(keys))
    assert sum(n for n, _ in c["grade_counts"]) == len(c["prices"])


def test_the_baselines_groups_add_up_to_its_first_month(result: Result):
    c = context(result, "html", {})
    groups = c["baseline_groups"]
    assert [g for g, _, _ in groups] == ["storage", "transfer", "aws-side"]
    assert sum(m1 for _, m1, _ in groups) == pytest.approx(c["baseline"].monthly_total[0])
    assert sum(total for _, _, total in groups) == pytest.approx(c["baseline"].horizon_tco, rel=1e-6)


@pytest.mark.parametrize(("paper", "size"), [("a4", "A4"), ("letter", "letter")])
def test_the_pdf_page_is_set_for_the_paper_asked_for(result: Result, paper: str, size: str):
    html = render_document(result, "pdf", _charts(result), paper=paper)
    assert f"@page {{ size: {size}; }}" in html
    assert '<div class="chart-cumulative_tco"></div>' in html  # the charts given are placed as they are


def test_a_price_the_same_in_several_regions_is_cited_once():
    """Scenario details listed "0.1 USD/GB-month (ecr.storage.standard @ …)" once per region, three identical lines
    per component: one line names the regions; a different price keeps its own line."""
    from analysis.model.result import PriceCitation
    from analysis.render.document import cited

    def price(location: str, text: str = "0.1") -> PriceCitation:
        return PriceCitation(
            id="ecr.storage.standard", location=location, unit="GB-month", currency="USD", price_text=text,
            source="https://example.org", as_of="2025-06-05",
        )  # fmt: skip

    got = cited([price("eu-west-1"), price("us-east-1"), price("ap-south-1", "0.11"), price("us-east-1")])
    lines = [(p.price_text, where) for p, where in got]
    assert lines == [("0.1", ["eu-west-1", "us-east-1"]), ("0.11", ["ap-south-1"])]


def _wave(n: int, risk: str, repositories: int = 50) -> WaveView:
    names = [f"team/svc-{n:03d}-{i}" for i in range(repositories)]
    return WaveView(
        wave=n,
        risk=risk,
        repositories=repositories,
        names=names,
        references=n % 3,
        pulls_per_month=100.0,
        bytes_copied=n * 2**30,
        archived_bytes_left=0.0,
        egress_cost=n * 0.09,
        engineering_days=1.5,
    )


def test_a_long_plan_shows_its_first_waves_and_sums_the_rest_by_risk():
    # 16 waves: 1–14 low, 15–16 high. Shown: waves 1–12 one by one, then 13–14 (low) and 15–16 (high) summed.
    waves = [_wave(n, "low" if n <= 14 else "high") for n in range(1, 17)]
    rows = wave_rows(waves)
    assert [r.label for r in rows] == [*map(str, range(1, 13)), "13–14", "15–16"]
    assert rows[0].names == "team/svc-001-0, team/svc-001-1, team/svc-001-2, team/svc-001-3 and 46 more"
    low, high = rows[-2:]
    assert (low.risk, low.repositories, low.names) == ("low", 100, "in 2 more waves (each listed by regcost plan)")
    # 13 + 14 = 27 GiB copied, 27 × 0.09 = 2.43 USD, 2 × 1.5 = 3.0 days, references 13 % 3 + 14 % 3 = 1 + 2 = 3
    assert (low.bytes_copied, round(low.egress_cost, 2), low.engineering_days, low.references) == (
        27 * 2**30,
        2.43,
        3.0,
        3,
    )
    assert (high.risk, high.repositories) == ("high", 100)
    # Nothing is lost: the rows add up to the plan's waves.
    assert sum(r.repositories for r in rows) == 16 * 50
    assert sum(r.bytes_copied for r in rows) == sum(w.bytes_copied for w in waves)


def test_a_short_plan_shows_every_wave():
    waves = [_wave(1, "low", 10), _wave(2, "low"), _wave(3, "high", 3)]
    assert [(r.label, r.names) for r in wave_rows(waves)][2] == ("3", "team/svc-003-0, team/svc-003-1, team/svc-003-2")
