"""analysis/warehouse/schema.py and its migration modules: one ordered list, each version once."""

from __future__ import annotations

from analysis.warehouse import Warehouse
from analysis.warehouse.migrations_derived import DERIVED_MIGRATIONS
from analysis.warehouse.migrations_ecr import ECR_MIGRATIONS
from analysis.warehouse.migrations_measurements import MEASUREMENT_MIGRATIONS
from analysis.warehouse.migrations_registry import REGISTRY_MIGRATIONS
from analysis.warehouse.schema import LATEST_VERSION, MIGRATIONS, RUN_TABLES


def test_the_migrations_run_one_to_the_latest_without_gaps():
    assert [v for v, _, _ in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))
    modules = (ECR_MIGRATIONS, REGISTRY_MIGRATIONS, MEASUREMENT_MIGRATIONS, DERIVED_MIGRATIONS)
    assert sum(len(m) for m in modules) == LATEST_VERSION


def test_each_module_migrates_what_its_name_says():
    def created(migrations):
        return " ".join(sql for _, _, sql in migrations)

    assert "CREATE TABLE ecr_images" in created(ECR_MIGRATIONS)
    assert "CREATE TABLE registry_artifacts" in created(REGISTRY_MIGRATIONS)
    assert "CREATE TABLE trail_pull_events" in created(MEASUREMENT_MIGRATIONS)
    assert "CREATE TABLE plan_summaries" in created(DERIVED_MIGRATIONS)


def test_every_run_table_exists_after_migrating_and_carries_a_run_id(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        rows = wh.query("SELECT table_name FROM information_schema.columns WHERE column_name = 'run_id'")
    assert set(RUN_TABLES) <= {r[0] for r in rows}
