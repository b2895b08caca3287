"""The report shows the migration plan as `regcost plan` builds it (findings, scores, waves, totals), the
self-hosted registries' three storage numbers next to ECR's, and escapes whatever text comes from outside."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis.cli import app
from analysis.collectors.http import Credentials, HttpClient
from analysis.demo.harbor import FakeHarbor, sample_data
from analysis.pipeline.registry import collect_registry
from analysis.pipeline.request import EstimateRequest
from analysis.pipeline.result import run
from analysis.portability.plan import as_dict, build_plan
from analysis.render.document import days, gib
from analysis.render.html import render_html
from analysis.render.inputs import ReportInputs
from analysis.render.text import money
from analysis.units import human_bytes
from analysis.warehouse import Warehouse, queries
from tests.render.test_html import visible_text

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
ADMIN = "Adm1n-report-test-pw"


@pytest.fixture(scope="module")
def inputs(collected_db: Path) -> ReportInputs:
    return run(EstimateRequest(db=collected_db))


@pytest.fixture(scope="module")
def html(inputs: ReportInputs) -> str:
    return render_html(inputs)


@pytest.fixture(scope="module")
def harbor_db(collected_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The collected ECR warehouse plus one Harbor collection (the emulated Harbor's sample data)."""
    db = tmp_path_factory.mktemp("harbor") / "regcost.duckdb"
    shutil.copy(collected_db, db)
    with FakeHarbor(sample_data(admin_password=ADMIN, robot_secret="r0bot-report-test")) as harbor, Warehouse(db) as wh:
        client = HttpClient(harbor.url, Credentials("admin", ADMIN))
        summary = collect_registry(wh, "harbor", client, metrics_url=harbor.metrics_url)
    assert summary.status == "complete", summary.errors
    return db


def test_plan_in_the_report_is_the_plan_regcost_plan_builds(collected_db: Path, inputs: ReportInputs, html: str):
    with Warehouse(collected_db, read_only=True) as wh:
        expected = as_dict(build_plan(wh, at=inputs.result.as_of))
    assert expected["findings"] and expected["waves"]
    assert inputs.plan is not None and inputs.plan.scanned == []
    assert [f.model_dump() for f in inputs.plan.findings] == expected["findings"]
    text = visible_text(html).replace(" :", ":")  # the parser splits text at tags: "<strong>10</strong>:" → "10 :"
    assert "Portability findings" in text and "Migration plan" in text
    for f in expected["findings"]:
        # `code` in the plan's text is shown as code, without the backticks
        assert f["title"] in text and f["evidence"].replace("`", "") in text and f["harbor"].replace("`", "") in text
        assert days(f["effort_days"]) in text
    for s in expected["scores"]:
        assert f"{s['score']} / 5" in text and all(e.replace("`", "") in text for e in s["evidence"])
    for w in expected["waves"]:
        row = f"{w['wave']} {w['risk']} {w['repositories']:,}: {w['names'][0]}"
        assert row in text, row
        assert f"{gib(w['bytes_copied'])} {money(w['egress_cost'])} {days(w['engineering_days'])}" in text
    s = expected["summary"]
    assert f"{days(s['engineer_days'])} engineer-days" in text
    assert f"USD {money(s['egress_cost'])}" in text and f"{gib(s['bytes_copied'])} GiB" in text
    assert "regcost plan -o DIR" in text


def test_a_usage_file_report_has_no_plan(tmp_path: Path):
    usage = Path(__file__).resolve().parents[2] / "docs" / "examples" / "usage.yaml"
    inputs = run(EstimateRequest(usage=usage))
    assert inputs.plan is None and inputs.registries == []
    assert "Migration plan" not in visible_text(render_html(inputs))


def test_harbor_registry_storage_appears_next_to_ecr(harbor_db: Path):
    inputs = run(EstimateRequest(db=harbor_db))
    with Warehouse(harbor_db, read_only=True) as wh:
        [expected] = queries.registry_storage(wh)
    assert expected["quota_sum_bytes"] is not None and expected["physical_bytes"] is not None
    text = visible_text(render_html(inputs))
    p = inputs.result.profile
    ecr = f"{gib(p.naive_bytes)} {gib(p.ecr_billable_bytes)} billable {gib(p.global_unique_bytes)}"
    assert ecr in text
    size = human_bytes  # a self-hosted registry's sizes in the unit that fits: a few MB never read "0.0"
    harbor = (
        f"{size(expected['naive_bytes'])} {size(expected['quota_sum_bytes'])} Σ quota "
        f"{size(expected['unique_blob_bytes'])} {size(expected['physical_bytes'])}"
    )
    assert harbor in text, harbor
    assert expected["registry"] in text
    assert expected["explanation"] and all(line in text for line in expected["explanation"])


def test_plan_and_registry_text_from_outside_is_escaped(inputs: ReportInputs):
    plan = inputs.plan
    assert plan is not None and inputs.quality is not None
    finding = plan.findings[0].model_copy(update={"title": EVIL, "evidence": EVIL, "where": [EVIL]})
    wave = plan.waves[0].model_copy(update={"names": [EVIL, *plan.waves[0].names]})
    score = plan.scores[0].model_copy(update={"evidence": [EVIL]})
    evil_plan = plan.model_copy(
        update={"findings": [finding, *plan.findings[1:]], "waves": [wave, *plan.waves[1:]], "scores": [score]}
    )
    from analysis.render.inputs import RegistryStorage

    registry = RegistryStorage(
        registry=EVIL,
        kind="harbor",
        run_id=1,
        repositories=1,
        projects=1,
        artifacts=1,
        naive_bytes=1.0,
        unique_blob_bytes=1.0,
        quota_sum_bytes=None,
        physical_bytes=None,
        physical_source=None,
        pulls=None,
        explanation=[EVIL],
    )
    html = render_html(inputs.model_copy(update={"plan": evil_plan, "registries": [registry]}))
    assert EVIL not in html
    assert html.count(ESCAPED) >= 7  # title, evidence, where, wave names, score evidence, registry, its explanation


def test_report_refuses_a_scan_path_that_does_not_exist(collected_db: Path, tmp_path: Path):
    done = CliRunner().invoke(
        app, ["report", "--db", str(collected_db), "-o", str(tmp_path), "--scan", str(tmp_path / "nope")]
    )
    assert done.exit_code == 2 and "no such file or folder" in done.output
    assert list(tmp_path.iterdir()) == []
