"""ECR's configuration translated to Harbor: names to projects, one Harbor path per source repository, filters
and endpoints as Harbor reads them."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.portability.inventory import load_inventory
from analysis.portability.translate import (
    _resolve_collisions,
    design,
    ecr_api_url,
    load_json,
    name_filter,
    registry_key,
    split_name,
)
from analysis.warehouse import Warehouse


def test_the_first_path_component_is_the_project():
    assert split_name("payments/api") == ("payments", "api")
    assert split_name("team/svc/worker") == ("team", "svc/worker")  # the rest stays one repository path
    assert split_name("nginx") == ("library", "nginx")  # Harbor's built-in project
    assert split_name("Odd_Team+X/api") == ("odd_team-x", "api")  # project names: a-z 0-9 . _ -


def test_prefix_filters_as_one_harbor_name_filter():
    assert name_filter([]) == "**"
    assert name_filter(["team/"]) == "team/**"
    assert name_filter(["web"]) == "{web*,web*/**}"  # a prefix without "/" matches `web-x` and `web/x`
    assert name_filter(["b/", "a/"]) == "{a/**,b/**}"


def test_endpoints_and_keys():
    assert ecr_api_url("eu-west-1") == "https://api.ecr.eu-west-1.amazonaws.com"
    assert ecr_api_url("cn-north-1") == "https://api.ecr.cn-north-1.amazonaws.com.cn"
    assert registry_key("111111111111", "us-east-1") == "ecr-111111111111-us-east-1"


def test_unreadable_json_counts_as_absent():
    assert load_json('{"a": 1}', {}) == {"a": 1}
    assert load_json(None, []) == []
    assert load_json(float("nan"), []) == []
    assert load_json("{not json", {}) == {}
    assert load_json("null", {}) == {}


def test_the_same_name_in_a_second_registry_moves_to_a_project_of_its_own():
    repos = pd.DataFrame(
        {
            "account_id": ["111111111111", "222222222222"],
            "region": ["us-east-1", "eu-west-1"],
            "repository_name": ["team/web", "team/web"],
            "project": ["team", "team"],
            "replica": [False, False],
        }
    )
    said: list = []
    _resolve_collisions(repos, said)
    assert repos["project"].tolist() == ["team", "team-222222222222-eu-west-1"]
    (t,) = said
    assert (t.kind, t.source, t.target, t.status) == (
        "project",
        "222222222222/eu-west-1/team/web",
        "project team-222222222222-eu-west-1",
        "approximate",
    )


@pytest.fixture(scope="module")
def harbor(collected_db):
    with Warehouse(collected_db, read_only=True) as wh:
        inv = load_inventory(wh)
    return inv, design(inv)


def test_every_collected_repository_has_exactly_one_harbor_path(harbor):
    inv, d = harbor
    assert len(d.mapping) == len(inv.repositories)
    live = d.mapping[~d.mapping["replica"]]
    paths = live["project"] + "/" + live["harbor_repository"]
    assert not paths.duplicated().any(), "two source repositories would share a Harbor path"
    assert set(live["project"]) <= set(d.projects)


def test_each_source_registry_is_an_endpoint(harbor):
    inv, d = harbor
    keys = {r["key"] for r in d.registries}
    for account, region in inv.repositories[["account_id", "region"]].drop_duplicates().itertuples(index=False):
        assert registry_key(account, region) in keys
