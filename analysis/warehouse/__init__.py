"""DuckDB warehouse: the connection owner, its cursors and bulk loads (`db`, the writer's `staging`), the
migrations by what they migrate (`migrations_*`, assembled in `schema`), what ECR bills (`storage_billing`) and
named queries (`queries`, `registry_queries`, `quality`, `supply_chain`)."""

from analysis.warehouse.db import DEFAULT_DB, ScopeKey, Warehouse, WarehouseError, default_path, with_run_id

__all__ = ["DEFAULT_DB", "ScopeKey", "Warehouse", "WarehouseError", "default_path", "with_run_id"]
