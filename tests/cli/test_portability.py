"""`regcost plan`, `lifecycle` and `scan` as a person uses them, and the plan's effort reaching the cost model."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from analysis.cli import app
from analysis.model.scenarios import load_scenarios

runner = CliRunner()
GITOPS = Path(__file__).resolve().parents[2] / "data" / "demo-gitops"
UNTAGGED_14 = {
    "rules": [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        }
    ]
}


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_plan_prints_findings_and_waves_and_writes_payloads(collected_db, tmp_path):
    out = tmp_path / "harbor"
    result = invoke("plan", "--db", str(collected_db), "--scan", str(GITOPS), "-o", str(out))
    assert result.exit_code == 0, result.output
    for text in ("Findings", "Portability", "Migration waves", "engineer-days", "calls.json"):
        assert text in result.output
    index = json.loads((out / "payloads" / "calls.json").read_text())
    assert {c["path"] for c in index["calls"]} >= {"/registries", "/projects", "/retentions", "/replication/policies"}
    plan = json.loads((out / "plan.json").read_text())
    assert plan["waves"] and all(w["risk"] in ("low", "medium", "high") for w in plan["waves"])
    ranks = [("low", "medium", "high").index(w["risk"]) for w in plan["waves"]]
    assert ranks == sorted(ranks)  # low risk first
    copied = sum(w["bytes_copied"] for w in plan["waves"])
    assert copied > 0
    assert {s["row"] for s in plan["scores"]} == {
        "operating model",
        "access control",
        "portability",
        "Kubernetes integration",
        "governance & policies",
    }
    assert all(s["evidence"] for s in plan["scores"])


def test_plan_effort_feeds_the_cost_model_through_a_scenario_file(collected_db, tmp_path):
    result = invoke("plan", "--db", str(collected_db), "-o", str(tmp_path), "--format", "json")
    assert result.exit_code == 0, result.output
    days = json.loads(result.output)["summary"]["migration_days"]
    scenario_file = tmp_path / "scenarios" / "harbor-onprem-planned.yaml"
    doc = yaml.safe_load(scenario_file.read_text())
    assert doc["extends"] == "harbor-onprem" and doc["assumptions"]["migration_days"]["base"] == days["base"]
    scenario = load_scenarios([scenario_file])["harbor-onprem-planned"]
    assert scenario.assumptions.migration_days.base == days["base"]
    est = invoke(
        "estimate",
        "--db",
        str(collected_db),
        "--scenario-file",
        str(scenario_file),
        "-s",
        "harbor-onprem-planned",
        "--draws",
        "0",
        "--format",
        "json",
    )
    assert est.exit_code == 0, est.output
    planned = next(s for s in json.loads(est.output)["scenarios"] if s["name"] == "harbor-onprem-planned")
    eng = next(o for o in planned["one_time"] if o["component"] == "Migration engineering")
    assert eng["quantity"] == days["base"]


def test_lifecycle_with_a_proposed_policy_reports_bytes_freed_and_saving(collected_db, tmp_path):
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(UNTAGGED_14))
    result = invoke("lifecycle", "--db", str(collected_db), "--policy", str(policy), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    totals = data["totals"]
    assert totals["images_expired"] > 0 and totals["bytes_freed"] > 0 and totals["monthly_saving"] > 0
    naive = sum(r["expired"] for r in data["repositories"])
    assert naive == totals["images_expired"]
    assert any(p["id"] == "ecr.storage.standard" for p in data["prices"])


def test_a_malformed_proposed_policy_is_one_line_and_exit_2_not_a_crash(collected_db, tmp_path):
    # A proposed policy ECR would reject is bad input (issue #12); collected malformed policies stay findings.
    policy = tmp_path / "bad.json"
    policy.write_text('{"rules": [{"rulePriority": 1}]}')
    result = invoke("lifecycle", "--db", str(collected_db), "--policy", str(policy))
    assert result.exit_code == 2, result.output
    assert "rules[0].selection: missing" in result.output and "Traceback" not in result.output


def test_scan_reports_by_file_and_line_and_writes_a_diff(collected_db, tmp_path):
    result = invoke("scan", str(GITOPS), "--db", str(collected_db), "--format", "json")
    assert result.exit_code == 0, result.output
    refs = json.loads(result.output)["references"]
    assert any(r["file"] == "k8s/payments-api.yaml" and r["line"] == 19 for r in refs)
    diff = tmp_path / "x.diff"
    result = invoke(
        "scan", str(GITOPS), "--db", str(collected_db), "--rewrite-to", "harbor.example.com", "--diff-out", str(diff)
    )
    assert result.exit_code == 0, result.output
    assert "+++ b/k8s/payments-api.yaml" in diff.read_text()


def test_bad_arguments_are_one_line_errors(tmp_path):
    result = invoke("scan", str(tmp_path / "nope"))
    assert result.exit_code == 2 and "no such file" in result.output
    result = invoke("lifecycle", "--db", str(tmp_path / "none.duckdb"))
    assert result.exit_code == 1 and "no warehouse" in result.output
