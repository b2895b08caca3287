"""The one owner of the DuckDB connection: opening, migrating, runs, and bulk loads through Arrow.

Collectors never see this module; the CLI hands their typed records to `Warehouse` which loads them in
one transaction per (account, region) scope.

Writer and readers never block each other. DuckDB lets one process write a file and, while it does, no other
process may even read it; a reader holding the file stops a writer from opening it. So a writer never opens
the warehouse itself: it takes `<db>.lock` (one writer at a time), copies the warehouse to `<db>.staging`,
writes there, checkpoints, and renames the staging file over the warehouse when it closes (an atomic
replace). Readers open the warehouse read-only at any time and see the last published state; a reader open
during the rename keeps the file it opened. A writer killed midway leaves the warehouse as it was (its
staging file is discarded by the next writer).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from analysis import __version__
from analysis.warehouse.profile_derive import derive_all
from analysis.warehouse.profile_refresh import changed_repositories, refresh_repositories
from analysis.warehouse.schema import LATEST_VERSION, MIGRATIONS, RUN_TABLES
from analysis.warehouse.staging import fsync_dir, stage, take_writer_lock, wal
from analysis.warehouse.storage_billing import PROFILE_FRESH

if TYPE_CHECKING:  # not to open a warehouse: Arrow and numpy cost ~0.25 s of CPU before a collection's first call
    import pyarrow as pa

DEFAULT_DB = "regcost.duckdb"
# DuckDB's own default is 80 % of the machine's memory: on a shared machine one command over a 5M-image warehouse
# took 11–18 GiB. With a limit, its joins and aggregations spill to `<warehouse>.tmp` instead (issue #20).
MEMORY_LIMIT_ENV = "REGCOST_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "2GB"


class WarehouseError(Exception):
    """A problem with the warehouse file that a person can act on (locked, unreadable, too new)."""


def default_path() -> Path:
    return Path(os.environ.get("REGCOST_DB", DEFAULT_DB))


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ScopeKey:
    account_id: str
    region: str


class Warehouse:
    """A DuckDB warehouse file. Use as a context manager; `read_only=True` for readers."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.read_only = read_only
        self._fresh: bool | None = None  # profile_fresh's answer, kept by a reader
        self._lock: int | None = None
        self._staging: Path | None = None
        if read_only and not self.path.exists():
            raise WarehouseError(f"no warehouse at {self.path}: run `regcost collect ecr` or `regcost demo` first")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if read_only:
                self._con = duckdb.connect(str(self.path), read_only=True, config=_config())
            else:
                self._lock = take_writer_lock(self.path)
                self._staging = stage(self.path)
                self._con = duckdb.connect(str(self._staging), config=_config())
        except BlockingIOError:
            self._discard()
            raise WarehouseError(
                f"{self.path} is locked by another regcost process writing it (a collection or a migration); wait "
                "for it to finish or use another --db (readers such as status and the dashboard are never blocked)"
            ) from None
        except duckdb.IOException as exc:
            self._discard()
            raise WarehouseError(_explain_io_error(self.path, exc)) from None
        except duckdb.Error as exc:
            self._discard()
            raise WarehouseError(f"cannot open {self.path} as a DuckDB warehouse: {_first_line(exc)}") from None
        except BaseException:
            self._discard()
            raise
        try:
            if self.schema_version() == 0 and self._has_tables():
                raise WarehouseError(f"{self.path} is a DuckDB file but not a regcost warehouse; choose another --db")
            if not read_only:
                self.migrate()
            elif self.schema_version() < LATEST_VERSION:
                # A file written by an older regcost: upgrade it once (briefly as a writer), then read.
                self._con.close()
                Warehouse(self.path).close()
                self._con = duckdb.connect(str(self.path), read_only=True, config=_config())
            self._check_version()
        except BaseException:
            self._con.close()
            self._discard()
            raise

    # -- lifecycle ---------------------------------------------------------------------------------
    def close(self) -> None:
        """Close; a writer publishes what it committed by replacing the warehouse with its staging file."""
        if self._staging is None:
            self._con.close()
            return
        try:
            self._con.execute("CHECKPOINT")  # everything in the staging file itself, none in its WAL
            self._con.close()
            os.replace(self._staging, self.path)
            fsync_dir(self.path.parent)
            self._staging = None
        finally:
            self._discard()

    def publish(self) -> None:
        """Make what this writer committed so far the warehouse's published state, and go on writing (a run
        killed later keeps what was published; readers see it at once)."""
        if self._staging is None:
            return
        self._con.execute("CHECKPOINT")  # the staging file alone then holds every commit
        copy = self.path.with_name(self.path.name + ".publishing")
        shutil.copyfile(self._staging, copy)
        os.replace(copy, self.path)
        fsync_dir(self.path.parent)

    def _discard(self) -> None:
        """Drop an unpublished staging file and release the writer lock (after an error, or once published)."""
        if self._staging is not None:
            for leftover in (self._staging, wal(self._staging)):
                leftover.unlink(missing_ok=True)
            self._staging = None
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the flock
            self._lock = None

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own for a reader's queries: its temp tables and registered views live on it alone.

        The connection itself stays private: reads go through a cursor or a named query of this package,
        writes through the methods below and `transaction()`. A cursor sees what has been committed.
        """
        return self._con.cursor()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self._con.begin()
        try:
            yield self._con
        except BaseException:
            self._con.rollback()
            raise
        else:
            self._con.commit()

    # -- schema ------------------------------------------------------------------------------------
    def schema_version(self) -> int:
        exists = self._con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        ).fetchall()[0][0]
        if not exists:
            return 0
        return int(self._con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()[0][0])

    def _has_tables(self) -> bool:
        return bool(self._con.execute("SELECT count(*) FROM information_schema.tables").fetchall()[0][0])

    def _check_version(self) -> None:
        version = self.schema_version()
        if version > LATEST_VERSION:
            raise WarehouseError(
                f"{self.path} has schema version {version}, newer than this regcost knows "
                f"({LATEST_VERSION}); upgrade regcost"
            )

    def migrate(self) -> None:
        self._con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMPTZ)"
        )
        current = self.schema_version()
        if current > LATEST_VERSION:
            self._check_version()
        if not (pending := [m for m in MIGRATIONS if m[0] > current]):
            return
        # One commit, not one per migration (a new file's schema took twice as long); a writer's staging copy
        # (staging.py) already makes an upgrade whole or nothing.
        with self.transaction() as con:
            for version, description, sql in pending:
                con.execute(sql)
                con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?)", [version, description, _now()])
        # A file upgraded to the profile tables gets them derived now, not at its next collection (a new file's
        # first run derives them); a migration that leaves what they are derived from alone costs nothing here.
        if current > 0 and not self._con.execute(PROFILE_FRESH).fetchall()[0][0]:
            self.refresh_profile_tables()

    # -- runs --------------------------------------------------------------------------------------
    def abandon_stale_runs(self, keep: int | None = None) -> list[int]:
        """Mark runs still 'running' (but `keep`, being resumed) as aborted and drop their rows.

        Only one process can hold the file for writing, so a run that is still 'running' when a writer
        opens the file died midway (killed, crashed, power loss). Its complete scopes are discarded too:
        a snapshot is only trusted when the run that wrote it ended.
        """
        found = self._con.execute("SELECT run_id FROM runs WHERE status = 'running'").fetchall()
        stale = [r[0] for r in found if r[0] != keep]
        if not stale:
            return []
        with self.transaction() as con:
            for table in (*RUN_TABLES, "run_scopes"):
                con.execute(f"DELETE FROM {table} WHERE run_id IN (SELECT unnest(?))", [stale])
            con.execute(
                "UPDATE runs SET status = 'aborted', finished_at = ? WHERE run_id IN (SELECT unnest(?))",
                [_now(), stale],
            )
        return stale

    def start_run(self, source: str, scope: Mapping[str, Any]) -> int:
        self.abandon_stale_runs()
        row = self._con.execute(
            "INSERT INTO runs (source, scope, started_at, status, regcost_version) "
            "VALUES (?, ?, ?, 'running', ?) RETURNING run_id",
            [source, json.dumps(scope, sort_keys=True), _now(), __version__],
        ).fetchall()[0]
        return int(row[0])

    def finish_run(self, run_id: int, status: str, counts: Mapping[str, Any]) -> None:
        """End a run (its scopes become the current snapshot), then derive the profile tables from it.

        Two steps, not one transaction: if deriving fails (disk full, interrupted), the run's data is still
        kept; readers see the profile tables are stale and compute the profile from the raw tables instead.
        """
        self._con.execute(
            "UPDATE runs SET status = ?, finished_at = ?, counts = ? WHERE run_id = ?",
            [status, _now(), json.dumps(counts, sort_keys=True), run_id],
        )
        self.refresh_profile_tables()

    def refresh_profile_tables(self, *, full: bool = False) -> None:
        """Derive the profile_* tables from the current snapshot and the manifest cache, atomically: only for the
        repositories whose images changed since they were last derived (profile_refresh), unless `full` or most did.

        The expensive part of the workload profile is the union of blobs per repository, per registry and
        globally: every current image joined with its layers, config and manifest (≈ 7 rows per image).
        It changes only when a run finishes or manifests arrive, so it is computed here, once, and an
        estimate reads the aggregates (storage_billing.PROFILE_TABLES; readers check `profile_basis` and fall back
        to the same statements when the tables are stale).
        """
        # DuckDB draws its own progress bar on stderr for statements over 2 s; the CLI shows its own progress.
        self._con.execute("SET enable_progress_bar = false")
        if not full and self.profile_fresh():  # e.g. a Harbor run's end: ECR's snapshot is as it was derived
            return
        if not full and changed_repositories(self._con) is not None:
            with self.transaction() as con:
                refresh_repositories(con)
            return
        with self.transaction() as con:
            derive_all(con)

    # -- loads -------------------------------------------------------------------------------------
    def load_scope(
        self,
        run_id: int,
        scope: ScopeKey,
        status: str,
        tables: Mapping[str, pa.Table],
        errors: pa.Table | None = None,
        unread: pa.Table | None = None,
    ) -> None:
        """Load every table of one (account, region) and mark the scope loaded, atomically.

        `unread` (part, repository, operation, error_code, message): parts this run could not read. Their last
        good rows are copied from the current snapshot into this run's, and each is recorded in carried_parts
        with the run and time of that last good read (none: the part is missing).
        """
        with self.transaction() as con:
            for name, table in tables.items():
                self.insert(con, name, table)
            if errors is not None and errors.num_rows:
                self.insert(con, "collection_errors", errors)
            if unread is not None and unread.num_rows:
                self._carry(con, run_id, scope, unread)  # before run_scopes: current_* is still the last snapshot
            con.execute(
                "INSERT INTO run_scopes VALUES (?, ?, ?, ?, ?)",
                [run_id, scope.account_id, scope.region, status, _now()],
            )

    @staticmethod
    def _carry(con: duckdb.DuckDBPyConnection, run_id: int, scope: ScopeKey, unread: pa.Table) -> None:
        params = {"run": run_id, "acct": scope.account_id, "region": scope.region}
        con.register("_unread", unread)
        for part, table in CARRIED_ROWS.items():
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT * REPLACE (CAST($run AS BIGINT) AS run_id) FROM current_{table} "
                "WHERE account_id = $acct AND region = $region "
                f"AND repository_name IN (SELECT repository FROM _unread WHERE part = '{part}')",
                params,
            )
        con.execute(CARRY_PROVENANCE, params)
        con.unregister("_unread")

    def record_failed_scope(self, run_id: int, scope: ScopeKey, operation: str, code: str, message: str) -> None:
        """A scope this run could not read at all: its previous snapshot stays current, and says since when."""
        self._con.execute(
            "INSERT INTO carried_parts SELECT $run, $acct, $region, 'scope', NULL, $op, $code, $msg, "
            "s.run_id, s.finished_at FROM (SELECT 1) LEFT JOIN latest_scopes s "
            "ON s.account_id = $acct AND s.region = $region",
            {
                "run": run_id,
                "acct": scope.account_id,
                "region": scope.region,
                "op": operation,
                "code": code,
                "msg": message,
            },
        )

    def load_errors(self, errors: pa.Table) -> None:
        if errors.num_rows:
            with self.transaction() as con:
                self.insert(con, "collection_errors", errors)

    def load_manifests(self, tables: Mapping[str, pa.Table]) -> int:
        """Add manifests (and their layers and children) not already cached; returns how many were new."""
        manifests = tables["manifests"]
        if manifests.num_rows == 0:
            return 0
        with self.transaction() as con:
            con.register("_new_manifests", manifests)
            new = con.execute(
                "SELECT count(*) FROM (SELECT DISTINCT digest FROM _new_manifests) n "
                "WHERE digest NOT IN (SELECT digest FROM manifests)"
            ).fetchall()[0][0]
            # Children and layers first, filtered on manifests not yet known, then the manifests.
            for name, key in (("manifest_layers", "manifest_digest"), ("manifest_children", "index_digest")):
                con.register("_new_rows", tables[name])
                cols = ", ".join(tables[name].column_names)
                con.execute(
                    f"INSERT INTO {name} ({cols}) SELECT DISTINCT {cols} FROM _new_rows "
                    f"WHERE {key} NOT IN (SELECT digest FROM manifests)"
                )
                con.unregister("_new_rows")
            cols = ", ".join(manifests.column_names)
            con.execute(
                f"INSERT INTO manifests ({cols}) SELECT DISTINCT ON (digest) {cols} FROM _new_manifests "
                "WHERE digest NOT IN (SELECT digest FROM manifests)"
            )
            con.unregister("_new_manifests")
        return int(new)

    @staticmethod
    def insert(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
        """Bulk-append an Arrow table to `name` (its columns by name), inside the caller's transaction."""
        if table.num_rows == 0:
            return
        view = f"_load_{name}"
        con.register(view, table)
        cols = ", ".join(table.column_names)
        con.execute(f"INSERT INTO {name} ({cols}) SELECT {cols} FROM {view}")
        con.unregister(view)

    # -- reads used by collectors' caches ----------------------------------------------------------
    def known_manifest_digests(self) -> set[str]:
        return {r[0] for r in self._con.execute("SELECT digest FROM manifests").fetchall()}

    def latest_repository_settings(self) -> dict[tuple[str, str, str], dict[str, Any]]:
        """Settings of each repository in the current snapshot, for re-use within --settings-max-age."""
        rows = self._con.execute(
            "SELECT account_id, region, repository_name, resource_tags, lifecycle_policy_text, "
            "lifecycle_policy_evaluated_at, repository_policy_text, settings_fetched_at "
            "FROM current_ecr_repositories WHERE settings_fetched_at IS NOT NULL"
        ).fetchall()
        return {
            (r[0], r[1], r[2]): {
                "resource_tags": json.loads(r[3]) if r[3] else {},
                "lifecycle_policy_text": r[4],
                "lifecycle_policy_evaluated_at": r[5],
                "repository_policy_text": r[6],
                "settings_fetched_at": r[7],
            }
            for r in rows
        }

    def latest_registry_settings(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Registry settings and pull-through cache rules of each scope's current snapshot, for re-use."""
        cur = self._con.execute(
            "SELECT account_id, region, replication_rules, scanning_configuration, blob_mounting, "
            "pull_time_update_exclusions, registry_policy_text, settings_fetched_at "
            "FROM current_ecr_registries WHERE settings_fetched_at IS NOT NULL"
        )
        names = [d[0] for d in cur.description]
        out = {
            (r[0], r[1]): {**dict(zip(names, r, strict=True)), "pull_through_cache_rules": []} for r in cur.fetchall()
        }
        cur = self._con.execute("SELECT * EXCLUDE (run_id) FROM current_ecr_pull_through_cache_rules")
        names = [d[0] for d in cur.description]
        for row in cur.fetchall():
            rule = dict(zip(names, row, strict=True))
            if (rule["account_id"], rule["region"]) in out:
                out[(rule["account_id"], rule["region"])]["pull_through_cache_rules"].append(rule)
        return out

    def profile_fresh(self) -> bool:
        """Whether the profile tables describe the current snapshot (storage_billing.PROFILE_FRESH: 0.17 s at 20M
        images). A reader asks once: the file it opened read-only cannot change under it (a writer replaces the
        file, never writes into a reader's)."""
        if self.read_only and self._fresh is not None:
            return self._fresh
        fresh = bool(self._con.execute(PROFILE_FRESH).fetchall()[0][0])
        self._fresh = fresh if self.read_only else None
        return fresh

    def query(self, sql: str, params: list[Any] | Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of one statement, run on the warehouse's own connection (a writer's open transaction included)."""
        return self._con.execute(sql, params or []).fetchall()


# Parts carried as rows: copied from the current snapshot for the unread repositories.
CARRIED_ROWS = {"images": "ecr_images", "pulls": "ecr_pull_counts"}

# Where each unread part's value comes from: the previous snapshot (its run and finish time), or, when that
# snapshot carried the part itself, the original read. No previous value: from_run_id and read_at stay NULL.
CARRY_PROVENANCE = """
INSERT INTO carried_parts
WITH prev AS (SELECT run_id, finished_at FROM latest_scopes WHERE account_id = $acct AND region = $region),
repos AS (SELECT repository_name, settings_fetched_at FROM current_ecr_repositories
          WHERE account_id = $acct AND region = $region),
has AS (
    SELECT u.*, CASE
        WHEN u.part IN ('images', 'pulls') THEN u.repository IN (SELECT repository_name FROM repos)
        WHEN u.part LIKE 'registry:%' THEN EXISTS (
            SELECT 1 FROM current_ecr_registries g
            WHERE g.account_id = $acct AND g.region = $region AND g.settings_fetched_at IS NOT NULL)
        ELSE u.repository IN (SELECT repository_name FROM repos WHERE settings_fetched_at IS NOT NULL)
    END AS had_value
    FROM _unread u
)
SELECT $run, $acct, $region, h.part, h.repository, h.operation, h.error_code, h.message,
       CASE WHEN c.part IS NOT NULL THEN c.from_run_id WHEN h.had_value THEN prev.run_id END,
       CASE WHEN c.part IS NOT NULL THEN c.read_at WHEN h.had_value THEN prev.finished_at END
FROM has h
LEFT JOIN prev ON true
LEFT JOIN carried_parts c ON c.run_id = prev.run_id AND c.account_id = $acct AND c.region = $region
     AND c.part = h.part AND c.repository IS NOT DISTINCT FROM h.repository
"""


def with_run_id(table: pa.Table, run_id: int) -> pa.Table:
    """The table with a leading run_id column: every row of a snapshot names the run that wrote it."""
    import pyarrow as pa

    from analysis.collectors import arrow_columns

    return table.add_column(0, "run_id", arrow_columns.array([run_id] * table.num_rows, pa.int64()))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _explain_io_error(path: Path, exc: BaseException) -> str:
    text = str(exc)
    if "lock" in text.lower():
        return (
            f"{path} is locked by another regcost process (a collection or the dashboard writing); "
            "wait for it to finish or use another --db"
        )
    if "not a valid DuckDB" in text or "Invalid" in text or "database file" in text.lower():
        return f"{path} is not a DuckDB warehouse ({_first_line(exc)}); choose another --db"
    return f"cannot open {path}: {_first_line(exc)}"


def memory_limit() -> str:
    """How much memory DuckDB may use before it spills: $REGCOST_MEMORY_LIMIT (e.g. 4GB), or 2GB."""
    return os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


def _config() -> dict[str, str | bool | int | float | list[str]]:  # the type duckdb.connect takes
    """DuckDB settings of every warehouse connection: the memory limit."""
    return {"memory_limit": memory_limit()}
