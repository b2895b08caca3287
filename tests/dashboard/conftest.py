"""A small estimate for the dashboard's tables and charts: tests/fixtures/usage/calculator.yaml priced on
calculator terms (tests/model/test_estimate.py gives the arithmetic: Stay on ECR costs 1,455.20 a month for 12
months, 17,462.40 in all), and an uncertainty result written by hand so that its percentiles are known."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from support import estimate_from_usage

from analysis.model.result import Band, EstimateResult, ScenarioUncertainty, TornadoBar, UncertaintyResult
from analysis.model.scenarios import load_scenarios, pick
from analysis.pricing import load_catalog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="package")
def calculator_result() -> EstimateResult:
    scenarios = pick(load_scenarios([FIXTURES / "scenarios" / "calculator-parity.yaml"]), ["ecr", "harbor-aws"])
    return estimate_from_usage(FIXTURES / "usage" / "calculator.yaml", scenarios, load_catalog())


def _band(values: list[float]) -> Band:
    return Band(p10=[v * 0.9 for v in values], p50=values, p90=[v * 1.1 for v in values])


def _with_uncertainty(result: EstimateResult, harbor_never: float) -> EstimateResult:
    """`result` with 10,000 draws: ECR's TCO P10/P50/P90 17,000 / 17,462.40 / 18,000; Harbor's 44,000 / 45,737.16
    / 48,000, cheaper in 0.5 % of the draws, never breaking even in `harbor_never` of them."""
    ecr, harbor = result.scenarios
    tco = {"p10": 17_000.0, "p50": 17_462.40, "p90": 18_000.0, "mean": 17_480.0}
    u = UncertaintyResult(
        draws=10_000,
        seed=7,
        ranged_assumptions=["layer_cache_hit_ratio"],
        scenarios=[
            ScenarioUncertainty(
                name=ecr.name,
                monthly=_band(list(ecr.monthly_total)),
                cumulative=_band(list(ecr.cumulative)),
                horizon_tco=tco,
                p_beats_baseline=None,
                break_even={"p10": None, "p50": None, "p90": None, "never": None},
            ),
            ScenarioUncertainty(
                name=harbor.name,
                monthly=_band(list(harbor.monthly_total)),
                cumulative=_band(list(harbor.cumulative)),
                horizon_tco={"p10": 44_000.0, "p50": 45_737.16, "p90": 48_000.0, "mean": 45_800.0},
                p_beats_baseline=0.005,
                break_even={"p10": 7.0, "p50": 9.0, "p90": 11.0, "never": harbor_never},
            ),
        ],
        tornado_scenario=harbor.name,
        tornado=[
            TornadoBar(
                assumption="layer_cache_hit_ratio",
                scenario="*",
                low=0.5,
                high=0.95,
                savings_at_low=harbor.savings_vs_baseline - 500,
                savings_at_high=harbor.savings_vs_baseline + 300,
                swing=800,
            )
        ],
    )
    return result.model_copy(update={"uncertainty": u})


@pytest.fixture(scope="package")
def uncertain(calculator_result: EstimateResult) -> Callable[[float], EstimateResult]:
    """The calculator estimate with the hand-written uncertainty (Harbor never breaking even in that share)."""
    return lambda harbor_never: _with_uncertainty(calculator_result, harbor_never)
