"""The emulated Harbor exporter's /metrics: the same numbers the API gives, in Prometheus text format."""

from __future__ import annotations

from analysis.demo.harbor import sample_data
from analysis.demo.harbor.exporter import exporter_text


def _samples(text: str, name: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            labels, _, value = line.rpartition(" ")
            out[labels[len(name) :]] = float(value)
    return out


def test_quota_usage_per_project_is_what_the_project_is_charged() -> None:
    data = sample_data(admin_password="a", robot_secret="r")
    usage = _samples(exporter_text(data), "harbor_project_quota_usage_byte")
    assert usage == {f'{{project_name="{p.name}"}}': float(data.project_usage(p)) for p in data.projects}


def test_total_storage_includes_garbage_and_every_family_is_typed() -> None:
    data = sample_data(admin_password="a", robot_secret="r")
    text = exporter_text(data)
    assert _samples(text, "harbor_statistics_total_storage_consumption") == {"": float(data.total_storage())}
    families = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE")}
    assert {"harbor_project_quota_usage_byte", "harbor_up", "go_goroutines"} <= families
