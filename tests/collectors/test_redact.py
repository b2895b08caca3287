"""Redaction by rule: credential-looking keys and values are removed before anything is stored."""

from __future__ import annotations

import json

import pytest

from analysis.collectors.redact import REDACTED, redact, redact_json_text, redact_tags, redact_text, secret_key


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("password", True),
        ("redisPassword", True),
        ("access_secret", True),
        ("access_key", True),
        ("x-auth-token", True),
        ("api_key", True),
        ("apiKey", True),
        ("private_key", True),
        ("client_secret", True),
        ("db_passwd", True),
        ("credential_type", False),  # what kind of credential, not the credential
        ("auth_mode", False),
        ("name", False),
        ("key", False),  # a tag's "Key" is a name; its pair is judged by what the name says
        ("dest_namespace", False),
        ("delete_untagged", False),
    ],
)
def test_secret_key_names(key, secret):
    assert secret_key(key) is secret


def test_harbor_gc_redis_url_keeps_the_host_not_the_password():
    # the _REDIS_URL_REG shape of goharbor/harbor-helm#1605, which Harbor copies into GC job parameters
    params = {"redis_url_reg": "redis://:Sup3r-redis-pw@harbor-redis-master:6379/2?idle_timeout_seconds=30"}
    assert redact(params) == {"redis_url_reg": "redis://harbor-redis-master:6379/2?idle_timeout_seconds=30"}


@pytest.mark.parametrize(
    "text",
    [
        "https://user:pa55w0rd-x@git.example.com/org/repo.git",
        "https://ci@registry.example.com/v2/",
    ],
)
def test_url_user_info_goes(text):
    out = redact_text(text)
    assert "@" not in out and out.startswith("https://")


@pytest.mark.parametrize(
    "text",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
        "Authorization: Bearer abcdefghijklmnop",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB...",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "deploy with password=hunter2-long",
        "token: s3cr3t-t0ken-value",
    ],
)
def test_credential_looking_values_go_whatever_their_key(text):
    assert redact({"description": text}) == {"description": REDACTED}


@pytest.mark.parametrize(
    "text",
    [
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "0123456789abcdef0123456789abcdef01234567",  # a git commit id
        "arn:aws:iam::123456789012:role/ci-pusher",
        "https://api.ecr.eu-west-1.amazonaws.com",
        "platform/**",
        "0 0 2 * * *",
    ],
)
def test_ordinary_values_stay(text):
    assert redact({"value": text}) == {"value": text}


def test_empty_credentials_stay_empty_so_none_set_is_visible():
    assert redact({"access_key": "", "access_secret": "", "type": "basic"}) == {
        "access_key": "",
        "access_secret": "",
        "type": "basic",
    }


def test_tags_are_judged_by_their_key():
    stored = json.loads(
        redact_tags(
            [
                {"Key": "db_password", "Value": "plain-looking"},
                {"Key": "team", "Value": "payments"},
                {"Key": "backup", "Value": "s3://svc:pw-in-url@bucket/x"},
            ]
        )
    )
    assert stored == {"db_password": REDACTED, "team": "payments", "backup": "s3://bucket/x"}
    assert redact([{"Key": "api_token", "Value": "x1"}]) == [{"Key": "api_token", "Value": REDACTED}]


def test_a_policy_text_is_rewritten_only_when_something_was_removed():
    clean = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"}]}'
    assert redact_json_text(clean) == clean  # byte for byte
    leaky = json.dumps(
        {"Statement": [{"Condition": {"StringEquals": {"aws:PrincipalTag/deploy_token": "tok-123456"}}}]}
    )
    out = json.loads(redact_json_text(leaky))
    assert out["Statement"][0]["Condition"]["StringEquals"]["aws:PrincipalTag/deploy_token"] == REDACTED
    assert redact_json_text("not json, password=abc123") == REDACTED
    assert redact_json_text(None) is None


def test_an_oci_registrys_tags_are_redacted_before_they_are_loaded(tmp_path):
    from analysis.collectors.oci import RegistryResult
    from analysis.collectors.registry_records import RegistryArtifactRecord, RegistryRepositoryRecord
    from analysis.pipeline.registry import _load
    from analysis.warehouse import Warehouse

    planted = "ghp_PLANTEDociTag0123456789abcdefXYZ"
    result = RegistryResult("http://registry.local", "oci")
    result.repositories.append(
        RegistryRepositoryRecord("http://registry.local", "team", "team/app", None, None, 1, None, 2, None)
    )
    result.artifacts.append(
        RegistryArtifactRecord(
            "http://registry.local", "team", "team/app", "sha256:" + "a" * 64, ["v1", planted],
            None, None, None, None, None, None, [], False,
        )
    )  # fmt: skip
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        run_id = wh.start_run("oci", {"url": "http://registry.local"})
        _load(wh, run_id, result)
        wh.finish_run(run_id, "complete", {})
        tags = wh.query("SELECT image_tags FROM registry_artifacts")[0][0]
    assert tags == ["v1", REDACTED]
    assert planted.encode() not in b"".join(p.read_bytes() for p in tmp_path.glob("w.duckdb*"))
