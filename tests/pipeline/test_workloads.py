"""The workloads stage runner over the emulated AWS: what it finds is stored for the findings and the plan, and
the summary says which repositories are bound to ECR.

What each service reports: tests/collectors/test_workloads.py.
"""

from __future__ import annotations

import json

import boto3
from support import settings_for

from analysis.demo.estate import ACCOUNT_IDS
from analysis.pipeline.workloads import bound_repositories, collect_workloads
from analysis.warehouse import Warehouse

REGION = "eu-west-1"
ACCOUNT = ACCOUNT_IDS[0]
ECR = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"


def _lambda_image_function(kwargs: dict) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    role = boto3.client("iam", **kwargs).create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))
    boto3.client("lambda", **kwargs).create_function(
        FunctionName="thumbs", Role=role["Role"]["Arn"], PackageType="Image", Code={"ImageUri": f"{ECR}/img/thumbs:3"}
    )


def test_found_workloads_are_stored_and_the_bound_repositories_summarised(aws, tmp_path):
    _lambda_image_function(aws.client_kwargs(REGION))
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_workloads(wh, settings_for(aws), [REGION], ["lambda"])
        stored = wh.query("SELECT service, image_uri, bound_to_ecr FROM workload_refs")
        again = bound_repositories(wh)
        runs = wh.query("SELECT source, status FROM runs")
    assert stored == [("lambda", f"{ECR}/img/thumbs:3", True)]
    expected = [
        {"account_id": ACCOUNT, "region": REGION, "repository": "img/thumbs", "services": ["lambda"], "workloads": 1}
    ]
    assert summary.bound == again == expected
    assert runs == [("workloads", "complete")]
    d = summary.as_dict()
    assert (d["status"], d["bound_to_ecr"], d["errors"]) == ("complete", expected, [])
    assert [w["image_uri"] for w in d["workloads"]] == [f"{ECR}/img/thumbs:3"]


def test_an_account_without_workloads_binds_nothing(aws, tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        summary = collect_workloads(wh, settings_for(aws), [REGION], ["lambda", "ecs"])
    assert (summary.status, summary.refs, summary.bound) == ("complete", [], [])


def test_a_lambda_functions_repository_is_bound_to_ecr_and_kept_on_ecr_by_the_hybrid(aws, collected_db, tmp_path):
    """Over the emulated AWS: the Lambda image function's repository is found bound to ECR, and the hybrid
    scenario neither caches it in the proxy nor serves its pulls from there."""
    import dataclasses
    import shutil

    import pytest

    from analysis.model.assumptions import Assumptions
    from analysis.model.costing import scenario_costs
    from analysis.model.scenarios import load_scenarios
    from analysis.pipeline.request import EstimateRequest
    from analysis.pipeline.result import read_estate, run
    from analysis.pricing import load_catalog

    db = tmp_path / "w.duckdb"
    shutil.copy(collected_db, db)
    with Warehouse(db) as wh:
        # The region's most pulled repository (by pulled bytes), so its pulls are a visible share.
        repo, _ = wh.query(
            "SELECT repository_name, sum(pulls) FROM current_ecr_pull_counts WHERE account_id = ? AND region = ? "
            "GROUP BY ALL ORDER BY 2 DESC, 1 LIMIT 1",
            [ACCOUNT, REGION],
        )[0]
        tag = wh.query(
            "SELECT image_tags[1] FROM current_ecr_images WHERE account_id = ? AND region = ? AND repository_name = ? "
            "AND len(image_tags) > 0 LIMIT 1",
            [ACCOUNT, REGION, repo],
        )[0][0]
        kwargs = aws.client_kwargs(REGION)
        trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]}
        role = boto3.client("iam", **kwargs).create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))
        boto3.client("lambda", **kwargs).create_function(
            FunctionName="resize",
            Role=role["Role"]["Arn"],
            PackageType="Image",
            Code={"ImageUri": f"{ECR}/{repo}:{tag}"},
        )
        collect_workloads(wh, settings_for(aws), [REGION], ["lambda"])

    request = EstimateRequest(db=db, scenarios=("ecr", "hybrid-proxy", "harbor-eu-cloud"))
    estate = read_estate(request)
    bound = estate.model_input.ecr_bound
    assert bound is not None and bound.repositories == [f"{ACCOUNT}/{REGION}/{repo}"] and bound.services == ["lambda"]
    assert 0 < bound.unique_gb < estate.model_input.global_unique_gb and 0 < bound.pull_share < 1

    hybrid = load_scenarios()["hybrid-proxy"]
    catalog, shared = load_catalog(), Assumptions()
    free = dataclasses.replace(estate.model_input, ecr_bound=None)

    def line(inp, name):
        return next(x for x in scenario_costs(hybrid, inp, catalog, shared).lines if x.component == name)

    # The proxy caches proxy_cache_share (0.3) of what may leave ECR: (U − B) × 0.3 against U × 0.3, so its
    # storage is (U − B) / U of what it would be without the bound repository (same site, same rules otherwise).
    u, b = estate.model_input.global_unique_gb, bound.unique_gb
    storage = [line(i, "Proxy cache: Registry storage").quantity for i in (estate.model_input, free)]
    assert storage[0] / storage[1] == pytest.approx((u - b) / u, rel=1e-6)
    # ECR keeps 1 − proxied (1.0) × hit (0.8) = 0.2 of the outside-AWS egress; with the bound share s of the pulled
    # bytes never proxied, 1 − 0.8 × (1 − s) = 0.2 + 0.8 s: the ECR egress grows by (0.2 + 0.8 s) / 0.2.
    egress = [line(i, "Data transfer out to the internet").quantity for i in (estate.model_input, free)]
    s = bound.pull_share
    assert egress[0] / egress[1] == pytest.approx((0.2 + 0.8 * s) / 0.2, rel=1e-6)

    # A full migration keeps the bound repository on ECR: its standard storage (B_std GB, no growth) at ECR's
    # USD 0.10 per GB-month in eu-west-1 (ecr.storage.standard, data/pricing/aws-regions.yaml) is a line of its
    # own every month.
    eu = load_scenarios()["harbor-eu-cloud"]
    kept = next(
        x
        for x in scenario_costs(eu, estate.model_input, catalog, shared).lines
        if x.component == "ECR storage kept (repositories bound to ECR)"
    )
    b_std = bound.standard_gb_by_region[REGION]
    assert kept.quantity == pytest.approx(b_std) and b_std > 0
    assert kept.monthly[0] == pytest.approx(b_std * 0.10) and kept.monthly[-1] == pytest.approx(b_std * 0.10)
    assert not any(x.component.startswith("ECR storage kept") for x in scenario_costs(eu, free, catalog, shared).lines)

    notes = run(request, estate).estimate.notes
    assert any(n.startswith("hybrid-proxy: 1 repositories used by lambda") and "stay on ECR" in n for n in notes)
    assert any(
        n.startswith("harbor-eu-cloud: 1 repositories used by lambda") and "cannot leave ECR" in n for n in notes
    )
