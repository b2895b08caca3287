"""A Prometheus page (Harbor's exporter) into samples: the registry's own families kept, the Go runtime's not."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from analysis.collectors.metrics import MetricsError, parse_samples, value

AT = datetime(2026, 6, 1, 12, tzinfo=UTC)

PAGE = """\
# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 42
# HELP harbor_project_quota_usage_byte The used resource of a project
# TYPE harbor_project_quota_usage_byte gauge
harbor_project_quota_usage_byte{project_name="library"} 1.073741824e+09
harbor_project_quota_usage_byte{project_name="team"} 5000
# HELP harbor_artifact_pulled The pull number of an artifact
# TYPE harbor_artifact_pulled gauge
harbor_artifact_pulled{project_name="team"} 17
# HELP registry_http_requests_total Total number of HTTP requests made.
# TYPE registry_http_requests_total counter
registry_http_requests_total{code="200",method="get"} 9
"""


def test_only_the_registrys_families_are_kept():
    samples = parse_samples(PAGE, "https://harbor.example", "https://harbor.example/metrics", AT)
    assert [(s.family, s.name) for s in samples] == [
        ("harbor_project_quota_usage_byte", "harbor_project_quota_usage_byte"),
        ("harbor_project_quota_usage_byte", "harbor_project_quota_usage_byte"),
        ("harbor_artifact_pulled", "harbor_artifact_pulled"),
        ("registry_http_requests", "registry_http_requests_total"),  # a counter's family drops `_total`
    ]
    first = samples[0]
    assert (first.registry, first.url, first.scraped_at) == (
        "https://harbor.example",
        "https://harbor.example/metrics",
        AT,
    )
    assert first.family_type == "gauge"
    assert json.loads(first.labels) == {"project_name": "library"}


def test_value_finds_a_sample_by_name_and_labels():
    samples = parse_samples(PAGE, "r", "u", AT)
    assert value(samples, "harbor_project_quota_usage_byte", project_name="library") == 2**30
    assert value(samples, "harbor_project_quota_usage_byte", project_name="team") == 5000
    assert value(samples, "harbor_project_quota_usage_byte") == 2**30  # the first one
    assert value(samples, "harbor_artifact_pulled", project_name="library") is None
    assert value(samples, "go_goroutines") is None  # not kept


def test_a_page_that_is_not_prometheus_text_is_an_error():
    with pytest.raises(MetricsError, match="not Prometheus text exposition format"):
        parse_samples("<html><body>login</body></html>\n", "r", "u", AT)
