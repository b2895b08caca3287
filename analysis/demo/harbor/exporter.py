"""The Harbor exporter's `/metrics` (Prometheus text format), from the data the Harbor holds."""

from __future__ import annotations

from collections.abc import Iterator

from analysis.demo.harbor.projects import HarborData


def exporter_text(data: HarborData) -> str:
    """What Harbor's exporter serves (harbor-facts §2.2), plus a Go runtime family collectors should skip."""
    lines = ["# HELP go_goroutines Number of goroutines.", "# TYPE go_goroutines gauge", "go_goroutines 42"]

    def family(name: str, help_: str, samples: Iterator[tuple[dict[str, str], float]]) -> None:
        lines.append(f"# HELP {name} {help_}")
        lines.append(f"# TYPE {name} gauge")
        for labels, v in samples:
            text = ",".join(f'{k}="{val}"' for k, val in labels.items())
            lines.append(f"{name}{{{text}}} {v}" if text else f"{name} {v}")

    ps = data.projects
    family(
        "harbor_project_quota_usage_byte",
        "quota usage",
        ((({"project_name": p.name}), data.project_usage(p)) for p in ps),
    )
    family("harbor_project_quota_byte", "quota", (({"project_name": p.name}, p.quota_hard) for p in ps))
    family(
        "harbor_artifact_pulled",
        "pulls",
        (({"project_name": p.name}, sum(r.pull_count for r in p.repositories)) for p in ps),
    )
    family(
        "harbor_project_repo_total",
        "repositories",
        (({"project_name": p.name, "public": str(p.public).lower()}, len(p.repositories)) for p in ps),
    )
    family(
        "harbor_project_artifact_total",
        "artifacts",
        (
            (
                {"artifact_type": "IMAGE", "project_name": p.name, "public": str(p.public).lower()},
                sum(len(r.artifacts) for r in p.repositories),
            )
            for p in ps
        ),
    )
    if data.has("exporter_storage_total"):
        family("harbor_statistics_total_storage_consumption", "blob table", iter([({}, data.total_storage())]))
    family("harbor_health", "health", iter([({}, 1)]))
    family("harbor_up", "component up", (({"component": c}, 1) for c in ("core", "database", "registry")))
    return "\n".join(lines) + "\n"
