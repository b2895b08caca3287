"""`regcost lifecycle` as a module: a policy evaluated on every repository of the collected demo estate, the
bytes it frees and what that saves a month at ECR's storage price ($0.10/GB-month in every demo region)."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import pytest
from support import today

from analysis.portability.billing import policies_to_run, read_outcomes, run_lifecycle
from analysis.portability.inventory import SCOPE, load_inventory
from analysis.pricing import load_catalog
from analysis.warehouse import Warehouse

GIB = 2**30
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


@pytest.fixture(scope="module")
def estate(collected_db):
    with Warehouse(collected_db, read_only=True) as wh:
        inv = load_inventory(wh)
        con = wh.cursor()
        yield inv, con
        con.close()


@pytest.fixture(scope="module")
def proposed(estate):
    inv, con = estate
    return run_lifecycle(inv, con, load_catalog(), at=today(), proposed=json.dumps(UNTAGGED_14), source="p.json")


def test_expiring_frees_standard_storage_at_ten_cents_a_gb(proposed):
    t = proposed.totals()
    assert t["images_expired"] > 0 and t["bytes_freed"] > 0
    assert t["images_archived"] == 0 and t["bytes_to_archive"] == 0
    # expire only: every freed byte was standard storage → saving = freed GB × $0.10
    assert t["monthly_saving"] == pytest.approx(t["bytes_freed"] / GIB * 0.10)
    r = proposed.repositories
    assert r["monthly_saving"].tolist() == pytest.approx((r["bytes_freed"] / GIB * 0.10).tolist())


def test_the_totals_add_up_the_repositories(proposed, estate):
    inv, _ = estate
    t, r = proposed.totals(), proposed.repositories
    assert t["repositories_evaluated"] == len(inv.repositories)  # a proposed policy runs on every repository
    assert t["repositories_with_actions"] == int(((r["expired"] + r["archived"]) > 0).sum())
    assert t["images_expired"] == int(r["expired"].sum())
    assert t["images_expired"] == int(proposed.outcomes["action"].eq("expire").sum())
    # only untagged images are expired, and only those pushed 14 days or more before
    expired = proposed.outcomes[proposed.outcomes["action"].eq("expire")]
    assert all(len(tags) == 0 for tags in expired["image_tags"])
    assert (expired["pushed_at"] <= today() - timedelta(days=14)).all()


def test_each_price_is_cited_once(proposed):
    cited = [(p["id"], p["location"]) for p in proposed.prices]
    assert len(cited) == len(set(cited))
    assert {p["id"] for p in proposed.prices} == {"ecr.storage.standard", "ecr.storage.archive"}


def test_a_malformed_policy_is_a_problem_per_repository_not_a_crash(estate):
    inv, con = estate
    report = run_lifecycle(inv, con, load_catalog(), at=today(), proposed='{"rules": 3}')
    assert report.totals()["malformed_policies"] == len(inv.repositories)
    assert report.problems[0]["reason"] == 'expected an object with a non-empty "rules" list'
    assert report.totals()["monthly_saving"] == 0.0


def test_without_a_proposal_only_repositories_with_a_policy_run(estate):
    inv, _ = estate
    collected = policies_to_run(inv, None, None)
    assert len(collected) == int(inv.repositories["lifecycle_policy_text"].notna().sum())
    one = inv.repositories["repository_name"].iloc[0]
    assert policies_to_run(inv, "{}", [one])["repository_name"].tolist() == [one]


def test_outcomes_of_some_repositories_are_those_rows_of_all_outcomes(estate):
    inv, con = estate
    # its own run: the outcomes live in the connection's temp tables, which the next run replaces
    run = run_lifecycle(inv, con, load_catalog(), at=today(), proposed=json.dumps(UNTAGGED_14), source="p.json")
    everything = run.outcomes
    assert all(isinstance(t, list) for t in everything["image_tags"])  # untagged: [], as the evaluator expects
    some = everything[SCOPE].drop_duplicates().iloc[::2]
    expected = everything.merge(some, on=SCOPE).reset_index(drop=True)
    pd.testing.assert_frame_equal(read_outcomes(con, some), expected)
