"""Warehouse schema as one ordered list of migrations, assembled from the modules of what each migrates.

Each migration is applied once, in order, inside a transaction, and recorded in `schema_migrations`.
A new column or table is a new migration with the next version, added to the module of what it migrates
(migrations_ecr.py, migrations_registry.py, migrations_measurements.py, migrations_derived.py); an applied
migration is never edited, so a warehouse written by an older regcost upgrades in place. The statements that
derive the storage figures ECR bills are in storage_billing.py.
"""

from __future__ import annotations

from analysis.warehouse.migrations_derived import DERIVED_MIGRATIONS
from analysis.warehouse.migrations_ecr import ECR_MIGRATIONS
from analysis.warehouse.migrations_measurements import MEASUREMENT_MIGRATIONS
from analysis.warehouse.migrations_registry import REGISTRY_MIGRATIONS

MIGRATIONS: list[tuple[int, str, str]] = sorted(
    ECR_MIGRATIONS + REGISTRY_MIGRATIONS + MEASUREMENT_MIGRATIONS + DERIVED_MIGRATIONS
)
# Versions are applied in order and never skipped: a gap or a duplicate is a mistake in the modules above.
if [version for version, _, _ in MIGRATIONS] != list(range(1, len(MIGRATIONS) + 1)):
    raise RuntimeError(f"migration versions must run 1..n without gaps: {[v for v, _, _ in MIGRATIONS]}")

# Tables whose rows belong to a run: cleared for a run that died midway.
RUN_TABLES = (
    "carried_parts",
    "cost_responses",
    "cost_months",
    "cost_lines",
    "cost_network_lines",
    "ecr_repositories",
    "ecr_images",
    "ecr_registries",
    "ecr_pull_through_cache_rules",
    "ecr_pull_counts",
    "registry_snapshots",
    "registry_repositories",
    "registry_artifacts",
    "harbor_projects",
    "harbor_quotas",
    "harbor_policies",
    "harbor_registries",
    "harbor_gc_runs",
    "metrics_scrapes",
    "registry_accessories",
    "trail_pull_events",
    "trail_checks",
    "trail_sources",
    "network_subnets",
    "network_instances",
    "workload_refs",
)

LATEST_VERSION = MIGRATIONS[-1][0]
