"""DuckDB warehouse: schema and migrations (`schema`), the connection owner and bulk loads (`db`)."""

from analysis.warehouse.db import DEFAULT_DB, ScopeKey, Warehouse, WarehouseError, default_path, with_run_id

__all__ = ["DEFAULT_DB", "ScopeKey", "Warehouse", "WarehouseError", "default_path", "with_run_id"]
