"""The result as text (analysis/render/text.py): the estate and effort in one sentence each, the CSV's rows (and
its guard against spreadsheet formulas), JSON with the effort beside the estimate, Markdown that shows outside
text as text. Over the fixed usage file of the golden files (tests/fixtures/usage/golden.yaml)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from analysis.pipeline.request import EstimateRequest
from analysis.pipeline.result import run
from analysis.render import Result
from analysis.render.text import effort_line, estate_line, render_text

USAGE = Path(__file__).resolve().parents[1] / "fixtures" / "usage" / "golden.yaml"
TARGET = "harbor-eu-cloud"
HARBOR = "Harbor on a European cloud (Hetzner, Falkenstein)"


@pytest.fixture(scope="module")
def result() -> Result:
    return run(EstimateRequest(usage=USAGE, scenarios=("ecr", TARGET)))


def _titled(result: Result, title: str) -> Result:
    r = result.estimate
    scenarios = [s.model_copy(update={"title": title}) if s.name == TARGET else s for s in r.scenarios]
    return result.model_copy(update={"estimate": r.model_copy(update={"scenarios": scenarios})})


def test_the_estate_of_a_usage_file_in_one_line(result: Result):
    # golden.yaml: storage 2,000 + 300 GB, unique 1,500 + 300 (eu-west-1 gives none: its storage), growth 40 + 5
    assert estate_line(result.estimate) == (
        "Usage file: eu-west-1, us-east-1; ECR storage 2,300 GiB, unique 1,800 GiB, growth 45.0 GiB/month"
    )


def test_the_effort_says_whose_it_is_and_where_it_comes_from(result: Result):
    assert effort_line(result) == (
        f"Migration effort: 12.4 engineer-days for {HARBOR}, from the scenario's assumptions "
        "(base + per 100 repositories)"
    )
    assert result.effort is not None
    planned = result.effort.model_copy(update={"source": "migration plan", "low": 8.0, "high": 20.5})
    assert effort_line(result.model_copy(update={"effort": planned})) == (
        f"Migration effort: 12.4 engineer-days (8–20.5) for {HARBOR}, from the migration plan (regcost plan; "
        "no reference scan: --scan PATH adds the references' effort)"
    )
    assert effort_line(result.model_copy(update={"effort": None})) is None


def test_csv_has_a_row_per_component_and_month_then_the_summary(result: Result):
    rows = list(csv.DictReader(io.StringIO(render_text(result, "csv"))))
    storage = [r for r in rows if r["scenario"] == "ecr" and r["component"] == "ECR storage (standard)"]
    assert len(storage) == 36
    # 2,300 GB stored plus half a month's growth (45 / 2 = 22.5 GB) = 2,322.5 GB × USD 0.10 per GB-month = 232.25;
    # month 2: 2,300 + 45 + 22.5 = 2,367.5 GB = 236.75
    assert [(r["month"], r["cost"], r["currency"]) for r in storage[:2]] == [
        ("1", "232.25", "USD"),
        ("2", "236.75", "USD"),
    ]
    one_time = {r["component"]: r for r in rows if r["scenario"] == TARGET and r["group"] == "one-time"}
    effort = one_time["Migration engineering"]
    assert (effort["month"], effort["quantity"], effort["unit"]) == ("0", "12.4", "engineer-days")
    # copying the 1,800 GB of unique blobs out of AWS once, at USD 0.09 per GB of internet egress = 162.00
    copy_out = one_time["Copy-out egress (migration)"]
    assert (copy_out["quantity"], copy_out["unit"], copy_out["cost"]) == ("1800.0", "GB", "162.0")
    summary = [(r["scenario"], r["component"], r["cost"]) for r in rows if r["group"] == "summary"]
    assert ("ecr", "36-month TCO", "38150.58") in summary and (TARGET, "saves vs baseline", "-18454.54") in summary


def test_a_csv_cell_that_a_spreadsheet_would_run_is_quoted(result: Result):
    out = render_text(_titled(result, '=HYPERLINK("http://x")'), "csv")
    titles = {r["title"] for r in csv.DictReader(io.StringIO(out))}
    assert '\'=HYPERLINK("http://x")' in titles and '=HYPERLINK("http://x")' not in titles


def test_json_is_the_estimate_with_the_effort_and_no_plan_for_a_usage_file(result: Result):
    payload = json.loads(render_text(result, "json"))
    assert payload["schema_version"] == 1
    assert payload["effort"] == {
        "scenario": TARGET,
        "days": 12.4,
        "low": None,
        "high": None,
        "source": "scenario assumptions",
    }
    assert payload["migration_plan"] is None


def test_markdown_shows_outside_text_as_text(result: Result):
    out = render_text(_titled(result, "*cheap* | <b>fast</b>"), "markdown")
    assert "| \\*cheap\\* \\| &lt;b&gt;fast&lt;/b&gt; |" in out
    assert "<b>" not in out


def test_the_table_names_every_scenario_and_the_recommendation(result: Result):
    out = render_text(result, "table", width=200)
    assert "Stay on ECR (baseline)" in out and HARBOR in out
    assert "Stay on ECR: no alternative is cheaper over 36 months" in out


def test_an_unknown_format_names_the_choices(result: Result):
    with pytest.raises(ValueError, match="unknown format 'xlsx'; expected one of table, json, csv, markdown"):
        render_text(result, "xlsx")
