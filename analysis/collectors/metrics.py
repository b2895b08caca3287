"""Scrape a Prometheus text endpoint (Harbor's exporter, distribution's debug server) into timestamped samples.

Each scrape keeps its own timestamp: exporter values are gauges of the moment (quota usage, artifact counts,
`harbor_artifact_pulled` = Σ repository pull_count), so growth and pull rates are differences between the
scrapes of successive runs. Only the registry's own families are kept (`harbor_*`, `registry_*`); the
Go runtime and process families every exporter also serves say nothing about cost.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families

from analysis.collectors.http import HttpClient
from analysis.collectors.registry_records import MetricSampleRecord

KEPT_PREFIXES = ("harbor_", "registry_")

# Exporter metrics regcost reads (harbor-facts §2.2), so a missing one is noticed rather than silently absent.
HARBOR_EXPORTER_METRICS = (
    "harbor_project_quota_usage_byte",
    "harbor_project_quota_byte",
    "harbor_artifact_pulled",
    "harbor_project_repo_total",
    "harbor_project_artifact_total",
    "harbor_statistics_total_storage_consumption",
    "harbor_health",
    "harbor_up",
)


class MetricsError(ValueError):
    """The endpoint answered, but not with Prometheus text."""


def parse_samples(text: str, registry: str, url: str, scraped_at: datetime) -> list[MetricSampleRecord]:
    try:
        families = list(text_string_to_metric_families(text))
    except ValueError as exc:
        raise MetricsError(f"not Prometheus text exposition format: {exc}") from None
    out: list[MetricSampleRecord] = []
    for family in families:
        if not family.name.startswith(KEPT_PREFIXES):
            continue
        for s in family.samples:
            out.append(
                MetricSampleRecord(
                    registry=registry,
                    url=url,
                    scraped_at=scraped_at,
                    family=family.name,
                    family_type=family.type,
                    name=s.name,
                    labels=json.dumps(dict(s.labels), sort_keys=True),
                    value=float(s.value),
                )
            )
    return out


def scrape(client: HttpClient, path: str, registry: str) -> list[MetricSampleRecord]:
    """GET the metrics page (`path` may be a full URL) and parse it; raises HttpError / MetricsError."""
    # Never with the registry's credentials: an exporter needs none, and it may live on another host.
    resp = client.get(path, headers={"Accept": "text/plain;version=0.0.4"}, auth=False)
    scraped_at = datetime.now(UTC)
    return parse_samples(resp.text, registry, client.url(path), scraped_at)


def value(samples: list[MetricSampleRecord], name: str, **labels: str) -> float | None:
    """The first sample called `name` whose labels include `labels` (None when absent)."""
    for s in samples:
        if s.name == name and all(json.loads(s.labels).get(k) == v for k, v in labels.items()):
            return s.value
    return None
