"""`run_demo`: the generated estate, served by the emulated AWS and an emulated Harbor, collected by the real
collectors; what it returns is what `regcost demo` prints."""

from __future__ import annotations

import pytest
from support import SMALL

from analysis.demo import measurements as dm
from analysis.demo.runner import run_demo
from analysis.warehouse import Warehouse

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    return db, run_demo(db, **SMALL)


def test_the_collection_finds_the_generated_estate(demo, small_estate):
    db, result = demo
    # the same seed and size as the shared small estate, generated as of today's UTC midnight: the same estate
    assert result["seeded"] == small_estate.expected_totals()
    assert (result["accounts"], result["regions"]) == (list(small_estate.accounts), list(small_estate.regions))
    run = result["run"]
    assert (run["status"], run["exit_code"], result["errors"]) == ("complete", 0, [])
    assert run["counts"]["repositories"] == SMALL["repositories"] and run["counts"]["images"] == SMALL["images"]
    with Warehouse(db, read_only=True) as wh:
        assert wh.query("SELECT count(*) FROM current_ecr_images")[0][0] == SMALL["images"]
    assert result["warehouse"] == str(db)


def test_every_step_is_timed_and_every_call_counted(demo):
    _, result = demo
    steps = ("generate_s", "seed_s", "collect_s", "costs_s", "measure_s", "harbor_s")
    assert set(result["timings"]) == set(steps) and all(t >= 0 for t in result["timings"].values())
    # the collector read every repository's images, through the organization's member accounts
    assert result["api_calls"]["ecr:DescribeImages"] >= SMALL["repositories"]
    assert result["api_calls"]["organizations:ListAccounts"] >= 1 and result["api_calls"]["sts:AssumeRole"] >= 1


def test_the_bill_is_collected_both_ways(demo):
    _, result = demo
    ce, cur = result["costs"]["cost_explorer"], result["costs"]["cur"]
    assert ce["status"] == "complete" and cur["status"] == "complete"
    assert cur["path"].endswith("demo-cur/cur2-ecr.parquet")


def test_the_harbor_is_read_by_a_robot_from_cached_manifests(demo):
    _, result = demo
    harbor = result["harbor"]
    assert (harbor["kind"], harbor["status"], harbor["errors"]) == ("harbor", "complete", [])
    # its repositories hold digests ECR holds: their manifests are in the cache already
    assert harbor["counts"]["manifests_fetched"] == 0 and harbor["counts"]["images"] > 0
    # a robot is no system administrator: physical bytes come from the exporter metric
    assert harbor["storage"]["physical_source"] == "exporter"


def test_the_measurements_find_the_truth_written_for_them(demo, small_estate):
    _, result = demo
    measured = result["measurements"]
    assert measured["pull_events"] == measured["trail_records"] > 0  # every record written is read back
    [region] = measured["network"]
    assert region["region"] == small_estate.regions[0]
    # 30 % of pulls are in the VPC whose layers go through NAT (1 − ENDPOINT_VPC_WEIGHT); bytes follow the pulls
    assert region["measured_nat_share"] == pytest.approx(1 - dm.ENDPOINT_VPC_WEIGHT, abs=0.1)
    # the Lambda image function and the App Runner service (emulated: moto has none) bind their repositories to
    # ECR; the ECS service does not
    assert {s for b in measured["bound_to_ecr"] for s in b["services"]} == {"apprunner", "lambda"}
