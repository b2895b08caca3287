"""The one result every renderer takes (analysis/render/inputs.py): the migration plan as `regcost plan` builds it,
reduced to what a report shows, and the estimate under the name the templates use."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analysis.pipeline.request import EstimateRequest
from analysis.pipeline.result import run
from analysis.portability.plan import as_dict, build_plan
from analysis.render.inputs import PlanView, ReportInputs, Result, WaveView
from analysis.warehouse import Warehouse

USAGE = Path(__file__).resolve().parents[1] / "fixtures" / "usage" / "golden.yaml"


@pytest.fixture(scope="module")
def plan(collected_db: Path) -> dict:
    """The plan of the collected warehouse as `regcost plan -f json` writes it (dates as text)."""
    with Warehouse(collected_db, read_only=True) as wh:
        return json.loads(json.dumps(as_dict(build_plan(wh, at=datetime.now(UTC))), default=str))


def test_the_plan_keeps_its_totals_findings_and_waves(plan: dict):
    view = PlanView.from_plan_dict(plan)
    assert plan["findings"] and plan["waves"]
    assert view.summary.engineer_days == plan["summary"]["engineer_days"]
    spread = plan["summary"]["migration_days"]  # the range, without how it is drawn (dist, origin)
    assert view.summary.migration_days.model_dump() == {k: spread[k] for k in ("low", "base", "high")}
    assert [f.model_dump() for f in view.findings] == plan["findings"]
    assert [(s.row, s.score) for s in view.scores] == [(s["row"], s["score"]) for s in plan["scores"]]
    assert view.setup_days == plan["assumptions"]["setup_days"]
    assert view.scanned == []  # nothing scanned: the report says how to add the references' effort


def test_a_wave_keeps_only_what_the_report_shows(plan: dict):
    view = PlanView.from_plan_dict(plan, scanned=["/src/gitops"])
    assert view.scanned == ["/src/gitops"]
    first, shown = plan["waves"][0], view.waves[0]
    assert set(shown.model_dump()) == set(WaveView.model_fields) <= set(first)
    assert (shown.wave, shown.repositories, shown.engineering_days) == (
        first["wave"],
        first["repositories"],
        first["engineering_days"],
    )


def test_the_templates_read_the_estimate_as_result():
    result = run(EstimateRequest(usage=USAGE, scenarios=("ecr",)))
    assert ReportInputs is Result
    assert result.result is result.estimate
    assert (result.plan, result.quality, result.registries) == (None, None, [])  # a usage file has none of them
