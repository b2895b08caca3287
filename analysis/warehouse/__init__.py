"""DuckDB warehouse: schema and migrations (`schema`), the connection owner and bulk loads (`db`)."""

from analysis.warehouse.db import DEFAULT_DB, ScopeKey, Warehouse, WarehouseError, default_path

__all__ = ["DEFAULT_DB", "ScopeKey", "Warehouse", "WarehouseError", "default_path"]
