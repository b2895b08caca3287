"""The Harbor payloads of a collected estate follow the official API spec; a payload off the spec fails."""

from __future__ import annotations

import json

import pytest

from analysis.portability.harbor_payloads import Call, PayloadError, build_calls, check, validate, write_calls
from analysis.portability.inventory import load_inventory
from analysis.portability.translate import design
from analysis.warehouse import Warehouse


@pytest.fixture(scope="module")
def harbor_design(collected_db):
    with Warehouse(collected_db, read_only=True) as wh:
        return design(load_inventory(wh))


def test_every_payload_of_the_design_validates_against_the_swagger(harbor_design, tmp_path):
    calls = build_calls(harbor_design)
    kinds = {c.definition for c in calls}
    assert {"Registry", "ProjectReq", "RetentionPolicy", "ImmutableRule"} <= kinds
    index = json.loads(write_calls(calls, tmp_path).read_text())  # validates, then writes
    assert len(index["calls"]) == len(calls)
    for entry in index["calls"]:
        body = json.loads((tmp_path / entry["file"]).read_text())
        assert validate(entry["definition"], body) == [], entry["file"]
        for pointer, source in entry["fill"].items():  # every id to fill comes from an earlier call
            assert source < entry["file"].removesuffix(".json")
            assert pointer.startswith("/")


def test_source_registries_use_the_aws_ecr_adapter_without_stored_secrets(harbor_design):
    calls = [c for c in build_calls(harbor_design) if c.definition == "Registry" and c.body["type"] == "aws-ecr"]
    assert calls
    for c in calls:
        assert c.body["url"].startswith("https://api.ecr.") and c.body["url"].endswith(".amazonaws.com")
        assert c.body["credential"]["access_secret"] == ""  # default credential chain, nothing secret on disk


@pytest.mark.parametrize(
    ("definition", "body", "expected"),
    [
        ("ProjectReq", {"project_name": "payments", "public": "yes"}, "public"),
        ("ProjectReq", {"project_name": "payments", "storage_limt": 10}, "storage_limt"),
        ("Registry", {"name": "ecr", "type": "aws-ecr", "url": 42}, "url"),
        (
            "RetentionPolicy",
            {
                "algorithm": "or",
                "scope": {"level": "project", "ref": 1},
                "trigger": {"kind": "Schedule", "settings": {"cron": "0 2 * * *"}},
                "rules": [],
            },
            "cron",
        ),
        (
            "RetentionPolicy",
            {
                "algorithm": "or",
                "scope": {"level": "project", "ref": "payments"},
                "trigger": {"kind": "Schedule", "settings": {"cron": "0 0 2 * * *"}},
                "rules": [],
            },
            "ref",
        ),
        ("ImmutableRule", {"action": "retain", "template": "latestPushedK"}, "immutable"),
        ("ReplicationPolicy", {"name": "x", "trigger": {"type": "manual", "cron": "0 0 * * * *"}}, "cron"),
    ],
)
def test_a_deliberately_wrong_payload_fails(definition, body, expected):
    errors = validate(definition, body)
    assert errors and any(expected in e for e in errors), errors
    with pytest.raises(PayloadError, match=expected):
        check([Call("001-wrong", "POST", "/x", definition, body)])


def test_a_retention_policy_over_15_rules_fails():
    rule = {
        "priority": 1,
        "disabled": False,
        "action": "retain",
        "template": "always",
        "params": {},
        "tag_selectors": [],
        "scope_selectors": {},
    }
    body = {
        "algorithm": "or",
        "scope": {"level": "project", "ref": 1},
        "trigger": {"kind": "Schedule", "settings": {"cron": "0 0 0 * * *"}},
        "rules": [rule] * 16,
    }
    assert any("at most 15" in e for e in validate("RetentionPolicy", body))


def test_the_spec_is_parsed_once_then_read_from_the_cache_with_the_same_definitions(tmp_path, monkeypatch):
    from analysis.portability import harbor_payloads as hp

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    spec = str(hp.spec_path())
    hp._definitions.cache_clear()
    parsed = hp._definitions(spec)  # parses the YAML, writes the cache
    (cached,) = (tmp_path / "regcost").glob("harbor-definitions-*.json")
    hp._definitions.cache_clear()
    assert hp._definitions(spec) == parsed  # a new process: read from the cache
    cached.write_text("{not json")  # a damaged cache is parsed again, not trusted
    hp._definitions.cache_clear()
    assert hp._definitions(spec) == parsed
    hp._definitions.cache_clear()
    assert "RetentionPolicy" in parsed and "ProjectReq" in parsed


def test_a_shape_found_valid_once_still_fails_on_a_value_or_type_the_spec_forbids():
    name = {"project_name": "payments", "metadata": {"public": "false"}}
    assert validate("ProjectReq", name) == []
    # ProjectReq limits the name's length: the same shape with a longer name is validated again and fails
    assert validate("ProjectReq", {**name, "project_name": "p" * 300}) != []
    policy = {"name": "wave1", "trigger": {"type": "manual"}, "enabled": True}
    assert validate("ReplicationPolicy", policy) == []
    assert validate("ReplicationPolicy", {**policy, "name": "wave2"}) == []  # same shape: no new verdict needed
    assert validate("ReplicationPolicy", {**policy, "enabled": "yes"}) != []  # a string where a boolean goes
