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
    (
        14,
        "repository fingerprints and image counts (#20): a run's end derives only repositories whose images changed",
        """
        -- What each repository's profile rows were derived from: its image count and a fingerprint of its images
        -- (warehouse/profile_refresh.py says what goes in it). A daily run that collects every scope again finds
        -- most repositories as they were and derives again only those that changed, not ~45M blob references.
        CREATE TABLE profile_repository_basis (
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            repository_name VARCHAR NOT NULL,
            images BIGINT NOT NULL,
            fingerprint HUGEINT NOT NULL
        );

        -- Per repository, its images counted (storage_billing.PROFILE_TABLES says how): what `status`, the Data
        -- page and the estimate count without reading every image.
        CREATE TABLE profile_repository_images (
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            repository_name VARCHAR NOT NULL,
            images BIGINT NOT NULL,
            tagged_images BIGINT NOT NULL,    -- by the image's own tags and status
            untagged_images BIGINT NOT NULL,
            archived_images BIGINT NOT NULL,
            naive_bytes HUGEINT NOT NULL,     -- Σ imageSizeInBytes
            kept_images BIGINT NOT NULL,      -- as the profile sees them: an index's child by its index
            unkept_images BIGINT NOT NULL,
            inactive_images BIGINT NOT NULL,
            never_pulled_images BIGINT NOT NULL,
            tagged_image_bytes DOUBLE         -- mean size of an image kept by a tag (an index counts once)
        );

        -- profile_repository_first_push summed by calendar month of first push (UTC; NULL: no push time).
        CREATE TABLE profile_repository_push_months (
            account_id VARCHAR NOT NULL,
            region VARCHAR NOT NULL,
            repository_name VARCHAR NOT NULL,
            month TIMESTAMP,
            bytes HUGEINT
        );

        -- Whether an image billed in the standard class references the blob: ACTIVE itself, or the child of an
        -- ACTIVE index (`active` is the image's own status, as the lifecycle and the waves read it). Lets a run's
        -- end count each scope's unique bytes from the stored tables.
        ALTER TABLE profile_cross_repository_blobs ADD COLUMN standard BOOLEAN;

        -- Existing warehouses: forget the basis, so opening one derives every profile table, these included.
        DELETE FROM profile_basis;
        """,
    ),
]
