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


# The plain definition of the bytes before and after, per repository where something is acted on: every blob
# reference of every image of those repositories grouped again (what `_bytes_and_saving` did before the profile's
# blob tables, issue #20). The oracle the profile-based figures must equal exactly.
_ORACLE_STATES = """
SELECT i.account_id, i.region, i.repository_name, i.image_digest,
       NOT i.archived AS active_before, coalesce(o.action, '') <> 'expire' AS kept,
       coalesce(o.action, '') NOT IN ('expire', 'archive') AND NOT i.archived AS active_after
FROM _lc_out o JOIN _lc_img i ON i.rowid = o.rid
WHERE (i.account_id, i.region, i.repository_name) IN (
    SELECT (account_id, region, repository_name) FROM _lc_out WHERE action IS NOT NULL
)
"""
# Expire untagged images after a day, archive (then expire) tagged ones beyond the newest two: images of one
# repository sharing base layers go and stay, and a blob changes class when its last ACTIVE image is archived.
_UNTAGGED_1 = {**UNTAGGED_14["rules"][0], "selection": {**UNTAGGED_14["rules"][0]["selection"], "countNumber": 1}}
_ARCHIVE_BEYOND_2 = {
    "rulePriority": 2,
    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 2},
    "action": {"type": "transition", "targetStorageClass": "archive"},
}
MIXED = {"rules": [_UNTAGGED_1, _ARCHIVE_BEYOND_2]}


@pytest.mark.parametrize("by_staying", [False, True], ids=["acted-side", "staying-side"])
@pytest.mark.parametrize("policy", [UNTAGGED_14, MIXED], ids=["expire", "expire-and-archive"])
def test_bytes_before_and_after_from_the_profile_equal_every_reference_grouped(estate, policy, by_staying):
    from analysis.portability.billing import state_bytes_sql
    from analysis.portability.inventory import state_bytes

    inv, con = estate
    report = run_lifecycle(inv, con, load_catalog(), at=today(), proposed=json.dumps(policy), source="p.json")
    # something is freed (and archived), and images share blobs, so the comparison below can fail
    assert report.totals()["bytes_freed"] > 0 and (policy is UNTAGGED_14 or report.totals()["images_archived"] > 0)
    assert con.execute("SELECT count(*) FROM profile_repository_shared_blobs").fetchall()[0][0] > 0
    # counted from the acted-on images' references, or from those of the images that stay (the side with fewer)
    ours = con.execute(state_bytes_sql(con, by_staying=by_staying)).df()
    oracle = state_bytes(con, _ORACLE_STATES, ["active_before", "kept", "active_after"])
    pd.testing.assert_frame_equal(ours, oracle[ours.columns], check_exact=True)
    assert (oracle["kept"] < oracle["all_before"]).any() and (oracle["active_after"] < oracle["active_before"]).any()
