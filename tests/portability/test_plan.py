"""The migration plan as a module: its effort adds up (set-up + findings + waves), becomes the model's
`migration_days` range, and is written where `regcost estimate --scenario-file` reads it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from support import today

from analysis.model.scenarios import load_scenarios
from analysis.portability.billing import run_lifecycle
from analysis.portability.inventory import load_inventory
from analysis.portability.plan import (
    SETUP_DAYS,
    as_dict,
    build_plan,
    compare_retention,
    migration_days,
    migration_figures,
    write_plan,
)
from analysis.portability.retention import harbor_deletes
from analysis.portability.translate import design
from analysis.pricing import load_catalog
from analysis.warehouse import Warehouse

GITOPS = Path(__file__).resolve().parents[2] / "data" / "demo-gitops"


@pytest.fixture(scope="module")
def plan(collected_db):
    with Warehouse(collected_db, read_only=True) as wh:
        return build_plan(wh, scan_paths=[GITOPS], at=today())


def test_the_effort_is_set_up_plus_findings_plus_waves(plan):
    findings = sum(f.effort_days for f in plan.findings)
    waves = sum(w["engineering_days"] for w in plan.waves.waves)
    assert SETUP_DAYS == 5.0
    assert plan.engineer_days() == pytest.approx(5.0 + findings + waves)


def test_the_range_runs_from_three_quarters_to_one_and_a_half_times_the_effort(plan):
    days = migration_days(plan)
    base = round(plan.engineer_days(), 2)
    assert days.base == base
    assert days.low == round(base * 0.75, 2)
    assert days.high == round(base * 1.5, 2)


def test_the_summary_adds_up_the_waves(plan):
    s = plan.summary()
    assert s["waves"] == len(plan.waves.waves)
    assert s["repositories"] == sum(w["repositories"] for w in plan.waves.waves)
    assert s["bytes_copied"] == pytest.approx(sum(w["bytes_copied"] for w in plan.waves.waves))
    assert s["payload_calls"] == len(plan.calls)
    assert s["references"] == len(plan.scan["references"]) > 0  # the demo GitOps folder names ECR images


def test_written_plan_feeds_every_self_hosted_preset(plan, tmp_path):
    written = write_plan(plan, tmp_path)
    assert set(written) == {"calls", "plan", "harbor-aws", "harbor-eu-cloud", "harbor-onprem"}
    text = written["harbor-onprem"].read_text()
    assert text.startswith("# Written by `regcost plan`")
    doc = yaml.safe_load(text)
    assert doc["extends"] == "harbor-onprem"
    assert doc["assumptions"]["migration_days"]["base"] == round(plan.engineer_days(), 2)
    planned = load_scenarios([written["harbor-onprem"]])["harbor-onprem-planned"]
    assert planned.assumptions.migration_days.base == round(plan.engineer_days(), 2)
    saved = json.loads(written["plan"].read_text())
    assert saved["schema_version"] == 1
    assert saved["summary"]["engineer_days"] == round(plan.engineer_days(), 2)
    assert saved["assumptions"] == {"setup_days": 5.0, "range": [0.75, 1.5]}


def test_retention_differences_equal_harbor_s_evaluator_run_on_every_repository(collected_db):
    # compare_retention runs Harbor's evaluator only where a rule applies; the oracle runs it everywhere
    # (Harbor deletes nothing where no rule applies, so both must agree to the image).
    with Warehouse(collected_db, read_only=True) as wh:
        inv = load_inventory(wh, images=False, children=True)
        d = design(inv)
        con = wh.cursor()
        lifecycle = run_lifecycle(inv, con, load_catalog(), at=today())  # keeps the outcomes for the oracle
        fast = compare_retention(inv, d, lifecycle, con, at=today())
        con.close()
    mapping = d.mapping.set_index(["account_id", "region", "repository_name"])
    rows = []
    for key, imgs in lifecycle.outcomes.groupby(["account_id", "region", "repository_name"], sort=True):
        m = mapping.loc[key]
        if m["replica"]:
            continue
        rules = d.projects[m["project"]].retention if m["project"] in d.projects else []
        c = inv.children
        kids = c[(c["account_id"] == key[0]) & (c["region"] == key[1]) & (c["repository_name"] == key[2])]
        deleted = harbor_deletes(rules, m["harbor_repository"], imgs, kids, at=today())
        action = imgs["action"].to_numpy()
        rows.append(
            [
                *key,
                int(((action == "expire") & ~deleted).sum()),
                int((deleted & (action != "expire")).sum()),
                int(((action == "archive") & ~deleted).sum()),
            ]
        )
    assert fast.to_numpy().tolist() == rows
    assert len(rows) > 0  # (the demo estate, with differences, is compared the same way by hand: identical)


def test_the_estimate_s_figures_are_the_whole_plan_s_without_building_it(collected_db):
    # what the estimate takes from a plan it did not keep (#20): the same engineer-days and traffic shares as
    # the plan built in full, without a reference scan (the estimate never scans when it derives them)
    with Warehouse(collected_db, read_only=True) as wh:
        whole = build_plan(wh, at=today(), wave_size=50)
        days, shares = migration_figures(wh, wave_size=50)
    assert days == migration_days(whole)
    assert days.base > SETUP_DAYS  # findings and waves counted, not only the set-up
    assert shares == as_dict(whole)["wave_traffic_shares"]
    assert len(shares) == len(whole.waves.waves) > 1 and sum(shares) == pytest.approx(1.0)


def test_the_figures_follow_the_wave_size_as_the_plan_does(collected_db):
    # smaller waves: more of them, each with its coordination days; the figures must move with the plan
    with Warehouse(collected_db, read_only=True) as wh:
        whole = build_plan(wh, at=today(), wave_size=3)
        days, shares = migration_figures(wh, wave_size=3)
    assert (days, shares) == (migration_days(whole), whole.waves.traffic_shares())


def test_a_policy_that_does_not_parse_costs_the_same_effort_in_both(collected_db, tmp_path):
    # the lifecycle's findings come from the policies that do not parse: the figures read them without evaluating
    db = tmp_path / "broken.duckdb"
    shutil.copyfile(collected_db, db)
    with Warehouse(db) as wh:
        wh.cursor().execute(
            "UPDATE ecr_repositories SET lifecycle_policy_text = '{\"rules\": 7}' "
            "WHERE repository_name = (SELECT min(repository_name) FROM ecr_repositories)"
        )
    with Warehouse(db, read_only=True) as wh:
        whole = build_plan(wh, at=today(), wave_size=50)
        days, _ = migration_figures(wh, wave_size=50)
    assert whole.lifecycle.problems  # the broken policy is a finding of the plan
    assert days == migration_days(whole)
