"""Property: for any sequence of faulted collections (moto over HTTP), the current value of every part equals
its last successful read — and a part never read is marked missing, never silently empty."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import run_collection, today

from analysis.collectors.ecr import EcrOptions
from analysis.demo.aws import EmulatedAWS
from analysis.demo.estate import Estate, generate_estate
from analysis.warehouse import Warehouse

REGIONS = ("us-east-1", "eu-west-1")
# (operation, service): each fault denies it in one region for one run.
OPERATIONS = (
    ("DescribeRepositories", "ecr"),  # the whole scope
    ("DescribeImages", "ecr"),
    ("GetLifecyclePolicy", "ecr"),
    ("GetMetricData", "cloudwatch"),
)
FAULTS = [(op, service, region) for op, service in OPERATIONS for region in REGIONS]
REREAD = EcrOptions(settings_max_age=timedelta(0), manifests=False)


@pytest.fixture(scope="module")
def tiny() -> Estate:
    return generate_estate(seed=3, repositories=6, images=120, accounts=1, regions=REGIONS, now=today())


@pytest.fixture(scope="module")
def emulated(tiny: Estate) -> Iterator[EmulatedAWS]:
    with EmulatedAWS() as aws:
        aws.seed(tiny)
        yield aws


def _policy(run: int) -> str:
    """A different, valid lifecycle policy per run: which one is current tells which read it came from."""
    rule = {
        "rulePriority": 1,
        "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": run + 1},
        "action": {"type": "expire"},
    }
    return json.dumps({"rules": [rule]})


def _current(db: Path) -> dict[str, dict]:
    with Warehouse(db, read_only=True) as wh:
        return {
            "images": {
                (g, r): n
                for g, r, n in wh.query("SELECT region, repository_name, count(*) FROM current_ecr_images GROUP BY ALL")
            },
            "pulls": {
                (g, r): n
                for g, r, n in wh.query(
                    "SELECT region, repository_name, sum(pulls) FROM current_ecr_pull_counts GROUP BY ALL"
                )
            },
            "policy": {
                (g, r): t
                for g, r, t in wh.query(
                    "SELECT region, repository_name, lifecycle_policy_text FROM current_ecr_repositories"
                )
            },
            "missing": {
                (p, g, r)
                for p, g, r in wh.query(
                    "SELECT part, region, repository FROM current_carried_parts WHERE from_run_id IS NULL "
                    "AND repository IS NOT NULL"
                )
            },
        }


@pytest.fixture(scope="module")
def truth(emulated: EmulatedAWS, tiny: Estate, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """What a read without faults returns (images and pulls do not change between runs here)."""
    db = tmp_path_factory.mktemp("truth") / "w.duckdb"
    assert run_collection(emulated, tiny, db, options=REREAD, regions=list(REGIONS)).status == "complete"
    return _current(db)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(runs=st.lists(st.frozensets(st.sampled_from(FAULTS), max_size=3), min_size=1, max_size=3))
def test_every_part_is_its_last_good_read(
    emulated: EmulatedAWS, tiny: Estate, truth: dict[str, dict], runs: list[frozenset]
) -> None:
    ecr = {region: boto3.client("ecr", **emulated.client_kwargs(region)) for region in REGIONS}
    keys = [(r.region, r.name) for r in tiny.repositories if r.account_id == tiny.repositories[0].account_id]
    expected: dict[str, dict] = {"images": {}, "pulls": {}, "policy": {}}
    scopes_read: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.duckdb"
        for run, faults in enumerate(runs, start=1):
            emulated.clear_faults()
            for region, name in keys:
                ecr[region].put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=_policy(run))
            for op, service, region in faults:
                emulated.inject_fault(op, service=service, region=region)
            run_collection(emulated, tiny, db, options=REREAD, regions=list(REGIONS))
            denied = {(op, region) for op, _, region in faults}
            for key in keys:
                region = key[0]
                if ("DescribeRepositories", region) in denied:
                    continue  # nothing of this scope read: all its parts keep their value
                scopes_read.add(key)
                if ("DescribeImages", region) not in denied:
                    expected["images"][key] = truth["images"].get(key)
                if ("GetMetricData", region) not in denied:
                    expected["pulls"][key] = truth["pulls"].get(key)
                if ("GetLifecyclePolicy", region) not in denied:
                    expected["policy"][key] = _policy(run)
        emulated.clear_faults()
        current = _current(db)
    for key in sorted(scopes_read):
        for part, marker in (("images", "images"), ("pulls", "pulls"), ("policy", "lifecycle_policy")):
            assert current[part].get(key) == expected[part].get(key), (part, key, runs)
            if key not in expected[part]:  # never read: marked missing, not a silent zero
                assert (marker, *key) in current["missing"], (part, key, runs)
