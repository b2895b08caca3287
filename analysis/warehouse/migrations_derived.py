"""Migrations of what readers derive from a snapshot and keep, so the next reader does not derive it again.

Part of the warehouse's one ordered list of migrations (assembled in schema.py by version). An applied migration is
never edited: a change is a new migration with the next version, in the module of what it migrates.
"""

from __future__ import annotations

DERIVED_MIGRATIONS: list[tuple[int, str, str]] = [
    (
        13,
        "plan summaries (#14): the migration plan's figures, kept for the snapshot they were built from",
        """
        -- The migration plan (analysis/portability/plan.py) takes seconds to minutes on a large estate and every
        -- estimate needs its engineer-days. A collection builds it once when it ends and keeps it here;
        -- estimate, report and the dashboard read it back when `basis` is still the snapshot's (a new run ending
        -- changes it) and `options` are theirs (as-of date, price catalog, regcost's code), else build their own.
        CREATE TABLE plan_summaries (
            basis VARCHAR NOT NULL,          -- the snapshot: newest run id, runs ended, last end (plan_summaries.py)
            options VARCHAR NOT NULL,        -- JSON: as-of date, catalog digest, wave size, code digest
            built_at TIMESTAMPTZ NOT NULL,
            build_seconds DOUBLE NOT NULL,   -- what a reader saves by reading it
            repositories BIGINT NOT NULL,    -- repositories in the waves (0: nothing to migrate, no effort)
            days_low DOUBLE NOT NULL,        -- engineer-days, as portability.plan.migration_days gives them
            days_base DOUBLE NOT NULL,
            days_high DOUBLE NOT NULL,
            plan_json VARCHAR NOT NULL,      -- portability.plan.as_dict, as `regcost plan --format json` writes it
            PRIMARY KEY (basis, options)
        );
        """,
    ),
]
