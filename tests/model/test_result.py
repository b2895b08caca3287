"""The result object every output renders: versioned, JSON out and back unchanged, scenarios found by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import estimate_from_usage

from analysis import __version__
from analysis.model.result import SCHEMA_VERSION, EstimateResult
from analysis.model.scenarios import load_scenarios, pick
from analysis.pricing import load_catalog

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def result() -> EstimateResult:
    scenarios = pick(load_scenarios([FIXTURES / "scenarios" / "calculator-parity.yaml"]), ["ecr", "harbor-aws"])
    return estimate_from_usage(FIXTURES / "usage" / "calculator.yaml", scenarios, load_catalog())


def test_versioned(result):
    doc = json.loads(result.model_dump_json())
    assert doc["schema_version"] == SCHEMA_VERSION == 1
    assert doc["regcost_version"] == __version__


def test_json_round_trip_keeps_every_figure(result):
    again = EstimateResult.model_validate_json(result.model_dump_json())
    assert again == result


def test_a_scenario_by_name(result):
    assert result.scenario("harbor-aws").title == "Harbor on AWS (EKS, us-east-1)"
    assert result.scenario(result.baseline).name == "ecr"


def test_frozen(result):
    with pytest.raises(ValueError, match="frozen"):
        result.currency = "EUR"
